//! `qemu_network`: a private L2 segment. Each network is a small switch process
//! (`kiln qemu-switch DIR`, see [`crate::switch`]) that the VMs' second NICs plug into; it
//! forwards frames and enforces the firewall rules from CIDRs, which this module writes
//! into the switch's `rules.json` whenever an instance or a firewall changes.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::firewall;
use crate::instance::InstanceMeta;
use crate::store::{new_id, read_all, read_json, write_json, Store};
use crate::switch::rules::Cidr;
use crate::Settings;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetworkMeta {
    pub id: String,
    pub cidr: String,
}

/// Checks a network's cidr (a network address, no host bits); a private segment for VMs
/// needs room for at least two.
pub fn check_cidr(s: &str) -> Result<(), String> {
    let cidr: Cidr = s.parse()?;
    if cidr.prefix_len > 29 {
        return Err(format!("\"{s}\" is too small for VMs; use /29 or larger"));
    }
    Ok(())
}

fn meta(store: &Store, id: &str) -> Result<NetworkMeta, String> {
    read_json::<NetworkMeta>(&store.network_dir(id).join("meta.json"))?.ok_or_else(|| {
        format!("There is no network \"{id}\"; refer to a qemu_network resource's id.")
    })
}

pub fn prefix_of(store: &Store, id: &str) -> Result<u8, String> {
    Ok(meta(store, id)?.cidr.parse::<Cidr>()?.prefix_len)
}

/// An address on network `net` for instance `who`: `requested` if given (it must be in
/// the cidr and free), else the lowest free host address from .2 (.1 is left for a
/// gateway, as clouds do). The caller holds the store lock.
pub fn allocate(
    store: &Store,
    net: &str,
    requested: Option<&str>,
    who: &str,
) -> Result<String, String> {
    let m = meta(store, net)?;
    let cidr: Cidr = m.cidr.parse()?;
    let taken: Vec<String> = read_all::<InstanceMeta>(&store.instances(), true)?
        .into_iter()
        .filter(|i| i.id != who)
        .flat_map(|i| {
            i.nics
                .into_iter()
                .filter(|(n, _)| n == net)
                .map(|(_, ip)| ip)
        })
        .collect();
    let first = u32::from(cidr.network);
    let last = u32::from(cidr.broadcast());
    if let Some(ip) = requested {
        let a: Ipv4Addr = ip
            .parse()
            .map_err(|_| format!("ip \"{ip}\" is not an IPv4 address"))?;
        let n = u32::from(a);
        if !cidr.contains(a) || n == first || n == last {
            return Err(format!("ip {ip} is not a host address of {}", m.cidr));
        }
        if taken.iter().any(|t| t == ip) {
            return Err(format!("ip {ip} is already used on network {net}"));
        }
        return Ok(ip.to_string());
    }
    (first + 2..last)
        .map(|n| Ipv4Addr::from(n).to_string())
        .find(|a| !taken.contains(a))
        .ok_or_else(|| format!("network {net} ({}) has no free address left", m.cidr))
}

/// Writes the switch rules of every network in `nets` from the instances on it and their
/// firewalls. The switch picks the file up within a quarter second.
pub fn sync_all(settings: &Settings, nets: &[String]) -> Result<(), String> {
    let store = &settings.store;
    let vms = read_all::<InstanceMeta>(&store.instances(), true)?;
    let mut done = Vec::new();
    for net in nets {
        if done.contains(net) || !store.network_dir(net).exists() {
            continue;
        }
        done.push(net.clone());
        let mut hosts = BTreeMap::new();
        for vm in &vms {
            let Some((_, ip)) = vm.nics.iter().find(|(n, _)| n == net) else {
                continue;
            };
            // A firewall deleted meanwhile admits nothing.
            let rules = firewall::rules_of(store, &vm.firewalls).unwrap_or_default();
            let ingress: Vec<serde_json::Value> = rules
                .iter()
                .filter(|r| r.from != "host")
                .map(|r| {
                    let mut j = json!({ "protocol": r.protocol, "from": r.from });
                    if let Some(p) = r.port {
                        j["port"] = json!(p);
                    }
                    j
                })
                .collect();
            hosts.insert(ip.clone(), json!({ "ingress": ingress }));
        }
        write_json(
            &store.network_dir(net).join("rules.json"),
            &json!({ "hosts": hosts }),
        )?;
    }
    Ok(())
}

/// Creates the network and starts its switch.
pub fn create(settings: &Settings, cidr: &str) -> Result<String, String> {
    check_cidr(cidr)?;
    let store = &settings.store;
    let id = new_id("net");
    let dir = store.network_dir(&id);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let started = write_json(
        &dir.join("meta.json"),
        &NetworkMeta {
            id: id.clone(),
            cidr: cidr.to_string(),
        },
    )
    .and_then(|()| write_json(&dir.join("rules.json"), &json!({ "hosts": {} })))
    .and_then(|()| {
        crate::switch::spawn_daemon(&settings.kiln_exe, &dir)
            .map(|_| ())
            .map_err(|e| format!("cannot start the network's switch: {e}"))
    });
    if let Err(e) = started {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    Ok(id)
}

pub fn delete(settings: &Settings, id: &str) -> Result<(), String> {
    let store = &settings.store;
    let using: Vec<String> = read_all::<InstanceMeta>(&store.instances(), true)?
        .into_iter()
        .filter(|m| m.nics.iter().any(|(n, _)| n == id))
        .map(|m| m.id)
        .collect();
    if !using.is_empty() {
        return Err(format!(
            "The network {id} still has instances attached: {}; destroy them first.",
            using.join(", ")
        ));
    }
    let dir = store.network_dir(id);
    if dir.exists() {
        crate::switch::stop(&dir).map_err(|e| format!("cannot stop the network's switch: {e}"))?;
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    Ok(())
}
