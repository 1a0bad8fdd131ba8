//! Connection tracking: the flows a rule let in, so their replies can come back.
//!
//! A flow is keyed by its direction of opening (protocol, source, source port, destination,
//! destination port). A packet belongs to a flow when its own key or its reversed key is in
//! the table; every such packet refreshes the flow. Flows end only by idling out, never on a
//! rules change (like a cloud security group, established connections survive an edit) and
//! not on TCP FIN/RST (a closed connection simply idles out).
//!
//! ICMP echo is tracked with the identifier in the port slot of its direction: a request is
//! `(id, 0)`, a reply `(0, id)`, so a reply reverses exactly onto its request.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::frame::PROTO_ICMP;

/// How long a TCP or UDP flow may idle before its replies are dropped again.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How long an ICMP echo flow may idle.
pub const ICMP_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// At most this many flows are tracked; beyond it, new flows pass but are not tracked, so
/// their replies need a rule of their own. Bounds memory against a guest opening flows in bulk.
pub const MAX_FLOWS: usize = 65_536;

/// The 5-tuple of a packet, or of a flow in its opening direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub protocol: u8,
    pub src: Ipv4Addr,
    pub src_port: u16,
    pub dst: Ipv4Addr,
    pub dst_port: u16,
}

impl FlowKey {
    pub fn reversed(&self) -> FlowKey {
        FlowKey {
            protocol: self.protocol,
            src: self.dst,
            src_port: self.dst_port,
            dst: self.src,
            dst_port: self.src_port,
        }
    }

    fn idle_timeout(&self) -> Duration {
        if self.protocol == PROTO_ICMP {
            ICMP_IDLE_TIMEOUT
        } else {
            IDLE_TIMEOUT
        }
    }
}

/// The tracked flows and when each last saw a packet.
#[derive(Debug, Default)]
pub struct FlowTable {
    last_seen: HashMap<FlowKey, Instant>,
}

impl FlowTable {
    pub fn len(&self) -> usize {
        self.last_seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.last_seen.is_empty()
    }

    /// Records a flow a rule admitted; false when the table is full and it was not recorded.
    pub fn open(&mut self, key: FlowKey, now: Instant) -> bool {
        if self.last_seen.len() >= MAX_FLOWS && !self.last_seen.contains_key(&key) {
            self.expire(now);
            if self.last_seen.len() >= MAX_FLOWS {
                return false;
            }
        }
        self.last_seen.insert(key, now);
        true
    }

    /// Whether `packet` belongs to a live flow in either direction; refreshes the flow if so.
    pub fn touch(&mut self, packet: FlowKey, now: Instant) -> bool {
        for key in [packet, packet.reversed()] {
            if let Some(seen) = self.last_seen.get_mut(&key) {
                if now.saturating_duration_since(*seen) < key.idle_timeout() {
                    *seen = now;
                    return true;
                }
            }
        }
        false
    }

    /// Whether `packet` belongs to a live flow in either direction, without refreshing it.
    pub fn contains(&self, packet: FlowKey, now: Instant) -> bool {
        [packet, packet.reversed()].iter().any(|key| {
            self.last_seen
                .get(key)
                .is_some_and(|seen| now.saturating_duration_since(*seen) < key.idle_timeout())
        })
    }

    /// Forgets flows that have idled out.
    pub fn expire(&mut self, now: Instant) {
        self.last_seen
            .retain(|key, seen| now.saturating_duration_since(*seen) < key.idle_timeout());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switch::frame::PROTO_TCP;

    fn key(src: u8, src_port: u16, dst: u8, dst_port: u16) -> FlowKey {
        FlowKey {
            protocol: PROTO_TCP,
            src: Ipv4Addr::new(10, 0, 0, src),
            src_port,
            dst: Ipv4Addr::new(10, 0, 0, dst),
            dst_port,
        }
    }

    #[test]
    fn both_directions_of_an_open_flow_pass_until_it_idles_out() {
        let t0 = Instant::now();
        let mut flows = FlowTable::default();
        let syn = key(9, 40000, 5, 80);
        assert!(!flows.touch(syn, t0));
        assert!(flows.open(syn, t0));
        assert!(flows.touch(syn.reversed(), t0 + Duration::from_secs(200)));
        // Refreshed at 200 s, so still alive at 450 s.
        assert!(flows.touch(syn, t0 + Duration::from_secs(450)));
        assert!(!flows.touch(key(9, 40001, 5, 80).reversed(), t0));
        let late = t0 + Duration::from_secs(450) + IDLE_TIMEOUT;
        assert!(!flows.contains(syn.reversed(), late));
        flows.expire(late);
        assert!(flows.is_empty());
    }

    #[test]
    fn icmp_flows_idle_out_sooner() {
        let t0 = Instant::now();
        let mut flows = FlowTable::default();
        let echo = FlowKey {
            protocol: PROTO_ICMP,
            ..key(9, 7, 5, 0)
        };
        flows.open(echo, t0);
        assert!(flows.contains(echo.reversed(), t0 + ICMP_IDLE_TIMEOUT / 2));
        assert!(!flows.contains(echo.reversed(), t0 + ICMP_IDLE_TIMEOUT));
    }
}
