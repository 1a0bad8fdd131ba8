//! The diff of two values as a tree, computed once and then printed by the renderers in
//! [`super::draw`] and [`super::strings`] (one small renderer per node kind, as in
//! OpenTofu's `jsonformat`).
//!
//! The differ decides *what* changed: each node carries its [`Change`], whether it forces
//! the object's replacement, and its children. It never decides how anything looks.
//!
//! Sensitive values become [`Node::Sensitive`] before anything else is looked at, so their
//! content never enters the tree: nothing downstream can print what is not there.

use std::collections::{BTreeMap, BTreeSet};

use kiln_core::lang::{Kind, Value};
use kiln_core::provider::{AttrPath, PathStep};
use kiln_core::schema::{Nesting, Schema};

use super::seq;

/// What happened to one node of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    NoOp,
    Create,
    Update,
    Delete,
}

impl Change {
    /// A parent's change given a child's (Terraform's `CompareActions`): an unchanged
    /// child leaves it be; a child changing differently from the parent so far makes it
    /// an update (an element added to an existing list updates the list).
    pub fn and(self, child: Change) -> Change {
        if child == Change::NoOp || child == self {
            self
        } else {
            Change::Update
        }
    }

    /// The change a collection starts from before its elements are looked at.
    fn of_sides(before: bool, after: bool) -> Change {
        match (before, after) {
            (false, true) => Change::Create,
            (true, false) => Change::Delete,
            _ => Change::NoOp,
        }
    }
}

/// One node: its change, whether it forces replacement, and what it holds.
#[derive(Debug, Clone)]
pub struct Diff {
    pub change: Change,
    /// This node's change is why the object must be replaced (`# forces replacement`).
    pub replace: bool,
    pub node: Node,
}

/// A null, bool, number or string on one side.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    Null,
    Bool(bool),
    Number(kiln_core::lang::Number),
    Text(String),
}

#[derive(Debug, Clone)]
pub enum Node {
    /// Primitives (or null) on both sides; strings are drawn by [`super::strings`].
    Leaf {
        before: Leaf,
        after: Leaf,
    },
    /// A string holding JSON, diffed structurally and drawn as `jsonencode(…)`.
    /// `whitespace_only` when the texts differ but the JSON does not.
    Json {
        inner: Box<Diff>,
        whitespace_only: bool,
    },
    /// The new value is not known until apply; `before` is the old value drawn as removed.
    Unknown {
        before: Option<Box<Diff>>,
    },
    /// A sensitive value: which sides were marked, and whether the value itself changed.
    /// Holds no content on purpose.
    Sensitive {
        before: bool,
        after: bool,
        value_changed: bool,
    },
    /// A nested block whose value is sensitive as a whole.
    SensitiveBlock,
    /// The value changes kind (a string becomes a list): old drawn removed, new created.
    TypeChange {
        before: Box<Diff>,
        after: Box<Diff>,
    },
    /// Ordered: elements as the alignment of the two sequences produced them.
    List(Vec<Diff>),
    Set(Vec<Diff>),
    Map(BTreeMap<String, Diff>),
    Object(BTreeMap<String, Diff>),
    /// A resource body or nested block: attributes, then nested blocks by type name.
    Block {
        attrs: BTreeMap<String, Diff>,
        blocks: BTreeMap<String, Vec<Diff>>,
    },
}

/// What the differ needs to know besides the two values.
#[derive(Debug, Clone, Copy)]
pub struct DiffCx<'a> {
    /// Paths the plan says force replacement.
    pub replace_paths: &'a [AttrPath],
    /// The object is being replaced: attributes and blocks the schema marks force-new
    /// that changed are marked too, even if the plan did not list them.
    pub replacing: bool,
}

