//! The `local` provider's schema.

use kiln_core::lang::Type;
use kiln_core::schema::{AttrSchema, ProviderSchema, ResourceKind, ResourceSchema, Schema};

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

pub fn local_schema() -> ProviderSchema {
    let mut p = ProviderSchema {
        name: "local".into(),
        ..Default::default()
    };
    p.resources.insert(
        "local_file".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "A file on the machine running Kiln. Any change replaces it.",
            body: Schema::new()
                .attr(
                    "filename",
                    AttrSchema::required(Type::String)
                        .force_new()
                        .describe("path of the file, relative to the module directory"),
                )
                .attr("content", AttrSchema::optional(Type::String).force_new())
                .attr(
                    "content_base64",
                    AttrSchema::optional(Type::String).force_new(),
                )
                .attr(
                    "source",
                    AttrSchema::optional(Type::String)
                        .force_new()
                        .describe("a file to copy"),
                )
                .attr(
                    "file_permission",
                    AttrSchema::optional_computed(Type::String).force_new(),
                )
                .attr(
                    "directory_permission",
                    AttrSchema::optional_computed(Type::String).force_new(),
                )
                .attr(
                    "id",
                    AttrSchema::computed(Type::String).describe("digest of the content"),
                )
                .attr("content_sha256", AttrSchema::computed(Type::String)),
        },
    );
    p.data_sources.insert(
        "local_command".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "Runs a program at plan time; its stdout must be a JSON object.",
            body: Schema::new()
                .attr(
                    "program",
                    AttrSchema::required(strings()).describe("the program and its arguments"),
                )
                .attr(
                    "query",
                    AttrSchema::optional(Type::Map(Box::new(Type::String)))
                        .describe("passed to the program as a JSON object on stdin"),
                )
                .attr("working_dir", AttrSchema::optional(Type::String))
                .attr("result", AttrSchema::computed(Type::Any))
                .attr("id", AttrSchema::computed(Type::String)),
        },
    );
    p
}
