//! The `configuration` section: what the configuration says, before evaluation, as
//! Terraform's configuration representation: `provider_config`, and per module its
//! `resources` (with each argument's expression), `module_calls` (with the called
//! module inside), `outputs` and `variables`.
//!
//! It is made when the plan is made (a saved plan stores it), since the configuration
//! may have changed by the time the plan is shown.

use serde_json::{json, Map, Value as J};

use kiln_core::config::image_blocks::provisioner_schema;
use kiln_core::config::model::{Module, ModuleCall, ModuleSource, Resource};
use kiln_core::config::{ModuleTree, Workspace};
use kiln_core::lang::Functions;
use kiln_core::schema::Schemas;

use super::json_address::{mode_name, schema_of};
use super::json_expr::{expression, expressions, references, ConstCx};
use super::json_values::object;

/// Where a module sits: its address (`""` for the root, `module.a.module.b`) and the
/// provider configurations (`qemu`, `qemu.west`) of it and of each module above it,
/// nearest first.
struct Scope {
    address: String,
    providers: Vec<(String, Vec<String>)>,
}

/// Terraform's opaque provider key: the provider address, prefixed with the module's
/// address for a configuration inside a module (`module.net:qemu`).
fn provider_key(module: &str, provider: &str) -> String {
    if module.is_empty() {
        provider.to_string()
    } else {
        format!("{module}:{provider}")
    }
}

/// The provider a resource uses (`qemu`, `qemu.west`): its `provider` argument, or the
/// one its type name implies.
fn provider_address(r: &Resource, schemas: &Schemas) -> String {
    if let Some((p, _)) = &r.provider {
        return p.clone();
    }
    match schemas.provider_for_type(&r.type_name) {
        Some(p) => p.name.clone(),
        None => r
            .type_name
            .split('_')
            .next()
            .unwrap_or(&r.type_name)
            .to_string(),
    }
}

/// Walks the module tree, gathering the provider configurations it meets on the way.
struct Builder<'a> {
    schemas: &'a Schemas,
    functions: Functions,
    provider_config: Map<String, J>,
}

