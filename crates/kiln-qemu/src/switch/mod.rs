//! A user-space Ethernet switch that links the local QEMU VMs of one network and enforces
//! firewall rules between them, like a cloud security group.
//!
//! # How VMs attach
//! Each VM NIC is a QEMU `dgram` netdev over unix datagram sockets; one datagram is one
//! Ethernet frame (no length prefix, no FCS):
//!
//! ```text
//! -netdev dgram,id=n1,local.type=unix,local.path=DIR/vm-<id>.sock,remote.type=unix,remote.path=DIR/switch.sock
//! -device virtio-net-pci,netdev=n1,mac=52:54:00:…   (a distinct MAC per NIC)
//! ```
//!
//! The switch binds `DIR/switch.sock`, learns which peer socket each source MAC sent from,
//! sends unicast frames to the learned peer and floods broadcast, multicast and unknown
//! unicast to every other known peer. Only peer sockets inside `DIR` are accepted, and a peer
//! is known from its first frame on (QEMU guests send ARP or DHCP early).
//!
//! # Files in `DIR`
//! | file                | owner | content |
//! |---------------------|-------|---------|
//! | `rules.json`        | the provider writes it (temporary file + rename) | the rules below |
//! | `switch.sock`       | the switch, while it runs | its socket |
//! | `switch.pid`        | the switch, while it runs | its pid |
//! | `switch.stats.json` | the switch, every 250 ms when changed | counters, drop reasons, peers, MACs ([`stats::Stats`]) |
//! | `switch.log`        | [`spawn_daemon`] | the daemon's stderr |
//!
//! # The rules file
//! ```json
//! { "hosts": {
//!     "10.10.0.5": { "ingress": [
//!         { "protocol": "tcp",  "port": 80,                        "from": "10.10.0.0/24" },
//!         { "protocol": "udp",  "from_port": 5000, "to_port": 5010, "from": "0.0.0.0/0" },
//!         { "protocol": "icmp",                                    "from": "10.10.0.9/32" },
//!         { "protocol": "all",                                     "from": "10.10.0.7/32" }
//!     ] },
//!     "10.10.0.9": {}
//! } }
//! ```
//! - `hosts` maps a destination IPv4 address to its `ingress` rules. `protocol` is `tcp`,
//!   `udp`, `icmp` or `all`. TCP and UDP rules need `port` or `from_port` + `to_port`
//!   (inclusive; `0`–`65535` for all); `icmp` and `all` take no ports. `from` is a CIDR with
//!   no host bits set; `0.0.0.0/0` means anyone. Unknown fields are errors.
//! - **Default deny.** IPv4 to a host passes only if one of its rules admits it; a host
//!   listed with no rules and an address not listed at all receive nothing.
//! - **Egress is open**: a sender's own entry is never consulted.
//! - **Stateful.** A packet a rule admits opens a flow (TCP/UDP 5-tuple, ICMP echo id, other
//!   protocols by address pair); packets of the flow pass both ways, so replies need no rule.
//!   ICMP errors quoting a tracked flow pass back to its sender. Flows idle out after 5 min
//!   (ICMP echo: 30 s). **Flows survive rule changes** until they idle out, as established
//!   connections do in a security group; new flows follow the new rules at once.
//! - ARP always passes. IPv6, VLAN-tagged and other EtherTypes are dropped (see
//!   [`filter`] for why). IPv4 broadcast and multicast pass only if *every* listed host
//!   admits `all` from the sender; non-first fragments are dropped.
//! - **Reloading.** The file is polled every 250 ms (mtime, size and inode) and re-read on
//!   SIGHUP. A file that does not parse or validate keeps the previous rules in force; the
//!   error goes to stderr and to `rules.error` in the stats file. No file means no rules:
//!   everything IPv4 is dropped. Writers should write a temporary file and rename it.
//!
//! # Entry points
//! [`run`] is the daemon body (`kiln qemu-switch DIR`); [`spawn_daemon`] and [`stop`] manage
//! it as a background process; [`run_with`] runs it on a thread with a [`Control`] instead of
//! signals.

mod bridge;
mod daemon;
mod error;
pub mod filter;
pub mod flows;
pub mod frame;
pub mod rules;
mod server;
pub mod stats;

pub use daemon::{spawn_daemon, stop};
pub use error::Error;
pub use server::{run, run_with, Control, TICK};

/// The hidden `kiln` subcommand that runs the switch daemon.
pub const SUBCOMMAND: &str = "qemu-switch";
/// The switch's socket, which every VM NIC sends to.
pub const SOCKET_FILE: &str = "switch.sock";
/// The running switch's pid.
pub const PID_FILE: &str = "switch.pid";
/// The rules, written by the provider.
pub const RULES_FILE: &str = "rules.json";
/// Counters and recent drops.
pub const STATS_FILE: &str = "switch.stats.json";
/// The daemon's stderr.
pub const LOG_FILE: &str = "switch.log";
