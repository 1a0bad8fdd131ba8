//! The last steps of a plan: dependencies on every change, `--target` / `--exclude`,
//! `prevent_destroy`, and the changes of root outputs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::values::same;
use super::{Action, OutputChange, PlanMode, Reason, ResourceChange};
use crate::addr::{InstanceAddr, Mode, Target};
use crate::config::EvaluatedModule;
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::Value;
use crate::source::Span;
use crate::state::State;

/// Gives each change the resource addresses it depends on (recorded in state), and each
/// deleted object no longer in the configuration the instances its state says it
/// depended on (so deletes run in reverse order).
pub fn dependencies(
    changes: &mut [ResourceChange],
    deps: &mut HashMap<InstanceAddr, BTreeSet<InstanceAddr>>,
    state: &State,
) {
    let mut by_resource: HashMap<String, Vec<InstanceAddr>> = HashMap::new();
    for (addr, _, _, _) in state.objects() {
        by_resource
            .entry(addr.resource.to_string())
            .or_default()
            .push(addr.clone());
    }
    for c in changes.iter_mut() {
        // The configuration's graph orders everything it still has; a destroy of an object
        // whose state recorded its dependencies follows the record.
        let from_config = deps.contains_key(&c.addr)
            && (c.reason != super::Reason::DestroyMode || c.dependencies.is_empty());
        if !from_config {
            let set: BTreeSet<InstanceAddr> = c
                .dependencies
                .iter()
                .flat_map(|r| by_resource.get(r).cloned().unwrap_or_default())
                .collect();
            deps.entry(c.addr.clone()).or_default().extend(set);
            continue;
        }
        if c.action == Action::Delete {
            continue;
        }
        // Resources first, then names: with `count` an instance depends on many instances
        // of the same resource.
        let resources: BTreeSet<&crate::addr::ResourceAddr> = deps[&c.addr]
            .iter()
            .filter(|a| a.resource.mode == Mode::Managed)
            .map(|a| &a.resource)
            .collect();
        let names: BTreeSet<String> = resources.into_iter().map(ToString::to_string).collect();
        c.dependencies = names.into_iter().collect();
    }
}

/// With targets, only they and what they depend on change (in destroy mode: they and
/// what depends on them); excluded objects and what depends on them do not change.
pub fn filter_targets(
    changes: &mut [ResourceChange],
    deps: &HashMap<InstanceAddr, BTreeSet<InstanceAddr>>,
    targets: &[Target],
    excludes: &[Target],
) {
    if targets.is_empty() && excludes.is_empty() {
        return;
    }
    let destroying = changes.iter().all(|c| c.action == Action::Delete);
    let mut dependents: HashMap<&InstanceAddr, Vec<&InstanceAddr>> = HashMap::new();
    for (a, ds) in deps {
        for d in ds {
            dependents.entry(d).or_default().push(a);
        }
    }
    let closure = |seeds: Vec<InstanceAddr>, up: bool| -> HashSet<InstanceAddr> {
        let mut seen: HashSet<InstanceAddr> = HashSet::new();
        let mut stack = seeds;
        while let Some(a) = stack.pop() {
            if !seen.insert(a.clone()) {
                continue;
            }
            if up {
                stack.extend(deps.get(&a).into_iter().flatten().cloned());
            } else {
                stack.extend(
                    dependents
                        .get(&a)
                        .into_iter()
                        .flatten()
                        .map(|x| (*x).clone()),
                );
            }
        }
        seen
    };
    let matching = |ts: &[Target]| -> Vec<InstanceAddr> {
        changes
            .iter()
            .filter(|c| ts.iter().any(|t| t.contains(&c.addr)))
            .map(|c| c.addr.clone())
            .collect()
    };
    let allowed = (!targets.is_empty()).then(|| closure(matching(targets), !destroying));
    let excluded = closure(matching(excludes), false);
    for c in changes.iter_mut() {
        let keep =
            allowed.as_ref().is_none_or(|a| a.contains(&c.addr)) && !excluded.contains(&c.addr);
        if !keep {
            c.action = Action::NoOp;
            c.after = c.before.clone();
            c.replace_paths.clear();
        }
    }
}

