//! The `test` provider's schema: `test_object` and the `test_echo` data source.

use kiln_core::lang::Type;
use kiln_core::schema::{
    AttrSchema, BlockSchema, Nesting, ProviderSchema, ResourceKind, ResourceSchema, Schema,
};

/// The values `fail` accepts, each naming the call that fails.
pub const FAIL_VALUES: [&str; 6] = [
    "create",
    "create_partial",
    "update",
    "delete",
    "read",
    "plan",
];

pub fn test_schema() -> ProviderSchema {
    let mut p = ProviderSchema {
        name: "test".into(),
        ..Default::default()
    };
    let s = || AttrSchema::optional(Type::String);
    let rule = Schema::new()
        .attr("port", AttrSchema::required(Type::Number))
        .attr("proto", s());
    p.resources.insert(
        "test_object".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "An object in the test provider's in-memory world.",
            body: Schema::new()
                .attr("name", s())
                .attr("value", s().describe("updated in place"))
                .attr(
                    "labels",
                    AttrSchema::optional(Type::Map(Box::new(Type::String)))
                        .describe("updated in place"),
                )
                .attr("replace_me", s().force_new())
                .attr("secret", s().sensitive())
                .attr(
                    "fail",
                    s().describe(
                        "create, create_partial, update, delete, read or plan: that call fails",
                    ),
                )
                .attr(
                    "delay_ms",
                    AttrSchema::optional(Type::Number).describe("each call sleeps this long"),
                )
                .attr(
                    "id",
                    AttrSchema::computed(Type::String).describe("obj-<address hash>-<n>"),
                )
                .attr(
                    "computed_value",
                    AttrSchema::computed(Type::String)
                        .describe("value in upper case; known after apply when value changes"),
                )
                .block("rule", BlockSchema::new(Nesting::List, rule)),
        },
    );
    p.data_sources.insert(
        "test_echo".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "Returns its input as output.",
            body: Schema::new()
                .attr("input", AttrSchema::required(Type::String))
                .attr("output", AttrSchema::computed(Type::String)),
        },
    );
    p
}
