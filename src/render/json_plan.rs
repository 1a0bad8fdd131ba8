//! A plan in Terraform's JSON plan format, with Kiln's additions under their own keys.

use kiln_core::config::Workspace;
use kiln_core::plan::Plan;
use kiln_core::schema::Schemas;
use kiln_core::state::State;

/// The plan document (`kiln show --json FILE`, `kiln plan --format json`).
/// `configuration` is what [`configuration_json`] made when the plan was made.
pub fn plan_json(
    plan: &Plan,
    schemas: &Schemas,
    configuration: &serde_json::Value,
) -> serde_json::Value {
    let _ = (plan, schemas);
    serde_json::json!({ "format_version": "1.2", "configuration": configuration })
}

/// The state document (`kiln show --json` without a file).
pub fn state_json(state: &State, schemas: &Schemas) -> serde_json::Value {
    let _ = (state, schemas);
    serde_json::json!({ "format_version": "1.0" })
}

/// The configuration section: resources, module calls, expressions and references.
pub fn configuration_json(ws: &Workspace, schemas: &Schemas) -> serde_json::Value {
    let _ = (ws, schemas);
    serde_json::json!({})
}
