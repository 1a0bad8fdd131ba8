//! Static reference checking: every name an expression uses must exist in its module and be
//! allowed where it is used (`count.index` only with `count`, `each` only with `for_each`,
//! `self` and `build` only in provisioners). Each valid reference to another object of the
//! module becomes a dependency edge.

use std::fmt;

use crate::config::model::{Body, Mode, Module};
use crate::diag::{did_you_mean, Diagnostic};
use crate::lang::ast::{RefStep, Reference};
use crate::lang::Expr;

/// An object of a module that others can depend on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKey {
    Var(String),
    Local(String),
    Resource(Mode, String, String),
    Output(String),
    Module(String),
}

impl fmt::Display for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeKey::Var(n) => write!(f, "var.{n}"),
            NodeKey::Local(n) => write!(f, "local.{n}"),
            NodeKey::Resource(Mode::Managed, t, n) => write!(f, "{t}.{n}"),
            NodeKey::Resource(Mode::Data, t, n) => write!(f, "data.{t}.{n}"),
            NodeKey::Output(n) => write!(f, "output.{n}"),
            NodeKey::Module(n) => write!(f, "module.{n}"),
        }
    }
}

/// Which contextual names an expression may use.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefContext {
    pub count: bool,
    pub each: bool,
    /// Inside provisioner / communicator blocks of an image.
    pub build: bool,
}

const ROOTS: [&str; 7] = ["var", "local", "module", "data", "path", "count", "each"];

fn attr_step(r: &Reference, i: usize) -> Option<&str> {
    match r.steps.get(i) {
        Some(RefStep::Attr(s)) => Some(s),
        _ => None,
    }
}

/// Resolves one reference; `Ok(None)` for valid references that are not dependencies.
pub fn resolve(
    r: &Reference,
    module: &Module,
    cx: RefContext,
) -> Result<Option<NodeKey>, Diagnostic> {
    let need_attr = |what: &str, example: &str| {
        Diagnostic::error(
            "Invalid reference",
            format!("A reference to {what} must be followed by a name, such as {example}."),
        )
        .at(r.span)
    };
    match r.root.as_str() {
        "var" => {
            let name = attr_step(r, 0).ok_or_else(|| need_attr("an input variable", "var.region"))?;
            if module.variables.contains_key(name) {
                Ok(Some(NodeKey::Var(name.to_string())))
            } else {
                Err(Diagnostic::error(
                    "Reference to undeclared input variable",
                    format!(
                        "An input variable with the name \"{name}\" has not been declared. Declare it with a variable \"{name}\" {{ … }} block.{}",
                        did_you_mean(name, module.variables.keys().map(String::as_str))
                    ),
                )
                .at(r.span))
            }
        }
        "local" => {
            let name = attr_step(r, 0).ok_or_else(|| need_attr("a local value", "local.name"))?;
            if module.locals.contains_key(name) {
                Ok(Some(NodeKey::Local(name.to_string())))
            } else {
                Err(Diagnostic::error(
                    "Reference to undeclared local value",
                    format!(
                        "A local value with the name \"{name}\" has not been declared.{}",
                        did_you_mean(name, module.locals.keys().map(String::as_str))
                    ),
                )
                .at(r.span))
            }
        }
        "module" => {
            let name = attr_step(r, 0).ok_or_else(|| need_attr("a module", "module.network"))?;
            if module.module_calls.contains_key(name) {
                Ok(Some(NodeKey::Module(name.to_string())))
            } else {
                Err(Diagnostic::error(
                    "Reference to undeclared module",
                    format!(
                        "No module call named \"{name}\" is declared in this module.{}",
                        did_you_mean(name, module.module_calls.keys().map(String::as_str))
                    ),
                )
                .at(r.span))
            }
        }
        "data" => {
            let (Some(t), Some(n)) = (attr_step(r, 0), attr_step(r, 1)) else {
                return Err(need_attr("a data source", "data.local_command.facts"));
            };
            resource(module, Mode::Data, t, n, r)
        }
        "path" => match attr_step(r, 0) {
            Some("module" | "root" | "cwd") => Ok(None),
            _ => Err(Diagnostic::error("Invalid \"path\" attribute", "The \"path\" object has the attributes module, root and cwd.").at(r.span)),
        },
        "count" => {
            if !cx.count {
                return Err(Diagnostic::error(
                    "Reference to \"count\" in non-counted context",
                    "The \"count\" object can only be used in resource and module blocks that set the count argument.",
                )
                .at(r.span));
            }
            match attr_step(r, 0) {
                Some("index") => Ok(None),
                _ => Err(Diagnostic::error("Invalid \"count\" attribute", "The \"count\" object has only the attribute \"index\".").at(r.span)),
            }
        }
        "each" => {
            if !cx.each {
                return Err(Diagnostic::error(
                    "Reference to \"each\" in context without for_each",
                    "The \"each\" object can only be used in resource and module blocks that set the for_each argument.",
                )
                .at(r.span));
            }
            match attr_step(r, 0) {
                Some("key" | "value") => Ok(None),
                _ => Err(Diagnostic::error("Invalid \"each\" attribute", "The \"each\" object has the attributes key and value.").at(r.span)),
            }
        }
        "self" | "build" if cx.build => Ok(None),
        "self" | "build" => Err(Diagnostic::error(
            format!("Invalid \"{}\" reference", r.root),
            format!("The \"{}\" object is only available inside the provisioner and communicator blocks of an image resource.", r.root),
        )
        .at(r.span)),
        type_name => {
            let Some(n) = attr_step(r, 0) else {
                let roots = ROOTS.iter().copied().chain(module.resources.iter().map(|r| r.type_name.as_str()));
                return Err(Diagnostic::error(
                    "Unknown variable",
                    format!("There is no variable named \"{type_name}\".{}", did_you_mean(type_name, roots)),
                )
                .at(r.span));
            };
            resource(module, Mode::Managed, type_name, n, r)
        }
    }
}

