//! What can go wrong reading, writing and locking state, as data. Each case knows how to
//! become a [`Diagnostic`] that says what happened and what to do; nothing here prints.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::backend::LockInfo;
use crate::diag::Diagnostic;

#[derive(Debug)]
pub enum StateError {
    /// A file could not be read, written, synced or renamed.
    Io {
        /// "read", "write", "lock", … — the verb in "Kiln could not {action} {path}".
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A state file that is not valid JSON or not a valid state.
    Corrupt {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// Written by a newer Kiln: refused, and never rewritten, so that Kiln stays usable.
    NewerVersion { path: PathBuf, version: u64 },
    /// A format version this Kiln never wrote (0, or not a number).
    BadVersion { path: PathBuf, found: String },
    /// The lock is held by someone else and did not come free in time.
    Locked {
        lock_path: PathBuf,
        /// Read from the lock file; `None` when the holder has not recorded itself yet.
        holder: Option<Box<LockInfo>>,
        waited: Duration,
    },
    /// `force-unlock` of a lock whose holder is alive.
    HeldByLiveProcess {
        lock_path: PathBuf,
        holder: Box<LockInfo>,
    },
    /// `force-unlock ID` where the lock has another id.
    LockIdMismatch {
        lock_path: PathBuf,
        given: String,
        /// `None` when the lock file holds no readable lock information.
        actual: Option<Box<LockInfo>>,
    },
    /// `force-unlock` when there is no lock.
    NotLocked { lock_path: PathBuf },
    /// A state of another lineage: another infrastructure.
    LineageMismatch { current: String, incoming: String },
    /// A state that is not newer than the one it would replace.
    OlderSerial { current: u64, incoming: u64 },
    /// A journal line that is neither valid nor the torn last line.
    JournalCorrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The journal's writer stopped after an I/O error; later entries were not recorded.
    JournalFailed { path: PathBuf, message: String },
    /// The backend keeps no journal beside the state.
    NoJournal { backend: String },
}

impl StateError {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A diagnostic: a short stable summary and sentences saying what to do.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            StateError::Io {
                action,
                path,
                source,
            } => Diagnostic::error(
                "Cannot access state",
                format!(
                    "Kiln could not {action} {}: {source}. Check that the directory exists and that you may read and write it.",
                    path.display()
                ),
            ),
            StateError::Corrupt {
                path,
                line,
                column,
                message,
            } => Diagnostic::error(
                "Corrupt state file",
                format!(
                    "{}:{line}:{column}: {message}. The file is not a valid Kiln state and was left as it is. If it was edited by hand, fix it; otherwise restore {}.backup, the version before the last write.",
                    path.display(),
                    path.display()
                ),
            ),
            StateError::NewerVersion { path, version } => Diagnostic::error(
                "State written by a newer Kiln",
                format!(
                    "{} was written by a newer Kiln (format {version}, this Kiln reads {}): upgrade Kiln; the file was not changed.",
                    path.display(),
                    super::FORMAT_VERSION
                ),
            ),
            StateError::BadVersion { path, found } => Diagnostic::error(
                "Unsupported state format version",
                format!(
                    "{} has format version {found}, which no Kiln writes (this Kiln reads {}). The file was not changed; restore it from {}.backup or a copy.",
                    path.display(),
                    super::FORMAT_VERSION,
                    path.display()
                ),
            ),
            StateError::Locked {
                lock_path,
                holder,
                waited,
            } => {
                let waited = if waited.is_zero() {
                    "Kiln did not wait for it (--lock-timeout 0s).".to_string()
                } else {
                    format!("Kiln waited {} for it.", human_duration(*waited))
                };
                let who = match holder {
                    Some(h) => format!("The state is locked by another Kiln run:\n\n{}\n\n", describe_holder(h)),
                    None => "The state is locked by another Kiln run, which has not recorded who it is yet.\n\n".to_string(),
                };
                Diagnostic::error(
                    "State locked",
                    format!(
                        "{who}{waited} Wait for that run to finish, or give --lock-timeout (e.g. --lock-timeout 2m) to wait longer. The lock is an operating-system lock on {}: it is released when its process exits, even when it is killed.",
                        lock_path.display()
                    ),
                )
            }
            StateError::HeldByLiveProcess { lock_path, holder } => Diagnostic::error(
                "Lock held by a running process",
                format!(
                    "The lock on {} is held by a process that is still running:\n\n{}\n\nKiln cannot break an operating-system lock held by a live process, and would not want to: that run may be changing infrastructure now. Let it finish, or stop process {} yourself (its lock is released when it exits, even with kill -9), then run again.",
                    lock_path.display(),
                    describe_holder(holder),
                    holder.pid
                ),
            ),
            StateError::LockIdMismatch {
                lock_path,
                given,
                actual,
            } => {
                let actual = match actual {
                    Some(h) => format!("The current lock is:\n\n{}\n\nIf that is the lock you mean, run kiln force-unlock {}.", describe_holder(h), h.id),
                    None => format!("The lock file {} holds no readable lock information.", lock_path.display()),
                };
                Diagnostic::error(
                    "Lock ID does not match",
                    format!("The lock ID \"{given}\" is not the ID of the current lock. {actual}"),
                )
            }
            StateError::NotLocked { lock_path } => Diagnostic::error(
                "State not locked",
                format!(
                    "There is no lock to remove: {} does not exist.",
                    lock_path.display()
                ),
            ),
            StateError::LineageMismatch { current, incoming } => Diagnostic::error(
                "State lineage differs",
                format!(
                    "The state being written has lineage \"{incoming}\", but the current state has lineage \"{current}\": they record different infrastructures. Check that you are pushing the right file to the right configuration; use --force only to replace the state on purpose."
                ),
            ),
            StateError::OlderSerial { current, incoming } => Diagnostic::error(
                "State is not newer",
                format!(
                    "The state being written has serial {incoming}, but the current state has serial {current}: it is not newer, and writing it could lose changes made since. Pull the current state and make the change on it, or use --force to replace it anyway."
                ),
            ),
            StateError::JournalCorrupt {
                path,
                line,
                message,
            } => Diagnostic::error(
                "Corrupt state journal",
                format!(
                    "{}:{line}: {message}. The journal records changes a run made after the state was last written; a damaged entry in the middle cannot be skipped safely. The journal and the state were left as they are: inspect the journal, and move it aside once the state is known to be right.",
                    path.display()
                ),
            ),
            StateError::JournalFailed { path, message } => Diagnostic::error(
                "State journal failed",
                format!(
                    "Writing the journal {} failed earlier ({message}), so this change was not recorded. Stop the run, free the disk or fix the permissions, and run again: the state and journal hold every change recorded before the failure.",
                    path.display()
                ),
            ),
            StateError::NoJournal { backend } => Diagnostic::error(
                "No state journal",
                format!("The {backend} keeps no journal beside the state."),
            ),
        }
    }
}

/// The holder, one field a line, for lock errors.
fn describe_holder(h: &LockInfo) -> String {
    format!(
        "  ID:        {}\n  Who:       {}\n  Operation: {}\n  PID:       {}\n  Since:     {}",
        h.id, h.who, h.operation, h.pid, h.created
    )
}

fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else {
        format!("{}s", ms / 1000)
    }
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.to_diagnostic();
        write!(f, "{}: {}", d.summary, d.detail)
    }
}

impl std::error::Error for StateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StateError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
