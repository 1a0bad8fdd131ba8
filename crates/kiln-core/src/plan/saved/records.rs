//! The plan's parts as they are written in a plan file, and back.

use serde::{Deserialize, Serialize};
use serde_json::Value as J;

use super::seal::{self, Sealer, Unseal};
use super::PlanFile;
use crate::addr::InstanceAddr;
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::{Action, OutputChange, Plan, Reason, ResourceChange};
use crate::provider::{AttrPath, Cause, PathStep};
use crate::state::State;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeRecord {
    pub addr: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deposed: String,
    pub provider: String,
    pub action: Action,
    pub reason: Reason,
    pub before: Option<J>,
    pub after: Option<J>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_paths: Vec<AttrPath>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Cause>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub create_before_destroy: bool,
    #[serde(default)]
    pub keep_old: bool,
}

impl ChangeRecord {
    pub fn new(c: &ResourceChange, sealer: &Sealer) -> ChangeRecord {
        ChangeRecord {
            addr: c.addr.to_string(),
            deposed: c.deposed.clone(),
            provider: c.provider.clone(),
            action: c.action,
            reason: c.reason.clone(),
            before: c.before.as_ref().map(|v| sealer.encode(v)),
            after: c.after.as_ref().map(|v| sealer.encode(v)),
            replace_paths: c.replace_paths.clone(),
            causes: c.causes.clone(),
            dependencies: c.dependencies.clone(),
            create_before_destroy: c.create_before_destroy,
            keep_old: c.keep_old,
        }
    }

