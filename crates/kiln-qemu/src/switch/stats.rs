//! The switch's counters and their JSON file, `DIR/switch.stats.json`.
//!
//! Written on the reload tick (every 250 ms) when anything changed, and on exit, through a
//! temporary file and a rename so a reader never sees half of it. It answers "why did my
//! packet not arrive": a counter per drop reason and the last few drops spelled out.

use std::collections::{BTreeMap, VecDeque};
use std::fs;
use std::path::Path;

use serde::Serialize;

/// How many recent drops the stats file lists.
pub const RECENT_DROPS: usize = 32;

/// Counter names under `dropped`, besides the filter's reasons.
pub const DROP_UNADDRESSABLE: &str = "unaddressable_sender";
pub const DROP_HAIRPIN: &str = "to_sender";
pub const DROP_PEER_BUSY: &str = "peer_busy";
pub const DROP_SEND_ERROR: &str = "send_error";

const DROP_NAMES: [&str; 11] = [
    "malformed",
    "no_rule",
    "broadcast",
    "fragment",
    "ipv6",
    "vlan",
    "other_ethertype",
    DROP_UNADDRESSABLE,
    DROP_HAIRPIN,
    DROP_PEER_BUSY,
    DROP_SEND_ERROR,
];

/// Everything the stats file shows.
#[derive(Debug, Serialize)]
pub struct Stats {
    pub pid: u32,
    /// Frames received on `switch.sock`.
    pub received: u64,
    /// Frames sent on to one learned peer.
    pub forwarded: u64,
    /// Frames sent to every peer but the sender.
    pub flooded: u64,
    /// Datagrams written to peers (a flood counts once per peer).
    pub delivered: u64,
    /// Dropped frames (or, for `peer_busy` and `send_error`, deliveries) by reason.
    pub dropped: BTreeMap<&'static str, u64>,
    /// The latest drops, newest last, e.g. `no_rule: tcp 10.0.0.9:40000 -> 10.0.0.5:81 (from vm-b.sock)`.
    pub recent_drops: VecDeque<String>,
    pub rules: RulesStatus,
    /// Tracked flows.
    pub flows: usize,
    /// Known peer sockets, by file name.
    pub peers: Vec<String>,
    /// Learned MAC addresses and the peer socket (file name) each lives behind.
    pub macs: BTreeMap<String, String>,
}

/// The state of `rules.json` as the switch sees it.
#[derive(Debug, Default, Serialize)]
pub struct RulesStatus {
    /// `"file"` once a rules file was read, `"none"` when there is none (everything IPv4 is
    /// dropped but replies of tracked flows).
    pub source: &'static str,
    /// Hosts listed in the rules in force.
    pub hosts: usize,
    /// How many times rules were (re)loaded successfully.
    pub loads: u64,
    /// The last parse or read error; cleared by the next good load. The rules in force are
    /// the last good ones.
    pub error: Option<String>,
}

impl Stats {
    pub fn new(pid: u32) -> Stats {
        Stats {
            pid,
            received: 0,
            forwarded: 0,
            flooded: 0,
            delivered: 0,
            dropped: DROP_NAMES.iter().map(|name| (*name, 0)).collect(),
            recent_drops: VecDeque::new(),
            rules: RulesStatus {
                source: "none",
                ..RulesStatus::default()
            },
            flows: 0,
            peers: Vec::new(),
            macs: BTreeMap::new(),
        }
    }

    /// Counts a drop and remembers its description.
    pub fn drop(&mut self, name: &'static str, describe: impl FnOnce() -> String) {
        *self.dropped.entry(name).or_default() += 1;
        if self.recent_drops.len() >= RECENT_DROPS {
            self.recent_drops.pop_front();
        }
        self.recent_drops.push_back(describe());
    }

    /// Writes the file atomically (temporary file, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, text + "\n")?;
        fs::rename(&tmp, path)
    }
}