pub fn check_prevent_destroy(
    changes: &[ResourceChange],
    prevent: &HashMap<InstanceAddr, Span>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for c in changes {
        let destroys = c.action == Action::Delete || c.action.is_replace();
        if !destroys || !c.deposed.is_empty() {
            continue;
        }
        if let Some(span) = prevent.get(&c.addr) {
            diags.push(
                Diagnostic::error(
                    "Instance cannot be destroyed",
                    format!("Resource {} has lifecycle.prevent_destroy set, but the plan calls for this resource to be {}. To continue, either set prevent_destroy = false, or leave this resource out of the plan with --exclude (or narrow the plan with --target).", c.addr, if c.action == Action::Delete { "destroyed" } else { "replaced (destroyed and created again)" }),
                )
                .at(*span)
                .with_address(c.addr.to_string()),
            );
        }
    }
    diags
}

/// Root outputs: what changes between the state and this plan.
pub fn output_changes(
    evaluated: &EvaluatedModule,
    state: &State,
    mode: PlanMode,
) -> Vec<OutputChange> {
    let mut out = Vec::new();
    let new: BTreeMap<&String, &Value> = if mode == PlanMode::Destroy {
        BTreeMap::new()
    } else {
        evaluated.outputs.iter().collect()
    };
    for (name, v) in &new {
        let before = state
            .outputs
            .get(*name)
            .map(|o| Value::from_json(&o.value).with_sensitive(o.sensitive));
        let action = match &before {
            None => Action::Create,
            Some(b) if same(b, v) => Action::NoOp,
            Some(_) => Action::Update,
        };
        out.push(OutputChange {
            name: (*name).clone(),
            action,
            sensitive: v.sensitive,
            before,
            after: Some((*v).clone()),
        });
    }
    for (name, o) in &state.outputs {
        if !new.contains_key(name) {
            out.push(OutputChange {
                name: name.clone(),
                action: Action::Delete,
                sensitive: o.sensitive,
                before: Some(Value::from_json(&o.value).with_sensitive(o.sensitive)),
                after: None,
            });
        }
    }
    out
}

/// Tells, on each replaced image, everything built from it that is replaced with it (its
/// dependents' dependents too): the immutable flow's consequence, said where it starts.
pub fn explain_replacements(
    changes: &mut [ResourceChange],
    deps: &HashMap<InstanceAddr, BTreeSet<InstanceAddr>>,
    schemas: &crate::schema::Schemas,
) {
    let replaced: HashSet<&InstanceAddr> = changes
        .iter()
        .filter(|c| c.action.is_replace() && c.deposed.is_empty())
        .map(|c| &c.addr)
        .collect();
    let mut dependents: HashMap<&InstanceAddr, Vec<&InstanceAddr>> = HashMap::new();
    for (a, ds) in deps {
        if replaced.contains(a) {
            for d in ds {
                dependents.entry(d).or_default().push(a);
            }
        }
    }
    let mut notes: Vec<(usize, String)> = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let is_image = schemas
            .resource(&c.addr.resource.type_name)
            .is_some_and(|s| s.kind == crate::schema::ResourceKind::Image);
        if !is_image || !replaced.contains(&c.addr) || !c.deposed.is_empty() {
            continue;
        }
        let mut seen: BTreeSet<&InstanceAddr> = BTreeSet::new();
        let mut stack = vec![&c.addr];
        while let Some(a) = stack.pop() {
            for d in dependents.get(a).into_iter().flatten() {
                if seen.insert(d) {
                    stack.push(d);
                }
            }
        }
        if !seen.is_empty() {
            let list: Vec<String> = seen.iter().map(|a| a.to_string()).collect();
            notes.push((
                i,
                format!(
                    "everything built from it is replaced too: {}",
                    list.join(", ")
                ),
            ));
        }
    }
    for (i, note) in notes {
        changes[i].causes.push(crate::provider::Cause::new(note));
    }
}

