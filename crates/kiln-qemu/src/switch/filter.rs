//! The firewall decision for one frame: forward it, or drop it and say why.
//!
//! Pure apart from the flow table it updates; the switch loop owns the rules, the table and
//! the sockets. The order of checks, and why:
//! 1. ARP always passes: without it no guest finds another's MAC, and it carries no payload.
//! 2. IPv6 is dropped. The rules speak IPv4 only and the guests use IPv4 only, but every guest
//!    configures a link-local IPv6 address by itself; forwarding IPv6 would open an unfiltered
//!    path between all VMs. VLAN-tagged and other EtherTypes are dropped for the same reason.
//! 3. Non-first fragments carry no ports to check and are dropped: guests on one segment with
//!    one MTU have no reason to fragment, and TCP avoids it with path-MTU discovery.
//! 4. IPv4 to a broadcast or multicast address reaches every VM, so it passes only when every
//!    listed host admits protocol `all` from the sender (see [`Rules::all_hosts_admit_everything_from`]).
//! 5. A packet of a tracked flow passes in either direction (replies, established traffic).
//! 6. An ICMP destination-unreachable / time-exceeded / parameter-problem passes when the packet
//!    it quotes belongs to a tracked flow and it goes back to that packet's sender (so path-MTU
//!    discovery and "port unreachable" work for allowed flows).
//! 7. Otherwise the destination host's ingress rules decide. Egress is open: the sender's own
//!    entry is not consulted. An admitted packet opens a flow (TCP, UDP, ICMP echo request,
//!    other protocols by address pair) so its replies pass.

use std::fmt;
use std::time::Instant;

use super::flows::{FlowKey, FlowTable};
use super::frame::{
    self, Ethernet, Malformed, Transport, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6,
    ETHERTYPE_QINQ, ETHERTYPE_VLAN, PROTO_ICMP, PROTO_TCP, PROTO_UDP,
};
use super::rules::{Rules, Service};

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_DEST_UNREACHABLE: u8 = 3;
const ICMP_ECHO_REQUEST: u8 = 8;
const ICMP_TIME_EXCEEDED: u8 = 11;
const ICMP_PARAMETER_PROBLEM: u8 = 12;

/// What to do with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Forward,
    Drop(Drop),
}

/// A dropped frame: why, and the packet's 5-tuple when it got that far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Drop {
    pub reason: DropReason,
    pub packet: Option<FlowKey>,
}

/// Why a frame was dropped; each reason has its own counter in the stats file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    Malformed(Malformed),
    /// IPv4 that no ingress rule and no tracked flow admits.
    NoRule,
    /// IPv4 broadcast or multicast not admitted by every host.
    Broadcast,
    /// A non-first IPv4 fragment.
    Fragment,
    Ipv6,
    Vlan,
    OtherEthertype(u16),
}

impl DropReason {
    /// The short name used as the counter key in the stats file.
    pub fn name(&self) -> &'static str {
        match self {
            DropReason::Malformed(_) => "malformed",
            DropReason::NoRule => "no_rule",
            DropReason::Broadcast => "broadcast",
            DropReason::Fragment => "fragment",
            DropReason::Ipv6 => "ipv6",
            DropReason::Vlan => "vlan",
            DropReason::OtherEthertype(_) => "other_ethertype",
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Malformed(why) => write!(f, "malformed ({why})"),
            DropReason::OtherEthertype(t) => write!(f, "other_ethertype (0x{t:04x})"),
            other => f.write_str(other.name()),
        }
    }
}

impl fmt::Display for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (src, dst) = (self.src, self.dst);
        match self.protocol {
            PROTO_TCP | PROTO_UDP => {
                let name = if self.protocol == PROTO_TCP {
                    "tcp"
                } else {
                    "udp"
                };
                let (sp, dp) = (self.src_port, self.dst_port);
                write!(f, "{name} {src}:{sp} -> {dst}:{dp}")
            }
            PROTO_ICMP => write!(f, "icmp {src} -> {dst}"),
            p => write!(f, "ip proto {p} {src} -> {dst}"),
        }
    }
}

fn drop(reason: DropReason, packet: Option<FlowKey>) -> Verdict {
    Verdict::Drop(Drop { reason, packet })
}

