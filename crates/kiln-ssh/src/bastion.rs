//! Reaching a target through a jump host ([`crate::Target::bastion`]): holding the bastion
//! connection, and having it open the TCP connection to the target that the target's own
//! SSH handshake then runs over.
//!
//! The target cannot be dialled from here, so there is no banner wait on it; instead the
//! forwarded connection itself is waited on until the target's server sends its
//! identification line (see [`crate::banner`]), and dropped after a few seconds of
//! silence, as a direct one would be.
//!
//! The two hops fail differently. The bastion hop is connected by [`crate::connect()`] with
//! the bastion's own retries, so when that gives up, waiting longer is not the answer: its
//! errors are final, and say `bastion user@host:port: …`. The forwarded connection fails
//! like a direct one to a booting machine (nothing listening yet, or a handshake cut
//! short), so those failures are retried by the target's loop, unless the bastion refuses
//! forwarding altogether.

use russh::client::Msg;
use russh::{ChannelOpenFailure, ChannelStream};
use tokio::time::{timeout_at, Instant};

use crate::banner::{self, Replay};
use crate::connect::Failure;
use crate::error::{Error, Result};
use crate::session::Session;
use crate::target::Target;

/// The originator the `direct-tcpip` request reports (RFC 4254 §7.2). No socket on our side
/// originated the connection, so this is a placeholder, but a well-formed one, for servers
/// that check it: the one OpenSSH sends when it has no socket either (`ssh -W`).
const ORIGINATOR_ADDRESS: &str = "127.0.0.1";
const ORIGINATOR_PORT: u32 = 65535;

/// The open connection to `bastion`, made now if `slot` holds none or the one it held has
/// closed since (e.g. the bastion's keep-alive failed during the target's retries). It may
/// use at most the time left until `deadline`, the target's.
pub(crate) async fn session<'a>(
    bastion: &Target,
    slot: &'a mut Option<Session>,
    deadline: Instant,
) -> Result<&'a Session> {
    let session = match slot.take() {
        Some(open) if !open.is_closed() => open,
        _ => {
            let mut hop = bastion.clone();
            let left = deadline.saturating_duration_since(Instant::now());
            hop.connect_timeout = hop.connect_timeout.min(left);
            // Boxed: connect is what called us, and the bastion may have a bastion too.
            Box::pin(crate::connect(&hop))
                .await
                .map_err(|e| e.at_bastion(bastion.label()))?
        }
    };
    Ok(slot.insert(session))
}

/// Asks the bastion behind `via` to open a TCP connection to `target.host:target.port`,
/// waits until the server there identifies itself, and returns the connection as a byte
/// stream for the target's handshake.
pub(crate) async fn open_tunnel(
    via: &Session,
    target: &Target,
    deadline: Instant,
) -> Result<Replay<ChannelStream<Msg>>, Failure> {
    let open = via.handle.channel_open_direct_tcpip(
        target.host.clone(),
        u32::from(target.port),
        ORIGINATOR_ADDRESS,
        ORIGINATOR_PORT,
    );
    let failed = |why: String| {
        Failure::Transient(format!(
            "the bastion {} could not open a connection to {}:{}: {why}",
            via.label, target.host, target.port
        ))
    };
    let channel = match timeout_at(deadline, open).await {
        Err(_) => return Err(failed("it did not answer in time".to_owned())),
        Ok(Err(russh::Error::ChannelOpenFailure(reason))) if refuses_for_good(&reason) => {
            let context = format!(
                "forwarding a connection to {}:{}, which the bastion does not allow",
                target.host, target.port
            );
            let refused = russh::Error::ChannelOpenFailure(reason);
            return Err(Failure::fatal(
                Error::ssh(context, refused).at_bastion(via.label.clone()),
            ));
        }
        Ok(Err(russh::Error::ChannelOpenFailure(reason))) => {
            return Err(failed(reason_text(&reason)))
        }
        Ok(Err(e)) => return Err(failed(e.to_string())),
        Ok(Ok(channel)) => channel,
    };
    banner::wait_on_stream(channel.into_stream(), deadline)
        .await
        .map_err(|seen| {
            Failure::Transient(format!(
                "no SSH server answered on {}:{} through the bastion {}: {seen}",
                target.host, target.port, via.label
            ))
        })
}

/// Whether the bastion refused by policy or lack of support, which no retry changes
/// (e.g. dropbear's `-j`, OpenSSH's `AllowTcpForwarding no` or `PermitOpen`). A target
/// that is not listening yet is reported as "connect failed" instead.
fn refuses_for_good(reason: &ChannelOpenFailure) -> bool {
    matches!(
        reason,
        ChannelOpenFailure::AdministrativelyProhibited | ChannelOpenFailure::UnknownChannelType
    )
}

/// A channel-open failure in words: russh keeps only the reason code, not the server's text.
fn reason_text(reason: &ChannelOpenFailure) -> String {
    match reason {
        ChannelOpenFailure::ConnectFailed => {
            "connecting failed (refused, unreachable or timed out, as seen from the bastion)"
                .to_owned()
        }
        ChannelOpenFailure::ResourceShortage => "the bastion is short of resources".to_owned(),
        other => format!("refused with reason code {}", other.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_policy_refusals_are_final() {
        assert!(refuses_for_good(
            &ChannelOpenFailure::AdministrativelyProhibited
        ));
        assert!(refuses_for_good(&ChannelOpenFailure::UnknownChannelType));
        assert!(!refuses_for_good(&ChannelOpenFailure::ConnectFailed));
        assert!(!refuses_for_good(&ChannelOpenFailure::ResourceShortage));
    }
}
