//! The rules file model (`DIR/rules.json`): parsing, validation and the ingress match.
//!
//! The format is documented in the parent module. Parsing goes through a raw serde shape and
//! then through validation, so a [`Rules`] value in memory is always consistent: TCP and UDP
//! rules have a port range, ICMP and `all` rules have none, CIDRs have no host bits. This
//! module never touches the file system; the switch reads the file and hands the text here.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::Deserialize;

/// All rules: for each destination host, what may come in. Hosts not listed accept nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default)]
    pub hosts: BTreeMap<Ipv4Addr, HostRules>,
}

/// The rules of one destination host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostRules {
    #[serde(default)]
    pub ingress: Vec<IngressRule>,
}

/// One ingress rule: traffic of `protocol` to `ports`, from sources inside `from`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawIngressRule")]
pub struct IngressRule {
    pub protocol: Protocol,
    /// Destination ports; present exactly for TCP and UDP.
    pub ports: Option<PortRange>,
    pub from: Cidr,
}

/// The protocol a rule admits; `all` admits every IPv4 protocol on every port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Icmp,
    All,
}

/// An inclusive destination port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub fn contains(&self, port: u16) -> bool {
        (self.first..=self.last).contains(&port)
    }
}

/// An IPv4 network such as `10.10.0.0/24`; `0.0.0.0/0` is every address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: Ipv4Addr,
    pub prefix_len: u8,
}

impl Cidr {
    fn mask(prefix_len: u8) -> u32 {
        u32::MAX
            .checked_shl(32 - u32::from(prefix_len))
            .unwrap_or(0)
    }

    pub fn contains(&self, addr: Ipv4Addr) -> bool {
        let mask = Self::mask(self.prefix_len);
        u32::from(addr) & mask == u32::from(self.network)
    }

    /// The last address of the range (the broadcast address).
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.network) | !Self::mask(self.prefix_len))
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (addr, len) = text.split_once('/').ok_or_else(|| {
            format!("\"{text}\" is not a CIDR: write it as address/prefix, e.g. \"{text}/32\"")
        })?;
        let network: Ipv4Addr = addr
            .parse()
            .map_err(|_| format!("\"{text}\": \"{addr}\" is not an IPv4 address"))?;
        let prefix_len: u8 = len
            .parse()
            .ok()
            .filter(|n| *n <= 32)
            .ok_or_else(|| format!("\"{text}\": the prefix length must be 0 to 32"))?;
        let masked = Ipv4Addr::from(u32::from(network) & Self::mask(prefix_len));
        if masked != network {
            return Err(format!(
                "\"{text}\" has host bits set: did you mean \"{masked}/{prefix_len}\", \
                 or \"{network}/32\" for the one host?"
            ));
        }
        Ok(Cidr {
            network,
            prefix_len,
        })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

/// The L4 facts of a packet that rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Tcp(u16),
    Udp(u16),
    Icmp,
    /// Any other IP protocol, by number.
    Other(u8),
}

impl Rules {
    /// Parses and validates the text of a rules file.
    pub fn parse(text: &str) -> Result<Rules, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// Whether a packet from `src` to `dst` for `service` is admitted by `dst`'s ingress rules.
    pub fn admits(&self, src: Ipv4Addr, dst: Ipv4Addr, service: Service) -> bool {
        self.hosts
            .get(&dst)
            .is_some_and(|host| host.ingress.iter().any(|r| r.admits(src, service)))
    }

    /// Whether every listed host admits every protocol from `src` (and at least one is listed).
    /// IPv4 broadcast and multicast go to every port, so only then do they pass.
    pub fn all_hosts_admit_everything_from(&self, src: Ipv4Addr) -> bool {
        !self.hosts.is_empty()
            && self.hosts.values().all(|host| {
                host.ingress
                    .iter()
                    .any(|r| r.protocol == Protocol::All && r.from.contains(src))
            })
    }
}

impl IngressRule {
    pub fn admits(&self, src: Ipv4Addr, service: Service) -> bool {
        if !self.from.contains(src) {
            return false;
        }
        let in_ports = |port| self.ports.is_some_and(|p| p.contains(port));
        match (self.protocol, service) {
            (Protocol::All, _) => true,
            (Protocol::Tcp, Service::Tcp(port)) | (Protocol::Udp, Service::Udp(port)) => {
                in_ports(port)
            }
            (Protocol::Icmp, Service::Icmp) => true,
            _ => false,
        }
    }
}

/// The rule as written, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIngressRule {
    protocol: Protocol,
    port: Option<u16>,
    from_port: Option<u16>,
    to_port: Option<u16>,
    from: String,
}

impl TryFrom<RawIngressRule> for IngressRule {
    type Error = String;