/// Decides one frame, opening or refreshing flows as a side effect.
pub fn decide(eth: &Ethernet<'_>, rules: &Rules, flows: &mut FlowTable, now: Instant) -> Verdict {
    match eth.ethertype {
        ETHERTYPE_ARP => Verdict::Forward,
        ETHERTYPE_IPV4 => decide_ipv4(eth.payload, rules, flows, now),
        ETHERTYPE_IPV6 => drop(DropReason::Ipv6, None),
        ETHERTYPE_VLAN | ETHERTYPE_QINQ => drop(DropReason::Vlan, None),
        other => drop(DropReason::OtherEthertype(other), None),
    }
}

fn decide_ipv4(packet: &[u8], rules: &Rules, flows: &mut FlowTable, now: Instant) -> Verdict {
    let ip = match frame::parse_ipv4(packet) {
        Ok(ip) => ip,
        Err(why) => return drop(DropReason::Malformed(why), None),
    };
    let mut key = FlowKey {
        protocol: ip.protocol,
        src: ip.src,
        src_port: 0,
        dst: ip.dst,
        dst_port: 0,
    };
    if ip.fragment_offset != 0 {
        return drop(DropReason::Fragment, Some(key));
    }
    let transport = match frame::parse_transport(ip.protocol, ip.payload) {
        Ok(t) => t,
        Err(why) => return drop(DropReason::Malformed(why), Some(key)),
    };
    // Which service the rules see, and whether admitting the packet opens a flow.
    let (service, opens) = match transport {
        Transport::Tcp { src_port, dst_port } => {
            (key.src_port, key.dst_port) = (src_port, dst_port);
            (Service::Tcp(dst_port), true)
        }
        Transport::Udp { src_port, dst_port } => {
            (key.src_port, key.dst_port) = (src_port, dst_port);
            (Service::Udp(dst_port), true)
        }
        Transport::Icmp {
            icmp_type,
            rest_of_header: [id0, id1, _, _],
            body,
            ..
        } => match icmp_type {
            ICMP_ECHO_REQUEST => {
                key.src_port = u16::from_be_bytes([id0, id1]);
                (Service::Icmp, true)
            }
            ICMP_ECHO_REPLY => {
                key.dst_port = u16::from_be_bytes([id0, id1]);
                (Service::Icmp, false)
            }
            ICMP_DEST_UNREACHABLE | ICMP_TIME_EXCEEDED | ICMP_PARAMETER_PROBLEM => {
                if quotes_tracked_flow(ip.dst, body, flows, now) {
                    return Verdict::Forward;
                }
                (Service::Icmp, false)
            }
            _ => (Service::Icmp, false),
        },
        Transport::Other(protocol) => (Service::Other(protocol), true),
    };
    if ip.dst.is_broadcast() || ip.dst.is_multicast() {
        return if rules.all_hosts_admit_everything_from(ip.src) {
            Verdict::Forward
        } else {
            drop(DropReason::Broadcast, Some(key))
        };
    }
    if flows.touch(key, now) {
        return Verdict::Forward;
    }
    if rules.admits(ip.src, ip.dst, service) {
        if opens {
            flows.open(key, now);
        }
        return Verdict::Forward;
    }
    drop(DropReason::NoRule, Some(key))
}

