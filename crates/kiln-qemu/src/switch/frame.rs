//! Pure parsers for the few header fields the switch looks at: the Ethernet II header, the
//! IPv4 header and the first bytes of TCP, UDP and ICMP.
//!
//! Every function takes untrusted bytes from a guest. None of them indexes or unwraps: a short
//! or inconsistent packet yields [`Malformed`] with a short stable reason, which the switch
//! counts and shows in its stats file. Nothing here does I/O or keeps state.

use std::fmt;
use std::net::Ipv4Addr;

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86DD;
/// EtherType of an 802.1Q VLAN tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;
/// EtherType of an 802.1ad (QinQ) service tag.
pub const ETHERTYPE_QINQ: u16 = 0x88A8;

/// IP protocol number of ICMP.
pub const PROTO_ICMP: u8 = 1;
/// IP protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IP protocol number of UDP.
pub const PROTO_UDP: u8 = 17;

/// Why a frame could not be parsed; the text is stable and appears in the stats file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A 48-bit Ethernet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// The all-ones broadcast address.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);

    /// True for group addresses (broadcast included): the I/G bit of the first octet.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// The Ethernet II header of a frame, and what follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ethernet<'a> {
    pub dst: MacAddr,
    pub src: MacAddr,
    /// The EtherType; a VLAN tag shows up here as [`ETHERTYPE_VLAN`] and is not looked into.
    pub ethertype: u16,
    pub payload: &'a [u8],
}

/// Splits an Ethernet II frame (no preamble, no FCS — what QEMU puts in one datagram).
pub fn parse_ethernet(frame: &[u8]) -> Result<Ethernet<'_>, Malformed> {
    let (dst, rest) = take::<6>(frame).ok_or(Malformed("ethernet: shorter than 14 bytes"))?;
    let (src, rest) = take::<6>(rest).ok_or(Malformed("ethernet: shorter than 14 bytes"))?;
    let (ethertype, payload) =
        take::<2>(rest).ok_or(Malformed("ethernet: shorter than 14 bytes"))?;
    let ethertype = u16::from_be_bytes(ethertype);
    if ethertype < 0x0600 {
        // An 802.3 length field (LLC/SNAP frames): nothing a guest on this switch needs.
        return Err(Malformed(
            "ethernet: 802.3 length field instead of an EtherType",
        ));
    }
    Ok(Ethernet {
        dst: MacAddr(dst),
        src: MacAddr(src),
        ethertype,
        payload,
    })
}

/// The IPv4 header fields the filter needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    /// Fragment offset in 8-byte units; non-zero means this fragment carries no L4 header.
    pub fragment_offset: u16,
    /// The bytes after the header, cut to the header's total length (Ethernet pads short frames).
    pub payload: &'a [u8],
}

/// Parses an IPv4 header, honouring IHL (options are skipped, not interpreted).
pub fn parse_ipv4(packet: &[u8]) -> Result<Ipv4<'_>, Malformed> {
    let (fixed, _) = take::<20>(packet).ok_or(Malformed("ipv4: shorter than 20 bytes"))?;
    let [version_ihl, _tos, len_hi, len_lo, _id_hi, _id_lo, frag_hi, frag_lo, _ttl, protocol, _sum_hi, _sum_lo, s0, s1, s2, s3, d0, d1, d2, d3] =
        fixed;
    if version_ihl >> 4 != 4 {
        return Err(Malformed("ipv4: version is not 4"));
    }
    let header_len = usize::from(version_ihl & 0x0f) * 4;
    if header_len < 20 {
        return Err(Malformed("ipv4: IHL below 5"));
    }
    let total_len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
    if total_len < header_len {
        return Err(Malformed("ipv4: total length shorter than the header"));
    }
    let payload = packet
        .get(header_len..total_len)
        .ok_or(Malformed("ipv4: total length beyond the frame"))?;
    Ok(Ipv4 {
        src: Ipv4Addr::new(s0, s1, s2, s3),
        dst: Ipv4Addr::new(d0, d1, d2, d3),
        protocol,
        fragment_offset: u16::from_be_bytes([frag_hi, frag_lo]) & 0x1fff,
        payload,
    })
}

