//! The names visible inside one module instance: `var`, `local`, `module`, `data`,
//! `path` and one entry per resource type, filled in as the module's objects are
//! evaluated in dependency order.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::lang::{Kind, Scope, Value};

#[derive(Debug, Clone)]
pub struct ModuleScope {
    var: Value,
    local: Value,
    module: Value,
    data: Value,
    path: Value,
    /// Resource type → object of resource name → value.
    resources: HashMap<String, Value>,
}

fn empty() -> Value {
    Value::object(BTreeMap::new())
}

fn insert(obj: &mut Value, key: &str, v: Value) {
    if let Kind::Object(m) = &mut obj.kind {
        m.insert(key.to_string(), v);
    }
}

impl ModuleScope {
    pub fn new(module_dir: &Path, root_dir: &Path, cwd: &Path) -> ModuleScope {
        let path = Value::object_from([
            ("module", Value::string(module_dir.display().to_string())),
            ("root", Value::string(root_dir.display().to_string())),
            ("cwd", Value::string(cwd.display().to_string())),
        ]);
        ModuleScope {
            var: empty(),
            local: empty(),
            module: empty(),
            data: empty(),
            path,
            resources: HashMap::new(),
        }
    }

    pub fn set_var(&mut self, name: &str, v: Value) {
        insert(&mut self.var, name, v);
    }

    pub fn set_local(&mut self, name: &str, v: Value) {
        insert(&mut self.local, name, v);
    }

    pub fn set_module(&mut self, name: &str, v: Value) {
        insert(&mut self.module, name, v);
    }

    pub fn set_resource(&mut self, type_name: &str, name: &str, v: Value) {
        insert(
            self.resources
                .entry(type_name.to_string())
                .or_insert_with(empty),
            name,
            v,
        );
    }

    pub fn set_data(&mut self, type_name: &str, name: &str, v: Value) {
        if let Kind::Object(m) = &mut self.data.kind {
            insert(
                m.entry(type_name.to_string()).or_insert_with(empty),
                name,
                v,
            );
        }
    }

    /// `var.x` as evaluated (for tests and the console).
    pub fn var(&self, name: &str) -> Option<&Value> {
        self.var.as_map()?.get(name)
    }

    pub fn local(&self, name: &str) -> Option<&Value> {
        self.local.as_map()?.get(name)
    }
}

impl Scope for ModuleScope {
    fn lookup(&self, name: &str) -> Option<&Value> {
        match name {
            "var" => Some(&self.var),
            "local" => Some(&self.local),
            "module" => Some(&self.module),
            "data" => Some(&self.data),
            "path" => Some(&self.path),
            other => self.resources.get(other),
        }
    }
}
