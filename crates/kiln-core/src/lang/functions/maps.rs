//! Functions over maps and objects: merging, lookup, keys and values, building maps from
//! lists, and transposing a map of lists.

use std::collections::BTreeMap;

use super::args::{arg, seq_at, str_at};
use super::{list_of, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::{Kind, Value};

pub fn specs() -> Vec<FuncSpec> {
    let map_of_lists = Type::Map(Box::new(list_of(Type::String)));
    vec![
        FuncSpec::new("merge", vec![], Type::Any, merge)
            .variadic(Param::new("maps", Type::Any).nullable().unknowns()),
        FuncSpec::new(
            "lookup",
            vec![
                Param::new("inputMap", Type::Any),
                Param::new("key", Type::String),
            ],
            Type::Any,
            lookup,
        )
        .variadic(Param::new("default", Type::Any).nullable()),
        FuncSpec::new(
            "keys",
            vec![Param::new("inputMap", Type::Any).unknowns()],
            list_of(Type::String),
            keys,
        ),
        FuncSpec::new(
            "values",
            vec![Param::new("mapping", Type::Any).unknowns()],
            Type::Any,
            values,
        ),
        FuncSpec::new(
            "zipmap",
            vec![
                Param::new("keys", list_of(Type::String)),
                Param::new("values", Type::Any),
            ],
            Type::Any,
            zipmap,
        ),
        FuncSpec::new(
            "transpose",
            vec![Param::new("values", map_of_lists.clone())],
            map_of_lists,
            transpose,
        ),
    ]
}

fn map_arg(args: &[Value], i: usize) -> Result<&BTreeMap<String, Value>, FuncError> {
    let v = arg(args, i);
    v.as_map().ok_or_else(|| {
        FuncError::arg(
            i,
            format!("a map or object is required, but have {}", v.type_name()),
        )
    })
}

/// Later arguments win; nulls are skipped. The result is an object if any argument is one.
fn merge(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let mut out = BTreeMap::new();
    let mut object = false;
    for (i, a) in args.iter().enumerate() {
        match &a.kind {
            Kind::Null => continue,
            // Which keys an unknown map has is unknown, so the whole result is.
            Kind::Unknown(_) => return Ok(Value::unknown(Type::Any)),
            Kind::Object(m) => {
                object = true;
                out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            Kind::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            _ => {
                return Err(FuncError::arg(
                    i,
                    format!("arguments must be maps or objects, got {}", a.type_name()),
                ))
            }
        }
    }
    Ok(if object {
        Value::object(out)
    } else {
        Value::map(out)
    })
}

fn lookup(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    if args.len() > 3 {
        return Err(FuncError::arg(3, "lookup() takes at most three arguments"));
    }
    let map = map_arg(&args, 0)?;
    let key = str_at(&args, 1);
    match (map.get(key), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(FuncError::arg(
            1,
            format!("lookup failed to find key \"{key}\""),
        )),
    }
}

/// Keys in lexical order: a list for maps, a tuple for objects (as in Terraform).
fn keys(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let v = arg(&args, 0);
    if !v.is_known() {
        return Ok(Value::unknown(list_of(Type::String)));
    }
    let m = map_arg(&args, 0)?;
    let ks = m.keys().map(|k| Value::string(k.clone())).collect();
    Ok(match v.kind {
        Kind::Object(_) => Value::tuple(ks),
        _ => Value::list(ks),
    })
}

/// Values in key order: a list for maps, a tuple for objects.
fn values(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let v = arg(&args, 0);
    if !v.is_known() {
        return Ok(Value::unknown(Type::Any));
    }
    let vs = map_arg(&args, 0)?.values().cloned().collect();
    Ok(match v.kind {
        Kind::Object(_) => Value::tuple(vs),
        _ => Value::list(vs),
    })
}

/// A map from a list of keys and a list of values (an object when the values are a tuple).
fn zipmap(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let ks = seq_at(&args, 0);
    let vals = arg(&args, 1);
    let Some(vs) = vals.as_seq() else {
        return Err(FuncError::arg(
            1,
            format!("a list or tuple is required, but have {}", vals.type_name()),
        ));
    };
    if ks.len() != vs.len() {
        return Err(FuncError::new(format!(
            "number of keys ({}) does not match number of values ({})",
            ks.len(),
            vs.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (i, (k, v)) in ks.iter().zip(vs).enumerate() {
        let k = k.as_str().ok_or_else(|| {
            FuncError::arg(0, format!("element {i} is null; map keys must not be null"))
        })?;
        out.insert(k.to_string(), v.clone());
    }
    Ok(match vals.kind {
        Kind::Tuple(_) => Value::object(out),
        _ => Value::map(out),
    })
}

/// Swaps keys and values of a map of lists of strings.
fn transpose(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (k, list) in map_arg(&args, 0)? {
        for v in list.as_seq().unwrap_or_default() {
            let Some(s) = v.as_str() else {
                return Err(FuncError::arg(
                    0,
                    format!("the list for key \"{k}\" contains a null value"),
                ));
            };
            out.entry(s.to_string())
                .or_default()
                .push(Value::string(k.clone()));
        }
    }
    Ok(Value::map(
        out.into_iter().map(|(k, v)| (k, Value::list(v))).collect(),
    ))
}