/// The transport header of an unfragmented packet or of a first fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport<'a> {
    Tcp {
        src_port: u16,
        dst_port: u16,
    },
    Udp {
        src_port: u16,
        dst_port: u16,
    },
    Icmp {
        icmp_type: u8,
        code: u8,
        /// Bytes 4..8 of the ICMP header (identifier and sequence for echo messages).
        rest_of_header: [u8; 4],
        /// What follows the 8-byte header (for errors: the offending packet's start).
        body: &'a [u8],
    },
    /// Any other IP protocol; only rules with protocol `all` can let it in.
    Other(u8),
}

/// Parses the transport header of `protocol` at the start of `payload`.
///
/// TCP must carry its whole header (data offset honoured): a first fragment too short to show
/// the ports and flags is the classic way around a port filter (RFC 1858), so it is malformed.
pub fn parse_transport(protocol: u8, payload: &[u8]) -> Result<Transport<'_>, Malformed> {
    match protocol {
        PROTO_TCP => {
            let (header, _) = take::<20>(payload).ok_or(Malformed("tcp: header cut short"))?;
            let [sp0, sp1, dp0, dp1, _, _, _, _, _, _, _, _, offset, ..] = header;
            let data_offset = usize::from(offset >> 4) * 4;
            if data_offset < 20 || data_offset > payload.len() {
                return Err(Malformed("tcp: bad data offset"));
            }
            Ok(Transport::Tcp {
                src_port: u16::from_be_bytes([sp0, sp1]),
                dst_port: u16::from_be_bytes([dp0, dp1]),
            })
        }
        PROTO_UDP => {
            let ([sp0, sp1, dp0, dp1, _, _, _, _], _) =
                take::<8>(payload).ok_or(Malformed("udp: header cut short"))?;
            Ok(Transport::Udp {
                src_port: u16::from_be_bytes([sp0, sp1]),
                dst_port: u16::from_be_bytes([dp0, dp1]),
            })
        }
        PROTO_ICMP => {
            let ([icmp_type, code, _, _, r0, r1, r2, r3], body) =
                take::<8>(payload).ok_or(Malformed("icmp: header cut short"))?;
            Ok(Transport::Icmp {
                icmp_type,
                code,
                rest_of_header: [r0, r1, r2, r3],
                body,
            })
        }
        other => Ok(Transport::Other(other)),
    }
}

/// The start of the packet an ICMP error quotes: its addresses, protocol and, for TCP and UDP,
/// ports. Only the IPv4 header and 8 more bytes are guaranteed, so the quoted total length is
/// not checked against what is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub protocol: u8,
    /// Source and destination ports; zero for protocols other than TCP and UDP.
    pub ports: (u16, u16),
}

/// Parses the quoted packet in the body of an ICMP destination-unreachable or time-exceeded.
pub fn parse_quoted(body: &[u8]) -> Result<Quoted, Malformed> {
    let (fixed, _) = take::<20>(body).ok_or(Malformed("icmp: quoted header cut short"))?;
    let [version_ihl, _, _, _, _, _, _, _, _, protocol, _, _, s0, s1, s2, s3, d0, d1, d2, d3] =
        fixed;
    if version_ihl >> 4 != 4 || version_ihl & 0x0f < 5 {
        return Err(Malformed("icmp: quoted header is not IPv4"));
    }
    let ports = if protocol == PROTO_TCP || protocol == PROTO_UDP {
        let after = body
            .get(usize::from(version_ihl & 0x0f) * 4..)
            .ok_or(Malformed("icmp: quoted ports cut short"))?;
        let ([sp0, sp1, dp0, dp1], _) =
            take::<4>(after).ok_or(Malformed("icmp: quoted ports cut short"))?;
        (
            u16::from_be_bytes([sp0, sp1]),
            u16::from_be_bytes([dp0, dp1]),
        )
    } else {
        (0, 0)
    };
    Ok(Quoted {
        src: Ipv4Addr::new(s0, s1, s2, s3),
        dst: Ipv4Addr::new(d0, d1, d2, d3),
        protocol,
        ports,
    })
}

