//! The values representation: resources grouped into `root_module` and nested
//! `child_modules`, each with `values` and `sensitive_values`, plus `outputs`. It is used
//! three times: `planned_values` (objects as they will be after apply), `prior_state`
//! and `kiln show --json` (objects as the state records them).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value as J};

use kiln_core::addr::{ModulePath, ResourceAddr};
use kiln_core::config::version::KILN_VERSION;
use kiln_core::lang::Value;
use kiln_core::plan::{Action, Plan};
use kiln_core::schema::Schemas;
use kiln_core::state::{InstanceState, InstanceStatus, State};

use super::json_address::{fields, schema_of};
use super::json_change::planned_output;
use super::json_values::{mark_path, mark_resource, object, redacted, sensitive_tree, SENSITIVE};

/// The state format version of Terraform's state representation.
const STATE_FORMAT_VERSION: &str = "1.0";

/// Resources by the module instance they are in.
type ByModule = BTreeMap<ModulePath, Vec<J>>;

/// `{ resources, child_modules }` for `path`, with every module below it nested by
/// address as Terraform does (`module.a`, then `module.a.module.b` inside it). Modules
/// without resources of their own still appear when a module below them has some; empty
/// lists are left out, as Terraform leaves them out.
fn module_json(path: &ModulePath, all: &ByModule, root: bool) -> J {
    let depth = path.0.len();
    let children: BTreeSet<ModulePath> = all
        .keys()
        .filter(|p| p.0.len() > depth && p.0.starts_with(&path.0))
        .map(|p| ModulePath(p.0[..=depth].to_vec()))
        .collect();
    let child_modules: Vec<J> = children
        .iter()
        .map(|c| module_json(c, all, false))
        .collect();
    let resources = all.get(path).filter(|r| !r.is_empty());
    object(vec![
        ("address", (!root).then(|| J::String(path.to_string()))),
        ("resources", resources.map(|r| J::Array(r.clone()))),
        (
            "child_modules",
            (!child_modules.is_empty()).then_some(J::Array(child_modules)),
        ),
    ])
}

/// The root module of a values representation.
fn root_module(all: &ByModule) -> J {
    module_json(&ModulePath::root(), all, true)
}

/// `planned_values`: every object that will exist after apply, with what is known of
/// it, and the outputs.
pub(super) fn planned_values(plan: &Plan, schemas: &Schemas) -> J {
    let mut all = ByModule::new();
    for c in &plan.changes {
        let Some(after) = &c.after else { continue };
        if c.action == Action::Delete || !c.deposed.is_empty() {
            continue;
        }
        let r = &c.addr.resource;
        let v = mark_resource(after, schema_of(schemas, r.mode, &r.type_name));
        let mut entry = fields(&c.addr, &c.provider);
        entry.extend([
            ("schema_version", Some(J::from(0))),
            ("values", Some(redacted(&v))),
            ("sensitive_values", Some(sensitive_tree(&v))),
        ]);
        all.entry(r.module.clone()).or_default().push(object(entry));
    }
    let outputs: Map<String, J> = plan
        .outputs
        .iter()
        .filter_map(|o| Some((o.name.clone(), planned_output(o)?)))
        .collect();
    json!({ "outputs": outputs, "root_module": root_module(&all) })
}

/// One object of the state, with the paths the state records as sensitive and the
/// schema's sensitive attributes hidden.
fn state_object(
    r: &ResourceAddr,
    key: &kiln_core::addr::InstanceKey,
    deposed: &str,
    provider: &str,
    inst: &InstanceState,
    schemas: &Schemas,
) -> J {
    let mut v = Value::from_json(&inst.attributes);
    for path in &inst.sensitive_attributes {
        mark_path(&mut v, path);
    }
    let v = mark_resource(&v, schema_of(schemas, r.mode, &r.type_name));
    let mut entry = fields(&r.instance(key.clone()), provider);
    entry.extend([
        ("schema_version", Some(J::from(0))),
        ("values", Some(redacted(&v))),
        ("sensitive_values", Some(sensitive_tree(&v))),
        (
            "depends_on",
            (!inst.dependencies.is_empty()).then(|| json!(inst.dependencies)),
        ),
        (
            "tainted",
            (inst.status == Some(InstanceStatus::Tainted)).then_some(J::Bool(true)),
        ),
        (
            "deposed_key",
            (!deposed.is_empty()).then(|| J::String(deposed.to_string())),
        ),
    ]);
    object(entry)
}

/// `values` of a state representation: every recorded object and the outputs.
fn state_values(state: &State, schemas: &Schemas) -> J {
    let mut all = ByModule::new();
    for (r, rs) in &state.resources {
        for ((key, deposed), inst) in &rs.instances {
            let entry = state_object(r, key, deposed, &rs.provider, inst, schemas);
            all.entry(r.module.clone()).or_default().push(entry);
        }
    }
    let outputs: Map<String, J> = state
        .outputs
        .iter()
        .map(|(name, o)| {
            let value = if o.sensitive && !o.value.is_null() {
                J::String(SENSITIVE.into())
            } else {
                o.value.clone()
            };
            (
                name.clone(),
                json!({ "sensitive": o.sensitive, "value": value }),
            )
        })
        .collect();
    json!({ "outputs": outputs, "root_module": root_module(&all) })
}

/// The state representation: `prior_state` in a plan, and `kiln show --json`.
pub(super) fn state_document(state: &State, schemas: &Schemas) -> J {
    json!({
        "format_version": STATE_FORMAT_VERSION,
        "terraform_version": KILN_VERSION,
        "values": state_values(state, schemas),
    })
}
