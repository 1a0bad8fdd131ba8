//! A plan in Terraform's JSON plan format, with Kiln's additions under their own keys.
//!
//! The document is assembled here from its sections: the change representations
//! (`json_change`), the values representations of `planned_values` and `prior_state`
//! (`json_state`), and the `configuration` (`json_config`). Every value passes through
//! `json_values`, which hides sensitive values and leaves unknowns out. The shape is
//! documented by `docs/plan-json.schema.json` and `docs/plan-json.md`.

use serde_json::{json, Map, Value as J};

use kiln_core::config::version::KILN_VERSION;
use kiln_core::config::Workspace;
use kiln_core::plan::{Leftover, Plan};
use kiln_core::schema::Schemas;
use kiln_core::state::State;

use super::json_change::{output_change, resource_change};
use super::json_state::{planned_values, state_document};

/// The plan format version: the one of Terraform's whose keys this document follows.
const FORMAT_VERSION: &str = "1.2";

/// The plan document (`kiln show --json FILE`, `kiln plan --format json`).
/// `configuration` is what [`configuration_json`] made when the plan was made.
pub fn plan_json(
    plan: &Plan,
    schemas: &Schemas,
    configuration: &serde_json::Value,
) -> serde_json::Value {
    let errored = plan.diagnostics.has_errors();
    let outputs: Map<String, J> = plan
        .outputs
        .iter()
        .map(|o| (o.name.clone(), output_change(o)))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        // Policy tools require the key (checkov skips a file without it). Kiln is not
        // Terraform: the value is Kiln's version, and `kiln.kiln_version` says so.
        "terraform_version": KILN_VERSION,
        "planned_values": planned_values(plan, schemas),
        "resource_drift": plan.drift.iter().map(|c| resource_change(c, schemas)).collect::<Vec<_>>(),
        "resource_changes": plan.changes.iter().map(|c| resource_change(c, schemas)).collect::<Vec<_>>(),
        "output_changes": outputs,
        "prior_state": state_document(&plan.prior_state, schemas),
        "configuration": configuration,
        "applyable": plan.has_changes() && !errored,
        "complete": true,
        "errored": errored,
        "kiln": {
            "kiln_version": KILN_VERSION,
            "mode": plan.mode.to_string(),
            "leftovers": plan.leftovers.iter().map(leftover).collect::<Vec<_>>(),
        },
    })
}

/// A temporary resource an interrupted build left behind, deleted first by the apply.
/// Its provider data is left out: it is the provider's to read, and may hold keys.
fn leftover(l: &Leftover) -> J {
    let t = &l.temporary;
    json!({
        "id": l.id,
        "owner": t.owner,
        "provider": t.provider,
        "kind": t.kind,
        "description": t.description,
    })
}

/// The state document (`kiln show --json` without a file).
pub fn state_json(state: &State, schemas: &Schemas) -> serde_json::Value {
    state_document(state, schemas)
}

/// The configuration section: resources, module calls, expressions and references.
pub fn configuration_json(ws: &Workspace, schemas: &Schemas) -> serde_json::Value {
    super::json_config::configuration(ws, schemas)
}
