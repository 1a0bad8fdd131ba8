//! Where to connect and how to prove who we are: the description a provider hands to
//! [`crate::connect()`].

use std::fmt;
use std::time::Duration;

use crate::keys::PrivateKey;

/// How to authenticate to the server.
#[derive(Clone)]
pub enum Auth {
    /// Public-key authentication (ed25519 or ECDSA).
    Key(PrivateKey),
    /// Password authentication.
    Password(String),
}

/// Keeps passwords out of logs.
impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Key(key) => f.debug_tuple("Key").field(key).finish(),
            Auth::Password(_) => f.write_str("Password(…)"),
        }
    }
}

/// A machine to connect to.
#[derive(Clone, Debug)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub auth: Auth,
    /// The server's expected host key as an OpenSSH public key line (`ssh-ed25519 AAAA…`,
    /// comment optional). `None` accepts any key: builds talk to a machine they just created,
    /// and read the key back from [`crate::Session::server_key_openssh`] to pin it later.
    pub host_key: Option<String>,
    /// How long to keep trying in total, from the first TCP attempt through authentication.
    /// A booting machine refuses, resets or stalls connections for a while; all of that is
    /// retried until this runs out.
    pub connect_timeout: Duration,
    /// Send a keep-alive after this much silence from the server; after three unanswered
    /// ones the connection counts as lost. This is how a command learns that the machine
    /// rebooted under it, where the TCP connection may otherwise hang forever.
    pub keep_alive: Option<Duration>,
    /// Reach this machine through an SSH jump host. [`crate::connect()`] first connects and
    /// authenticates to the bastion (with its own `auth`, `host_key` and retries), then has
    /// it open a TCP connection to `host:port` (a `direct-tcpip` channel) and runs this
    /// target's handshake over that. `host` is resolved by the bastion, so it may be an
    /// address only the bastion can reach. The bastion's `connect_timeout` is cut to what is
    /// left of this target's, which stays the budget for the whole connection. A bastion
    /// may have a bastion of its own.
    pub bastion: Option<Box<Target>>,
}

impl Target {
    /// A target with no pinned host key, a five-minute connect timeout (a cold boot of an
    /// emulated machine can take minutes), a keep-alive every five seconds and no bastion.
    pub fn new(host: impl Into<String>, port: u16, user: impl Into<String>, auth: Auth) -> Self {
        Target {
            host: host.into(),
            port,
            user: user.into(),
            auth,
            host_key: None,
            connect_timeout: Duration::from_secs(300),
            keep_alive: Some(Duration::from_secs(5)),
            bastion: None,
        }
    }

    /// `user@host:port`, how errors and sessions name this hop.
    pub(crate) fn label(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }
}