impl DiffCx<'_> {
    /// Whether `path` forces replacement: listed exactly, or (for a node with no children
    /// to carry the mark, like a sensitive value) some listed path lies inside it.
    pub(super) fn marks(&self, path: &[PathStep], leaf: bool) -> bool {
        !path.is_empty()
            && self
                .replace_paths
                .iter()
                .any(|p| p.as_slice() == path || (leaf && p.starts_with(path)))
    }
}

/// A side that holds something: null counts as absent.
fn present(v: Option<&Value>) -> Option<&Value> {
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

fn sensitive_node(
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

fn seq_of(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_seq).unwrap_or(&[])
}

/// A resource body or nested block against its schema.
fn block(
    before: Option<&Value>,
    after: Option<&Value>,
    schema: &Schema,
    path: &mut AttrPath,
    cx: &DiffCx,
) -> Diff {
    let (b, a) = (present(before), present(after));
    if b.is_some_and(|v| v.sensitive) || a.is_some_and(|v| v.sensitive) {
        let d = sensitive_node(b, a, b.is_some(), a.is_some(), path, cx);
        return Diff {
            node: Node::SensitiveBlock,
            ..d
        };
    }
    if a.is_some_and(|v| !v.is_known()) {
        return value(b, a, false, path, cx);
    }
    let empty = BTreeMap::new();
    let bm = b.and_then(Value::as_map).unwrap_or(&empty);
    let am = a.and_then(Value::as_map).unwrap_or(&empty);
    let mut change = Change::of_sides(b.is_some(), a.is_some());

    let names: BTreeSet<&String> = schema
        .attributes
        .keys()
        .chain(bm.keys())
        .chain(am.keys())
        .filter(|k| !schema.blocks.contains_key(*k))
        .collect();
    let mut attrs = BTreeMap::new();
    for name in names {
        let attr = schema.attributes.get(name);
        path.push(PathStep::Attr(name.clone()));
        let sensitive = attr.is_some_and(|s| s.sensitive);
        let mut d = value(bm.get(name), am.get(name), sensitive, path, cx);
        path.pop();
        if d.change == Change::NoOp
            && present(bm.get(name)).is_none()
            && present(am.get(name)).is_none()
        {
            continue;
        }
        if cx.replacing && attr.is_some_and(|s| s.force_new) && d.change != Change::NoOp {
            d.replace = true;
        }
        change = change.and(d.change);
        attrs.insert(name.clone(), d);
    }

    let mut blocks = BTreeMap::new();
    for (name, bs) in &schema.blocks {
        path.push(PathStep::Attr(name.clone()));
        let (bv, av) = (present(bm.get(name)), present(am.get(name)));
        // No blocks before is nothing before, whatever shape the empty value has.
        let bv = bv.filter(|v| v.as_seq().is_none_or(|s| !s.is_empty()));
        let group_replace = cx.marks(path, false);
        let mut items = match bs.nesting {
            _ if av.is_some_and(|v| !v.is_known()) => vec![value(bv, av, false, path, cx)],
            Nesting::Single if bv.is_none() && av.is_none() => Vec::new(),
            Nesting::Single => vec![block(bv, av, &bs.body, path, cx)],
            Nesting::List => {
                let (bl, al) = (seq_of(bv), seq_of(av));
                (0..bl.len().max(al.len()))
                    .map(|i| {
                        path.push(PathStep::Index(i));
                        let d = block(bl.get(i), al.get(i), &bs.body, path, cx);
                        path.pop();
                        d
                    })
                    .collect()
            }
            Nesting::Set => seq::diff_set(seq_of(bv), seq_of(av), path, |b, a, path| {
                block(b, a, &bs.body, path, cx)
            }),
        };
        path.pop();
        for item in &mut items {
            let forced = cx.replacing && bs.force_new && item.change != Change::NoOp;
            item.replace |= group_replace || forced;
            change = change.and(item.change);
        }
        if !items.is_empty() {
            blocks.insert(name.clone(), items);
        }
    }

    Diff {
        change,
        replace: cx.marks(path, false),
        node: Node::Block { attrs, blocks },
    }
}
