//! An authenticated SSH connection. Commands ([`crate::exec`]) and file transfer
//! ([`crate::transfer`]) are methods on it, each in its own file.

use russh::client::Handle;
use russh::Disconnect;

use crate::connect::Client;
use crate::error::{Error, Result};

/// An open, authenticated connection. Many commands may run on it, one after another or
/// at the same time (each gets its own channel).
pub struct Session {
    pub(crate) handle: Handle<Client>,
    server_key: String,
    /// `user@host:port`, for error messages.
    pub(crate) label: String,
}

impl Session {
    pub(crate) fn new(handle: Handle<Client>, server_key: String, label: String) -> Self {
        Session {
            handle,
            server_key,
            label,
        }
    }

    /// The server's host key as an OpenSSH public key line (`ssh-ed25519 AAAA…`), to pin
    /// in [`crate::Target::host_key`] for later connections.
    pub fn server_key_openssh(&self) -> &str {
        &self.server_key
    }

    /// Whether the connection is gone (closed by us, the server, or a failed keep-alive).
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    /// Says goodbye to the server and closes the connection.
    pub async fn close(self) -> Result<()> {
        if self.handle.is_closed() {
            // Already gone (e.g. the machine rebooted): nothing left to close.
            return Ok(());
        }
        self.handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await
            .map_err(|e| Error::ssh(format!("closing the connection to {}", self.label), e))
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("to", &self.label)
            .field("server_key", &self.server_key)
            .finish_non_exhaustive()
    }
}
