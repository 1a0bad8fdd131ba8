//! A stored object as a language [`Value`], with the paths recorded as sensitive marked
//! so, so that anything rendering it shows `(sensitive value)` there.

use crate::lang::{Kind, Value};
use crate::provider::PathStep;

use super::model::InstanceState;

impl InstanceState {
    /// The attributes as a value, sensitive paths marked.
    pub fn value(&self) -> Value {
        let mut v = Value::from_json(&self.attributes);
        for path in &self.sensitive_attributes {
            mark(&mut v, path);
        }
        v
    }
}

/// Marks the node at `path` sensitive; a path that leads nowhere marks nothing (the
/// attributes may have changed shape since the mark was recorded).
fn mark(v: &mut Value, path: &[PathStep]) {
    let Some((step, rest)) = path.split_first() else {
        v.sensitive = true;
        return;
    };
    let next = match (step, &mut v.kind) {
        (PathStep::Attr(k) | PathStep::Key(k), Kind::Object(m) | Kind::Map(m)) => m.get_mut(k),
        (PathStep::Index(i), Kind::Tuple(items) | Kind::List(items) | Kind::Set(items)) => {
            items.get_mut(*i)
        }
        _ => None,
    };
    if let Some(next) = next {
        mark(next, rest);
    }
}
