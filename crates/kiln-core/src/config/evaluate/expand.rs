//! `count` and `for_each`: how many instances an object has and what their keys are.

use std::collections::BTreeMap;

use crate::addr::InstanceKey;
use crate::diag::Diagnostic;
use crate::lang::{EvalCtx, Expr, Kind, Type, Value};

pub enum Expansion {
    Single,
    Count(i64),
    ForEach(BTreeMap<String, Value>),
    /// count / for_each is not known yet ("known after apply").
    Unknown,
}

impl Expansion {
    /// Instance keys with the `count` / `each` names each instance sees.
    pub fn instances(&self) -> Vec<(InstanceKey, Vec<(String, Value)>)> {
        match self {
            Expansion::Single => vec![(InstanceKey::None, Vec::new())],
            Expansion::Count(n) => (0..*n)
                .map(|i| {
                    (
                        InstanceKey::Int(i),
                        vec![(
                            "count".to_string(),
                            Value::object_from([("index", Value::int(i))]),
                        )],
                    )
                })
                .collect(),
            Expansion::ForEach(m) => m
                .iter()
                .map(|(k, v)| {
                    let each = Value::object_from([
                        ("key", Value::string(k.clone())),
                        ("value", v.clone()),
                    ]);
                    (
                        InstanceKey::Str(k.clone()),
                        vec![("each".to_string(), each)],
                    )
                })
                .collect(),
            // Validate the body once, with unknown count / each.
            Expansion::Unknown => vec![(
                InstanceKey::None,
                vec![
                    (
                        "count".to_string(),
                        Value::object_from([("index", Value::unknown(Type::Number))]),
                    ),
                    (
                        "each".to_string(),
                        Value::object_from([
                            ("key", Value::unknown(Type::String)),
                            ("value", Value::unknown(Type::Any)),
                        ]),
                    ),
                ],
            )],
        }
    }

    /// The value other objects see: an object, a tuple of them, or an object keyed by
    /// for_each keys.
    pub fn collect(&self, mut values: Vec<(InstanceKey, Value)>) -> Value {
        match self {
            Expansion::Unknown => Value::unknown(Type::Any),
            Expansion::Single => values.pop().map(|(_, v)| v).unwrap_or(Value::null()),
            Expansion::Count(_) => Value::tuple(values.into_iter().map(|(_, v)| v).collect()),
            Expansion::ForEach(_) => Value::object(
                values
                    .into_iter()
                    .filter_map(|(k, v)| match k {
                        InstanceKey::Str(s) => Some((s, v)),
                        _ => None,
                    })
                    .collect(),
            ),
        }
    }
}

pub fn expand(
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    ctx: &EvalCtx<'_>,
) -> Result<Expansion, Diagnostic> {
    if let Some(c) = count {
        let v = ctx.eval(c)?;
        let bad = |why: &str| {
            Diagnostic::error("Invalid count argument", format!("The given \"count\" argument value is unsuitable: {why}. count must be a whole number, 0 or more.")).at(c.span)
        };
        if v.sensitive {
            return Err(bad(
                "it is sensitive, and the number of instances would reveal it",
            ));
        }
        return match &v.kind {
            Kind::Unknown(_) => Ok(Expansion::Unknown),
            Kind::Null => Err(bad("it is null")),
            _ => match crate::lang::types::convert(&v, &Type::Number)
                .ok()
                .and_then(|n| n.as_number())
            {
                Some(n) => match n.as_i64() {
                    Some(i) if i >= 0 => Ok(Expansion::Count(i)),
                    Some(_) => Err(bad("it is negative")),
                    None => Err(bad("it is not a whole number")),
                },
                None => Err(bad(&format!(
                    "a number is required, but have {}",
                    v.type_name()
                ))),
            },
        };
    }
    let Some(fe) = for_each else {
        return Ok(Expansion::Single);
    };
    let v = ctx.eval(fe)?;
    let bad = |why: String| {
        Diagnostic::error(
            "Invalid for_each argument",
            format!("The given \"for_each\" argument value is unsuitable: {why}. for_each takes a map, or a set of strings; convert a list with toset()."),
        )
        .at(fe.span)
    };
    if v.sensitive {
        return Err(bad(
            "it is sensitive, and instance keys would reveal it".into()
        ));
    }
    match &v.kind {
        Kind::Unknown(_) => Ok(Expansion::Unknown),
        Kind::Map(m) | Kind::Object(m) => Ok(Expansion::ForEach(m.clone())),
        Kind::Set(items) => {
            let mut m = BTreeMap::new();
            for item in items {
                match &item.kind {
                    Kind::String(s) => {
                        m.insert(s.clone(), item.clone());
                    }
                    Kind::Unknown(_) => return Ok(Expansion::Unknown),
                    _ => {
                        return Err(bad(format!(
                            "a set of strings is required, but an element is {}",
                            item.type_name()
                        )))
                    }
                }
            }
            Ok(Expansion::ForEach(m))
        }
        Kind::Null => Err(bad("it is null".into())),
        _ => Err(bad(format!(
            "you provided a value of type {}",
            v.type_name()
        ))),
    }
}