    pub fn to_change(&self, unseal: Unseal) -> Result<ResourceChange, String> {
        let value = |v: &Option<J>, what: &str| -> Result<_, String> {
            v.as_ref()
                .map(|j| seal::decode(j, unseal))
                .transpose()
                .map_err(|e| format!("{} ({what}): {e}", self.addr))
        };
        Ok(ResourceChange {
            addr: addr(&self.addr)?,
            deposed: self.deposed.clone(),
            provider: self.provider.clone(),
            action: self.action,
            reason: self.reason.clone(),
            before: value(&self.before, "before")?,
            after: value(&self.after, "after")?,
            replace_paths: self.replace_paths.clone(),
            causes: self.causes.clone(),
            dependencies: self.dependencies.clone(),
            create_before_destroy: self.create_before_destroy,
            keep_old: self.keep_old,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutputRecord {
    pub name: String,
    pub action: Action,
    pub before: Option<J>,
    pub after: Option<J>,
    #[serde(default)]
    pub sensitive: bool,
}

impl OutputRecord {
    pub fn new(o: &OutputChange, sealer: &Sealer) -> OutputRecord {
        // A sensitive output is sealed whole, whatever marks its value carries.
        let enc = |v: &crate::lang::Value| sealer.encode(&v.clone().with_sensitive(o.sensitive));
        OutputRecord {
            name: o.name.clone(),
            action: o.action,
            before: o.before.as_ref().map(enc),
            after: o.after.as_ref().map(enc),
            sensitive: o.sensitive,
        }
    }

    pub fn to_output(&self) -> Result<OutputChange, String> {
        let value = |v: &Option<J>| {
            v.as_ref()
                .map(|j| seal::decode(j, Unseal::Placeholder))
                .transpose()
                .map_err(|e| format!("output {}: {e}", self.name))
        };
        Ok(OutputChange {
            name: self.name.clone(),
            action: self.action,
            before: value(&self.before)?,
            after: value(&self.after)?,
            sensitive: self.sensitive,
        })
    }
}

pub fn addr(text: &str) -> Result<InstanceAddr, String> {
    InstanceAddr::parse(text).map_err(|e| format!("the address {text:?}: {e}"))
}

/// The state as JSON with every sensitive attribute and output sealed.
pub fn seal_state(state: &State, sealer: &Sealer) -> J {
    let mut state = state.clone();
    for rs in state.resources.values_mut() {
        for inst in rs.instances.values_mut() {
            for path in &inst.sensitive_attributes {
                if let Some(node) = json_at_mut(&mut inst.attributes, path) {
                    *node = serde_json::json!({"sealed": sealer.digest_json(node)});
                }
            }
        }
    }
    for o in state.outputs.values_mut() {
        if o.sensitive {
            o.value = serde_json::json!({"sealed": sealer.digest_json(&o.value)});
        }
    }
    serde_json::to_value(&state).unwrap_or(J::Null)
}

/// The prior state with its sealed values taken back from `current` — the state now,
/// which has the same lineage and serial, so the same secrets — each checked against its
/// digest. `Err` names what could not be restored.
pub fn unseal_state(sealed: &J, current: &State, sealer: &Sealer) -> Result<State, String> {
    let mut state: State =
        serde_json::from_value(sealed.clone()).map_err(|e| format!("its prior state: {e}"))?;
    for (raddr, rs) in state.resources.iter_mut() {
        for ((key, deposed), inst) in rs.instances.iter_mut() {
            let addr = raddr.instance(key.clone());
            for path in inst.sensitive_attributes.clone() {
                let Some(node) = json_at_mut(&mut inst.attributes, &path) else {
                    continue;
                };
                let Some(digest) = sealed_digest(node) else {
                    continue;
                };
                let now = current
                    .objects()
                    .find(|(a, d, ..)| *a == addr && *d == deposed.as_str())
                    .and_then(|(.., i)| json_at(&i.attributes, &path).cloned());
                match now {
                    Some(v) if sealer.digest_json(&v) == digest => *node = v,
                    _ => {
                        return Err(format!(
                            "a sensitive attribute of {addr} ({}) read while planning is not the one in the state",
                            crate::provider::path_to_string(&path)
                        ))
                    }
                }
            }
        }
    }
    for (name, o) in state.outputs.iter_mut() {
        if let Some(digest) = sealed_digest(&o.value) {
            match current.outputs.get(name) {
                Some(now) if sealer.digest_json(&now.value) == digest => {
                    o.value = now.value.clone()
                }
                _ => {
                    return Err(format!(
                        "the sensitive output {name} is not the one in the state"
                    ))
                }
            }
        }
    }
    Ok(state)
}

fn sealed_digest(j: &J) -> Option<String> {
    let o = j.as_object()?;
    (o.len() == 1)
        .then(|| o.get("sealed")?.as_str().map(str::to_string))
        .flatten()
}

fn json_at<'a>(j: &'a J, path: &[PathStep]) -> Option<&'a J> {
    path.iter().try_fold(j, |node, step| match step {
        PathStep::Attr(k) | PathStep::Key(k) => node.get(k),
        PathStep::Index(i) => node.get(*i),
    })
}

fn json_at_mut<'a>(j: &'a mut J, path: &[PathStep]) -> Option<&'a mut J> {
    path.iter().try_fold(j, |node, step| match step {
        PathStep::Attr(k) | PathStep::Key(k) => node.get_mut(k),
        PathStep::Index(i) => node.get_mut(*i),
    })
}

/// The plan for `kiln show FILE`: the prior state keeps its seals (values that are only
/// rendered, and hidden there).
pub fn plan_for_show(file: &PlanFile) -> Result<Plan, Diagnostic> {
    let damaged = |e: String| {
        Diagnostic::error(
            "Cannot read the plan file",
            format!("The plan file is damaged: {e}."),
        )
    };
    let changes = |rs: &[ChangeRecord]| -> Result<Vec<ResourceChange>, Diagnostic> {
        rs.iter()
            .map(|r| r.to_change(Unseal::Placeholder).map_err(damaged))
            .collect()
    };
    let prior_state: State = serde_json::from_value(file.plan.prior_state.clone())
        .map_err(|e| damaged(format!("its prior state: {e}")))?;
    Ok(Plan {
        mode: file.options.mode,
        drift: changes(&file.plan.drift)?,
        changes: changes(&file.plan.changes)?,
        outputs: file
            .plan
            .outputs
            .iter()
            .map(|o| o.to_output().map_err(damaged))
            .collect::<Result<_, _>>()?,
        leftovers: file.plan.leftovers.clone(),
        prior_state,
        diagnostics: Diagnostics::new(),
    })
}
