//! Kiln's values: HCL's data plus **unknown** ("known after apply") and the **sensitive**
//! mark.
//!
//! A [`Value`] is a [`Kind`] and a sensitive flag. The flag sits on every node, so an object
//! can hold one sensitive attribute among plain ones; operators and functions propagate it
//! (anything computed from a sensitive value is sensitive). Unknown carries the type it will
//! have where that is known, so plans can say precisely what is not known yet.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::number::Number;
use super::types::Type;

#[derive(Debug, Clone)]
pub struct Value {
    pub kind: Kind,
    pub sensitive: bool,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    /// Not known until apply; the type it will have (or `Type::Any`).
    Unknown(Type),
    Bool(bool),
    Number(Number),
    String(String),
    /// A list made by a conversion (`tolist`, a typed variable).
    List(Vec<Value>),
    /// A sequence literal `[a, b]` and results of `for` over sequences.
    Tuple(Vec<Value>),
    /// Kept sorted by [`Value::total_cmp`] and free of duplicates.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// An object literal `{ a = 1 }`, resource values, module outputs.
    Object(BTreeMap<String, Value>),
}

impl From<Kind> for Value {
    fn from(kind: Kind) -> Value {
        Value {
            kind,
            sensitive: false,
        }
    }
}

impl Value {
    pub const NULL: Value = Value {
        kind: Kind::Null,
        sensitive: false,
    };

