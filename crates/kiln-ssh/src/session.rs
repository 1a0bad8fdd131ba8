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
    /// The bastion connection this one runs through ([`crate::Target::bastion`]). Held
    /// here because the connection lives inside one of its channels: dropping it would cut
    /// this one off.
    bastion: Option<Box<Session>>,
}

impl Session {
    pub(crate) fn new(
        handle: Handle<Client>,
        server_key: String,
        label: String,
        bastion: Option<Session>,
    ) -> Self {
        Session {
            handle,
            server_key,
            label,
            bastion: bastion.map(Box::new),
        }
    }

    /// The server's host key as an OpenSSH public key line (`ssh-ed25519 AAAA…`), to pin
    /// in [`crate::Target::host_key`] for later connections.
    pub fn server_key_openssh(&self) -> &str {
        &self.server_key
    }

    /// Whether the connection is gone (closed by us, the server, or a failed keep-alive).
    /// A connection through a bastion is gone as soon as the bastion connection is.
    pub fn is_closed(&self) -> bool {
        self.handle.is_closed() || self.bastion.as_ref().is_some_and(|b| b.is_closed())
    }

    /// Says goodbye to the server and closes the connection, then the bastion connection
    /// it ran through, if any. The first failure is reported, but both are closed.
    pub async fn close(self) -> Result<()> {
        let closed = if self.handle.is_closed() {
            // Already gone (e.g. the machine rebooted): nothing left to close.
            Ok(())
        } else {
            self.handle
                .disconnect(Disconnect::ByApplication, "", "en")
                .await
                .map_err(|e| Error::ssh(format!("closing the connection to {}", self.label), e))
        };
        let Some(bastion) = self.bastion else {
            return closed;
        };
        let label = bastion.label.clone();
        // Boxed: a bastion may have a bastion of its own, so this recurses.
        let bastion_closed = Box::pin(bastion.close())
            .await
            .map_err(|e| e.at_bastion(label));
        closed.and(bastion_closed)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("to", &self.label)
            .field("server_key", &self.server_key)
            .field("via", &self.bastion.as_ref().map(|b| &b.label))
            .finish_non_exhaustive()
    }
}
