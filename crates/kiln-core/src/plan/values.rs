//! Moving object values between their in-memory form ([`Value`], with unknowns and
//! sensitive marks) and state (JSON plus a list of sensitive paths), and the small path
//! operations diffing needs.

use std::collections::BTreeMap;

use crate::lang::{types::convert, Kind, Value};
use crate::provider::{AttrPath, PathStep};
use crate::schema::ResourceSchema;
use crate::state::InstanceState;

/// The object recorded in state, typed by the schema and with its sensitive marks back.
pub fn from_state(inst: &InstanceState, schema: Option<&ResourceSchema>) -> Value {
    let raw = Value::from_json(&inst.attributes);
    let mut v = match schema {
        Some(s) => {
            let ty = s.body.value_type();
            // Fill attributes a newer schema added, so conversion does not fail.
            let raw = fill_missing(raw, &ty);
            convert(&raw, &ty).unwrap_or_else(|_| Value::from_json(&inst.attributes))
        }
        None => raw,
    };
    for p in &inst.sensitive_attributes {
        mark_at(&mut v, p);
    }
    if let Some(s) = schema {
        mark_schema_sensitive(&mut v, s);
    }
    v
}

fn fill_missing(v: Value, ty: &crate::lang::Type) -> Value {
    match (v.kind, ty) {
        (Kind::Object(mut m), crate::lang::Type::Object(o)) => {
            for k in o.attrs.keys() {
                m.entry(k.clone()).or_insert_with(Value::null);
            }
            Value::object(m)
        }
        (kind, _) => Value {
            kind,
            sensitive: v.sensitive,
        },
    }
}

/// JSON for state and the paths of every sensitive value in it.
pub fn to_state(v: &Value) -> (serde_json::Value, Vec<AttrPath>) {
    let mut paths = Vec::new();
    collect_sensitive(v, &mut Vec::new(), &mut paths);
    (v.to_json(), paths)
}

fn collect_sensitive(v: &Value, path: &mut AttrPath, out: &mut Vec<AttrPath>) {
    if v.sensitive {
        out.push(path.clone());
        return;
    }
    match &v.kind {
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                collect_sensitive(item, path, out);
                path.pop();
            }
        }
        Kind::Object(m) => {
            for (k, item) in m {
                path.push(PathStep::Attr(k.clone()));
                collect_sensitive(item, path, out);
                path.pop();
            }
        }
        Kind::Map(m) => {
            for (k, item) in m {
                path.push(PathStep::Key(k.clone()));
                collect_sensitive(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The value at `path`, if there is one.
pub fn get_at<'v>(v: &'v Value, path: &[PathStep]) -> Option<&'v Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v);
    };
    let next = match (&v.kind, first) {
        (Kind::Object(m) | Kind::Map(m), PathStep::Attr(k) | PathStep::Key(k)) => m.get(k)?,
        (Kind::List(items) | Kind::Tuple(items) | Kind::Set(items), PathStep::Index(i)) => {
            items.get(*i)?
        }
        _ => return None,
    };
    get_at(next, rest)
}

fn get_mut_at<'v>(v: &'v mut Value, path: &[PathStep]) -> Option<&'v mut Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(v);
    };
    let next = match (&mut v.kind, first) {
        (Kind::Object(m) | Kind::Map(m), PathStep::Attr(k) | PathStep::Key(k)) => m.get_mut(k)?,
        (Kind::List(items) | Kind::Tuple(items) | Kind::Set(items), PathStep::Index(i)) => {
            items.get_mut(*i)?
        }
        _ => return None,
    };
    get_mut_at(next, rest)
}

/// Replaces the value at `path` (when the path exists).
pub fn set_at(v: &mut Value, path: &[PathStep], new: Value) {
    if let Some(slot) = get_mut_at(v, path) {
        *slot = new;
    }
}

fn mark_at(v: &mut Value, path: &[PathStep]) {
    if let Some(slot) = get_mut_at(v, path) {
        slot.sensitive = true;
    }
}

/// Marks the attributes the schema declares sensitive.
pub fn mark_schema_sensitive(v: &mut Value, schema: &ResourceSchema) {
    if let Kind::Object(m) = &mut v.kind {
        for (name, a) in &schema.body.attributes {
            if a.sensitive {
                if let Some(x) = m.get_mut(name) {
                    x.sensitive = true;
                }
            }
        }
    }
}

/// Copies sensitive marks from `from` onto the same places of `to` (a provider returns
/// values without marks; what was sensitive in configuration stays sensitive).
pub fn copy_marks(from: &Value, to: &mut Value) {
    if from.sensitive {
        to.sensitive = true;
    }
    match (&from.kind, &mut to.kind) {
        (Kind::Object(a) | Kind::Map(a), Kind::Object(b) | Kind::Map(b)) => {
            for (k, fv) in a {
                if let Some(tv) = b.get_mut(k) {
                    copy_marks(fv, tv);
                }
            }
        }
        (
            Kind::List(a) | Kind::Tuple(a) | Kind::Set(a),
            Kind::List(b) | Kind::Tuple(b) | Kind::Set(b),
        ) if a.len() == b.len() => {
            for (fv, tv) in a.iter().zip(b.iter_mut()) {
                copy_marks(fv, tv);
            }
        }
        _ => {}
    }
}

/// Equal in content, ignoring sensitive marks; unknowns are never equal to anything.
pub fn same(a: &Value, b: &Value) -> bool {
    if !a.is_known() || !b.is_known() {
        return false;
    }
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Object(x) | Kind::Map(x), Kind::Object(y) | Kind::Map(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (
            Kind::List(x) | Kind::Tuple(x) | Kind::Set(x),
            Kind::List(y) | Kind::Tuple(y) | Kind::Set(y),
        ) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
        _ => a.unmarked_deep().raw_equals(&b.unmarked_deep()),
    }
}

/// The top-level attributes (and block names) whose values differ.
pub fn changed_attributes(before: &Value, after: &Value) -> Vec<String> {
    let empty = BTreeMap::new();
    let b = before.as_map().unwrap_or(&empty);
    let a = after.as_map().unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| {
            let null = Value::null();
            !same(b.get(*k).unwrap_or(&null), a.get(*k).unwrap_or(&null))
        })
        .cloned()
        .collect()
}

/// A digest of a value for state (replace_triggered_by): stable, and never the value
/// itself, so sensitive values are not copied in clear.
pub fn digest(v: &Value) -> String {
    use sha2::{Digest, Sha256};
    let text = serde_json::to_string(&v.to_json()).unwrap_or_default();
    let hash = Sha256::digest(text.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}
