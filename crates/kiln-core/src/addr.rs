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
