//! Opening an authenticated session: wait for the banner, run the SSH handshake with
//! host-key checking, authenticate, and retry what a booting machine makes fail for a while.
//! A target behind a bastion is reached through it instead ([`crate::bastion`]), without
//! dialling the target for its banner: only the bastion can reach it, so the connection the
//! bastion forwards is the one waited on.
//!
//! Retried: refused or reset connections, silence, handshakes cut short, and a bastion
//! failing to open the connection to the target. Not retried, because time does not fix
//! them: a host key that differs from the pinned one, a pinned key that does not parse, the
//! server rejecting our credentials (on either hop), and a bastion that cannot be reached
//! within its own retries or that refuses forwarding.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use russh::client::{self, AuthResult};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use tokio::time::{timeout_at, Instant};

use crate::banner::wait_for_banner;
use crate::bastion;
use crate::error::{Error, Result};
use crate::session::Session;
use crate::target::{Auth, Target};

/// Pause between connection attempts.
const RETRY_DELAY: Duration = Duration::from_millis(200);

/// Connects to `target` and authenticates, retrying transient failures until
/// `target.connect_timeout` has passed since the call. With a [`Target::bastion`], the
/// bastion is connected first, within the same time budget, and stays open inside the
/// returned session.
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
    // Made once and kept across attempts: a target still booting behind the bastion needs
    // new forwarded connections, not new bastion logins.
    let mut bastion_session = None;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let tried = attempt(
            target,
            &config,
            pinned.as_ref(),
            &mut bastion_session,
            deadline,
        );
        let last = match tried.await {
            Ok(session) => return Ok(session),
            Err(Failure::Fatal(e)) => return Err(*e),
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
pub(crate) enum Failure {
    Transient(String),
    /// Boxed to keep the common results small; this one ends the connect anyway.
    Fatal(Box<Error>),
}

impl Failure {
    pub(crate) fn fatal(error: Error) -> Self {
        Failure::Fatal(Box::new(error))
    }
}

/// One attempt. `bastion_session` holds the bastion connection between attempts, and is
/// moved into the session when the attempt succeeds.
async fn attempt(
    target: &Target,
    config: &Arc<client::Config>,
    pinned: Option<&PublicKey>,
    bastion_session: &mut Option<Session>,
    deadline: Instant,
) -> Result<Session, Failure> {
    let seen_key = Arc::new(OnceLock::new());
    let handler = Client {
        host: target.host.clone(),
        port: target.port,
        pinned: pinned.cloned(),
        seen_key: seen_key.clone(),
    };
    // `route` says how the connection was made, for messages: empty for a direct one.
    let (mut handle, route) = match &target.bastion {
        None => {
            let remaining = deadline.saturating_duration_since(Instant::now());
            wait_for_banner(&target.host, target.port, remaining)
                .await
                .map_err(|e| Failure::Transient(e.to_string()))?;
            let addr = (target.host.as_str(), target.port);
            let handshake = client::connect(config.clone(), addr, handler);
            let handle = handshake_outcome(timeout_at(deadline, handshake).await, "")?;
            (handle, String::new())
        }
        Some(jump) => {
            let via = bastion::session(jump, bastion_session, deadline)
                .await
                .map_err(Failure::fatal)?;
            let stream = bastion::open_tunnel(via, target, deadline).await?;
            let handshake = client::connect_stream(config.clone(), stream, handler);
            let route = format!(" through the bastion {}", via.label);
            let handle = handshake_outcome(timeout_at(deadline, handshake).await, &route)?;
            (handle, route)
        }
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
        Err(_) => Err(transient(format!(
            "authentication{route} did not finish in time"
        ))),
        Ok(Err(e)) => Err(transient(format!("authentication{route} failed: {e}"))),
        Ok(Ok(AuthResult::Failure {
            remaining_methods, ..
        })) => Err(Failure::fatal(Error::AuthRejected {
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
            target.label(),
            bastion_session.take(),
        )),
    }
}

/// Sorts the result of a handshake (bounded by the deadline) into a connection, a failure
/// worth retrying, or a final one. `route` is put into messages as in [`attempt`].
fn handshake_outcome(
    result: Result<Result<client::Handle<Client>>, tokio::time::error::Elapsed>,
    route: &str,
) -> Result<client::Handle<Client>, Failure> {
    match result {
        Err(_) => Err(transient(format!(
            "the SSH handshake{route} did not finish in time"
        ))),
        Ok(Err(e @ Error::HostKeyMismatch { .. })) => Err(Failure::fatal(e)),
        Ok(Err(Error::Ssh { source, .. })) => {
            Err(transient(format!("SSH handshake{route} failed: {source}")))
        }
        Ok(Err(e)) => Err(transient(e.to_string())),
        Ok(Ok(handle)) => Ok(handle),
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
