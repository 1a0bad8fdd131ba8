//! IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`, for IPv4
//! and IPv6. Addresses are handled as `u128` so both families share the arithmetic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::args::{int_at, str_at};
use super::{list_of, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn specs() -> Vec<FuncSpec> {
    let prefix = || Param::new("prefix", Type::String);
    let n = |name| Param::new(name, Type::Number);
    vec![
        FuncSpec::new(
            "cidrhost",
            vec![prefix(), n("hostnum")],
            Type::String,
            cidrhost,
        ),
        FuncSpec::new("cidrnetmask", vec![prefix()], Type::String, cidrnetmask),
        FuncSpec::new(
            "cidrsubnet",
            vec![prefix(), n("newbits"), n("netnum")],
            Type::String,
            cidrsubnet,
        ),
        FuncSpec::new(
            "cidrsubnets",
            vec![prefix()],
            list_of(Type::String),
            cidrsubnets,
        )
        .variadic(n("newbits")),
    ]
}

/// A network: its first address (host bits cleared) and prefix length.
#[derive(Clone, Copy)]
struct Net {
    v6: bool,
    addr: u128,
    len: u32,
}

impl Net {
    fn bits(self) -> u32 {
        if self.v6 {
            128
        } else {
            32
        }
    }

    /// How many addresses the network holds, if that fits in a u128.
    fn size(self) -> Option<u128> {
        1u128.checked_shl(self.bits() - self.len)
    }

    fn addr_string(self, addr: u128) -> String {
        if self.v6 {
            Ipv6Addr::from(addr).to_string()
        } else {
            Ipv4Addr::from(addr as u32).to_string()
        }
    }

    fn with(self, addr: u128, len: u32) -> Net {
        Net { addr, len, ..self }
    }

    fn cidr(self) -> String {
        format!("{}/{}", self.addr_string(self.addr), self.len)
    }
}

/// Host-bit mask for a prefix length.
fn host_mask(bits: u32, len: u32) -> u128 {
    match bits - len.min(bits) {
        128 => u128::MAX,
        n => (1u128 << n) - 1,
    }
}

fn parse(args: &[Value]) -> Result<Net, FuncError> {
    let text = str_at(args, 0);
    let bad = || FuncError::arg(0, format!("invalid CIDR address: {text}"));
    let (ip, len) = text.split_once('/').ok_or_else(bad)?;
    let (v6, addr) = match ip.parse::<IpAddr>().map_err(|_| bad())? {
        IpAddr::V4(a) => (false, u32::from(a) as u128),
        IpAddr::V6(a) => (true, u128::from(a)),
    };
    let bits = if v6 { 128 } else { 32 };
    let len: u32 = len.parse().ok().filter(|l| *l <= bits).ok_or_else(bad)?;
    // Like Terraform, a prefix with host bits set means the network that contains it.
    Ok(Net {
        v6,
        addr: addr & !host_mask(bits, len),
        len,
    })
}

fn cidrhost(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let net = parse(&args)?;
    let host = int_at(&args, 1)?;
    let out_of_range = || {
        FuncError::arg(
            1,
            format!(
                "prefix of {} bits cannot accommodate a host numbered {host}",
                net.len
            ),
        )
    };
    let offset = match (net.size(), host) {
        (Some(size), h) if h >= 0 && (h as u128) < size => h as u128,
        (None, h) if h >= 0 => h as u128,
        (Some(size), h) if h < 0 && u128::from(h.unsigned_abs()) <= size => {
            size - u128::from(h.unsigned_abs())
        }
        (None, h) if h < 0 => u128::MAX - u128::from(h.unsigned_abs()) + 1,
        _ => return Err(out_of_range()),
    };
    Ok(Value::string(net.addr_string(net.addr + offset)))
}

fn cidrnetmask(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let net = parse(&args)?;
    if net.v6 {
        return Err(FuncError::arg(
            0,
            format!("IPv6 addresses cannot have a netmask: {}", str_at(&args, 0)),
        ));
    }
    Ok(Value::string(
        net.addr_string(!host_mask(32, net.len) & u32::MAX as u128),
    ))
}

/// The subnet numbered `netnum` among those `newbits` longer than `net`.
fn subnet(net: Net, newbits: i64, netnum: i64, arg_newbits: usize) -> Result<Net, FuncError> {
    let newbits = u32::try_from(newbits)
        .map_err(|_| FuncError::arg(arg_newbits, "newbits must not be negative"))?;
    let len = net.len.saturating_add(newbits);
    if len > net.bits() {
        return Err(FuncError::arg(
            arg_newbits,
            format!(
                "insufficient address space to extend prefix of {} by {newbits}",
                net.len
            ),
        ));
    }
    let fits = u128::try_from(netnum)
        .ok()
        .filter(|n| newbits >= 128 || *n < (1u128 << newbits));
    let Some(num) = fits else {
        return Err(FuncError::arg(
            2,
            format!(
                "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
            ),
        ));
    };
    let shift = net.bits() - len;
    Ok(net.with(net.addr | num.checked_shl(shift).unwrap_or(0), len))
}

fn cidrsubnet(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let net = parse(&args)?;
    let (newbits, netnum) = (int_at(&args, 1)?, int_at(&args, 2)?);
    Ok(Value::string(subnet(net, newbits, netnum, 1)?.cidr()))
}

/// Consecutive subnets of the given sizes, each aligned to its own size, packed from the
/// start of the network (Terraform's allocation order).
fn cidrsubnets(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let net = parse(&args)?;
    let end = net.addr | host_mask(net.bits(), net.len);
    let mut next = Some(net.addr);
    let mut out = Vec::new();
    for i in 1..args.len() {
        let newbits = int_at(&args, i)?;
        if newbits < 1 {
            return Err(FuncError::arg(i, "must extend prefix by at least one bit"));
        }
        let len = u32::try_from(newbits)
            .ok()
            .and_then(|b| net.len.checked_add(b))
            .filter(|l| *l <= net.bits());
        let Some(len) = len else {
            return Err(FuncError::arg(
                i,
                format!(
                    "would extend prefix to {} bits, which is too long for an IPv{} address",
                    (net.len as i64).saturating_add(newbits),
                    if net.v6 { 6 } else { 4 }
                ),
            ));
        };
        let mask = host_mask(net.bits(), len);
        // Round up to this subnet's alignment.
        let start = next.and_then(|n| {
            if n & mask == 0 {
                Some(n)
            } else {
                (n | mask).checked_add(1)
            }
        });
        let Some(start) = start.filter(|s| *s <= end) else {
            let after = out
                .last()
                .and_then(Value::as_str)
                .unwrap_or("the start of the range")
                .to_string();
            return Err(FuncError::arg(i, format!("not enough remaining address space for a subnet with a prefix of {len} bits after {after}")));
        };
        out.push(Value::string(net.with(start, len).cidr()));
        next = (start | mask).checked_add(1);
    }
    Ok(Value::list(out))
}
