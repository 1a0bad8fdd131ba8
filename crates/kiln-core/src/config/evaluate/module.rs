//! Walks one module instance: builds its dependency order, then evaluates each object in
//! turn, recursing into module calls.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::expand::{expand, Expansion};
use super::order::order;
use super::refs::{body_refs, resolve, NodeKey, RefContext, ResourceRefs};
use super::resource::{eval_resource, ResourceEnv};
use super::scope::ModuleScope;
use super::variables::{finalize, given_from_input, Given, MissingVars};
use super::EvaluatedModule;
use crate::addr::ModulePath;
use crate::config::inputs::{InputSource, RawInput, RootInputs};
use crate::config::model::{Mode, Module, ModuleCall, ModuleTree};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::lang::ast::Reference;
use crate::lang::scope::ChildScope;
use crate::lang::{EvalCtx, Functions, Type, Value};
use crate::provider::DataReader;
use crate::schema::Schemas;
use crate::source::{SourceMap, Span};

pub struct Evaluator<'a> {
    pub schemas: &'a Schemas,
    pub functions: &'a Functions,
    pub sources: &'a SourceMap,
    pub root_dir: PathBuf,
    pub cwd: PathBuf,
    pub missing_vars: MissingVars,
    /// Reads data sources whose configuration is known; `None` leaves their computed
    /// attributes unknown (as `kiln validate` does).
    pub data_reader: Option<&'a dyn DataReader>,
    /// Set by plan and apply: decides each resource instance's value.
    pub hook: Option<&'a dyn super::ResourceHook>,
    pub diags: Diagnostics,
    /// References already reported as invalid: evaluation errors inside them are
    /// follow-ons ("This object does not have an attribute …") and are dropped.
    bad_refs: Vec<Span>,
}

const WHERE_ROOT_VARS: &str = "Set a value with --var NAME=VALUE, in kiln.vars.hcl or a *.auto.vars.hcl file, in a file given with --var-file, or in the environment variable KILN_VAR_NAME.";

