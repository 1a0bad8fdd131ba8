//! The state file's data model, format version 1: what Kiln knows exists.
//!
//! The on-disk shape is documented by `state/state.v1.schema.json` at the repository
//! root; every field here appears there. Resources are kept in a map keyed by address
//! so that a state of thousands of resources is looked up without scans, and written in
//! address order so diffs of state files stay readable.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::addr::{InstanceAddr, InstanceKey, Mode, ResourceAddr};
use crate::provider::PathStep;

/// The format version this Kiln reads and writes.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u64,
    /// Increases with every write of the state.
    pub serial: u64,
    /// Fixed when the state is first created; states of different lineages are different
    /// infrastructures and are never mixed.
    pub lineage: String,
    pub kiln_version: String,
    #[serde(with = "resource_list")]
    pub resources: BTreeMap<ResourceAddr, ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Temporary resources of builds (build machines, key pairs) by id: recorded before
    /// they are created and forgotten once they are gone. One found here when no run is
    /// active was left by a run that died (or by `--on-error=abort`): the next plan
    /// deletes it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub temporaries: BTreeMap<String, TemporaryState>,
    /// The id of the saved plan whose apply wrote this state, so that applying the same
    /// plan file again is refused as "already applied" rather than as a state that moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_plan: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemporaryState {
    /// The address of the object whose build made it.
    pub owner: String,
    /// `provider.qemu`: who can delete it.
    pub provider: String,
    pub kind: String,
    pub description: String,
    #[serde(default)]
    pub data: serde_json::Value,
}

/// All instances of one resource block in one module instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// `provider.local`, `provider.aws.west`.
    pub provider: String,
    /// Keyed by instance key and deposed id ("" for the current object).
    #[serde(with = "instance_list")]
    pub instances: BTreeMap<(InstanceKey, String), InstanceState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<InstanceStatus>,
    /// The object's attributes as JSON, sensitive values included (the state file is
    /// 0600 for that reason).
    pub attributes: serde_json::Value,
    /// Paths inside `attributes` whose values are sensitive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitive_attributes: Vec<Vec<PathStep>>,
    /// Resource addresses this object depended on when it was last applied: the order to
    /// delete in once the configuration no longer says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// Room for image builds (fingerprints, build inputs) and other per-kind records;
    /// kept verbatim by versions that don't know them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceStatus {
    /// Created but not known to be good (its create failed part way): replaced next plan.
    Tainted,
    /// A create was started and not confirmed: the object may or may not exist (the run
    /// died during the call). Attributes hold what was planned. The next refresh looks
    /// for it: found, it becomes tainted; not found, it is forgotten.
    Creating,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

