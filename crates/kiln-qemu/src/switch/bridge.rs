//! The learning part of the switch: which peer socket each MAC address lives behind.
//!
//! Peers are the unix datagram sockets of QEMU NICs, known by their bound path. Only sockets
//! inside the switch's directory are accepted (any local process of the same user can send to
//! `switch.sock`; this keeps strangers out of the segment). A peer is known from its first
//! frame on and forgotten when sending to it fails because its socket is gone, together with
//! the MACs learned from it. A MAC that shows up behind another peer moves there (a VM was
//! restarted with a new socket).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::frame::MacAddr;

/// Where a frame goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Destination<'a> {
    /// The one peer the destination MAC was learned from.
    Peer(&'a Path),
    /// Every known peer except the sender: broadcast, multicast or not yet learned.
    Flood,
    /// The destination MAC lives behind the sender itself.
    Sender,
}

#[derive(Debug)]
pub struct Bridge {
    /// The canonical directory peers must live in.
    dir: PathBuf,
    peers: BTreeSet<PathBuf>,
    macs: HashMap<MacAddr, PathBuf>,
}

impl Bridge {
    pub fn new(dir: &Path) -> Bridge {
        Bridge {
            dir: dir.to_path_buf(),
            peers: BTreeSet::new(),
            macs: HashMap::new(),
        }
    }

    /// Whether frames from `peer` are accepted; a new peer inside the directory becomes known.
    pub fn admit(&mut self, peer: &Path) -> bool {
        if self.peers.contains(peer) {
            return true;
        }
        let inside = peer.is_absolute()
            && peer.parent().and_then(|p| p.canonicalize().ok()).as_deref()
                == Some(self.dir.as_path());
        if inside {
            self.peers.insert(peer.to_path_buf());
        }
        inside
    }

    /// Records that `mac` sent from `peer`.
    pub fn learn(&mut self, mac: MacAddr, peer: &Path) {
        if self.macs.get(&mac).map(PathBuf::as_path) != Some(peer) {
            self.macs.insert(mac, peer.to_path_buf());
        }
    }

    pub fn destination(&self, dst: MacAddr, sender: &Path) -> Destination<'_> {
        if dst.is_multicast() {
            return Destination::Flood;
        }
        match self.macs.get(&dst) {
            Some(peer) if peer == sender => Destination::Sender,
            Some(peer) => Destination::Peer(peer),
            None => Destination::Flood,
        }
    }

    pub fn peers(&self) -> impl Iterator<Item = &Path> {
        self.peers.iter().map(PathBuf::as_path)
    }

    pub fn macs(&self) -> impl Iterator<Item = (&MacAddr, &Path)> {
        self.macs.iter().map(|(mac, peer)| (mac, peer.as_path()))
    }

    /// Forgets a peer whose socket is gone, and the MACs behind it.
    pub fn forget(&mut self, peer: &Path) {
        self.peers.remove(peer);
        self.macs.retain(|_, p| p != peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_floods_and_forgets() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().canonicalize().unwrap();
        let (a, b) = (dir.join("vm-a.sock"), dir.join("vm-b.sock"));
        let (mac_a, mac_b) = (MacAddr([2, 0, 0, 0, 0, 0xa]), MacAddr([2, 0, 0, 0, 0, 0xb]));
        let mut bridge = Bridge::new(&dir);
        assert!(bridge.admit(&a));
        assert!(bridge.admit(&b));
        assert!(!bridge.admit(Path::new("/tmp/elsewhere.sock")));
        assert!(!bridge.admit(Path::new("vm-c.sock")));
        bridge.learn(mac_a, &a);
        assert_eq!(bridge.destination(mac_b, &a), Destination::Flood);
        bridge.learn(mac_b, &b);
        assert_eq!(bridge.destination(mac_b, &a), Destination::Peer(&b));
        assert_eq!(bridge.destination(mac_a, &a), Destination::Sender);
        assert_eq!(
            bridge.destination(MacAddr::BROADCAST, &a),
            Destination::Flood
        );
        bridge.learn(mac_b, &a); // moved
        assert_eq!(bridge.destination(mac_b, &b), Destination::Peer(&a));
        bridge.forget(&a);
        assert_eq!(bridge.destination(mac_b, &b), Destination::Flood);
        assert_eq!(bridge.peers().collect::<Vec<_>>(), [b.as_path()]);
    }
}