impl<'a> Evaluator<'a> {
    pub fn new(
        schemas: &'a Schemas,
        functions: &'a Functions,
        sources: &'a SourceMap,
        root_dir: PathBuf,
        cwd: PathBuf,
    ) -> Evaluator<'a> {
        Evaluator {
            schemas,
            functions,
            sources,
            root_dir,
            cwd,
            missing_vars: MissingVars::Error,
            data_reader: None,
            hook: None,
            diags: Diagnostics::new(),
            bad_refs: Vec::new(),
        }
    }

    /// Evaluates the whole tree with the root module's inputs.
    pub fn evaluate(&mut self, tree: &ModuleTree, inputs: &RootInputs) -> EvaluatedModule {
        for input in &inputs.values {
            if tree.module.variables.contains_key(&input.name) {
                continue;
            }
            let hint = did_you_mean(
                &input.name,
                tree.module.variables.keys().map(String::as_str),
            );
            let d = match &input.source {
                InputSource::CommandLine => Diagnostic::error(
                    "Value for undeclared variable",
                    format!("A variable named \"{}\" was assigned on the command line, but the configuration does not declare it.{hint}", input.name),
                ),
                InputSource::Environment | InputSource::PlanFile => continue,
                InputSource::File(p) => {
                    let d = Diagnostic::warning(
                        "Value for undeclared variable",
                        format!("{} assigns \"{}\", but the configuration does not declare a variable of that name; the value is ignored.{hint}", p.display(), input.name),
                    );
                    match &input.raw {
                        RawInput::Expr(e) => d.at(e.span),
                        RawInput::Text { .. } | RawInput::Value(_) => d,
                    }
                }
            };
            self.diags.push(d);
        }
        self.eval_module(tree, ModulePath::root(), Inputs::Root(inputs))
    }

    fn eval_module(
        &mut self,
        tree: &ModuleTree,
        path: ModulePath,
        inputs: Inputs<'_>,
    ) -> EvaluatedModule {
        let module = &tree.module;
        let mut scope = ModuleScope::new(&module.dir, &self.root_dir, &self.cwd);
        let nodes = self.dependency_nodes(tree, &path);
        let ordered = order(&nodes, Some(self.sources));
        for d in ordered.diagnostics {
            let addr = d.address.clone().map(|a| path.join(a));
            self.diags.push(Diagnostic { address: addr, ..d });
        }
        let mut result = EvaluatedModule {
            path: path.clone(),
            dir: module.dir.clone(),
            scope: scope.clone(),
            resources: Vec::new(),
            outputs: BTreeMap::new(),
            providers: BTreeMap::new(),
            children: Vec::new(),
        };
        for key in &ordered.cyclic {
            self.set_unknown(&mut scope, key);
        }
        let cyclic: BTreeSet<&NodeKey> = ordered.cyclic.iter().collect();
        let files = RefCell::new(BTreeSet::new());
        for key in ordered.order.iter().filter(|k| !cyclic.contains(k)) {
            let before = self.diags.len();
            match key {
                NodeKey::Var(name) => {
                    let Some(var) = module.variables.get(name) else {
                        continue;
                    };
                    let ctx = EvalCtx {
                        scope: &scope,
                        functions: self.functions,
                        base_dir: &self.cwd,
                        files_read: &files,
                    };
                    let (given, missing, where_set) = match &inputs {
                        Inputs::Root(ri) => {
                            let given = ri
                                .get(name)
                                .and_then(|i| given_from_input(i, var, &ctx, &mut self.diags));
                            (
                                given,
                                self.missing_vars,
                                WHERE_ROOT_VARS.replace("NAME", name),
                            )
                        }
                        Inputs::Child(map) => (
                            map.get(name).map(|g| Given {
                                value: g.value.clone(),
                                span: g.span,
                                origin: g.origin.clone(),
                            }),
                            MissingVars::Unknown,
                            String::new(),
                        ),
                    };
                    let v = finalize(var, given, missing, &ctx, &where_set, &mut self.diags);
                    scope.set_var(name, v);
                }
                NodeKey::Local(name) => {
                    let Some(local) = module.locals.get(name) else {
                        continue;
                    };
                    let v = self.eval_logged(&scope, &files, &local.expr);
                    scope.set_local(name, v);
                }
                NodeKey::Resource(mode, t, n) => {
                    let Some(r) = module.resource(*mode, t, n) else {
                        continue;
                    };
                    let env = ResourceEnv {
                        schemas: self.schemas,
                        functions: self.functions,
                        module,
                        path: &path,
                        data_reader: self.data_reader,
                        hook: self.hook,
                        cwd: &self.cwd,
                    };
                    let (group, value) = eval_resource(&env, r, &scope, &mut self.diags);
                    match mode {
                        Mode::Managed => scope.set_resource(t, n, value),
                        Mode::Data => scope.set_data(t, n, value),
                    }
                    result.resources.push(group);
                }
                NodeKey::Module(name) => {
                    let Some(call) = module.module_calls.get(name) else {
                        continue;
                    };
                    let value = match tree.children.get(name) {
                        Some(child) => {
                            self.eval_call(call, child, &path, &scope, &mut result.children)
                        }
                        None => Value::unknown(Type::Any),
                    };
                    scope.set_module(name, value);
                }
                NodeKey::Output(name) => {
                    let Some(out) = module.outputs.get(name) else {
                        continue;
                    };
                    let v = self.eval_logged(&scope, &files, &out.value);
                    if v.contains_sensitive() && !out.sensitive {
                        self.diags.push(
                            Diagnostic::error(
                                "Output refers to sensitive values",
                                "To reduce the risk of accidentally exporting sensitive data, an output whose value includes sensitive values must be declared sensitive = true.",
                            )
                            .at(out.value.span),
                        );
                    }
                    result
                        .outputs
                        .insert(name.clone(), v.with_sensitive(out.sensitive));
                }
            }
            self.address_new_diags(before, &path, key);
        }
        result.providers = self.eval_providers(tree, &scope, &files);
        result.scope = scope;
        result
    }

    /// Gives diagnostics raised while evaluating `key` its address, dropping those that
    /// only repeat an invalid reference reported before evaluation.
    fn address_new_diags(&mut self, from: usize, path: &ModulePath, key: &NodeKey) {
        let bad_refs = &self.bad_refs;
        let mut i = 0;
        self.diags.0.retain(|d| {
            i += 1;
            i <= from
                || !d.subject.is_some_and(|s| {
                    bad_refs
                        .iter()
                        .any(|b| b.file == s.file && b.start <= s.start && s.end <= b.end)
                })
        });
        for d in self.diags.0.iter_mut().skip(from) {
            if d.address.is_none() {
                d.address = Some(path.join(key));
            }
        }
    }

    /// Evaluates `expr`; an error is recorded and the value becomes unknown, so that
    /// evaluation goes on and reports every problem of the run.
    fn eval_logged(
        &mut self,
        scope: &dyn crate::lang::Scope,
        files: &RefCell<BTreeSet<PathBuf>>,
        expr: &crate::lang::Expr,
    ) -> Value {
        let ctx = EvalCtx {
            scope,
            functions: self.functions,
            base_dir: &self.cwd,
            files_read: files,
        };
        ctx.eval(expr).unwrap_or_else(|d| {
            self.diags.push(d);
            Value::unknown(Type::Any)
        })
    }

    fn set_unknown(&self, scope: &mut ModuleScope, key: &NodeKey) {
        let u = Value::unknown(Type::Any);
        match key {
            NodeKey::Var(n) => scope.set_var(n, u),
            NodeKey::Local(n) => scope.set_local(n, u),
            NodeKey::Resource(Mode::Managed, t, n) => scope.set_resource(t, n, u),
            NodeKey::Resource(Mode::Data, t, n) => scope.set_data(t, n, u),
            NodeKey::Module(n) => scope.set_module(n, u),
            NodeKey::Output(_) => {}
        }
    }

    /// Every object of the module with what it refers to; bad references are reported.
    fn dependency_nodes(
        &mut self,
        tree: &ModuleTree,
        path: &ModulePath,
    ) -> Vec<(NodeKey, Span, Vec<NodeKey>)> {
        let mut report = |d: Diagnostic, key: &NodeKey| {
            self.bad_refs.extend(d.subject);
            self.diags.push(d.with_address(path.join(key)));
        };
        module_nodes(&tree.module, &mut report)
    }

    /// Evaluates a module call's instances; returns the value `module.NAME` has.
    fn eval_call(
        &mut self,
        call: &ModuleCall,
        child: &ModuleTree,
        path: &ModulePath,
        scope: &ModuleScope,
        children: &mut Vec<EvaluatedModule>,
    ) -> Value {
        let files = RefCell::new(BTreeSet::new());
        let ctx = EvalCtx {
            scope,
            functions: self.functions,
            base_dir: &self.cwd,
            files_read: &files,
        };
        let expansion = match expand(call.count.as_ref(), call.for_each.as_ref(), &ctx) {
            Ok(e) => e,
            Err(d) => {
                self.diags.push(d);
                Expansion::Unknown
            }
        };
        if self.hook.is_some() && matches!(expansion, Expansion::Unknown) {
            let which = if call.count.is_some() {
                "count"
            } else {
                "for_each"
            };
            let span = call
                .count
                .as_ref()
                .or(call.for_each.as_ref())
                .map_or(call.header_span, |e| e.span);
            self.diags.push(
                Diagnostic::error(
                    format!("Invalid {which} argument"),
                    format!("The \"{which}\" value of module \"{}\" depends on attributes that cannot be known until apply, so Kiln cannot tell how many instances to plan. Apply the resources it depends on first with --target, or derive {which} from values known at plan time.", call.name),
                )
                .at(span),
            );
        }
        let vars = &child.module.variables;
        for a in &call.inputs {
            if !vars.contains_key(&a.name) {
                self.diags.push(
                    Diagnostic::error(
                        "Unsupported argument",
                        format!("An argument named \"{}\" is not expected here: module \"{}\" declares no such variable.{}", a.name, call.name, did_you_mean(&a.name, vars.keys().map(String::as_str))),
                    )
                    .at(a.name_span),
                );
            }
        }
        for v in vars.values() {
            if v.default.is_none() && !call.inputs.iter().any(|a| a.name == v.name) {
                self.diags.push(
                    Diagnostic::error(
                        "Missing required argument",
                        format!("The argument \"{}\" is required, but no definition was found: module \"{}\" declares variable \"{}\" without a default. Add {} = … to the module block.", v.name, call.name, v.name, v.name),
                    )
                    .at(call.header_span),
                );
            }
        }
        let mut outputs = Vec::new();
        for (key, names) in expansion.instances() {
            let child_scope = ChildScope {
                parent: scope,
                names,
            };
            let mut given = BTreeMap::new();
            for a in call.inputs.iter().filter(|a| vars.contains_key(&a.name)) {
                let value = self.eval_logged(&child_scope, &files, &a.expr);
                given.insert(
                    a.name.clone(),
                    Given {
                        value,
                        span: Some(a.expr.span),
                        origin: format!("the module \"{}\" block", call.name),
                    },
                );
            }
            let evaluated = self.eval_module(
                child,
                path.child(&call.name, key.clone()),
                Inputs::Child(given),
            );
            let out = Value::object(evaluated.outputs.clone());
            children.push(evaluated);
            outputs.push((key, out));
        }
        expansion.collect(outputs)
    }

    fn eval_providers(
        &mut self,
        tree: &ModuleTree,
        scope: &ModuleScope,
        files: &RefCell<BTreeSet<PathBuf>>,
    ) -> BTreeMap<String, Value> {
        let module = &tree.module;
        let mut values = BTreeMap::new();
        for p in &module.providers {
            let Some(schema) = self.schemas.providers.get(&p.name) else {
                let names: Vec<&str> = self.schemas.providers.keys().map(String::as_str).collect();
                self.diags.push(
                    Diagnostic::error(
                        "Unknown provider",
                        format!("There is no provider named \"{}\" in this Kiln. Available providers: {}.{}", p.name, names.join(", "), did_you_mean(&p.name, names.iter().copied())),
                    )
                    .at(p.span),
                );
                continue;
            };
            let mut refs = Vec::new();
            body_refs(&p.body, &mut refs);
            let mut ok = true;
            for r in &refs {
                if let Err(d) = resolve(r, module, RefContext::default()) {
                    self.diags.push(d);
                    ok = false;
                }
            }
            if ok {
                let ctx = EvalCtx {
                    scope,
                    functions: self.functions,
                    base_dir: &self.cwd,
                    files_read: files,
                };
                let v = super::body::eval_body(
                    &ctx,
                    &p.body,
                    &schema.config,
                    p.span,
                    &format!("a provider \"{}\" block", p.name),
                    &mut self.diags,
                );
                values.insert(p.address(), v);
            }
        }
        values
    }
}

