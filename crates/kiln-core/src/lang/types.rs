//! Types and type constraints, and conversion of values to them with Terraform's rules.
//!
//! `Type::Any` is both the "dynamic" type of unknowns whose type is not known and the `any`
//! constraint. Object constraints may mark attributes `optional(T, default)`.

use std::collections::BTreeMap;
use std::fmt;

use super::value::{Kind, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Any,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    Object(ObjectType),
}

/// An object type; in a constraint some attributes may be optional, with a default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjectType {
    pub attrs: BTreeMap<String, Type>,
    /// Optional attributes and the default used when the value leaves them out.
    pub optional: BTreeMap<String, Option<Value>>,
}

impl Type {
    pub fn object(attrs: BTreeMap<String, Type>) -> Type {
        Type::Object(ObjectType {
            attrs,
            optional: BTreeMap::new(),
        })
    }

    /// Words for error messages: "string", "list of number", "object".
    pub fn friendly_name(&self) -> String {
        match self {
            Type::Any => "any type".into(),
            Type::Bool => "bool".into(),
            Type::Number => "number".into(),
            Type::String => "string".into(),
            Type::List(t) => format!("list of {}", t.friendly_name()),
            Type::Set(t) => format!("set of {}", t.friendly_name()),
            Type::Map(t) => format!("map of {}", t.friendly_name()),
            Type::Tuple(_) => "tuple".into(),
            Type::Object(_) => "object".into(),
        }
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }
}

/// Constraint syntax, as written in `type = …`.
impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
            Type::Object(o) => {
                f.write_str("object({")?;
                for (i, (k, t)) in o.attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if o.optional.contains_key(k) {
                        write!(f, "{k} = optional({t})")?;
                    } else {
                        write!(f, "{k} = {t}")?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

/// Why a conversion failed, with the path inside the value where it did.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

fn err(path: &str, message: impl Into<String>) -> ConvertError {
    ConvertError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// Converts `value` to `ty` as Terraform does for variables and arguments: primitives
/// convert among themselves where the text allows, sequences to lists/sets/tuples,
/// maps/objects to maps/objects; object constraints drop extra attributes, fill optional
/// ones, and require the rest. Unknown stays unknown (with the target type); null stays
/// null; marks are kept.
pub fn convert(value: &Value, ty: &Type) -> Result<Value, ConvertError> {
    convert_at(value, ty, "")
}

fn convert_at(value: &Value, ty: &Type, path: &str) -> Result<Value, ConvertError> {
    let sensitive = value.sensitive;
    let out = match (&value.kind, ty) {
        (_, Type::Any) => return Ok(value.clone()),
        (Kind::Null, _) => Value::null(),
        (Kind::Unknown(_), t) => Value::unknown(t.clone()),
        (Kind::String(_), Type::String)
        | (Kind::Number(_), Type::Number)
        | (Kind::Bool(_), Type::Bool) => value.clone(),
        (Kind::Number(n), Type::String) => Value::string(n.to_string()),
        (Kind::Bool(b), Type::String) => Value::string(b.to_string()),
        (Kind::String(s), Type::Number) => match super::number::Number::parse(s) {
            Some(n) => Value::number(n),
            None => {
                return Err(err(
                    path,
                    format!("a number is required, but \"{s}\" is not a number"),
                ))
            }
        },
        (Kind::String(s), Type::Bool) => match s.as_str() {
            "true" => Value::bool(true),
            "false" => Value::bool(false),
            _ => {
                return Err(err(
                    path,
                    format!("a bool is required, but \"{s}\" is neither true nor false"),
                ))
            }
        },
        (Kind::List(v) | Kind::Tuple(v) | Kind::Set(v), Type::List(et)) => {
            Value::list(convert_elems(v, et, path)?)
        }
        (Kind::List(v) | Kind::Tuple(v) | Kind::Set(v), Type::Set(et)) => {
            Value::set(convert_elems(v, et, path)?)
        }
        (Kind::List(v) | Kind::Tuple(v), Type::Tuple(ts)) => {
            if v.len() != ts.len() {
                return Err(err(
                    path,
                    format!(
                        "a tuple of {} elements is required, but the value has {}",
                        ts.len(),
                        v.len()
                    ),
                ));
            }
            let items = v
                .iter()
                .zip(ts)
                .enumerate()
                .map(|(i, (x, t))| convert_at(x, t, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Value::tuple(items)
        }
        (Kind::Map(m) | Kind::Object(m), Type::Map(et)) => {
            let mut out = BTreeMap::new();
            for (k, x) in m {
                out.insert(k.clone(), convert_at(x, et, &format!("{path}[\"{k}\"]"))?);
            }
            Value::map(out)
        }
        (Kind::Map(m) | Kind::Object(m), Type::Object(o)) => {
            let mut out = BTreeMap::new();
            for (k, t) in &o.attrs {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match m.get(k) {
                    Some(x) if !(x.is_null() && o.optional.get(k).is_some_and(Option::is_some)) => {
                        out.insert(k.clone(), convert_at(x, t, &sub)?);
                    }
                    _ => match o.optional.get(k) {
                        Some(Some(default)) => {
                            out.insert(k.clone(), convert_at(default, t, &sub)?);
                        }
                        Some(None) => {
                            out.insert(k.clone(), Value::null());
                        }
                        None => return Err(err(path, format!("attribute \"{k}\" is required"))),
                    },
                }
            }
            Value::object(out)
        }
        (_, t) => {
            return Err(err(
                path,
                format!(
                    "{} is required, but have {}",
                    with_article(&t.friendly_name()),
                    value.type_name()
                ),
            ))
        }
    };
    Ok(out.with_sensitive(sensitive))
}

fn convert_elems(v: &[Value], et: &Type, path: &str) -> Result<Vec<Value>, ConvertError> {
    v.iter()
        .enumerate()
        .map(|(i, x)| convert_at(x, et, &format!("{path}[{i}]")))
        .collect()
}

fn with_article(name: &str) -> String {
    match name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {name}"),
        _ => format!("a {name}"),
    }
}
