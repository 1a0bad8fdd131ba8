//! What the engine reports while it works. The core never prints: it sends [`Event`]s to
//! an [`EventSink`], and the CLI renders them (progress lines on a terminal, JSON lines
//! with `--json`).

use std::time::Duration;

use crate::addr::InstanceAddr;
use crate::diag::Diagnostic;
use crate::plan::Action;

#[derive(Debug, Clone)]
pub enum Event {
    /// Refresh of `count` objects of a type started.
    RefreshStart { type_name: String, count: usize },
    RefreshDone {
        type_name: String,
        count: usize,
        elapsed: Duration,
    },
    /// An apply action started on an object.
    ApplyStart {
        addr: InstanceAddr,
        deposed: String,
        action: Action,
    },
    /// Still working (sent every few seconds for long actions).
    ApplyProgress {
        addr: InstanceAddr,
        action: Action,
        elapsed: Duration,
    },
    /// The action completed and is durable in the journal. `id` is the object's id
    /// attribute when it has one.
    ApplyDone {
        addr: InstanceAddr,
        action: Action,
        elapsed: Duration,
        id: Option<String>,
    },
    ApplyFailed {
        addr: InstanceAddr,
        action: Action,
        elapsed: Duration,
        diagnostic: Diagnostic,
    },
    /// Not started because something it depends on failed or the run was interrupted.
    ApplySkipped {
        addr: InstanceAddr,
        action: Action,
        because: String,
    },
    /// Ctrl-C received: nothing new starts.
    Interrupted,
    /// A line of a running call's output (an image build's provisioners).
    Output { addr: InstanceAddr, line: String },
    /// The file that keeps a call's whole output.
    BuildLog {
        addr: InstanceAddr,
        path: std::path::PathBuf,
    },
    /// A temporary resource an interrupted run left is being removed.
    CleanupStart { owner: String, description: String },
    CleanupDone {
        owner: String,
        description: String,
        elapsed: Duration,
    },
    CleanupFailed {
        owner: String,
        description: String,
        diagnostic: Diagnostic,
    },
}

pub trait EventSink: Send + Sync {
    fn event(&self, e: Event);
}

/// Discards events (tests, benchmarks).
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&self, _: Event) {}
}