impl State {
    pub fn new(lineage: String) -> State {
        State {
            version: FORMAT_VERSION,
            serial: 0,
            lineage,
            kiln_version: crate::config::version::KILN_VERSION.to_string(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            temporaries: BTreeMap::new(),
            applied_plan: None,
        }
    }

    /// The current (not deposed) object of an instance.
    pub fn instance(&self, addr: &InstanceAddr) -> Option<&InstanceState> {
        self.resources
            .get(&addr.resource)?
            .instances
            .get(&(addr.key.clone(), String::new()))
    }

    /// Every object: (address, deposed id, provider, object).
    pub fn objects(&self) -> impl Iterator<Item = (InstanceAddr, &str, &str, &InstanceState)> {
        self.resources.iter().flat_map(|(r, rs)| {
            rs.instances.iter().map(move |((k, deposed), inst)| {
                (
                    r.instance(k.clone()),
                    deposed.as_str(),
                    rs.provider.as_str(),
                    inst,
                )
            })
        })
    }

    /// Records an object (replacing what was there under the same key).
    pub fn set(&mut self, addr: &InstanceAddr, deposed: &str, provider: &str, inst: InstanceState) {
        let rs = self
            .resources
            .entry(addr.resource.clone())
            .or_insert_with(|| ResourceState {
                provider: provider.to_string(),
                instances: BTreeMap::new(),
            });
        rs.provider = provider.to_string();
        rs.instances
            .insert((addr.key.clone(), deposed.to_string()), inst);
    }

    /// Forgets an object; a resource left without instances goes too.
    pub fn remove(&mut self, addr: &InstanceAddr, deposed: &str) -> Option<InstanceState> {
        let rs = self.resources.get_mut(&addr.resource)?;
        let old = rs
            .instances
            .remove(&(addr.key.clone(), deposed.to_string()));
        if rs.instances.is_empty() {
            self.resources.remove(&addr.resource);
        }
        old
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    pub fn managed_count(&self) -> usize {
        self.resources
            .iter()
            .filter(|(a, _)| a.mode == Mode::Managed)
            .map(|(_, r)| r.instances.len())
            .sum()
    }
}

/// On disk, resources are a list of objects naming their address parts, like
/// Terraform's, rather than a map keyed by an address string.
mod resource_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct OnDisk {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        module: String,
        mode: ModeName,
        #[serde(rename = "type")]
        type_name: String,
        name: String,
        #[serde(flatten)]
        body: ResourceState,
    }

    #[derive(Serialize, Deserialize, Clone, Copy)]
    #[serde(rename_all = "snake_case")]
    enum ModeName {
        Managed,
        Data,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<ResourceAddr, ResourceState>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter().map(|(a, r)| OnDisk {
            module: a.module.to_string(),
            mode: match a.mode {
                Mode::Managed => ModeName::Managed,
                Mode::Data => ModeName::Data,
            },
            type_name: a.type_name.clone(),
            name: a.name.clone(),
            body: r.clone(),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<ResourceAddr, ResourceState>, D::Error> {
        let list: Vec<OnDisk> = Vec::deserialize(d)?;
        let mut map = BTreeMap::new();
        for r in list {
            let module = if r.module.is_empty() {
                crate::addr::ModulePath::root()
            } else {
                match crate::addr::Target::parse(&r.module) {
                    Ok(crate::addr::Target::Module(m)) => m,
                    _ => {
                        return Err(serde::de::Error::custom(format!(
                            "invalid module path \"{}\"",
                            r.module
                        )))
                    }
                }
            };
            let mode = match r.mode {
                ModeName::Managed => Mode::Managed,
                ModeName::Data => Mode::Data,
            };
            let addr = ResourceAddr::new(module, mode, &r.type_name, &r.name);
            if map.insert(addr.clone(), r.body).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "resource {addr} appears twice"
                )));
            }
        }
        Ok(map)
    }
}

mod instance_list {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct OnDisk {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        index_key: Option<serde_json::Value>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        deposed: String,
        #[serde(flatten)]
        body: InstanceState,
    }

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<(InstanceKey, String), InstanceState>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter().map(|((k, deposed), inst)| OnDisk {
            index_key: match k {
                InstanceKey::None => None,
                InstanceKey::Int(i) => Some(serde_json::Value::from(*i)),
                InstanceKey::Str(s) => Some(serde_json::Value::from(s.clone())),
            },
            deposed: deposed.clone(),
            body: inst.clone(),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<(InstanceKey, String), InstanceState>, D::Error> {
        let list: Vec<OnDisk> = Vec::deserialize(d)?;
        let mut map = BTreeMap::new();
        for i in list {
            let key = match i.index_key {
                None => InstanceKey::None,
                Some(serde_json::Value::String(s)) => InstanceKey::Str(s),
                Some(serde_json::Value::Number(n)) => match n.as_i64() {
                    Some(n) => InstanceKey::Int(n),
                    None => return Err(serde::de::Error::custom("index_key must be an integer")),
                },
                Some(_) => {
                    return Err(serde::de::Error::custom(
                        "index_key must be a string or an integer",
                    ))
                }
            };
            map.insert((key, i.deposed), i.body);
        }
        Ok(map)
    }
}