impl Builder<'_> {
    /// The key of the provider configuration a resource in `scope` uses: a `provider`
    /// block in its module or the nearest module above; with none, the provider's
    /// default configuration at the root, recorded as implied.
    fn resource_provider_key(&mut self, address: &str, scope: &Scope) -> String {
        for (module, configured) in &scope.providers {
            if configured.iter().any(|p| p == address) {
                return provider_key(module, address);
            }
        }
        let name = address.split('.').next().unwrap_or(address).to_string();
        self.provider_config
            .entry(address.to_string())
            .or_insert_with(|| {
                object(vec![
                    ("name", Some(J::String(name))),
                    (
                        "alias",
                        address.split_once('.').map(|(_, a)| J::String(a.into())),
                    ),
                ])
            });
        address.to_string()
    }

    fn provider_blocks(&mut self, m: &Module, scope: &Scope) {
        let cx = ConstCx {
            functions: &self.functions,
            base_dir: &m.dir,
        };
        for p in &m.providers {
            let schema = self.schemas.providers.get(&p.name).map(|s| &s.config);
            let entry = object(vec![
                ("name", Some(J::String(p.name.clone()))),
                ("alias", p.alias.clone().map(J::String)),
                (
                    "module_address",
                    (!scope.address.is_empty()).then(|| J::String(scope.address.clone())),
                ),
                ("expressions", Some(expressions(&p.body, schema, &cx))),
            ]);
            self.provider_config
                .insert(provider_key(&scope.address, &p.address()), entry);
        }
    }

    fn resource(&mut self, r: &Resource, m: &Module, scope: &Scope) -> J {
        let provider = provider_address(r, self.schemas);
        let key = self.resource_provider_key(&provider, scope);
        let cx = ConstCx {
            functions: &self.functions,
            base_dir: &m.dir,
        };
        let schema = schema_of(self.schemas, r.mode, &r.type_name).map(|s| &s.body);
        let provisioners: Vec<J> = r
            .provisioners
            .iter()
            .map(|p| {
                let schema = provisioner_schema(&p.kind);
                json!({
                    "type": p.kind,
                    "expressions": expressions(&p.body, schema.as_ref(), &cx),
                })
            })
            .collect();
        let depends_on: Vec<String> = r.depends_on.iter().flat_map(references).collect();
        object(vec![
            ("address", Some(J::String(r.address()))),
            ("mode", Some(J::String(mode_name(r.mode).into()))),
            ("type", Some(J::String(r.type_name.clone()))),
            ("name", Some(J::String(r.name.clone()))),
            ("provider_config_key", Some(J::String(key))),
            (
                "provisioners",
                (!provisioners.is_empty()).then_some(J::Array(provisioners)),
            ),
            ("expressions", Some(expressions(&r.body, schema, &cx))),
            ("schema_version", Some(J::from(0))),
            (
                "count_expression",
                r.count.as_ref().map(|e| expression(e, false, &cx)),
            ),
            (
                "for_each_expression",
                r.for_each.as_ref().map(|e| expression(e, false, &cx)),
            ),
            (
                "depends_on",
                (!depends_on.is_empty()).then(|| json!(depends_on)),
            ),
        ])
    }

    /// A module call; `child` is the called module (absent when it could not be loaded)
    /// and `child_json` its representation.
    fn module_call(
        &self,
        call: &ModuleCall,
        m: &Module,
        child: Option<&ModuleTree>,
        child_json: Option<J>,
    ) -> J {
        let cx = ConstCx {
            functions: &self.functions,
            base_dir: &m.dir,
        };
        let source = match &call.source {
            ModuleSource::Local(s) | ModuleSource::Remote(s) => s.clone(),
        };
        // An input is sensitive when the variable it sets is: the called module says so.
        let sensitive = |name: &str| {
            child
                .and_then(|t| t.module.variables.get(name))
                .is_some_and(|v| v.sensitive)
        };
        let inputs: Map<String, J> = call
            .inputs
            .iter()
            .map(|a| (a.name.clone(), expression(&a.expr, sensitive(&a.name), &cx)))
            .collect();
        let depends_on: Vec<String> = call.depends_on.iter().flat_map(references).collect();
        object(vec![
            ("source", Some(J::String(source))),
            ("expressions", Some(J::Object(inputs))),
            (
                "count_expression",
                call.count.as_ref().map(|e| expression(e, false, &cx)),
            ),
            (
                "for_each_expression",
                call.for_each.as_ref().map(|e| expression(e, false, &cx)),
            ),
            // A module that could not be loaded has nothing to show.
            ("module", Some(child_json.unwrap_or_else(|| json!({})))),
            (
                "depends_on",
                (!depends_on.is_empty()).then(|| json!(depends_on)),
            ),
        ])
    }

    fn outputs(&self, m: &Module) -> Map<String, J> {
        let cx = ConstCx {
            functions: &self.functions,
            base_dir: &m.dir,
        };
        m.outputs
            .values()
            .map(|o| {
                let depends_on: Vec<String> = o.depends_on.iter().flat_map(references).collect();
                let entry = object(vec![
                    ("sensitive", o.sensitive.then_some(J::Bool(true))),
                    ("expression", Some(expression(&o.value, o.sensitive, &cx))),
                    ("description", o.description.clone().map(J::String)),
                    (
                        "depends_on",
                        (!depends_on.is_empty()).then(|| json!(depends_on)),
                    ),
                ]);
                (o.name.clone(), entry)
            })
            .collect()
    }

    fn variables(&self, m: &Module) -> Map<String, J> {
        let cx = ConstCx {
            functions: &self.functions,
            base_dir: &m.dir,
        };
        m.variables
            .values()
            .map(|v| {
                let default = v.default.as_ref().and_then(|e| {
                    expression(e, v.sensitive, &cx)
                        .get("constant_value")
                        .cloned()
                });
                let entry = object(vec![
                    ("default", default),
                    ("description", v.description.clone().map(J::String)),
                    ("sensitive", v.sensitive.then_some(J::Bool(true))),
                ]);
                (v.name.clone(), entry)
            })
            .collect()
    }

    /// One module and, inside its module calls, every module below it.
    fn module(&mut self, tree: &ModuleTree, scope: &Scope) -> J {
        let m = &tree.module;
        self.provider_blocks(m, scope);
        let resources: Vec<J> = m
            .resources
            .iter()
            .map(|r| self.resource(r, m, scope))
            .collect();
        let mut calls = Map::new();
        for (name, call) in &m.module_calls {
            let child = tree.children.get(name);
            let child_json = child.map(|t| {
                let address = if scope.address.is_empty() {
                    format!("module.{name}")
                } else {
                    format!("{}.module.{name}", scope.address)
                };
                let mut providers = vec![(address.clone(), provider_addresses(&t.module))];
                providers.extend(scope.providers.iter().cloned());
                self.module(t, &Scope { address, providers })
            });
            calls.insert(name.clone(), self.module_call(call, m, child, child_json));
        }
        let outputs = self.outputs(m);
        let variables = self.variables(m);
        object(vec![
            (
                "outputs",
                (!outputs.is_empty()).then_some(J::Object(outputs)),
            ),
            (
                "resources",
                (!resources.is_empty()).then_some(J::Array(resources)),
            ),
            (
                "module_calls",
                (!calls.is_empty()).then_some(J::Object(calls)),
            ),
            (
                "variables",
                (!variables.is_empty()).then_some(J::Object(variables)),
            ),
        ])
    }
}

/// The provider addresses a module configures with `provider` blocks.
fn provider_addresses(m: &Module) -> Vec<String> {
    m.providers.iter().map(|p| p.address()).collect()
}

/// The configuration section of a workspace.
pub(super) fn configuration(ws: &Workspace, schemas: &Schemas) -> J {
    let mut b = Builder {
        schemas,
        functions: Functions::standard(),
        provider_config: Map::new(),
    };
    let scope = Scope {
        address: String::new(),
        providers: vec![(String::new(), provider_addresses(&ws.tree.module))],
    };
    let root = b.module(&ws.tree, &scope);
    json!({ "provider_config": b.provider_config, "root_module": root })
}