/// The first `N` bytes as an array and the rest, or `None` when there are fewer.
fn take<const N: usize>(bytes: &[u8]) -> Option<([u8; N], &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<N>()?;
    Some((*head, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; 6] = [0x52, 0x54, 0, 0, 0, 0x0a];
    const B: [u8; 6] = [0x52, 0x54, 0, 0, 0, 0x0b];

    fn ether(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend_from_slice(&B);
        f.extend_from_slice(&A);
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn ipv4_header(ihl: u8, total_len: u16, frag: u16, protocol: u8) -> Vec<u8> {
        let mut h = vec![0x40 | ihl, 0];
        h.extend_from_slice(&total_len.to_be_bytes());
        h.extend_from_slice(&[0, 1]);
        h.extend_from_slice(&frag.to_be_bytes());
        h.extend_from_slice(&[64, protocol, 0, 0, 10, 10, 0, 9, 10, 10, 0, 5]);
        h.resize(usize::from(ihl) * 4, 1); // options, if any
        h
    }

    #[test]
    fn ethernet_header_is_split() {
        let frame = ether(ETHERTYPE_ARP, &[1, 2, 3]);
        let eth = parse_ethernet(&frame).unwrap();
        assert_eq!(eth.dst, MacAddr(B));
        assert_eq!(eth.src, MacAddr(A));
        assert_eq!(eth.ethertype, ETHERTYPE_ARP);
        assert_eq!(eth.payload, &[1, 2, 3]);
        assert_eq!(eth.src.to_string(), "52:54:00:00:00:0a");
        assert!(!eth.src.is_multicast());
        assert!(MacAddr::BROADCAST.is_multicast());
        assert!(MacAddr([0x01, 0x00, 0x5e, 0, 0, 1]).is_multicast());
    }

    #[test]
    fn every_truncation_of_an_ethernet_header_is_malformed() {
        let frame = ether(ETHERTYPE_IPV4, &[]);
        for len in 0..frame.len() {
            assert!(parse_ethernet(&frame[..len]).is_err(), "len {len}");
        }
        assert!(parse_ethernet(&ether(0x05dc, &[])).is_err());
    }

    #[test]
    fn ipv4_honours_ihl_and_total_length() {
        let mut packet = ipv4_header(6, 24 + 8, 0, PROTO_UDP);
        packet.extend_from_slice(&[0x30, 0x39, 0, 53, 0, 8, 0, 0]);
        packet.extend_from_slice(&[0; 10]); // Ethernet padding beyond total length
        let ip = parse_ipv4(&packet).unwrap();
        assert_eq!(ip.src, Ipv4Addr::new(10, 10, 0, 9));
        assert_eq!(ip.dst, Ipv4Addr::new(10, 10, 0, 5));
        assert_eq!(ip.protocol, PROTO_UDP);
        assert_eq!(ip.fragment_offset, 0);
        assert_eq!(ip.payload.len(), 8);
        assert_eq!(
            parse_transport(ip.protocol, ip.payload),
            Ok(Transport::Udp {
                src_port: 12345,
                dst_port: 53
            })
        );
    }

    #[test]
    fn ipv4_rejects_inconsistent_headers() {
        let cases: [(Vec<u8>, &str); 5] = [
            (
                ipv4_header(5, 20, 0, 6)[..19].to_vec(),
                "ipv4: shorter than 20 bytes",
            ),
            (
                {
                    let mut h = ipv4_header(5, 20, 0, 6);
                    h[0] = 0x65;
                    h
                },
                "ipv4: version is not 4",
            ),
            (
                {
                    let mut h = ipv4_header(5, 20, 0, 6);
                    h[0] = 0x44;
                    h
                },
                "ipv4: IHL below 5",
            ),
            (
                ipv4_header(5, 19, 0, 6),
                "ipv4: total length shorter than the header",
            ),
            (
                ipv4_header(5, 40, 0, 6),
                "ipv4: total length beyond the frame",
            ),
        ];
        for (packet, reason) in cases {
            assert_eq!(parse_ipv4(&packet), Err(Malformed(reason)));
        }
        // IHL 15 promises 60 bytes of header in a 20-byte packet.
        let mut h = ipv4_header(5, 60, 0, 6);
        h[0] = 0x4f;
        assert!(parse_ipv4(&h).is_err());
    }

    #[test]
    fn fragment_offset_ignores_flags() {
        // DF and MF set, offset 185 (1480 bytes).
        let packet = ipv4_header(5, 20, 0x6000 | 185, PROTO_TCP);
        assert_eq!(parse_ipv4(&packet).unwrap().fragment_offset, 185);
        let packet = ipv4_header(5, 20, 0x4000, PROTO_TCP);
        assert_eq!(parse_ipv4(&packet).unwrap().fragment_offset, 0);
    }

    #[test]
    fn tcp_needs_its_whole_header() {
        let mut syn = vec![
            0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff,
        ];
        syn.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(
            parse_transport(PROTO_TCP, &syn),
            Ok(Transport::Tcp {
                src_port: 40000,
                dst_port: 80
            })
        );
        for len in 0..syn.len() {
            assert!(
                parse_transport(PROTO_TCP, &syn[..len]).is_err(),
                "len {len}"
            );
        }
        // Data offset 6 (24 bytes) in a 20-byte segment; data offset 4 is below the minimum.
        syn[12] = 0x60;
        assert_eq!(
            parse_transport(PROTO_TCP, &syn),
            Err(Malformed("tcp: bad data offset"))
        );
        syn[12] = 0x40;
        assert_eq!(
            parse_transport(PROTO_TCP, &syn),
            Err(Malformed("tcp: bad data offset"))
        );
    }

    #[test]
    fn quoted_packets_in_icmp_errors() {
        // A UDP packet quoted with IHL 6, its total length far beyond what is quoted.
        let mut quoted = ipv4_header(6, 1400, 0, PROTO_UDP);
        quoted.extend_from_slice(&[0x13, 0x88, 0x9c, 0x40, 0, 0, 0, 0]);
        assert_eq!(
            parse_quoted(&quoted),
            Ok(Quoted {
                src: Ipv4Addr::new(10, 10, 0, 9),
                dst: Ipv4Addr::new(10, 10, 0, 5),
                protocol: PROTO_UDP,
                ports: (5000, 40000),
            })
        );
        for len in 0..28 {
            assert!(parse_quoted(&quoted[..len]).is_err(), "len {len}");
        }
        let gre = ipv4_header(5, 1400, 0, 47);
        assert_eq!(parse_quoted(&gre).map(|q| q.ports), Ok((0, 0)));
    }

    #[test]
    fn icmp_echo_and_other_protocols() {
        let echo = [8, 0, 0xf7, 0xff, 0x12, 0x34, 0, 1, b'h', b'i'];
        assert_eq!(
            parse_transport(PROTO_ICMP, &echo),
            Ok(Transport::Icmp {
                icmp_type: 8,
                code: 0,
                rest_of_header: [0x12, 0x34, 0, 1],
                body: b"hi"
            })
        );
        assert!(parse_transport(PROTO_ICMP, &echo[..7]).is_err());
        assert!(parse_transport(PROTO_UDP, &[0; 7]).is_err());
        assert_eq!(parse_transport(47, &[]), Ok(Transport::Other(47)));
    }
}
