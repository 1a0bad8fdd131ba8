//! Schemas of the provider-independent blocks inside image resources: `communicator`
//! and `provisioner`. They are validated with the configuration and run by a build.

use crate::lang::{Type, Value};
use crate::schema::{AttrSchema, Schema};

pub const PROVISIONER_TYPES: [&str; 5] =
    ["shell", "file", "shell-local", "powershell", "breakpoint"];
pub const COMMUNICATOR_TYPES: [&str; 2] = ["ssh", "none"];

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

/// Arguments every provisioner takes.
fn common() -> Schema {
    Schema::new()
        .attr("only", AttrSchema::optional(strings()))
        .attr("except", AttrSchema::optional(strings()))
        .attr("pause_before", AttrSchema::optional(Type::String))
        .attr("max_retries", AttrSchema::optional(Type::Number))
        .attr("timeout", AttrSchema::optional(Type::String))
}

pub fn provisioner_schema(kind: &str) -> Option<Schema> {
    let s = common();
    Some(match kind {
        "shell" | "powershell" => s
            .attr("inline", AttrSchema::optional(strings()))
            .attr("script", AttrSchema::optional(Type::String))
            .attr("scripts", AttrSchema::optional(strings()))
            .attr(
                "environment",
                AttrSchema::optional(Type::Map(Box::new(Type::String))),
            )
            .attr("execute_command", AttrSchema::optional(Type::String))
            .attr("expect_disconnect", AttrSchema::optional(Type::Bool))
            .attr(
                "valid_exit_codes",
                AttrSchema::optional(Type::List(Box::new(Type::Number))),
            ),
        "file" => s
            .attr("source", AttrSchema::optional(Type::String))
            .attr("content", AttrSchema::optional(Type::String))
            .attr("destination", AttrSchema::required(Type::String))
            .attr("direction", AttrSchema::optional(Type::String)),
        "shell-local" => s
            .attr("inline", AttrSchema::optional(strings()))
            .attr("script", AttrSchema::optional(Type::String))
            .attr("scripts", AttrSchema::optional(strings()))
            .attr("command", AttrSchema::optional(Type::String))
            .attr(
                "environment",
                AttrSchema::optional(Type::Map(Box::new(Type::String))),
            )
            .attr("working_dir", AttrSchema::optional(Type::String)),
        "breakpoint" => s.attr("note", AttrSchema::optional(Type::String)),
        _ => return None,
    })
}

pub fn communicator_schema(kind: &str) -> Option<Schema> {
    Some(match kind {
        "ssh" => Schema::new()
            .attr("username", AttrSchema::optional(Type::String))
            .attr("password", AttrSchema::optional(Type::String).sensitive())
            .attr("private_key_file", AttrSchema::optional(Type::String))
            .attr("port", AttrSchema::optional(Type::Number))
            .attr("timeout", AttrSchema::optional(Type::String))
            .attr("keep_alive_interval", AttrSchema::optional(Type::String))
            .attr("host_key", AttrSchema::optional(Type::String))
            .attr("bastion_host", AttrSchema::optional(Type::String))
            .attr("bastion_port", AttrSchema::optional(Type::Number))
            .attr("bastion_username", AttrSchema::optional(Type::String))
            .attr(
                "bastion_private_key_file",
                AttrSchema::optional(Type::String),
            ),
        "none" => Schema::new(),
        _ => return None,
    })
}

/// An image type's schema with the attributes that carry its build blocks to the
/// provider: `communicator` (object with `type`, or null) and `provisioners` (list of
/// objects with `type`). The evaluator fills them from the blocks.
pub fn with_build_blocks(body: Schema) -> Schema {
    body.attr(
        "communicator",
        AttrSchema::optional(Type::Any).describe("from the communicator block"),
    )
    .attr(
        "provisioners",
        AttrSchema::optional(Type::Any).describe("from the provisioner blocks, in order"),
    )
}

/// What provisioners know of their build machine as `build.*`.
pub const BUILD_FIELDS: [&str; 7] = [
    "host",
    "port",
    "user",
    "password",
    "ssh_private_key_file",
    "id",
    "name",
];

/// The text `build.<field>` evaluates to until a build runs: `${build.host}`. The build
/// machine exists only during apply, long after the configuration was evaluated, so each
/// field is a placeholder that the build replaces in every string of its provisioners
/// (Packer does the same with its build variables). Placeholders are constant, so the
/// machine's address never changes an image's fingerprint, and a plan shows them as
/// written. The price: a function applied to `build.host` sees the placeholder text.
pub fn build_placeholder_text(field: &str) -> String {
    format!("${{build.{field}}}")
}

/// `build.*` as provisioners see it while the configuration is evaluated.
pub fn build_placeholder() -> Value {
    Value::object_from(
        BUILD_FIELDS
            .iter()
            .map(|f| (*f, Value::string(build_placeholder_text(f)))),
    )
}
