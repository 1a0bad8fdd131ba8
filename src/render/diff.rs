//! Diffing two values into a [`super::tree`]: decides *what* changed at each node,
//! whether it forces the object's replacement, and never how anything looks. Schema
//! bodies (attributes and nested blocks) are [`super::diff_block`]'s.
//!
//! Sensitive values become [`Node::Sensitive`] before anything else is looked at, so their
//! content never enters the tree.

use std::collections::{BTreeMap, BTreeSet};

use kiln_core::lang::{Kind, Value};
use kiln_core::provider::{AttrPath, PathStep};
use kiln_core::schema::Schema;

use super::diff_block::block;
use super::seq;
use super::tree::{Change, Diff, DiffCx, Leaf, Node};

/// A side that holds something: null counts as absent.
pub(super) fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

/// Equal content, marks aside; unknowns are never equal to anything.
fn same(a: &Value, b: &Value) -> bool {
    a.is_wholly_known() && b.is_wholly_known() && a.unmarked_deep().raw_equals(&b.unmarked_deep())
}

fn leaf_of(v: Option<&Value>) -> Option<Leaf> {
    match v.map(|v| &v.kind) {
        None | Some(Kind::Null) => Some(Leaf::Null),
        Some(Kind::Bool(b)) => Some(Leaf::Bool(*b)),
        Some(Kind::Number(n)) => Some(Leaf::Number(*n)),
        Some(Kind::String(s)) => Some(Leaf::Text(s.clone())),
        Some(_) => None,
    }
}

/// A resource body (or data source) against its schema; without one, every key is an
/// attribute.
pub fn diff_body(
    before: Option<&Value>,
    after: Option<&Value>,
    schema: Option<&Schema>,
    cx: &DiffCx,
) -> Diff {
    let empty = Schema::new();
    block(before, after, schema.unwrap_or(&empty), &mut Vec::new(), cx)
}

/// Two values with no schema (outputs); `sensitive` marks both sides.
pub fn diff_value(
    before: Option<&Value>,
    after: Option<&Value>,
    sensitive: bool,
    cx: &DiffCx,
) -> Diff {
    value(before, after, sensitive, &mut Vec::new(), cx)
}

/// One value at `path`. `sensitive` comes from the schema (or the output).
pub(super) fn value(
    before: Option<&Value>,
    after: Option<&Value>,
    sensitive: bool,
    path: &mut AttrPath,
    cx: &DiffCx,
) -> Diff {
    let (b, a) = (present(before), present(after));
    let b_sens = b.is_some_and(|v| sensitive || v.sensitive);
    let a_sens = a.is_some_and(|v| sensitive || v.sensitive);
    if b_sens || a_sens {
        return sensitive_node(b, a, b_sens, a_sens, path, cx);
    }
    if a.is_some_and(|v| !v.is_known()) {
        let before = b.map(|b| Box::new(value(Some(b), None, false, path, cx)));
        let change = if before.is_some() {
            Change::Update
        } else {
            Change::Create
        };
        return Diff {
            change,
            replace: cx.marks(path, true),
            node: Node::Unknown { before },
        };
    }
    // An unknown old value cannot come from state; treat it as absent.
    let b = b.filter(|v| v.is_known());
    if let (Some(lb), Some(la)) = (leaf_of(b), leaf_of(a)) {
        return super::strings::diff_leaf(lb, la, path, cx);
    }
    match (b.map(|v| &v.kind), a.map(|v| &v.kind)) {
        (Some(bk), Some(ak)) if !same_shape(bk, ak) => {
            let before = value(b, None, false, path, cx);
            let after = value(None, a, false, path, cx);
            Diff {
                change: Change::Update,
                replace: cx.marks(path, true),
                node: Node::TypeChange {
                    before: Box::new(before),
                    after: Box::new(after),
                },
            }
        }
        _ => collection(b, a, path, cx),
    }
}

/// Whether two known, non-null kinds diff element by element.
fn same_shape(a: &Kind, b: &Kind) -> bool {
    let family = |k: &Kind| match k {
        Kind::List(_) | Kind::Tuple(_) => 1,
        Kind::Set(_) => 2,
        Kind::Map(_) | Kind::Object(_) => 3,
        _ => 0,
    };
    family(a) != 0 && family(a) == family(b)
}

pub(super) fn sensitive_node(
    b: Option<&Value>,
    a: Option<&Value>,
    b_sens: bool,
    a_sens: bool,
    path: &[PathStep],
    cx: &DiffCx,
) -> Diff {
    let value_changed = match (b, a) {
        (Some(b), Some(a)) => !same(b, a),
        (None, None) => false,
        _ => true,
    };
    let mut change = Change::of_sides(b.is_some(), a.is_some());
    if change == Change::NoOp && (value_changed || b_sens != a_sens) {
        change = Change::Update;
    }
    Diff {
        change,
        replace: cx.marks(path, true),
        node: Node::Sensitive {
            before: b_sens,
            after: a_sens,
            value_changed,
        },
    }
}

/// Lists, sets, maps and objects, with at least one side present and known.
fn collection(b: Option<&Value>, a: Option<&Value>, path: &mut AttrPath, cx: &DiffCx) -> Diff {
    let shape = a.or(b).map(|v| &v.kind);
    let mut change = Change::of_sides(b.is_some(), a.is_some());
    let node = match shape {
        Some(Kind::Map(_) | Kind::Object(_)) => {
            let empty = BTreeMap::new();
            let bm = b.and_then(Value::as_map).unwrap_or(&empty);
            let am = a.and_then(Value::as_map).unwrap_or(&empty);
            let keys: BTreeSet<&String> = bm.keys().chain(am.keys()).collect();
            let mut items = BTreeMap::new();
            for k in keys {
                path.push(step_for(shape, k));
                let d = value(bm.get(k), am.get(k), false, path, cx);
                path.pop();
                let both_null = present(bm.get(k)).is_none() && present(am.get(k)).is_none();
                if d.change == Change::NoOp && both_null {
                    continue;
                }
                change = change.and(d.change);
                items.insert(k.clone(), d);
            }
            if matches!(shape, Some(Kind::Map(_))) {
                Node::Map(items)
            } else {
                Node::Object(items)
            }
        }
        Some(Kind::Set(_)) => {
            let items = seq::diff_set(seq_of(b), seq_of(a), path, |b, a, path| {
                value(b, a, false, path, cx)
            });
            change = items.iter().fold(change, |c, d| c.and(d.change));
            Node::Set(items)
        }
        _ => {
            let items = seq::diff_list(seq_of(b), seq_of(a), path, cx);
            change = items.iter().fold(change, |c, d| c.and(d.change));
            Node::List(items)
        }
    };
    Diff {
        change,
        replace: cx.marks(path, false),
        node,
    }
}

fn step_for(shape: Option<&Kind>, key: &str) -> PathStep {
    match shape {
        Some(Kind::Map(_)) => PathStep::Key(key.to_string()),
        _ => PathStep::Attr(key.to_string()),
    }
}

pub(super) fn seq_of(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_seq).unwrap_or(&[])
}
