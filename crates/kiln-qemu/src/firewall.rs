//! `qemu_firewall`: inbound rules in the security-group shape. A rule `from = "host"`
//! publishes a guest TCP port on 127.0.0.1 (QEMU host forwarding); a rule from a CIDR
//! admits peers on the private networks (enforced by each network's switch). A firewall
//! is not a machine: changing its rules updates the running VMs that use it in place.

use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;
use serde::{Deserialize, Serialize};

use crate::instance::{self, InstanceMeta};
use crate::network;
use crate::store::{new_id, read_all, read_json, write_json, Store};
use crate::switch::rules::Cidr;
use crate::Settings;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub protocol: String,
    pub port: Option<u16>,
    pub from: String,
    pub host_port: Option<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FirewallMeta {
    pub id: String,
    pub rules: Vec<Rule>,
}

/// A published port: host port on 127.0.0.1 → guest TCP port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    pub host: u16,
    pub guest: u16,
}

fn port(v: Option<&Value>, what: &str) -> Result<Option<u16>, String> {
    match v.and_then(Value::as_number) {
        None => Ok(None),
        Some(n) => {
            let f = n.as_f64();
            if f.fract() == 0.0 && (1.0..=65535.0).contains(&f) {
                Ok(Some(f as u16))
            } else {
                Err(format!("{what} {f} is not a port number (1–65535)"))
            }
        }
    }
}

/// The rules of a firewall configuration, checked.
pub fn rules_from_config(config: &Value) -> Result<Vec<Rule>, String> {
    let mut rules = Vec::new();
    for r in attr(config, "ingress")
        .and_then(Value::as_seq)
        .unwrap_or_default()
    {
        let protocol = str_attr(r, "protocol").unwrap_or("tcp").to_string();
        if !matches!(protocol.as_str(), "tcp" | "udp" | "icmp" | "all") {
            return Err(format!(
                "protocol \"{protocol}\" is not one of tcp, udp, icmp, all"
            ));
        }
        let from = str_attr(r, "from").unwrap_or("host").to_string();
        let rule = Rule {
            port: port(attr(r, "port"), "port")?,
            host_port: port(attr(r, "host_port"), "host_port")?,
            protocol,
            from,
        };
        if rule.from == "host" {
            if rule.protocol != "tcp" {
                return Err(format!(
                    "a rule from \"host\" publishes a TCP port; protocol \"{}\" cannot be published",
                    rule.protocol
                ));
            }
            if rule.port.is_none() {
                return Err("a rule from \"host\" needs the guest port to publish (port)".into());
            }
        } else {
            // The switch enforces these; its parser is the judge of a valid CIDR.
            rule.from
                .parse::<Cidr>()
                .map_err(|e| format!("from = \"{}\": {e}", rule.from))?;
            if matches!(rule.protocol.as_str(), "tcp" | "udp") && rule.port.is_none() {
                return Err(format!("a {} rule needs a port", rule.protocol));
            }
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// Every rule of the given firewalls; an unknown firewall id is an error.
pub fn rules_of(store: &Store, ids: &[String]) -> Result<Vec<Rule>, String> {
    let mut all = Vec::new();
    for id in ids {
        match read_json::<FirewallMeta>(&store.firewall_file(id))? {
            Some(f) => all.extend(f.rules),
            None => {
                return Err(format!(
                    "There is no firewall \"{id}\"; refer to a qemu_firewall resource's id."
                ))
            }
        }
    }
    Ok(all)
}

/// The host forwards `rules` ask for. A port published before keeps its host port; a
/// new one gets the rule's `host_port` (which must be free) or one the kernel picks.
pub fn forwards_for(rules: &[Rule], existing: &[Forward]) -> Result<Vec<Forward>, String> {
    let mut out: Vec<Forward> = Vec::new();
    for r in rules.iter().filter(|r| r.from == "host") {
        let Some(guest) = r.port else { continue };
        if out.iter().any(|f| f.guest == guest) {
            continue;
        }
        let kept = existing
            .iter()
            .find(|f| f.guest == guest && r.host_port.is_none_or(|h| h == f.host));
        let host = match (kept, r.host_port) {
            (Some(f), _) => f.host,
            (None, Some(h)) => {
                if crate::vm::port_taken(h) {
                    return Err(format!(
                        "host port {h} (to publish guest port {guest}) is already taken by another program on 127.0.0.1. Choose another host_port, or leave it out to let Kiln choose one."
                    ));
                }
                h
            }
            (None, None) => crate::vm::free_port()?,
        };
        out.push(Forward { host, guest });
    }
    Ok(out)
}

pub async fn create(settings: &Settings, config: &Value) -> Result<String, String> {
    let rules = rules_from_config(config)?;
    let id = new_id("fw");
    write_json(
        &settings.store.firewall_file(&id),
        &FirewallMeta {
            id: id.clone(),
            rules,
        },
    )?;
    Ok(id)
}

/// New rules, applied at once to every VM that uses the firewall.
pub async fn update(settings: &Settings, id: &str, config: &Value) -> Result<(), String> {
    let store = &settings.store;
    let rules = rules_from_config(config)?;
    let _guard = store.lock().await;
    write_json(
        &store.firewall_file(id),
        &FirewallMeta {
            id: id.to_string(),
            rules,
        },
    )?;
    let mut nets = Vec::new();
    for mut vm in users(store, id)? {
        instance::apply_firewalls(store, &mut vm).await?;
        nets.extend(vm.nics.iter().map(|(n, _)| n.clone()));
    }
    network::sync_all(settings, &nets)
}

/// The VMs that use firewall `id`.
pub fn users(store: &Store, id: &str) -> Result<Vec<InstanceMeta>, String> {
    Ok(read_all::<InstanceMeta>(&store.instances(), true)?
        .into_iter()
        .filter(|m| m.firewalls.iter().any(|f| f == id))
        .collect())
}

pub async fn delete(settings: &Settings, id: &str) -> Result<(), String> {
    let store = &settings.store;
    let using = users(store, id)?;
    if !using.is_empty() {
        let names: Vec<&str> = using.iter().map(|m| m.id.as_str()).collect();
        return Err(format!(
            "The firewall {id} is still used by {}; destroy or change those instances first.",
            names.join(", ")
        ));
    }
    match std::fs::remove_file(store.firewall_file(id)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove the firewall {id}: {e}"))
        }
        _ => Ok(()),
    }
}

pub fn exists(store: &Store, id: &str) -> bool {
    store.firewall_file(id).exists()
}
