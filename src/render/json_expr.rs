//! Expressions of the configuration section: each argument as Terraform's expression
//! representation, `{"constant_value": …}` when the expression is a constant and
//! `{"references": […]}` when it refers to other objects. Policy tools read the first
//! to check literal settings and the second to follow one resource to another.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value as J};

use kiln_core::config::model::Body;
use kiln_core::lang::ast::{ExprKind, RefStep, Reference};
use kiln_core::lang::display::quote;
use kiln_core::lang::scope::EmptyScope;
use kiln_core::lang::{EvalCtx, Expr, Functions};
use kiln_core::schema::{Nesting, Schema};

use super::json_values::SENSITIVE;

/// What evaluating constants needs: the functions (none is ever called, see
/// [`constant`], but the evaluator wants them) and the module's directory.
pub(super) struct ConstCx<'a> {
    pub functions: &'a Functions,
    pub base_dir: &'a Path,
}

/// The value of an expression that refers to nothing and calls no function, as
/// Terraform's `constant_value` (which it takes by evaluating without any context).
/// Function calls are left out on purpose: `file()` would read files while rendering.
fn constant(e: &Expr, cx: &ConstCx) -> Option<J> {
    if !e.references().is_empty() {
        return None;
    }
    let mut calls = false;
    e.walk(&mut |x| calls |= matches!(x.kind, ExprKind::FuncCall { .. }));
    if calls {
        return None;
    }
    let files_read = RefCell::new(BTreeSet::new());
    let ctx = EvalCtx {
        scope: &EmptyScope,
        functions: cx.functions,
        base_dir: cx.base_dir,
        files_read: &files_read,
    };
    let v = ctx.eval(e).ok()?;
    v.is_wholly_known().then(|| v.to_json())
}

/// One reference as Terraform lists it: the full traversal, then shorter and shorter
/// down to the object referred to (`qemu_instance.web[0].ip`, `qemu_instance.web[0]`,
/// `qemu_instance.web`). A step only known at run time (`[count.index]`, a splat) ends
/// the traversal, since the text cannot say which element it is.
fn reference_strings(r: &Reference, out: &mut Vec<String>) {
    let steps: Vec<&RefStep> = r
        .steps
        .iter()
        .take_while(|s| !matches!(s, RefStep::SameKey | RefStep::Dynamic))
        .collect();
    // How many steps name the object itself: `data.TYPE.NAME`, `self`, and one name
    // after everything else (`var.x`, `module.net`, `qemu_network.lan`).
    let shortest = match r.root.as_str() {
        "self" => 0,
        "data" => 2,
        _ => 1,
    }
    .min(steps.len());
    for n in (shortest..=steps.len()).rev() {
        let mut text = r.root.clone();
        for s in &steps[..n] {
            match s {
                RefStep::Attr(a) => {
                    text.push('.');
                    text.push_str(a);
                }
                RefStep::Key(k) => text.push_str(&format!("[{}]", quote(k))),
                RefStep::Index(i) => text.push_str(&format!("[{i}]")),
                RefStep::SameKey | RefStep::Dynamic => {}
            }
        }
        if !out.contains(&text) {
            out.push(text);
        }
    }
}

/// Every reference in an expression, each once, in the order written.
pub(super) fn references(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    for r in e.references() {
        reference_strings(&r, &mut out);
    }
    out
}

/// An expression representation. A sensitive argument's constant is shown as
/// "(sensitive)": a secret written into the configuration stays out of the plan too.
pub(super) fn expression(e: &Expr, sensitive: bool, cx: &ConstCx) -> J {
    let mut m = Map::new();
    if let Some(v) = constant(e, cx) {
        let shown = if sensitive && !v.is_null() {
            J::String(SENSITIVE.into())
        } else {
            v
        };
        m.insert("constant_value".into(), shown);
    }
    let refs = references(e);
    if !refs.is_empty() {
        m.insert("references".into(), J::from(refs));
    }
    J::Object(m)
}

/// The expressions of a block body: arguments by name, nested blocks by type (one
/// object for a single block, a list for repeated ones), guided by the schema where
/// there is one.
pub(super) fn expressions(body: &Body, schema: Option<&Schema>, cx: &ConstCx) -> J {
    let mut m = Map::new();
    for a in &body.attributes {
        let sensitive = schema
            .and_then(|s| s.attributes.get(&a.name))
            .is_some_and(|s| s.sensitive);
        m.insert(a.name.clone(), expression(&a.expr, sensitive, cx));
    }
    for b in &body.blocks {
        let block_schema = schema.and_then(|s| s.blocks.get(&b.kind));
        let inner = expressions(&b.body, block_schema.map(|s| &s.body), cx);
        if block_schema.is_some_and(|s| s.nesting == Nesting::Single) {
            m.insert(b.kind.clone(), inner);
        } else {
            let list = m
                .entry(b.kind.clone())
                .or_insert_with(|| J::Array(Vec::new()));
            if let J::Array(items) = list {
                items.push(inner);
            }
        }
    }
    J::Object(m)
}