/// Whether an ICMP error sent to `error_dst` quotes a packet of a tracked flow sent by it.
fn quotes_tracked_flow(
    error_dst: std::net::Ipv4Addr,
    body: &[u8],
    flows: &FlowTable,
    now: Instant,
) -> bool {
    let Ok(quoted) = frame::parse_quoted(body) else {
        return false;
    };
    let key = FlowKey {
        protocol: quoted.protocol,
        src: quoted.src,
        src_port: quoted.ports.0,
        dst: quoted.dst,
        dst_port: quoted.ports.1,
    };
    quoted.src == error_dst && flows.contains(key, now)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::switch::frame::MacAddr;

    const WEB: [u8; 4] = [10, 10, 0, 5];
    const CLIENT: [u8; 4] = [10, 10, 0, 9];
    const OUTSIDER: [u8; 4] = [10, 20, 0, 9];

    fn rules() -> Rules {
        Rules::parse(
            r#"{"hosts": {"10.10.0.5": {"ingress": [
                {"protocol": "tcp", "port": 80, "from": "10.10.0.0/24"},
                {"protocol": "udp", "port": 53, "from": "10.10.0.0/24"},
                {"protocol": "icmp", "from": "10.10.0.0/24"}
            ]}, "10.10.0.9": {}}}"#,
        )
        .unwrap()
    }

    fn ipv4(src: [u8; 4], dst: [u8; 4], protocol: u8, l4: &[u8]) -> Vec<u8> {
        let total = u16::try_from(20 + l4.len()).unwrap().to_be_bytes();
        let mut p = vec![
            0x45, 0, total[0], total[1], 0, 0, 0x40, 0, 64, protocol, 0, 0,
        ];
        p.extend_from_slice(&src);
        p.extend_from_slice(&dst);
        p.extend_from_slice(l4);
        p
    }

    fn tcp(src: [u8; 4], sp: u16, dst: [u8; 4], dp: u16) -> Vec<u8> {
        let mut seg = [0u8; 20];
        seg[..2].copy_from_slice(&sp.to_be_bytes());
        seg[2..4].copy_from_slice(&dp.to_be_bytes());
        seg[12] = 0x50;
        seg[13] = 0x02;
        ipv4(src, dst, PROTO_TCP, &seg)
    }

    fn udp(src: [u8; 4], sp: u16, dst: [u8; 4], dp: u16) -> Vec<u8> {
        let mut dgram = [0u8; 8];
        dgram[..2].copy_from_slice(&sp.to_be_bytes());
        dgram[2..4].copy_from_slice(&dp.to_be_bytes());
        ipv4(src, dst, PROTO_UDP, &dgram)
    }

    fn icmp(src: [u8; 4], dst: [u8; 4], icmp_type: u8, id: u16, body: &[u8]) -> Vec<u8> {
        let mut msg = vec![icmp_type, 0, 0, 0, 0, 0, 0, 1];
        msg[4..6].copy_from_slice(&id.to_be_bytes());
        msg.extend_from_slice(body);
        ipv4(src, dst, PROTO_ICMP, &msg)
    }

    struct Bench {
        rules: Rules,
        flows: FlowTable,
        now: Instant,
    }

    impl Bench {
        fn new() -> Bench {
            Bench {
                rules: rules(),
                flows: FlowTable::default(),
                now: Instant::now(),
            }
        }

        fn decide(&mut self, ethertype: u16, payload: &[u8]) -> Verdict {
            let eth = Ethernet {
                dst: MacAddr([2, 0, 0, 0, 0, 2]),
                src: MacAddr([2, 0, 0, 0, 0, 1]),
                ethertype,
                payload,
            };
            decide(&eth, &self.rules, &mut self.flows, self.now)
        }

        fn ip(&mut self, packet: &[u8]) -> Verdict {
            self.decide(ETHERTYPE_IPV4, packet)
        }

        fn reason(&mut self, packet: &[u8]) -> Option<DropReason> {
            match self.ip(packet) {
                Verdict::Forward => None,
                Verdict::Drop(d) => Some(d.reason),
            }
        }
    }

    #[test]
    fn arp_passes_and_ipv6_vlan_and_others_do_not() {
        let mut b = Bench::new();
        assert_eq!(b.decide(ETHERTYPE_ARP, &[]), Verdict::Forward);
        for (ethertype, reason) in [
            (ETHERTYPE_IPV6, DropReason::Ipv6),
            (ETHERTYPE_VLAN, DropReason::Vlan),
            (0x88cc, DropReason::OtherEthertype(0x88cc)),
        ] {
            assert_eq!(
                b.decide(ethertype, &[0; 40]),
                drop(reason, None),
                "{ethertype:x}"
            );
        }
    }

    #[test]
    fn tcp_is_admitted_by_port_and_source_and_replies_follow() {
        let mut b = Bench::new();
        assert_eq!(b.reason(&tcp(CLIENT, 40000, WEB, 80)), None);
        assert_eq!(
            b.reason(&tcp(CLIENT, 40000, WEB, 81)),
            Some(DropReason::NoRule)
        );
        assert_eq!(
            b.reason(&tcp(OUTSIDER, 40000, WEB, 80)),
            Some(DropReason::NoRule)
        );
        // The reply of the admitted flow, though 10.10.0.9 admits nothing.
        assert_eq!(b.reason(&tcp(WEB, 80, CLIENT, 40000)), None);
        // The web host opening its own connection to the client is not a reply.
        assert_eq!(
            b.reason(&tcp(WEB, 80, CLIENT, 40001)),
            Some(DropReason::NoRule)
        );
        // Unlisted destination.
        assert_eq!(
            b.reason(&tcp(CLIENT, 1, [10, 10, 0, 7], 80)),
            Some(DropReason::NoRule)
        );
    }

    #[test]
    fn established_flows_survive_a_rules_change() {
        let mut b = Bench::new();
        assert_eq!(b.reason(&udp(CLIENT, 5353, WEB, 53)), None);
        b.rules = Rules::default();
        assert_eq!(b.reason(&udp(CLIENT, 5353, WEB, 53)), None);
        assert_eq!(b.reason(&udp(WEB, 53, CLIENT, 5353)), None);
        assert_eq!(
            b.reason(&udp(CLIENT, 5354, WEB, 53)),
            Some(DropReason::NoRule)
        );
    }

    #[test]
    fn echo_replies_follow_admitted_requests_only() {
        let mut b = Bench::new();
        assert_eq!(
            b.reason(&icmp(WEB, CLIENT, ICMP_ECHO_REPLY, 7, &[])),
            Some(DropReason::NoRule)
        );
        assert_eq!(
            b.reason(&icmp(CLIENT, WEB, ICMP_ECHO_REQUEST, 7, &[])),
            None
        );
        assert_eq!(b.reason(&icmp(WEB, CLIENT, ICMP_ECHO_REPLY, 7, &[])), None);
        assert_eq!(
            b.reason(&icmp(WEB, CLIENT, ICMP_ECHO_REPLY, 8, &[])),
            Some(DropReason::NoRule)
        );
        // The client admits nothing, so the web host cannot ping it.
        assert_eq!(
            b.reason(&icmp(WEB, CLIENT, ICMP_ECHO_REQUEST, 9, &[])),
            Some(DropReason::NoRule)
        );
    }

    #[test]
    fn icmp_errors_pass_for_tracked_flows() {
        let mut b = Bench::new();
        let request = udp(CLIENT, 5353, WEB, 53);
        let unreachable = icmp(WEB, CLIENT, ICMP_DEST_UNREACHABLE, 0, &request);
        assert_eq!(b.reason(&unreachable), Some(DropReason::NoRule));
        assert_eq!(b.reason(&request), None);
        assert_eq!(b.reason(&unreachable), None);
        // Quoting a flow but sent to someone else than the quoted sender.
        let misdirected = icmp(WEB, [10, 10, 0, 7], ICMP_DEST_UNREACHABLE, 0, &request);
        assert_eq!(b.reason(&misdirected), Some(DropReason::NoRule));
    }

    #[test]
    fn broadcast_fragments_and_garbage_are_dropped() {
        let mut b = Bench::new();
        let bcast = udp(CLIENT, 68, [255, 255, 255, 255], 67);
        assert_eq!(b.reason(&bcast), Some(DropReason::Broadcast));
        let mcast = udp(CLIENT, 5353, [224, 0, 0, 251], 5353);
        assert_eq!(b.reason(&mcast), Some(DropReason::Broadcast));
        b.rules = Rules::parse(
            r#"{"hosts": {"10.10.0.5": {"ingress": [{"protocol": "all", "from": "10.10.0.0/24"}]}}}"#,
        )
        .unwrap();
        assert_eq!(b.reason(&bcast), None);

        let mut fragment = tcp(CLIENT, 40000, WEB, 80);
        fragment[6..8].copy_from_slice(&[0x00, 0x10]);
        assert_eq!(b.reason(&fragment), Some(DropReason::Fragment));

        let short_tcp = ipv4(CLIENT, WEB, PROTO_TCP, &[0, 1, 0, 80]);
        assert!(matches!(
            b.reason(&short_tcp),
            Some(DropReason::Malformed(_))
        ));
        assert!(matches!(
            b.reason(&[0x45; 10]),
            Some(DropReason::Malformed(_))
        ));
    }

    #[test]
    fn drops_describe_the_packet() {
        let mut b = Bench::new();
        let Verdict::Drop(d) = b.ip(&tcp(CLIENT, 40000, WEB, 81)) else {
            panic!("forwarded");
        };
        assert_eq!(d.reason.to_string(), "no_rule");
        assert_eq!(
            d.packet.unwrap().to_string(),
            "tcp 10.10.0.9:40000 -> 10.10.0.5:81"
        );
        assert_eq!(d.packet.unwrap().dst, Ipv4Addr::from(WEB));
        let Verdict::Drop(d) = b.ip(&udp([0; 4], 68, [255; 4], 67)) else {
            panic!("forwarded");
        };
        assert_eq!(
            (d.reason.to_string(), d.packet.unwrap().to_string()),
            (
                "broadcast".into(),
                "udp 0.0.0.0:68 -> 255.255.255.255:67".into()
            )
        );
    }
}
