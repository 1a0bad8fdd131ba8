//! How the walk makes each completed change durable before it reports it: every change
//! to state is a [`LogEntry`], recorded through a [`ChangeLog`] (the state's write-ahead
//! journal) and only then applied to the in-memory state.

use crate::addr::InstanceAddr;
use crate::provider::BoxFuture;
use crate::state::{InstanceState, State};

#[derive(Debug, Clone)]
pub enum LogEntry {
    Set {
        addr: InstanceAddr,
        deposed: String,
        provider: String,
        instance: InstanceState,
    },
    Remove {
        addr: InstanceAddr,
        deposed: String,
    },
}

impl LogEntry {
    pub fn apply_to(&self, state: &mut State) {
        match self {
            LogEntry::Set {
                addr,
                deposed,
                provider,
                instance,
            } => state.set(addr, deposed, provider, instance.clone()),
            LogEntry::Remove { addr, deposed } => {
                state.remove(addr, deposed);
            }
        }
    }
}

/// Where entries go; `record` resolves once the entry is durable.
pub trait ChangeLog: Send + Sync {
    fn record(&self, entry: LogEntry) -> BoxFuture<'_, Result<(), String>>;
}

/// Keeps nothing: for tests and benchmarks of the walk itself.
pub struct NoLog;

impl ChangeLog for NoLog {
    fn record(&self, _: LogEntry) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
}
