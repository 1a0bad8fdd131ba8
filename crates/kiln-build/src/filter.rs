//! `only` and `except` on a provisioner: which builds run it.
//!
//! In Packer these name sources of a multi-source build. In Kiln every image resource
//! instance is its own build, so a name in the list matches a build when it is any of:
//!
//! | name | example |
//! | --- | --- |
//! | the full instance address | `module.web.qemu_image.app["eu"]` |
//! | the address without the instance key | `module.web.qemu_image.app` |
//! | the resource type | `qemu_image` |
//! | the provider's name | `qemu` |
//!
//! A provisioner with `only` runs only in builds matched by one of its names; one with
//! `except` is skipped in builds matched by one of its names. Both may be set; `except`
//! wins. This lets a module shared by a qemu and an aws image keep one provisioner list
//! with a step for one platform only.

use kiln_builtin::object::attr;
use kiln_core::addr::InstanceAddr;
use kiln_core::lang::Value;

/// The names a build answers to in `only` / `except`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildName {
    pub address: String,
    pub resource: String,
    pub type_name: String,
    pub provider: String,
}

impl BuildName {
    /// The names of the build of image `addr` by the provider called `provider` (its
    /// name in configurations, e.g. "qemu").
    pub fn new(addr: &InstanceAddr, provider: &str) -> BuildName {
        BuildName {
            address: addr.to_string(),
            resource: addr.resource.to_string(),
            type_name: addr.resource.type_name.clone(),
            provider: provider.to_string(),
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        let name = name.trim();
        [
            &self.address,
            &self.resource,
            &self.type_name,
            &self.provider,
        ]
        .iter()
        .any(|n| n.as_str() == name)
    }

    /// Why the provisioner `p` is skipped in this build, or `None` when it runs.
    pub fn skips(&self, p: &Value) -> Option<String> {
        let names = |key: &str| -> Option<Vec<String>> {
            let list = attr(p, key)?.as_seq()?;
            Some(
                list.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            )
        };
        if let Some(except) = names("except") {
            if let Some(hit) = except.iter().find(|n| self.matches(n)) {
                return Some(format!("except names \"{hit}\""));
            }
        }
        if let Some(only) = names("only") {
            if !only.iter().any(|n| self.matches(n)) {
                return Some(format!(
                    "only = [{}] names none of {}, {}, {}, {}",
                    only.iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    self.address,
                    self.resource,
                    self.type_name,
                    self.provider
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> BuildName {
        let addr = InstanceAddr::parse("module.web.qemu_image.app[\"eu\"]").expect("address");
        BuildName::new(&addr, "qemu")
    }

    fn p(only: &[&str], except: &[&str]) -> Value {
        let list = |l: &[&str]| Value::tuple(l.iter().map(|s| Value::string(*s)).collect());
        let mut attrs = vec![];
        if !only.is_empty() {
            attrs.push(("only", list(only)));
        }
        if !except.is_empty() {
            attrs.push(("except", list(except)));
        }
        Value::object_from(attrs)
    }

    #[test]
    fn every_kind_of_name_matches() {
        let n = name();
        for m in [
            "module.web.qemu_image.app[\"eu\"]",
            "module.web.qemu_image.app",
            "qemu_image",
            "qemu",
        ] {
            assert!(n.matches(m), "{m}");
            assert_eq!(n.skips(&p(&[m], &[])), None, "only {m}");
            assert!(n.skips(&p(&[], &[m])).is_some(), "except {m}");
        }
        assert!(
            !n.matches("qemu_image.app"),
            "the module path is part of the address"
        );
        assert!(n.skips(&p(&["aws", "aws_image"], &[])).is_some());
        assert!(
            n.skips(&p(&["qemu"], &["qemu_image"])).is_some(),
            "except wins"
        );
        assert_eq!(n.skips(&Value::object_from::<&str>([])), None);
    }
}
