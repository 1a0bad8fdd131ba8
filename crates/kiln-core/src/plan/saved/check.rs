//! What `kiln apply FILE` checks before changing anything: that the configuration, the
//! state and the variables are the ones the plan was made from. Each refusal says what
//! moved and what to do.

use std::collections::BTreeMap;

use super::seal::Sealer;
use super::PlanFile;
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::Value;
use crate::state::State;

const PLAN_AGAIN: &str = "Run kiln plan --out again and review the new plan.";

/// The configuration files now against those planned.
pub fn check_config(file: &PlanFile, now: &BTreeMap<String, String>) -> Result<(), Diagnostic> {
    let then = &file.config.files;
    let mut moved = Vec::new();
    for (path, digest) in then {
        match now.get(path) {
            None => moved.push(format!("{path} removed")),
            Some(d) if d != digest => moved.push(format!("{path} modified")),
            Some(_) => {}
        }
    }
    for path in now.keys().filter(|p| !then.contains_key(*p)) {
        moved.push(format!("{path} added"));
    }
    if moved.is_empty() {
        return Ok(());
    }
    Err(Diagnostic::error(
        "The configuration changed since the plan was made",
        format!(
            "The plan was made from a different configuration: {}. A saved plan is applied only with the configuration it was made from. {PLAN_AGAIN}",
            moved.join(", ")
        ),
    ))
}

/// The state now against the one planned against.
pub fn check_state(file: &PlanFile, state: &State) -> Result<(), Diagnostic> {
    let planned = &file.state;
    if state.applied_plan.as_deref() == Some(file.id.as_str()) {
        return Err(Diagnostic::error(
            "This plan was already applied",
            format!(
                "The state was last written by applying this plan file (plan {}). A plan is applied once. {PLAN_AGAIN}",
                file.id
            ),
        ));
    }
    if state.lineage != planned.lineage && !(planned.serial == 0 && state.serial == 0) {
        return Err(Diagnostic::error(
            "The plan was made for a different state",
            format!(
                "The plan was made against the state with lineage {}, but the state here has lineage {}: they record different infrastructures. Check the backend and --state options.",
                planned.lineage, state.lineage
            ),
        ));
    }
    if state.serial != planned.serial {
        return Err(Diagnostic::error(
            "The state changed since the plan was made",
            format!(
                "The plan was made against serial {} of the state; it is now at serial {}: another run has changed it since. Applying the plan could undo that run's work. {PLAN_AGAIN}",
                planned.serial, state.serial
            ),
        ));
    }
    Ok(())
}

/// The root variables now against those planned: equal values, or equal digests for the
/// sensitive ones, which a plan file never holds and must be given again.
pub fn check_variables(
    file: &PlanFile,
    now: &BTreeMap<String, Value>,
    sealer: &Sealer,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    for (name, planned) in &file.variables {
        let Some(value) = now.get(name) else {
            diags.push(Diagnostic::error(
                "A variable of the plan is gone",
                format!("The plan was made with var.{name}, which the configuration no longer declares. {PLAN_AGAIN}"),
            ));
            continue;
        };
        if sealer.matches(planned, value) {
            continue;
        }
        let sealed = planned.get("sealed").is_some();
        diags.push(if sealed {
            Diagnostic::error(
                "A sensitive variable differs from the plan",
                format!("var.{name} is sensitive, so the plan file keeps only a digest of it, and the value given now does not match. Give the value the plan was made with, in the environment variable KILN_VAR_{name} or with --var-file. {PLAN_AGAIN}"),
            )
        } else {
            Diagnostic::error(
                "A variable differs from the plan",
                format!("var.{name} has a different value from the one the plan was made with. A saved plan is applied with its own variables; leave out --var {name}=... or {}", PLAN_AGAIN.to_lowercase()),
            )
        });
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}
