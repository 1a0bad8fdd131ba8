//! The `kiln` provider: `kiln_data`, a value kept in state (Terraform's `terraform_data`).
//! Nothing outside Kiln exists, so refresh never finds drift and delete has nothing to do.

use kiln_core::diag::Diagnostics;
use kiln_core::lang::{Type, Value};
use kiln_core::provider::{
    ApplyRequest, ApplyResponse, BoxFuture, DeleteRequest, ImportRequest, ImportResponse,
    PlanRequest, PlanResponse, Provider, ReadRequest, ReadResponse,
};
use kiln_core::schema::{AttrSchema, ProviderSchema, ResourceKind, ResourceSchema, Schema};

use crate::object::{attr, engine_bug, is_unknown, same, set_attr};
use crate::unknown_type;

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
                .attr(
                    "output",
                    AttrSchema::computed(Type::Any).describe("a copy of input"),
                )
                .attr(
                    "id",
                    AttrSchema::computed(Type::String).describe("a random UUID, fixed at create"),
                ),
        },
    );
    p
}

/// Keeps values in state. Stateless apart from its schema.
#[derive(Debug, Clone)]
pub struct KilnProvider {
    schema: ProviderSchema,
}

impl KilnProvider {
    pub fn new() -> KilnProvider {
        KilnProvider {
            schema: kiln_schema(),
        }
    }
}

impl Default for KilnProvider {
    fn default() -> KilnProvider {
        KilnProvider::new()
    }
}

impl Provider for KilnProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// The object lives only in state: it is as recorded.
    fn read(&self, req: ReadRequest) -> BoxFuture<'_, ReadResponse> {
        let diagnostics = check_type(&req.type_name);
        let objects = req.items.into_iter().map(|i| Some(i.prior)).collect();
        Box::pin(async move {
            ReadResponse {
                objects,
                diagnostics,
            }
        })
    }

    /// `output` follows `input` (known as soon as `input` is); `id` stays unless the object
    /// is new or replaced.
    fn plan(&self, req: PlanRequest) -> PlanResponse {
        let diagnostics = check_type(&req.type_name);
        let input = attr(&req.config, "input").cloned().unwrap_or(Value::null());
        let mut planned = set_attr(req.proposed, "output", input);
        let replaced = req.prior.as_ref().is_none_or(|prior| {
            is_unknown(&req.config, "triggers_replace")
                || !same(
                    attr(prior, "triggers_replace"),
                    attr(&req.config, "triggers_replace"),
                )
        });
        if replaced {
            planned = set_attr(planned, "id", Value::unknown(Type::String));
        }
        PlanResponse {
            causes: Vec::new(),
            planned,
            requires_replace: Vec::new(),
            diagnostics,
        }
    }

    fn create(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move { stored(req, None) })
    }

    fn update(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move {
            let id = req
                .prior
                .as_ref()
                .and_then(|p| attr(p, "id"))
                .cloned()
                .filter(Value::is_wholly_known);
            stored(req, id)
        })
    }

    fn delete(&self, req: DeleteRequest) -> BoxFuture<'_, Diagnostics> {
        let diagnostics = check_type(&req.type_name);
        Box::pin(async move { diagnostics })
    }

    /// Adopts an id: the object starts with no input, as if created empty.
    fn import(&self, req: ImportRequest) -> BoxFuture<'_, ImportResponse> {
        let diagnostics = check_type(&req.type_name);
        let object = (!diagnostics.has_errors()).then(|| {
            Value::object_from([
                ("input", Value::null()),
                ("triggers_replace", Value::null()),
                ("output", Value::null()),
                ("id", Value::string(req.id)),
            ])
        });
        Box::pin(async move {
            ImportResponse {
                object,
                diagnostics,
            }
        })
    }
}

fn check_type(type_name: &str) -> Diagnostics {
    if type_name == "kiln_data" {
        Diagnostics::new()
    } else {
        unknown_type("kiln", type_name)
    }
}

/// The new state: the planned value with `output` = `input` and `id` from the plan, from
/// `keep_id` (the prior object's), or a fresh UUID, in that order.
fn stored(req: ApplyRequest, keep_id: Option<Value>) -> ApplyResponse {
    let diagnostics = check_type(&req.type_name);
    if diagnostics.has_errors() {
        return ApplyResponse {
            private: None,
            new_state: req.prior,
            diagnostics,
        };
    }
    let input = attr(&req.planned, "input")
        .cloned()
        .unwrap_or(Value::null());
    if !input.is_wholly_known() || is_unknown(&req.planned, "triggers_replace") {
        return ApplyResponse {
            private: None,
            new_state: req.prior,
            diagnostics: engine_bug(
                "Unknown planned values",
                format!(
                    "kiln_data {} was applied with input or triggers_replace not yet known.",
                    req.cx.addr
                ),
            ),
        };
    }
    let planned_id = attr(&req.planned, "id")
        .cloned()
        .filter(Value::is_wholly_known);
    let id = planned_id
        .or(keep_id)
        .filter(|v| !v.is_null())
        .unwrap_or_else(|| Value::string(uuid::Uuid::new_v4().to_string()));
    let state = set_attr(req.planned, "output", input);
    ApplyResponse {
        private: None,
        new_state: Some(set_attr(state, "id", id)),
        diagnostics: Diagnostics::new(),
    }
}