    pub fn null() -> Value {
        Value::NULL
    }
    pub fn unknown(ty: Type) -> Value {
        Kind::Unknown(ty).into()
    }
    pub fn bool(b: bool) -> Value {
        Kind::Bool(b).into()
    }
    pub fn number(n: Number) -> Value {
        Kind::Number(n).into()
    }
    pub fn int(i: i64) -> Value {
        Kind::Number(Number::Int(i)).into()
    }
    pub fn float(f: f64) -> Value {
        Kind::Number(Number::from_f64(f)).into()
    }
    pub fn string(s: impl Into<String>) -> Value {
        Kind::String(s.into()).into()
    }
    pub fn list(items: Vec<Value>) -> Value {
        Kind::List(items).into()
    }
    pub fn tuple(items: Vec<Value>) -> Value {
        Kind::Tuple(items).into()
    }
    /// Builds a set: sorts and removes duplicates.
    pub fn set(mut items: Vec<Value>) -> Value {
        items.sort_by(Value::total_cmp);
        items.dedup_by(|a, b| a.total_cmp(b) == Ordering::Equal);
        Kind::Set(items).into()
    }
    pub fn map(items: BTreeMap<String, Value>) -> Value {
        Kind::Map(items).into()
    }
    pub fn object(items: BTreeMap<String, Value>) -> Value {
        Kind::Object(items).into()
    }
    pub fn object_from<K: Into<String>>(items: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::object(items.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Marks (or unmarks) this node sensitive.
    pub fn with_sensitive(mut self, sensitive: bool) -> Value {
        self.sensitive = self.sensitive || sensitive;
        self
    }

    pub fn mark_sensitive(self) -> Value {
        self.with_sensitive(true)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// Known at this level (its elements may still be unknown).
    pub fn is_known(&self) -> bool {
        !matches!(self.kind, Kind::Unknown(_))
    }

    /// Known all the way down.
    pub fn is_wholly_known(&self) -> bool {
        match &self.kind {
            Kind::Unknown(_) => false,
            Kind::List(v) | Kind::Tuple(v) | Kind::Set(v) => v.iter().all(Value::is_wholly_known),
            Kind::Map(m) | Kind::Object(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// Sensitive here or anywhere inside.
    pub fn contains_sensitive(&self) -> bool {
        self.sensitive
            || match &self.kind {
                Kind::List(v) | Kind::Tuple(v) | Kind::Set(v) => {
                    v.iter().any(Value::contains_sensitive)
                }
                Kind::Map(m) | Kind::Object(m) => m.values().any(Value::contains_sensitive),
                _ => false,
            }
    }

    /// A copy with every sensitive mark removed (for functions that compute on raw data;
    /// the caller re-marks the result).
    pub fn unmarked_deep(&self) -> Value {
        let kind = match &self.kind {
            Kind::List(v) => Kind::List(v.iter().map(Value::unmarked_deep).collect()),
            Kind::Tuple(v) => Kind::Tuple(v.iter().map(Value::unmarked_deep).collect()),
            Kind::Set(v) => Kind::Set(v.iter().map(Value::unmarked_deep).collect()),
            Kind::Map(m) => Kind::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.unmarked_deep()))
                    .collect(),
            ),
            Kind::Object(m) => Kind::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.unmarked_deep()))
                    .collect(),
            ),
            other => other.clone(),
        };
        kind.into()
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_number(&self) -> Option<Number> {
        match self.kind {
            Kind::Number(n) => Some(n),
            _ => None,
        }
    }
    /// Elements of a list, tuple or set.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::List(v) | Kind::Tuple(v) | Kind::Set(v) => Some(v),
            _ => None,
        }
    }
    /// Entries of a map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match &self.kind {
            Kind::Map(m) | Kind::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The value's type (for unknowns, the type they will have).
    pub fn ty(&self) -> Type {
        match &self.kind {
            Kind::Null => Type::Any,
            Kind::Unknown(t) => t.clone(),
            Kind::Bool(_) => Type::Bool,
            Kind::Number(_) => Type::Number,
            Kind::String(_) => Type::String,
            Kind::List(v) => Type::List(Box::new(v.first().map(Value::ty).unwrap_or(Type::Any))),
            Kind::Set(v) => Type::Set(Box::new(v.first().map(Value::ty).unwrap_or(Type::Any))),
            Kind::Tuple(v) => Type::Tuple(v.iter().map(Value::ty).collect()),
            Kind::Map(m) => Type::Map(Box::new(
                m.values().next().map(Value::ty).unwrap_or(Type::Any),
            )),
            Kind::Object(m) => Type::object(m.iter().map(|(k, v)| (k.clone(), v.ty())).collect()),
        }
    }

    /// A short name of the value's kind for error messages: "string", "list of string", ….
    pub fn type_name(&self) -> String {
        if self.is_null() {
            return "null".into();
        }
        self.ty().friendly_name()
    }

    /// A total order over values, used for sets and sorting: by kind, then by content.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        fn rank(k: &Kind) -> u8 {
            match k {
                Kind::Null => 0,
                Kind::Unknown(_) => 1,
                Kind::Bool(_) => 2,
                Kind::Number(_) => 3,
                Kind::String(_) => 4,
                Kind::List(_) | Kind::Tuple(_) | Kind::Set(_) => 5,
                Kind::Map(_) | Kind::Object(_) => 6,
            }
        }
        match (&self.kind, &other.kind) {
            (Kind::Bool(a), Kind::Bool(b)) => a.cmp(b),
            (Kind::Number(a), Kind::Number(b)) => a.cmp_num(*b),
            (Kind::String(a), Kind::String(b)) => a.cmp(b),
            (a, b) if rank(a) == 5 && rank(b) == 5 => {
                let (x, y) = (self.as_seq().unwrap_or(&[]), other.as_seq().unwrap_or(&[]));
                x.iter()
                    .zip(y)
                    .map(|(p, q)| p.total_cmp(q))
                    .find(|o| o.is_ne())
                    .unwrap_or(x.len().cmp(&y.len()))
            }
            (a, b) if rank(a) == 6 && rank(b) == 6 => {
                let (x, y) = (self.as_map(), other.as_map());
                let (Some(x), Some(y)) = (x, y) else {
                    return Ordering::Equal;
                };
                x.iter()
                    .zip(y)
                    .map(|((ka, va), (kb, vb))| ka.cmp(kb).then_with(|| va.total_cmp(vb)))
                    .find(|o| o.is_ne())
                    .unwrap_or(x.len().cmp(&y.len()))
            }
            (a, b) => rank(a).cmp(&rank(b)),
        }
    }

    /// Structural equality of known values (HCL's `==` on wholly known operands).
    /// Lists, tuples and sets compare by elements; maps and objects by entries.
    pub fn raw_equals(&self, other: &Value) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Null, Kind::Null) => true,
            (Kind::Bool(a), Kind::Bool(b)) => a == b,
            (Kind::Number(a), Kind::Number(b)) => a == b,
            (Kind::String(a), Kind::String(b)) => a == b,
            (Kind::Set(a), Kind::Set(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.raw_equals(y))
            }
            (Kind::List(a) | Kind::Tuple(a), Kind::List(b) | Kind::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.raw_equals(y))
            }
            (Kind::Map(a) | Kind::Object(a), Kind::Map(b) | Kind::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.raw_equals(vb))
            }
            _ => false,
        }
    }

    /// Converts to JSON. Unknowns become null; callers that care check `is_wholly_known`
    /// first. Sensitive marks are dropped: callers decide what may be shown.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null | Kind::Unknown(_) => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Number(Number::Int(i)) => J::from(*i),
            Kind::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            Kind::String(s) => J::String(s.clone()),
            Kind::List(v) | Kind::Tuple(v) | Kind::Set(v) => {
                J::Array(v.iter().map(Value::to_json).collect())
            }
            Kind::Map(m) | Kind::Object(m) => {
                J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// Converts from JSON the way `jsondecode` does: arrays become tuples, objects objects.
    pub fn from_json(j: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match j {
            J::Null => Value::null(),
            J::Bool(b) => Value::bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::int(i),
                None => Value::float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::string(s.clone()),
            J::Array(a) => Value::tuple(a.iter().map(Value::from_json).collect()),
            J::Object(o) => Value::object(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Equality for tests and sets: structural, ignoring the list/tuple and map/object
/// distinction only where `raw_equals` does, and comparing sensitive marks too.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.sensitive == other.sensitive
            && match (&self.kind, &other.kind) {
                (Kind::Unknown(a), Kind::Unknown(b)) => a == b,
                (Kind::List(a), Kind::List(b))
                | (Kind::Tuple(a), Kind::Tuple(b))
                | (Kind::Set(a), Kind::Set(b)) => a == b,
                (Kind::Map(a), Kind::Map(b)) | (Kind::Object(a), Kind::Object(b)) => a == b,
                (Kind::List(_) | Kind::Tuple(_) | Kind::Set(_), _)
                | (Kind::Map(_) | Kind::Object(_), _) => false,
                _ => self.raw_equals(other),
            }
    }
}
