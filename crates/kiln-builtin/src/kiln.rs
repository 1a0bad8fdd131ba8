//! The `kiln` provider's schema.

use kiln_core::lang::Type;
use kiln_core::schema::{AttrSchema, ProviderSchema, ResourceKind, ResourceSchema, Schema};

pub fn kiln_schema() -> ProviderSchema {
    let mut p = ProviderSchema {
        name: "kiln".into(),
        ..Default::default()
    };
    p.resources.insert(
        "kiln_data".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description:
                "Stores a value in state; triggers_replace forces replacement when it changes.",
            body: Schema::new()
                .attr("input", AttrSchema::optional(Type::Any))
                .attr(
                    "triggers_replace",
                    AttrSchema::optional(Type::Any).force_new(),
                )
                .attr("output", AttrSchema::computed(Type::Any))
                .attr("id", AttrSchema::computed(Type::String)),
        },
    );
    p
}
