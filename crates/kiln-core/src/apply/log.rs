//! How the walk makes each completed change durable before it reports it: every change
//! to state is a [`JournalEntry`], recorded through a [`ChangeLog`] (the state's
//! write-ahead journal) and only then applied to the in-memory state.

use crate::provider::BoxFuture;
use crate::state::Journal;
pub use crate::state::JournalEntry as LogEntry;

/// Where entries go; `record` resolves once the entry is durable.
pub trait ChangeLog: Send + Sync {
    fn record(&self, entry: LogEntry) -> BoxFuture<'_, Result<(), String>>;
}

impl ChangeLog for Journal {
    fn record(&self, entry: LogEntry) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            Journal::record(self, entry)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Keeps nothing: for tests and benchmarks of the walk itself.
pub struct NoLog;

impl ChangeLog for NoLog {
    fn record(&self, _: LogEntry) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
}
