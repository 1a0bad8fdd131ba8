//! Values as the JSON plan format writes them: the value itself with secrets replaced and
//! unknowns left out, and two trees of booleans beside it saying where the value is
//! unknown (`after_unknown`) and where it is sensitive (`*_sensitive`), shaped as
//! Terraform shapes them so that tools reading either find what they expect.
//!
//! Sensitivity comes from two places, as in the text rendering: the mark on a value
//! (from `sensitive()`, a sensitive variable, or a provider) and the schema (an attribute
//! declared sensitive). [`mark_schema`] turns the second into the first, so every other
//! function here looks at marks only.

use serde_json::{Map, Value as J};

use kiln_core::config::image_blocks::{communicator_schema, provisioner_schema};
use kiln_core::lang::{Kind, Value};
use kiln_core::provider::PathStep;
use kiln_core::schema::{Nesting, ResourceKind, ResourceSchema, Schema};

/// What a sensitive value is shown as, as in Terraform's renderings.
pub(super) const SENSITIVE: &str = "(sensitive)";

/// The value with each sensitive node replaced by [`SENSITIVE`] and unknowns left out:
/// an unknown attribute or map entry is omitted, an unknown element is null (elements
/// are matched with `after_unknown` by position). A sensitive null stays null: there is
/// nothing to hide, and "(sensitive)" would claim a value that is not there.
pub(super) fn redacted(v: &Value) -> J {
    match &v.kind {
        Kind::Unknown(_) | Kind::Null => J::Null,
        _ if v.sensitive => J::String(SENSITIVE.into()),
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            J::Array(items.iter().map(redacted).collect())
        }
        Kind::Map(m) | Kind::Object(m) => J::Object(
            m.iter()
                .filter(|(_, x)| x.is_known())
                .map(|(k, x)| (k.clone(), redacted(x)))
                .collect(),
        ),
        _ => v.to_json(),
    }
}

/// Terraform's `after_unknown` tree: `true` where unknown; objects keep only the keys
/// that are (or hold something) unknown; sequences keep every element, `false` where
/// known.
pub(super) fn unknown_tree(v: &Value) -> J {
    match &v.kind {
        Kind::Unknown(_) => J::Bool(true),
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            J::Array(items.iter().map(unknown_tree).collect())
        }
        Kind::Map(m) | Kind::Object(m) => J::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), unknown_tree(x)))
                .filter(|(_, t)| *t != J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

/// Terraform's `*_sensitive` trees: `true` where sensitive; objects keep only the keys
/// that are (or hold something) sensitive; sequences keep every element, `false` where
/// not. An unknown collection says nothing about its elements.
pub(super) fn sensitive_tree(v: &Value) -> J {
    if v.sensitive {
        return J::Bool(true);
    }
    match &v.kind {
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            J::Array(items.iter().map(sensitive_tree).collect())
        }
        Kind::Map(m) | Kind::Object(m) => J::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), sensitive_tree(x)))
                .filter(|(_, t)| *t != J::Bool(false))
                .collect(),
        ),
        _ => J::Bool(false),
    }
}

/// One side of a change as the format wants it: the redacted value (null when absent),
/// and its sensitive tree (`false` when absent, as Terraform writes a missing side).
pub(super) fn side(v: Option<&Value>) -> (J, J) {
    match v {
        Some(v) => (redacted(v), sensitive_tree(v)),
        None => (J::Null, J::Bool(false)),
    }
}

/// A resource body with the schema's sensitive attributes marked, inside nested blocks
/// too. An image's build blocks travel as untyped attributes (`communicator`,
/// `provisioners`), so their own schemas are applied to them here as well: a
/// communicator password must stay hidden whatever a provider did with the marks.
pub(super) fn mark_resource(v: &Value, schema: Option<&ResourceSchema>) -> Value {
    let Some(schema) = schema else {
        return spread_top_mark(v.clone());
    };
    let mut marked = mark_schema(v, &schema.body);
    if schema.kind == ResourceKind::Image {
        mark_build_blocks(&mut marked);
    }
    spread_top_mark(marked)
}

