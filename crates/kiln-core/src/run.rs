//! What the engine lends a provider while it creates or updates an object: a place for
//! live output, the Ctrl-C signal, a ledger of temporary resources and the `--on-error`
//! choice. Image builds need all four (a build machine is a temporary resource, its
//! provisioners' output streams to the terminal, Ctrl-C must stop it and clean up); other
//! resources may ignore them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::provider::BoxFuture;

/// What a failed build does with what it made (`--on-error`, Packer's `-on-error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnError {
    /// Remove every temporary resource (the default).
    #[default]
    Cleanup,
    /// Keep the failed build machine for debugging; it stays recorded as a temporary
    /// resource, so the next run removes it.
    Abort,
}

/// A temporary resource a build is about to create: recorded before it exists, forgotten
/// once it is gone. `data` is the provider's own description (ids, paths, pids), handed
/// back to [`crate::provider::Provider::delete_temporary`] when a killed run left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Temporary {
    /// Unique within the state: the provider makes it (`build-3f2a…/vm`).
    pub id: String,
    /// The provider's kind of thing (`build_vm`, `key_pair`, `security_group`).
    pub kind: String,
    /// For people: "build machine (QEMU pid 4242, .kiln/images/.build-3f2a)".
    pub description: String,
    pub data: serde_json::Value,
}

/// Where temporary resources are recorded. `record` resolves once the record is durable,
/// so a resource is never created before the state knows of it.
pub trait TemporaryLedger: Send + Sync {
    fn record(&self, t: Temporary) -> BoxFuture<'_, Result<(), String>>;
    fn forget(&self, id: String) -> BoxFuture<'_, Result<(), String>>;
}

/// Where a long call's output goes while it runs: one line at a time, already bound to
/// the object the call is about (the terminal prefixes it with the address).
pub trait OutputSink: Send + Sync {
    fn line(&self, line: &str);
    /// The file that keeps the whole output; the run's summary lists it.
    fn log_file(&self, path: &Path);
}

#[derive(Clone)]
pub struct RunContext {
    pub output: Arc<dyn OutputSink>,
    /// Turns true on Ctrl-C: stop, clean up, return.
    pub cancel: watch::Receiver<bool>,
    pub temporaries: Arc<dyn TemporaryLedger>,
    pub on_error: OnError,
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("cancelled", &*self.cancel.borrow())
            .field("on_error", &self.on_error)
            .finish_non_exhaustive()
    }
}

impl RunContext {
    /// A context for calls made outside an apply (tests, tools): output is kept in memory,
    /// nothing cancels, temporaries are remembered only in memory.
    pub fn detached() -> (RunContext, Arc<Recorder>) {
        let (tx, rx) = watch::channel(false);
        let rec = Arc::new(Recorder {
            cancel: Mutex::new(Some(tx)),
            ..Default::default()
        });
        (
            RunContext {
                output: rec.clone(),
                cancel: rx,
                temporaries: rec.clone(),
                on_error: OnError::Cleanup,
            },
            rec,
        )
    }
}

/// An in-memory [`OutputSink`] and [`TemporaryLedger`], for tests.
#[derive(Default)]
pub struct Recorder {
    pub lines: Mutex<Vec<String>>,
    pub log_files: Mutex<Vec<PathBuf>>,
    pub temporaries: Mutex<Vec<Temporary>>,
    cancel: Mutex<Option<watch::Sender<bool>>>,
}

impl Recorder {
    /// What Ctrl-C does to a real run.
    pub fn cancel(&self) {
        if let Ok(c) = self.cancel.lock() {
            if let Some(tx) = &*c {
                let _ = tx.send(true);
            }
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn temporaries(&self) -> Vec<Temporary> {
        self.temporaries
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }
}

impl OutputSink for Recorder {
    fn line(&self, line: &str) {
        if let Ok(mut l) = self.lines.lock() {
            l.push(line.to_string());
        }
    }

    fn log_file(&self, path: &Path) {
        if let Ok(mut l) = self.log_files.lock() {
            l.push(path.to_path_buf());
        }
    }
}

impl TemporaryLedger for Recorder {
    fn record(&self, t: Temporary) -> BoxFuture<'_, Result<(), String>> {
        if let Ok(mut l) = self.temporaries.lock() {
            l.retain(|x| x.id != t.id);
            l.push(t);
        }
        Box::pin(async { Ok(()) })
    }

    fn forget(&self, id: String) -> BoxFuture<'_, Result<(), String>> {
        if let Ok(mut l) = self.temporaries.lock() {
            l.retain(|x| x.id != id);
        }
        Box::pin(async { Ok(()) })
    }
}