/// What a module instance's variables are set from.
enum Inputs<'i> {
    Root(&'i RootInputs),
    Child(BTreeMap<String, Given>),
}

/// Every object of `module` with the objects it refers to (its dependency edges).
/// References that do not resolve are passed to `report` with the object they are in.
pub fn module_nodes(
    module: &Module,
    report: &mut dyn FnMut(Diagnostic, &NodeKey),
) -> Vec<(NodeKey, Span, Vec<NodeKey>)> {
    let mut resolve_all = |refs: &[Reference], cx: RefContext, key: &NodeKey| {
        let mut deps = Vec::new();
        for r in refs {
            match resolve(r, module, cx) {
                Ok(Some(k)) => deps.push(k),
                Ok(None) => {}
                Err(d) => report(d, key),
            }
        }
        deps
    };
    let mut nodes = Vec::new();
    for v in module.variables.values() {
        nodes.push((NodeKey::Var(v.name.clone()), v.span, Vec::new()));
    }
    for l in module.locals.values() {
        let key = NodeKey::Local(l.name.clone());
        let deps = resolve_all(&l.expr.references(), RefContext::default(), &key);
        nodes.push((key, l.span, deps));
    }
    for r in &module.resources {
        let key = NodeKey::Resource(r.mode, r.type_name.clone(), r.name.clone());
        let refs = ResourceRefs::of(r);
        let (cx, bcx) = ResourceRefs::contexts(r);
        let mut deps = resolve_all(&refs.meta, RefContext::default(), &key);
        deps.extend(resolve_all(&refs.body, cx, &key));
        deps.extend(resolve_all(&refs.image, bcx, &key));
        nodes.push((key, r.header_span, deps));
    }
    for c in module.module_calls.values() {
        let key = NodeKey::Module(c.name.clone());
        let mut refs = Vec::new();
        for e in c.count.iter().chain(&c.for_each).chain(&c.depends_on) {
            refs.extend(e.references());
        }
        let plain = resolve_all(&refs, RefContext::default(), &key);
        let cx = RefContext {
            count: c.count.is_some(),
            each: c.for_each.is_some(),
            build: false,
        };
        let inputs: Vec<Reference> = c.inputs.iter().flat_map(|a| a.expr.references()).collect();
        let mut deps = resolve_all(&inputs, cx, &key);
        deps.extend(plain);
        nodes.push((key, c.header_span, deps));
    }
    for o in module.outputs.values() {
        let key = NodeKey::Output(o.name.clone());
        let mut refs = o.value.references();
        for e in &o.depends_on {
            refs.extend(e.references());
        }
        let deps = resolve_all(&refs, RefContext::default(), &key);
        nodes.push((key, o.span, deps));
    }
    nodes
}
