//! Apply: carry out a plan. The operations ([`ops`]) run as tokio tasks as soon as what
//! they wait for is done, up to `parallelism` at once and within each provider's own
//! limits ([`crate::provider_set`]); each completed step is durable in the change log
//! before it is reported ([`task`]). Configurations that referred to values unknown at
//! plan time are evaluated again when those values exist ([`reeval`]). A failed operation
//! stops only what waits for it. Ctrl-C stops new work from starting.

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
}

impl Default for ApplyOptions {
    fn default() -> ApplyOptions {
        ApplyOptions { parallelism: 64 }
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
    pub diagnostics: Diagnostics,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
}