/// A resource value sensitive as a whole is still an object of attributes: the mark is
/// pushed down to each attribute, so readers that expect an object of attributes (policy
/// tools look attributes up by name) get one, with every attribute hidden.
fn spread_top_mark(mut v: Value) -> Value {
    if v.sensitive {
        if let Kind::Object(m) | Kind::Map(m) = &mut v.kind {
            v.sensitive = false;
            for x in m.values_mut() {
                x.sensitive = true;
            }
        }
    }
    v
}

/// `v` (an object of `schema`'s attributes and blocks) with sensitive attributes marked.
pub(super) fn mark_schema(v: &Value, schema: &Schema) -> Value {
    let (Kind::Object(m) | Kind::Map(m)) = &v.kind else {
        return v.clone();
    };
    let mut out = m.clone();
    for (name, x) in out.iter_mut() {
        if let Some(attr) = schema.attributes.get(name) {
            if attr.sensitive {
                x.sensitive = true;
            }
        } else if let Some(block) = schema.blocks.get(name) {
            *x = match (&block.nesting, &x.kind) {
                (Nesting::Single, _) => mark_schema(x, &block.body),
                (Nesting::List | Nesting::Set, Kind::List(items)) => Value {
                    kind: Kind::List(items.iter().map(|i| mark_schema(i, &block.body)).collect()),
                    sensitive: x.sensitive,
                },
                // A set keeps its (already sorted) order: marks do not change content.
                (Nesting::List | Nesting::Set, Kind::Set(items) | Kind::Tuple(items)) => Value {
                    kind: Kind::Tuple(items.iter().map(|i| mark_schema(i, &block.body)).collect()),
                    sensitive: x.sensitive,
                },
                _ => x.clone(),
            };
        }
    }
    Value {
        kind: Kind::Object(out),
        sensitive: v.sensitive,
    }
}

/// Marks an image value's `communicator` and `provisioners` by their own schemas, found
/// by each block's `type`.
fn mark_build_blocks(v: &mut Value) {
    let Kind::Object(m) = &mut v.kind else {
        return;
    };
    let kind_of = |b: &Value| {
        b.as_map()
            .and_then(|m| m.get("type"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if let Some(c) = m.get_mut("communicator") {
        if let Some(schema) = kind_of(c).and_then(|k| communicator_schema(&k)) {
            *c = mark_schema(c, &schema);
        }
    }
    if let Some(Value {
        kind: Kind::List(items) | Kind::Tuple(items),
        ..
    }) = m.get_mut("provisioners")
    {
        for p in items.iter_mut() {
            if let Some(schema) = kind_of(p).and_then(|k| provisioner_schema(&k)) {
                *p = mark_schema(p, &schema);
            }
        }
    }
}

/// Marks the node at `path` sensitive (a path the state recorded as sensitive); a path
/// that no longer leads anywhere is ignored.
pub(super) fn mark_path(v: &mut Value, path: &[PathStep]) {
    let Some((first, rest)) = path.split_first() else {
        v.sensitive = true;
        return;
    };
    let next = match (&mut v.kind, first) {
        (Kind::Object(m) | Kind::Map(m), PathStep::Attr(k) | PathStep::Key(k)) => m.get_mut(k),
        (Kind::List(items) | Kind::Tuple(items) | Kind::Set(items), PathStep::Index(i)) => {
            items.get_mut(*i)
        }
        _ => None,
    };
    if let Some(next) = next {
        mark_path(next, rest);
    }
}

/// A path as Terraform writes `replace_paths`: attribute names and map keys as strings,
/// indexes as numbers.
pub(super) fn path_json(path: &[PathStep]) -> J {
    J::Array(
        path.iter()
            .map(|s| match s {
                PathStep::Attr(k) | PathStep::Key(k) => J::String(k.clone()),
                PathStep::Index(i) => J::from(*i),
            })
            .collect(),
    )
}

/// An object from pairs, leaving out the ones whose value is `None`: optional keys are
/// absent rather than null, as in Terraform's output.
pub(super) fn object(pairs: Vec<(&str, Option<J>)>) -> J {
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    }
    J::Object(m)
}
