//! Addresses of things in a configuration: module instance paths and resource instance
//! keys, displayed the way users write them (`module.net["a"].local_file.x[0]`).

use std::fmt;

use crate::lang::display::quote;

/// Which instance of a counted or for_each'd object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    /// No count and no for_each.
    None,
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote(s)),
        }
    }
}

/// A module instance: a sequence of `module.NAME[KEY]` steps; empty for the root.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ModulePath(pub Vec<(String, InstanceKey)>);

impl ModulePath {
    pub fn root() -> ModulePath {
        ModulePath::default()
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child(&self, name: &str, key: InstanceKey) -> ModulePath {
        let mut steps = self.0.clone();
        steps.push((name.to_string(), key));
        ModulePath(steps)
    }

    /// `prefix.rest`, or just `rest` at the root.
    pub fn join(&self, rest: impl fmt::Display) -> String {
        if self.is_root() {
            rest.to_string()
        } else {
            format!("{self}.{rest}")
        }
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, key)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}{key}")?;
        }
        Ok(())
    }
}

/// Whether a resource block manages an object or only reads one.
pub use crate::config::model::Mode;

/// A resource or data source block in a module instance: `module.a.local_file.x`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub module: ModulePath,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn new(module: ModulePath, mode: Mode, type_name: &str, name: &str) -> ResourceAddr {
        ResourceAddr {
            module,
            mode,
            type_name: type_name.to_string(),
            name: name.to_string(),
        }
    }

    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr {
            resource: self.clone(),
            key,
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// One instance of a resource: `module.a["x"].local_file.y[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl InstanceAddr {
    /// Parses an instance address as written in state and journals; a resource address
    /// names its unkeyed instance.
    pub fn parse(text: &str) -> Result<InstanceAddr, String> {
        match Target::parse(text)? {
            Target::Instance(i) => Ok(i),
            Target::Resource(r) => Ok(r.instance(InstanceKey::None)),
            Target::Module(_) => Err(format!("\"{text}\" is a module, not a resource instance")),
        }
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

/// What a user may name on the command line (`--target`, `state mv`): a module instance,
/// a whole resource, or one instance of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Module(ModulePath),
    Resource(ResourceAddr),
    Instance(InstanceAddr),
}

impl Target {
    /// Parses an address the way users type it. Errors say what was expected.
    pub fn parse(text: &str) -> Result<Target, String> {
        crate::addr_parse::parse_target(text)
    }

    /// Whether `addr` is this target or lies inside it.
    pub fn contains(&self, addr: &InstanceAddr) -> bool {
        match self {
            Target::Module(m) => addr.resource.module.0.starts_with(&m.0),
            Target::Resource(r) => &addr.resource == r,
            Target::Instance(i) => i == addr,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Module(m) => m.fmt(f),
            Target::Resource(r) => r.fmt(f),
            Target::Instance(i) => i.fmt(f),
        }
    }
}
