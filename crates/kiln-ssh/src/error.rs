//! The one error type of the crate. Each variant carries the context a person needs to act
//! on it (which file, which host, how long we waited, which fingerprints), so callers can
//! show the message as it is.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::exec::ExitStatus;

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while making keys, connecting, running commands or copying files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system's random source failed while generating a key.
    #[error("could not generate an ed25519 key: {0}")]
    KeyGeneration(String),

    /// A key could not be encoded to or decoded from the OpenSSH format.
    #[error("{what} is not a usable OpenSSH key: {message}")]
    KeyFormat {
        /// Where the key came from, e.g. "the private key file /x/id_ed25519".
        what: String,
        message: String,
    },

    /// A local key file could not be read or written.
    #[error("could not {action} the key file {}: {source}", path.display())]
    KeyFile {
        /// "read" or "write".
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },

    /// The server never sent an SSH identification line in time.
    #[error(
        "no SSH server answered on {host}:{port} within {:.1}s; last seen: {last}",
        waited.as_secs_f64()
    )]
    BannerTimeout {
        host: String,
        port: u16,
        waited: Duration,
        /// What the last attempt saw: a connect error, silence, or the first bytes received.
        last: String,
    },

    /// Connecting kept failing with transient errors until `connect_timeout` ran out.
    #[error(
        "could not connect to {user}@{host}:{port} within {:.1}s ({attempts} attempts); last error: {last}",
        waited.as_secs_f64()
    )]
    ConnectTimeout {
        user: String,
        host: String,
        port: u16,
        waited: Duration,
        attempts: u32,
        last: String,
    },

    /// The pinned host key (`Target::host_key`) is not an OpenSSH public key line.
    #[error("the pinned host key {key:?} is not an OpenSSH public key: {message}")]
    InvalidPinnedKey { key: String, message: String },

    /// The server presented a different host key than the pinned one.
    #[error(
        "the SSH server at {host}:{port} presented host key {got}, but {expected} was pinned; \
         the machine was replaced, or something is intercepting the connection"
    )]
    HostKeyMismatch {
        host: String,
        port: u16,
        /// SHA-256 fingerprint of the pinned key.
        expected: String,
        /// SHA-256 fingerprint of the key the server presented.
        got: String,
    },

    /// The server refused our credentials. Not retried: waiting does not fix a wrong key.
    #[error(
        "the SSH server at {host}:{port} rejected {method} authentication for user {user:?}{}",
        if remaining.is_empty() { String::new() } else { format!(" (it accepts: {remaining})") }
    )]
    AuthRejected {
        user: String,
        host: String,
        port: u16,
        /// "public key" or "password".
        method: &'static str,
        /// Methods the server said it would accept, comma separated.
        remaining: String,
    },

    /// The bastion (jump host, [`crate::Target::bastion`]) hop failed: connecting to it,
    /// closing it, or its refusal to forward connections at all. Failures of the hop behind
    /// it are reported with the other variants, which name that machine.
    #[error("bastion {bastion}: {source}")]
    Bastion {
        /// The bastion as `user@host:port`.
        bastion: String,
        source: Box<Error>,
    },

    /// The SSH protocol failed after the connection was established.
    #[error("{context}: {source}")]
    Ssh {
        /// What we were doing, e.g. "opening a session channel".
        context: String,
        source: russh::Error,
    },

    /// A remote path cannot be passed to the shell.
    #[error("the remote path {path:?} cannot be used: {reason}")]
    InvalidRemotePath { path: String, reason: &'static str },

    /// A helper command run for a file transfer did not succeed.
    #[error("{action} {path:?} failed ({status}){}", stderr_suffix(stderr))]
    Transfer {
        /// "uploading to" or "downloading".
        action: &'static str,
        path: String,
        status: ExitStatus,
        /// What the remote command wrote to stderr, trimmed.
        stderr: String,
    },
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

impl Error {
    /// Wraps a protocol error with what we were doing when it happened.
    pub(crate) fn ssh(context: impl Into<String>, source: russh::Error) -> Self {
        Error::Ssh {
            context: context.into(),
            source,
        }
    }

    /// Attributes `self` to the bastion `bastion` (`user@host:port`).
    pub(crate) fn at_bastion(self, bastion: String) -> Self {
        Error::Bastion {
            bastion,
            source: Box::new(self),
        }
    }
}

/// russh's `Handler` needs its error type to absorb russh's own errors; connect reports
/// those with context, so the generic wrapping here is only a fallback.
impl From<russh::Error> for Error {
    fn from(source: russh::Error) -> Self {
        Error::ssh("SSH protocol error", source)
    }
}
