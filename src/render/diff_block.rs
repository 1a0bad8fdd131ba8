//! Diffing a resource body or nested block against its schema: attributes (sensitive
//! and force-new as the schema says) and nested blocks by their nesting (one, a list
//! paired by position, or a set matched by equality).

use std::collections::{BTreeMap, BTreeSet};

use kiln_core::lang::Value;
use kiln_core::provider::{AttrPath, PathStep};
use kiln_core::schema::{Nesting, Schema};

use super::diff::{present, sensitive_node, seq_of, value};
use super::seq;
use super::tree::{Change, Diff, DiffCx, Node};

/// A resource body or nested block against its schema.
pub(super) fn block(
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
