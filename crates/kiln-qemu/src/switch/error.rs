//! The switch's one error type, for running it and for starting and stopping its daemon.
//!
//! Messages follow the project's diagnostic rules: say what failed, on which file, and what to
//! do about it. Nothing here prints.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

/// Why the switch could not run, start or stop.
#[derive(Debug)]
pub enum Error {
    /// A file or socket operation failed; `action` says which, with the path.
    Io { action: String, source: io::Error },
    /// Another switch process already serves this directory.
    AlreadyRunning { dir: PathBuf, pid: u32 },
    /// The daemon exited before its socket appeared.
    DaemonExited {
        status: ExitStatus,
        log: PathBuf,
        log_tail: String,
    },
    /// The daemon's socket did not appear in time; the daemon was killed.
    DaemonTimeout { log: PathBuf, log_tail: String },
    /// The daemon survived SIGTERM and SIGKILL.
    StopFailed { pid: u32 },
}

impl Error {
    pub(crate) fn io(action: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            action: action.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { action, source } => write!(f, "could not {action}: {source}"),
            Error::AlreadyRunning { dir, pid } => write!(
                f,
                "a switch (pid {pid}) already serves {}; stop it first or use that one",
                dir.display()
            ),
            Error::DaemonExited {
                status,
                log,
                log_tail,
            } => write!(
                f,
                "the switch daemon exited during start-up ({status}); the end of {}:\n{log_tail}",
                log.display()
            ),
            Error::DaemonTimeout { log, log_tail } => write!(
                f,
                "the switch daemon did not create its socket within 5 s and was killed; \
                 the end of {}:\n{log_tail}",
                log.display()
            ),
            Error::StopFailed { pid } => write!(
                f,
                "the switch daemon (pid {pid}) is still running after SIGTERM and SIGKILL"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
