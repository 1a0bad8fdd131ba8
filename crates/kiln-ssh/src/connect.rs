//! Opening an authenticated session: wait for the banner, run the SSH handshake with
//! host-key checking, authenticate, and retry what a booting machine makes fail for a while.
//!
//! Retried: refused or reset connections, silence, handshakes cut short. Not retried,
//! because time does not fix them: a host key that differs from the pinned one, a pinned
//! key that does not parse, and the server rejecting our credentials.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use russh::client::{self, AuthResult};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use tokio::time::{timeout_at, Instant};

use crate::banner::wait_for_banner;
use crate::error::{Error, Result};
use crate::session::Session;
use crate::target::{Auth, Target};

/// Pause between connection attempts.
const RETRY_DELAY: Duration = Duration::from_millis(200);

/// Connects to `target` and authenticates, retrying transient failures until
/// `target.connect_timeout` has passed since the call.
pub async fn connect(target: &Target) -> Result<Session> {
    let start = Instant::now();
    let deadline = start + target.connect_timeout;
    let pinned = target.host_key.as_deref().map(parse_pinned).transpose()?;
    let config = Arc::new(client::Config {
        keepalive_interval: target.keep_alive,
        // Commands are often small request/response exchanges; don't let Nagle delay them.
        nodelay: true,
        ..Default::default()
    });
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let last = match attempt(target, &config, pinned.as_ref(), deadline).await {
            Ok(session) => return Ok(session),
            Err(Failure::Fatal(e)) => return Err(e),
            Err(Failure::Transient(last)) => last,
        };
        let now = Instant::now();
        if now + RETRY_DELAY >= deadline {
            return Err(Error::ConnectTimeout {
                user: target.user.clone(),
                host: target.host.clone(),
                port: target.port,
                waited: now - start,
                attempts,
                last,
            });
        }
        tokio::time::sleep(RETRY_DELAY).await;
    }
}

/// Why one attempt failed: worth another try, or final.
enum Failure {
    Transient(String),
    Fatal(Error),
}

async fn attempt(
    target: &Target,
    config: &Arc<client::Config>,
    pinned: Option<&PublicKey>,
    deadline: Instant,
) -> Result<Session, Failure> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    wait_for_banner(&target.host, target.port, remaining)
        .await
        .map_err(|e| Failure::Transient(e.to_string()))?;

    let seen_key = Arc::new(OnceLock::new());
    let handler = Client {
        host: target.host.clone(),
        port: target.port,
        pinned: pinned.cloned(),
        seen_key: seen_key.clone(),
    };
    let addr = (target.host.as_str(), target.port);
    let mut handle =
        match timeout_at(deadline, client::connect(config.clone(), addr, handler)).await {
            Err(_) => return Err(transient("the SSH handshake did not finish in time")),
            Ok(Err(e @ Error::HostKeyMismatch { .. })) => return Err(Failure::Fatal(e)),
            Ok(Err(Error::Ssh { source, .. })) => {
                return Err(transient(format!("SSH handshake failed: {source}")))
            }
            Ok(Err(e)) => return Err(transient(e.to_string())),
            Ok(Ok(handle)) => handle,
        };

    let (method, result) = match &target.auth {
        Auth::Key(key) => {
            // RSA keys would need the server's preferred SHA-2 variant here; Kiln makes
            // ed25519 keys and russh is built without RSA, so no hash algorithm is chosen.
            let key = PrivateKeyWithHashAlg::new(key.0.clone(), None);
            let auth = handle.authenticate_publickey(target.user.clone(), key);
            ("public key", timeout_at(deadline, auth).await)
        }
        Auth::Password(password) => {
            let auth = handle.authenticate_password(target.user.clone(), password.clone());
            ("password", timeout_at(deadline, auth).await)
        }
    };
    match result {
        Err(_) => Err(transient("authentication did not finish in time")),
        Ok(Err(e)) => Err(transient(format!("authentication failed: {e}"))),
        Ok(Ok(AuthResult::Failure {
            remaining_methods, ..
        })) => Err(Failure::Fatal(Error::AuthRejected {
            user: target.user.clone(),
            host: target.host.clone(),
            port: target.port,
            method,
            remaining: remaining_methods
                .iter()
                .map(<&str>::from)
                .collect::<Vec<_>>()
                .join(", "),
        })),
        Ok(Ok(AuthResult::Success)) => Ok(Session::new(
            handle,
            seen_key.get().cloned().unwrap_or_default(),
            format!("{}@{}:{}", target.user, target.host, target.port),
        )),
    }
}

fn transient(message: impl Into<String>) -> Failure {
    Failure::Transient(message.into())
}

fn parse_pinned(line: &str) -> Result<PublicKey> {
    PublicKey::from_openssh(line.trim()).map_err(|e| Error::InvalidPinnedKey {
        key: line.to_owned(),
        message: e.to_string(),
    })
}

/// russh's callbacks for one connection. Only the host-key check matters to us.
pub(crate) struct Client {
    host: String,
    port: u16,
    pinned: Option<PublicKey>,
    /// The key the server presented, as an OpenSSH line, for [`Session::server_key_openssh`].
    seen_key: Arc<OnceLock<String>>,
}

impl client::Handler for Client {
    type Error = Error;

    async fn check_server_key(&mut self, offered: &PublicKeyOrCertificate) -> Result<bool> {
        // A certificate is judged by the key it certifies: Kiln pins keys, not CAs.
        let key_data = match offered {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.key_data().clone(),
            PublicKeyOrCertificate::Certificate(cert) => cert.public_key().clone(),
        };
        let seen = PublicKey::new(key_data, "");
        if let Ok(line) = seen.to_openssh() {
            // A second call (re-key) sees the same key; the first value is the one to keep.
            let _ = self.seen_key.set(line);
        }
        match &self.pinned {
            None => Ok(true),
            Some(pinned) if pinned.key_data() == seen.key_data() => Ok(true),
            Some(pinned) => Err(Error::HostKeyMismatch {
                host: self.host.clone(),
                port: self.port,
                expected: pinned.fingerprint(HashAlg::Sha256).to_string(),
                got: seen.fingerprint(HashAlg::Sha256).to_string(),
            }),
        }
    }
}
