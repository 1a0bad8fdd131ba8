//! Removing what interrupted builds left: every temporary resource the plan found in
//! state is deleted by its provider, all at once, before any other operation starts, and
//! forgotten in the change log once it is gone.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::log::{ChangeLog, LogEntry};
use crate::addr::InstanceAddr;
use crate::diag::{Diagnostic, Diagnostics};
use crate::event::{Event, EventSink};
use crate::plan::Leftover;
use crate::provider::DeleteTemporaryRequest;
use crate::provider_set::{provider_addr, ProviderSet};

/// Deletes `leftovers`; returns the entries recorded (for the walk's state) and the
/// errors of those that could not be removed (they stay in state for the next run).
pub async fn clean(
    leftovers: &[Leftover],
    providers: &ProviderSet,
    log: &Arc<dyn ChangeLog>,
    events: &dyn EventSink,
    base_dir: &Path,
) -> (Vec<LogEntry>, Diagnostics) {
    let runs = leftovers.iter().map(|l| async move {
        let t = &l.temporary;
        events.event(Event::CleanupStart {
            owner: t.owner.clone(),
            description: t.description.clone(),
        });
        let started = Instant::now();
        let diags = match providers.get(provider_addr(&t.provider)) {
            None => Diagnostic::error(
                format!("Cannot remove {} left by {}", t.description, t.owner),
                format!("The provider {} is not available.", t.provider),
            )
            .into(),
            Some(h) => {
                let owner = match InstanceAddr::parse(&t.owner) {
                    Ok(a) => a,
                    Err(e) => {
                        return (
                            l,
                            Diagnostic::error(
                                "A temporary resource in state names no valid owner",
                                format!("{}: {e}", t.owner),
                            )
                            .into(),
                            None,
                        )
                    }
                };
                let _permit = h.permit().await;
                h.provider
                    .delete_temporary(DeleteTemporaryRequest {
                        owner,
                        base_dir: base_dir.to_path_buf(),
                        kind: t.kind.clone(),
                        data: t.data.clone(),
                    })
                    .await
            }
        };
        if diags.has_errors() {
            return (l, diags, None);
        }
        let entry = LogEntry::TemporaryRemove { id: l.id.clone() };
        if let Err(msg) = log.record(entry.clone()).await {
            let d = Diagnostic::error(
                "Could not record the change in state",
                format!("{} was removed, but writing the state journal failed: {msg}. The next run will try to remove it again and find it gone.", t.description),
            );
            return (l, d.into(), None);
        }
        events.event(Event::CleanupDone {
            owner: t.owner.clone(),
            description: t.description.clone(),
            elapsed: started.elapsed(),
        });
        (l, diags, Some(entry))
    });
    let mut entries = Vec::new();
    let mut all = Diagnostics::new();
    for (l, diags, entry) in futures_util::future::join_all(runs).await {
        if let Some(d) = diags.iter().find(|d| d.is_error()) {
            events.event(Event::CleanupFailed {
                owner: l.temporary.owner.clone(),
                description: l.temporary.description.clone(),
                diagnostic: d.clone(),
            });
        }
        all.extend(diags);
        entries.extend(entry);
    }
    (entries, all)
}
