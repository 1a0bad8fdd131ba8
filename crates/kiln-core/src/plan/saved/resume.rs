//! Turning a plan file back into a [`Planned`] that apply carries out as it is: nothing
//! is refreshed or planned again. Sealed values come back from the state (which has the
//! same serial, so the same secrets) and from the configuration evaluated with the
//! sensitive variables given anew — each checked against its digest.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value as J;

use super::records::{addr, unseal_state};
use super::seal::{self, Sealer, Unseal};
use super::{check_variables, PlanFile};
use crate::addr::InstanceAddr;
use crate::config::Workspace;
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan::values::from_state;
use crate::plan::{Action, Engine, Plan, Planned, Recorded};
use crate::state::State;

/// Configurations that held sensitive values when planned: apply evaluates them again and
/// refuses to use one that differs from its digests.
#[derive(Clone)]
pub struct SealedConfigs {
    pub sealer: Sealer,
    pub configs: HashMap<InstanceAddr, J>,
}

impl SealedConfigs {
    /// `Err` with a message when `config` is not the one planned for `addr`.
    pub fn check(&self, addr: &InstanceAddr, config: &crate::lang::Value) -> Result<(), String> {
        match self.configs.get(addr) {
            Some(planned) if !self.sealer.matches(planned, config) => Err(format!(
                "The configuration of {addr} evaluated now is not the one in the plan file: a sensitive value it uses changed since the plan was made. Run kiln plan --out again."
            )),
            _ => Ok(()),
        }
    }
}

/// The plan in `file`, ready to apply against `current` (already checked to be the state
/// it was made against) with the configuration `ws` (already checked to be the one).
pub fn resume(
    engine: &Engine<'_>,
    ws: &Workspace,
    file: &PlanFile,
    current: &State,
) -> Result<Planned, Diagnostics> {
    let damaged = |e: String| -> Diagnostics {
        Diagnostic::error(
            "Cannot apply the plan file",
            format!("The plan file is damaged or cannot be used: {e}."),
        )
        .into()
    };
    let sealer = file.sealer()?;
    let (evaluated, d) = ws.evaluate(engine.schemas, engine.functions, None);
    if d.has_errors() {
        return Err(d);
    }
    let variables = crate::plan::root_variables(ws, &evaluated);
    check_variables(file, &variables, &sealer)?;

    let prior_state = unseal_state(&file.plan.prior_state, current, &sealer).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Cannot apply the plan file",
            format!("{e}: the object changed while the plan was made. Run kiln plan --out again."),
        ))
    })?;
    let mut changes = Vec::with_capacity(file.plan.changes.len());
    for r in &file.plan.changes {
        let mut c = r.to_change(Unseal::Unknown).map_err(damaged)?;
        // Values held in the state come back from it whole, secrets included.
        if r.before.as_ref().is_some_and(seal::has_sealed) {
            c.before = prior_state
                .objects()
                .find(|(a, d, ..)| *a == c.addr && *d == c.deposed.as_str())
                .map(|(.., inst)| {
                    from_state(inst, engine.schemas.resource(&c.addr.resource.type_name))
                });
            if c.action == Action::NoOp {
                c.after = c.before.clone();
            }
        }
        changes.push(c);
    }
    let mut drift = Vec::new();
    for r in &file.plan.drift {
        drift.push(r.to_change(Unseal::Placeholder).map_err(damaged)?);
    }
    let outputs = file
        .plan
        .outputs
        .iter()
        .map(|o| o.to_output())
        .collect::<Result<_, _>>()
        .map_err(damaged)?;
    let plan = Plan {
        mode: file.options.mode,
        drift,
        changes,
        outputs,
        leftovers: file.plan.leftovers.clone(),
        prior_state,
        diagnostics: Diagnostics::new(),
    };

    let mut recorded = Recorded::default();
    let mut sealed = HashMap::new();
    for (a, j) in &file.apply.configs {
        let a = addr(a).map_err(damaged)?;
        recorded.configs.insert(
            a.clone(),
            seal::decode(j, Unseal::Unknown).map_err(damaged)?,
        );
        if seal::has_sealed(j) {
            sealed.insert(a, j.clone());
        }
    }
    for (a, t) in &file.apply.triggers {
        recorded
            .triggers
            .insert(addr(a).map_err(damaged)?, t.clone());
    }
    // A data source with sensitive results is read again during apply rather than
    // handed to its dependents sealed.
    for (a, j) in file.apply.data.iter().filter(|(_, j)| !seal::has_sealed(j)) {
        recorded.data.insert(
            addr(a).map_err(damaged)?,
            seal::decode(j, Unseal::Unknown).map_err(damaged)?,
        );
    }
    let mut deps: HashMap<InstanceAddr, BTreeSet<InstanceAddr>> = HashMap::new();
    for (a, ds) in &file.apply.dependencies {
        let set = ds
            .iter()
            .map(|d| addr(d))
            .collect::<Result<_, _>>()
            .map_err(damaged)?;
        deps.insert(addr(a).map_err(damaged)?, set);
    }

    let mut diags = Diagnostics::new();
    let providers = crate::plan::configure_providers(engine, ws, &plan.prior_state, &mut diags)?;
    let mut plan = plan;
    plan.diagnostics = diags;
    Ok(Planned {
        plan,
        providers,
        deps,
        recorded,
        variables,
        sealed: Some(SealedConfigs {
            sealer,
            configs: sealed,
        }),
    })
}