/// Marks the create-then-delete replacements whose old object is still used by objects
/// this plan leaves alone (a targeted run such as `kiln build`): the old object is kept,
/// deposed, and the next full apply deletes it once its users are replaced. Returns, per
/// change kept, who uses it.
pub fn keep_replaced_in_use(plan: &mut super::Plan) -> Vec<(InstanceAddr, Vec<String>)> {
    let moving: HashSet<InstanceAddr> = plan
        .changes
        .iter()
        .filter(|c| c.action.is_replace() || c.action == Action::Delete)
        .map(|c| c.addr.clone())
        .collect();
    let mut kept = Vec::new();
    for c in plan.changes.iter_mut() {
        if c.action != Action::CreateThenDelete || !c.deposed.is_empty() {
            continue;
        }
        let resource = c.addr.resource.to_string();
        let users: Vec<String> = plan
            .prior_state
            .objects()
            .filter(|(a, deposed, _, inst)| {
                deposed.is_empty() && !moving.contains(a) && inst.dependencies.contains(&resource)
            })
            .map(|(a, _, _, _)| a.to_string())
            .collect();
        if !users.is_empty() {
            c.keep_old = true;
            kept.push((c.addr.clone(), users));
        }
    }
    kept
}

/// Says, in words, when a change is caused by another object rather than by its own
/// configuration: a machine replaced because the image it is made from will be rebuilt
/// (its image id is then unknown until the build), or because something it is placed in
/// will be replaced.
pub fn explain_upstream(
    changes: &mut [ResourceChange],
    deps: &HashMap<InstanceAddr, BTreeSet<InstanceAddr>>,
    schemas: &crate::schema::Schemas,
) {
    let replaced: HashMap<InstanceAddr, bool> = changes
        .iter()
        .filter(|c| c.action.is_replace() && c.deposed.is_empty())
        .map(|c| {
            let image = schemas
                .resource(&c.addr.resource.type_name)
                .is_some_and(|s| s.kind == crate::schema::ResourceKind::Image);
            (c.addr.clone(), image)
        })
        .collect();
    for c in changes.iter_mut() {
        if !c.action.is_replace() || !c.deposed.is_empty() || c.reason != Reason::CannotUpdate {
            continue;
        }
        // Only when what forces it is not known yet: the value the other object's
        // replacement will produce. A forcing value known now is the configuration's doing.
        let after = c.after.as_ref();
        let forced_by_unknown = c.replace_paths.is_empty()
            || c.replace_paths.iter().any(|p| {
                after
                    .and_then(|v| super::values::get_at(v, p))
                    .is_some_and(|v| !v.is_wholly_known())
            });
        if !forced_by_unknown {
            continue;
        }
        let upstream: Vec<String> = deps
            .get(&c.addr)
            .into_iter()
            .flatten()
            .filter_map(|d| {
                replaced.get(d).map(|image| {
                    format!(
                        "{d} will be {}",
                        if *image { "rebuilt" } else { "replaced" }
                    )
                })
            })
            .collect();
        if !upstream.is_empty() {
            c.causes
                .insert(0, crate::provider::Cause::new(upstream.join(" and ")));
        }
    }
}

/// Says when a change answers what refresh found: an object changed or deleted outside
/// Kiln is replaced or made again.
pub fn explain_drift(changes: &mut [ResourceChange], drift: &[ResourceChange]) {
    for d in drift {
        let Some(c) = changes
            .iter_mut()
            .find(|c| c.addr == d.addr && c.deposed == d.deposed)
        else {
            continue;
        };
        let summary = match (d.action, c.action) {
            (Action::Delete, Action::Create) => "it was deleted outside Kiln".to_string(),
            (Action::Update, a) if a.is_replace() || a == Action::Update => {
                match (&d.before, &d.after) {
                    (Some(b), Some(a)) => {
                        let mut attrs = super::values::changed_attributes(b, a);
                        // Name what forces the replacement, when known; derived values
                        // (ids, checksums) changing along with it add nothing.
                        let forcing: BTreeSet<&str> = c
                            .replace_paths
                            .iter()
                            .filter_map(|p| match p.first() {
                                Some(crate::provider::PathStep::Attr(a)) => Some(a.as_str()),
                                _ => None,
                            })
                            .collect();
                        if attrs.iter().any(|a| forcing.contains(a.as_str())) {
                            attrs.retain(|a| forcing.contains(a.as_str()));
                        }
                        if attrs.is_empty() {
                            continue;
                        }
                        let more = attrs.len().saturating_sub(3);
                        attrs.truncate(3);
                        let list = attrs.join(", ");
                        if more > 0 {
                            format!("it was changed outside Kiln ({list} and {more} more)")
                        } else {
                            format!("it was changed outside Kiln ({list})")
                        }
                    }
                    _ => continue,
                }
            }
            _ => continue,
        };
        c.causes.insert(0, crate::provider::Cause::new(summary));
    }
}