    fn try_from(raw: RawIngressRule) -> Result<Self, String> {
        let from: Cidr = raw.from.parse()?;
        let ports = match (raw.port, raw.from_port, raw.to_port) {
            (None, None, None) => None,
            (Some(port), None, None) => Some(PortRange {
                first: port,
                last: port,
            }),
            (None, Some(first), Some(last)) if first <= last => Some(PortRange { first, last }),
            (None, Some(first), Some(last)) => {
                return Err(format!("from_port {first} is above to_port {last}"));
            }
            (Some(_), _, _) => {
                return Err("give either \"port\" or \"from_port\"/\"to_port\", not both".into())
            }
            _ => return Err("\"from_port\" and \"to_port\" go together".into()),
        };
        match (raw.protocol, ports) {
            (Protocol::Tcp | Protocol::Udp, None) => Err(
                "tcp and udp rules need \"port\" or \"from_port\"/\"to_port\" \
                 (0 to 65535 for every port)"
                    .into(),
            ),
            (Protocol::Icmp | Protocol::All, Some(_)) => {
                Err("icmp and all rules take no ports".into())
            }
            (protocol, ports) => Ok(IngressRule {
                protocol,
                ports,
                from,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    const EXAMPLE: &str = r#"{
        "hosts": {
            "10.10.0.5": { "ingress": [
                { "protocol": "tcp", "port": 80, "from": "10.10.0.0/24" },
                { "protocol": "udp", "from_port": 5000, "to_port": 5010, "from": "0.0.0.0/0" },
                { "protocol": "icmp", "from": "10.10.0.9/32" }
            ] },
            "10.10.0.6": {}
        }
    }"#;

    #[test]
    fn the_documented_example_parses_and_matches() {
        let rules = Rules::parse(EXAMPLE).unwrap();
        let web = ip("10.10.0.5");
        assert!(rules.admits(ip("10.10.0.9"), web, Service::Tcp(80)));
        assert!(!rules.admits(ip("10.10.0.9"), web, Service::Tcp(81)));
        assert!(!rules.admits(ip("10.10.1.9"), web, Service::Tcp(80)));
        assert!(!rules.admits(ip("10.10.0.9"), web, Service::Udp(80)));
        assert!(rules.admits(ip("192.0.2.1"), web, Service::Udp(5010)));
        assert!(!rules.admits(ip("192.0.2.1"), web, Service::Udp(5011)));
        assert!(rules.admits(ip("10.10.0.9"), web, Service::Icmp));
        assert!(!rules.admits(ip("10.10.0.8"), web, Service::Icmp));
        assert!(!rules.admits(ip("10.10.0.9"), web, Service::Other(47)));
        // Listed without rules, and not listed at all: nothing comes in.
        assert!(!rules.admits(ip("10.10.0.5"), ip("10.10.0.6"), Service::Icmp));
        assert!(!rules.admits(ip("10.10.0.5"), ip("10.10.0.7"), Service::Icmp));
    }

    #[test]
    fn protocol_all_admits_everything_and_gates_broadcast() {
        let rules = Rules::parse(
            r#"{"hosts": {
                "10.0.0.1": {"ingress": [{"protocol": "all", "from": "10.0.0.0/8"}]},
                "10.0.0.2": {"ingress": [{"protocol": "all", "from": "10.0.0.3/32"}]}
            }}"#,
        )
        .unwrap();
        assert!(rules.admits(ip("10.9.9.9"), ip("10.0.0.1"), Service::Other(47)));
        assert!(rules.admits(ip("10.9.9.9"), ip("10.0.0.1"), Service::Tcp(1)));
        assert!(rules.all_hosts_admit_everything_from(ip("10.0.0.3")));
        assert!(!rules.all_hosts_admit_everything_from(ip("10.0.0.4")));
        assert!(!Rules::default().all_hosts_admit_everything_from(ip("10.0.0.3")));
    }

    #[test]
    fn cidrs_are_checked() {
        assert!(Cidr::from_str("0.0.0.0/0")
            .unwrap()
            .contains(ip("255.1.2.3")));
        assert!(Cidr::from_str("10.1.2.3/32")
            .unwrap()
            .contains(ip("10.1.2.3")));
        assert!(!Cidr::from_str("10.1.2.3/32")
            .unwrap()
            .contains(ip("10.1.2.4")));
        assert!(Cidr::from_str("10.1.2.128/25")
            .unwrap()
            .contains(ip("10.1.2.200")));
        assert!(!Cidr::from_str("10.1.2.128/25")
            .unwrap()
            .contains(ip("10.1.2.127")));
        let err = Cidr::from_str("10.10.0.5/24").unwrap_err();
        assert!(err.contains("did you mean \"10.10.0.0/24\""), "{err}");
        assert!(Cidr::from_str("10.10.0.5")
            .unwrap_err()
            .contains("10.10.0.5/32"));
        assert!(Cidr::from_str("10.10.0.0/33").is_err());
        assert!(Cidr::from_str("10.10.0/8").is_err());
    }

    #[test]
    fn inconsistent_rules_are_rejected_with_a_reason() {
        let cases = [
            (
                r#"{"protocol": "tcp", "from": "0.0.0.0/0"}"#,
                "need \"port\"",
            ),
            (
                r#"{"protocol": "icmp", "port": 1, "from": "0.0.0.0/0"}"#,
                "take no ports",
            ),
            (
                r#"{"protocol": "udp", "from_port": 9, "to_port": 8, "from": "0.0.0.0/0"}"#,
                "above",
            ),
            (
                r#"{"protocol": "udp", "from_port": 9, "from": "0.0.0.0/0"}"#,
                "go together",
            ),
            (
                r#"{"protocol": "udp", "port": 9, "to_port": 9, "from": "0.0.0.0/0"}"#,
                "not both",
            ),
            (
                r#"{"protocol": "sctp", "from": "0.0.0.0/0"}"#,
                "unknown variant",
            ),
            (
                r#"{"protocol": "tcp", "port": 70000, "from": "0.0.0.0/0"}"#,
                "invalid value",
            ),
            (
                r#"{"protocol": "tcp", "port": 1, "form": "0.0.0.0/0"}"#,
                "unknown field",
            ),
        ];
        for (rule, expected) in cases {
            let text = format!(r#"{{"hosts": {{"10.0.0.1": {{"ingress": [{rule}]}}}}}}"#);
            let err = Rules::parse(&text).unwrap_err();
            assert!(err.contains(expected), "{rule}: {err}");
        }
        assert!(Rules::parse(r#"{"hosts": {"10.0.0.300": {}}}"#).is_err());
        assert!(Rules::parse(r#"{"hosts": {"10.0.0.1": {"ingres": []}}}"#).is_err());
        assert_eq!(Rules::parse("{}").unwrap(), Rules::default());
    }
}
