//! Deletes for objects in state that the configuration no longer produces — a removed
//! resource block, a removed module, a key gone from for_each, a count lowered — and for
//! deposed objects left by an interrupted create_before_destroy. In destroy mode, every
//! object is deleted.

use std::collections::HashSet;

use super::values::from_state;
use super::{Action, PlanMode, Reason, ResourceChange};
use crate::addr::{InstanceAddr, ModulePath, ResourceAddr};
use crate::config::EvaluatedModule;
use crate::schema::Schemas;
use crate::state::State;

pub fn plan_deletes(
    state: &State,
    evaluated: &EvaluatedModule,
    mode: PlanMode,
    schemas: &Schemas,
    changes: &mut Vec<ResourceChange>,
) {
    let planned: HashSet<InstanceAddr> = changes.iter().map(|c| c.addr.clone()).collect();
    let mut modules = HashSet::new();
    let mut resources = HashSet::new();
    collect(evaluated, &mut modules, &mut resources);
    for (addr, deposed, provider, inst) in state.objects() {
        let reason = if !deposed.is_empty() {
            Reason::Deposed
        } else if mode == PlanMode::Destroy {
            Reason::DestroyMode
        } else if planned.contains(&addr) {
            continue;
        } else if !modules.contains(&addr.resource.module) {
            Reason::NoModule
        } else if !resources.contains(&addr.resource) {
            Reason::NoConfig
        } else {
            Reason::NoInstance
        };
        let schema = schemas.resource(&addr.resource.type_name);
        changes.push(ResourceChange {
            addr: addr.clone(),
            deposed: deposed.to_string(),
            provider: provider.to_string(),
            action: Action::Delete,
            reason,
            before: Some(from_state(inst, schema)),
            after: None,
            replace_paths: Vec::new(),
            causes: Vec::new(),
            dependencies: inst.dependencies.clone(),
            create_before_destroy: inst.create_before_destroy,
            keep_old: false,
        });
    }
    if mode == PlanMode::Destroy {
        // Nothing but deletes: drop what the configuration walk recorded.
        changes.retain(|c| c.action == Action::Delete);
    }
}

fn collect(
    m: &EvaluatedModule,
    modules: &mut HashSet<ModulePath>,
    resources: &mut HashSet<ResourceAddr>,
) {
    modules.insert(m.path.clone());
    for r in &m.resources {
        resources.insert(ResourceAddr::new(
            m.path.clone(),
            r.mode,
            &r.type_name,
            &r.name,
        ));
    }
    for c in &m.children {
        collect(c, modules, resources);
    }
}
