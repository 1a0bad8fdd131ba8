//! Apply: carry out a plan. The operations ([`ops`]) run as tokio tasks as soon as what
//! they wait for is done, up to `parallelism` at once and within each provider's own
//! limits ([`crate::provider_set`]); each completed step is durable in the change log
//! before it is reported ([`task`]). Configurations that referred to values unknown at
//! plan time are evaluated again when those values exist ([`reeval`]). A failed operation
//! stops only what waits for it. Ctrl-C stops new work from starting.

mod leftovers;
pub mod log;
mod ops;
mod reeval;
mod task;
mod walk;

pub use log::{ChangeLog, LogEntry, NoLog};
pub use ops::OpKind;
pub use walk::apply;

use crate::addr::InstanceAddr;
use crate::diag::Diagnostics;
use crate::state::State;

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Operations in flight at once (`--parallelism`, default 64).
    pub parallelism: usize,
    /// What a failed image build does with its build machine (`--on-error`).
    pub on_error: crate::run::OnError,
}

impl Default for ApplyOptions {
    fn default() -> ApplyOptions {
        ApplyOptions {
            parallelism: 64,
            on_error: crate::run::OnError::Cleanup,
        }
    }
}

/// What an apply did.
#[derive(Debug)]
pub struct Outcome {
    /// The state after the apply (everything recorded in the log, plus outputs).
    pub state: State,
    pub done: Vec<(InstanceAddr, OpKind)>,
    pub failed: Vec<(InstanceAddr, OpKind)>,
    /// Not started: something they waited for failed, or the run was interrupted.
    pub skipped: Vec<(InstanceAddr, OpKind)>,
    pub interrupted: bool,
    /// When each completed create finished and how long it took (an image's build, for
    /// manifests).
    pub creates:
        std::collections::HashMap<InstanceAddr, (std::time::SystemTime, std::time::Duration)>,
    /// The log file of each build that ran, in the order they were announced.
    pub build_logs: Vec<(InstanceAddr, std::path::PathBuf)>,
    pub diagnostics: Diagnostics,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
}

/// The operations a plan would run, as DOT: an edge points from an operation to one it
/// waits for (`kiln graph --plan`).
pub fn operation_dot(planned: &crate::plan::Planned) -> String {
    let ops = ops::build(&planned.plan, &planned.deps);
    let label = |o: &ops::Op| {
        let c = &planned.plan.changes[o.change];
        let verb = match o.kind {
            OpKind::Create => "create",
            OpKind::Update => "update",
            OpKind::Delete => "delete",
            OpKind::Read => "read",
        };
        if o.kind == OpKind::Delete && !o.deposed.is_empty() {
            format!("{verb} {} (deposed)", c.addr)
        } else {
            format!("{verb} {}", c.addr)
        }
    };
    let nodes: Vec<(String, &str)> = ops
        .iter()
        .map(|o| {
            let style = if o.kind == OpKind::Delete {
                ", color = red"
            } else {
                ""
            };
            (label(o), style)
        })
        .collect();
    let mut edges: Vec<(String, String)> = ops
        .iter()
        .flat_map(|o| o.after.iter().map(|a| (label(o), label(&ops[*a]))))
        .collect();
    edges.sort();
    crate::graph::labelled_dot(&nodes, &edges)
}