fn resource(
    module: &Module,
    mode: Mode,
    t: &str,
    n: &str,
    r: &Reference,
) -> Result<Option<NodeKey>, Diagnostic> {
    if module.resource(mode, t, n).is_some() {
        return Ok(Some(NodeKey::Resource(mode, t.to_string(), n.to_string())));
    }
    let (what, prefix) = if mode == Mode::Data {
        ("data source", "data.")
    } else {
        ("managed resource", "")
    };
    let candidates: Vec<String> = module
        .resources
        .iter()
        .filter(|x| x.mode == mode)
        .map(|x| format!("{prefix}{}.{}", x.type_name, x.name))
        .collect();
    Err(Diagnostic::error(
        format!(
            "Reference to undeclared {}",
            if mode == Mode::Data {
                "data source"
            } else {
                "resource"
            }
        ),
        format!(
            "A {what} \"{t}\" \"{n}\" has not been declared in this module.{}",
            did_you_mean(
                &format!("{prefix}{t}.{n}"),
                candidates.iter().map(String::as_str)
            )
        ),
    )
    .at(r.span))
}

/// References in a body, without the iterator names bound by its `dynamic` blocks.
pub fn body_refs(body: &Body, out: &mut Vec<Reference>) {
    body_refs_bound(body, &mut Vec::new(), out);
}

fn body_refs_bound(body: &Body, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    for a in &body.attributes {
        push_refs(&a.expr, bound, out);
    }
    for b in &body.blocks {
        if b.kind == "dynamic" {
            if let Some(fe) = b.body.attr("for_each") {
                push_refs(&fe.expr, bound, out);
            }
            let iterator = b
                .body
                .attr("iterator")
                .and_then(|a| {
                    a.expr
                        .as_static_path()
                        .and_then(|p| p.first().map(|s| s.to_string()))
                })
                .or_else(|| b.labels.first().cloned())
                .unwrap_or_default();
            bound.push(iterator);
            for c in b.body.blocks.iter().filter(|c| c.kind == "content") {
                body_refs_bound(&c.body, bound, out);
            }
            bound.pop();
        } else {
            body_refs_bound(&b.body, bound, out);
        }
    }
}

fn push_refs(e: &Expr, bound: &[String], out: &mut Vec<Reference>) {
    out.extend(
        e.references()
            .into_iter()
            .filter(|r| !bound.contains(&r.root)),
    );
}

/// Every reference a resource block makes, grouped by the names each group may use.
pub struct ResourceRefs {
    /// `count`, `for_each`, `depends_on`, `replace_triggered_by`: no `count.index`/`each`.
    pub meta: Vec<Reference>,
    /// The body: `count.index` / `each` as the block has them.
    pub body: Vec<Reference>,
    /// Provisioner and communicator blocks: `build` and `self` as well.
    pub image: Vec<Reference>,
}

impl ResourceRefs {
    pub fn of(r: &crate::config::model::Resource) -> ResourceRefs {
        let mut meta = Vec::new();
        for e in r
            .count
            .iter()
            .chain(&r.for_each)
            .chain(&r.depends_on)
            .chain(&r.lifecycle.replace_triggered_by)
        {
            meta.extend(e.references());
        }
        let mut body = Vec::new();
        body_refs(&r.body, &mut body);
        let mut image = Vec::new();
        for p in &r.provisioners {
            body_refs(&p.body, &mut image);
        }
        if let Some(c) = &r.communicator {
            body_refs(&c.body, &mut image);
        }
        ResourceRefs { meta, body, image }
    }

    /// The contexts the body and the image blocks are checked in.
    pub fn contexts(r: &crate::config::model::Resource) -> (RefContext, RefContext) {
        let cx = RefContext {
            count: r.count.is_some(),
            each: r.for_each.is_some(),
            build: false,
        };
        (cx, RefContext { build: true, ..cx })
    }
}

/// The resources `r` refers to only through an index by its own `count.index` or
/// `each.key` (`a[count.index].id`): each instance of `r` depends on the one instance of
/// them with its key, not on all of them.
pub fn same_key_targets(r: &crate::config::model::Resource, module: &Module) -> Vec<NodeKey> {
    let refs = ResourceRefs::of(r);
    let (_, cx) = ResourceRefs::contexts(r);
    let mut same: Vec<NodeKey> = Vec::new();
    let mut all: Vec<NodeKey> = Vec::new();
    for reference in refs.meta.iter().chain(&refs.body).chain(&refs.image) {
        let Ok(Some(key @ NodeKey::Resource(mode, _, _))) = resolve(reference, module, cx) else {
            continue;
        };
        let at = if mode == Mode::Data { 2 } else { 1 };
        if reference.steps.get(at) == Some(&RefStep::SameKey) {
            same.push(key);
        } else {
            all.push(key);
        }
    }
    same.retain(|k| !all.contains(k));
    same.sort();
    same.dedup();
    same
}
