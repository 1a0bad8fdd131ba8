//! Functions over lists, tuples and sets: size, selection, reshaping, ordering, searching
//! and the "first usable value" helpers (`coalesce`, `one`, …). Map functions live in
//! [`super::maps`], set algebra in [`super::sets`].

use super::args::{arg, int_at, num_at, seq_at};
use super::{list_of, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::number::Number;
use crate::lang::types::{convert, Type};
use crate::lang::value::{Kind, Value};

pub fn specs() -> Vec<FuncSpec> {
    let any = |name| Param::new(name, Type::Any);
    let list = |name| Param::new(name, Type::Any);
    vec![
        FuncSpec::new(
            "length",
            vec![any("value").unknowns()],
            Type::Number,
            length,
        ),
        FuncSpec::new("concat", vec![], Type::Any, concat).variadic(any("seqs").unknowns()),
        FuncSpec::new(
            "element",
            vec![list("list"), Param::new("index", Type::Number)],
            Type::Any,
            element,
        ),
        FuncSpec::new(
            "index",
            vec![list("list"), any("value")],
            Type::Number,
            index,
        ),
        FuncSpec::new(
            "contains",
            vec![list("list"), any("value")],
            Type::Bool,
            contains,
        ),
        FuncSpec::new("flatten", vec![list("list")], Type::Any, flatten),
        FuncSpec::new(
            "distinct",
            vec![Param::new("list", list_of(Type::Any))],
            list_of(Type::Any),
            distinct,
        ),
        FuncSpec::new(
            "compact",
            vec![Param::new("list", list_of(Type::String))],
            list_of(Type::String),
            compact,
        ),
        FuncSpec::new("coalesce", vec![], Type::Any, coalesce)
            .variadic(any("vals").nullable().unknowns()),
        FuncSpec::new("coalescelist", vec![], Type::Any, coalescelist)
            .variadic(any("vals").nullable()),
        FuncSpec::new("range", vec![], list_of(Type::Number), range)
            .variadic(Param::new("params", Type::Number)),
        FuncSpec::new("reverse", vec![list("list")], Type::Any, reverse),
        FuncSpec::new(
            "slice",
            vec![
                list("list"),
                Param::new("start_index", Type::Number),
                Param::new("end_index", Type::Number),
            ],
            Type::Any,
            slice,
        ),
        FuncSpec::new(
            "sort",
            vec![Param::new("list", list_of(Type::String))],
            list_of(Type::String),
            sort,
        ),
        FuncSpec::new(
            "chunklist",
            vec![list("list"), Param::new("size", Type::Number)],
            list_of(Type::Any),
            chunklist,
        ),
        FuncSpec::new("one", vec![list("list")], Type::Any, one),
        FuncSpec::new(
            "alltrue",
            vec![Param::new("list", list_of(Type::Bool))],
            Type::Bool,
            alltrue,
        ),
        FuncSpec::new(
            "anytrue",
            vec![Param::new("list", list_of(Type::Bool))],
            Type::Bool,
            anytrue,
        ),
        FuncSpec::new(
            "matchkeys",
            vec![
                Param::new("values", list_of(Type::Any)),
                Param::new("keys", list_of(Type::Any)),
                Param::new("searchset", list_of(Type::Any)),
            ],
            list_of(Type::Any),
            matchkeys,
        ),
    ]
}

/// The elements of a list or tuple argument (sets too when `sets`), or an error naming it.
fn seq_arg(args: &[Value], i: usize, sets: bool) -> Result<&[Value], FuncError> {
    let v = arg(args, i);
    match &v.kind {
        Kind::List(x) | Kind::Tuple(x) => Ok(x),
        Kind::Set(x) if sets => Ok(x),
        _ => Err(FuncError::arg(
            i,
            format!(
                "{} is required, but have {}",
                if sets {
                    "a list, tuple or set"
                } else {
                    "a list or tuple"
                },
                v.type_name()
            ),
        )),
    }
}

/// A sequence of the same kind as `like` (tuples stay tuples, everything else is a list).
fn same_kind(like: &Value, items: Vec<Value>) -> Value {
    match like.kind {
        Kind::Tuple(_) => Value::tuple(items),
        _ => Value::list(items),
    }
}

fn length(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let v = arg(&args, 0);
    let n = match &v.kind {
        // Only the collection itself must be known, not its elements.
        Kind::Unknown(_) => return Ok(Value::unknown(Type::Number)),
        Kind::String(s) => s.chars().count(),
        Kind::List(x) | Kind::Tuple(x) | Kind::Set(x) => x.len(),
        Kind::Map(m) | Kind::Object(m) => m.len(),
        _ => {
            return Err(FuncError::arg(
                0,
                format!(
                    "a collection or string is required, but have {}",
                    v.type_name()
                ),
            ))
        }
    };
    Ok(Value::int(n as i64))
}

fn concat(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let mut out = Vec::new();
    let mut all_lists = true;
    for (i, a) in args.iter().enumerate() {
        match &a.kind {
            Kind::Unknown(_) => return Ok(Value::unknown(Type::Any)),
            Kind::List(x) => out.extend(x.iter().cloned()),
            Kind::Tuple(x) => {
                all_lists = false;
                out.extend(x.iter().cloned());
            }
            _ => {
                return Err(FuncError::arg(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}",
                        a.type_name()
                    ),
                ))
            }
        }
    }
    Ok(if all_lists && !args.is_empty() {
        Value::list(out)
    } else {
        Value::tuple(out)
    })
}

/// Selects by index, wrapping around past the end (Terraform's `element`).
fn element(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let items = seq_arg(&args, 0, false)?;
    let i = int_at(&args, 1)?;
    if i < 0 {
        return Err(FuncError::arg(
            1,
            "cannot use element function with a negative index",
        ));
    }
    if items.is_empty() {
        return Err(FuncError::arg(
            0,
            "cannot use element function with an empty list",
        ));
    }
    let at = (i as u64 % items.len() as u64) as usize;
    items
        .get(at)
        .cloned()
        .ok_or_else(|| FuncError::arg(1, "index out of range"))
}

fn index(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let items = seq_arg(&args, 0, false)?;
    let needle = arg(&args, 1);
    items
        .iter()
        .position(|x| x.raw_equals(needle))
        .map(|i| Value::int(i as i64))
        .ok_or_else(|| FuncError::new("item not found"))
}

fn contains(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let items = seq_arg(&args, 0, true)?;
    let needle = arg(&args, 1);
    Ok(Value::bool(items.iter().any(|x| x.raw_equals(needle))))
}

/// Replaces nested sequences by their elements, recursively.
fn flatten(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    fn walk(items: &[Value], out: &mut Vec<Value>) {
        for x in items {
            match x.as_seq() {
                Some(inner) => walk(inner, out),
                None => out.push(x.clone()),
            }
        }
    }
    let items = seq_arg(&args, 0, true)?;
    let mut out = Vec::new();
    walk(items, &mut out);
    Ok(Value::tuple(out))
}

/// Removes duplicates, keeping the first occurrence of each value in order.
fn distinct(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let mut out: Vec<Value> = Vec::new();
    for x in seq_at(&args, 0) {
        if !out.iter().any(|seen| seen.raw_equals(x)) {
            out.push(x.clone());
        }
    }
    Ok(Value::list(out))
}

fn compact(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let kept = seq_at(&args, 0)
        .iter()
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        .cloned()
        .collect();
    Ok(Value::list(kept))
}

/// The first argument that is neither null nor an empty string. Mixed primitive types are
/// unified to string, as Terraform's type unification does.
fn coalesce(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let primitive = |v: &Value| matches!(v.kind, Kind::Bool(_) | Kind::Number(_) | Kind::String(_));
    let known: Vec<&Value> = args
        .iter()
        .filter(|v| !v.is_null() && v.is_known())
        .collect();
    let mixed = known.iter().all(|v| primitive(v))
        && known
            .windows(2)
            .any(|w| std::mem::discriminant(&w[0].kind) != std::mem::discriminant(&w[1].kind));
    for v in &args {
        match &v.kind {
            Kind::Null => continue,
            // An earlier unknown might turn out to be the first usable value.
            Kind::Unknown(t) => {
                return Ok(Value::unknown(if mixed { Type::String } else { t.clone() }))
            }
            Kind::String(s) if s.is_empty() => continue,
            _ if mixed => {
                return convert(v, &Type::String).map_err(|e| FuncError::new(e.to_string()));
            }
            _ => return Ok(v.clone()),
        }
    }
    Err(FuncError::new("no non-null, non-empty-string arguments"))
}

fn coalescelist(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    for (i, v) in args.iter().enumerate() {
        if v.is_null() {
            continue;
        }
        let items = seq_arg(&args, i, false)?;
        if !items.is_empty() {
            return Ok(v.clone());
        }
    }
    Err(FuncError::new("no non-null arguments"))
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`; at most 1024 values.
fn range(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    const MAX: usize = 1024;
    let nums = (0..args.len())
        .map(|i| num_at(&args, i))
        .collect::<Result<Vec<Number>, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [limit] => {
            let step = if limit.as_f64() < 0.0 { -1 } else { 1 };
            (Number::Int(0), *limit, Number::Int(step))
        }
        [start, limit] => {
            let step = if start.cmp_num(*limit).is_gt() { -1 } else { 1 };
            (*start, *limit, Number::Int(step))
        }
        [start, limit, step] => (*start, *limit, *step),
        _ => {
            return Err(FuncError::new(
                "range expects one, two or three arguments: [start,] limit [, step]",
            ))
        }
    };
    let zero = Number::Int(0);
    if step.cmp_num(zero).is_eq() {
        return Err(FuncError::arg(2, "step must not be zero"));
    }
    let ascending = step.cmp_num(zero).is_gt();
    if ascending && start.cmp_num(limit).is_gt() {
        return Err(FuncError::arg(
            2,
            "step must be negative when start is greater than limit",
        ));
    }
    if !ascending && start.cmp_num(limit).is_lt() {
        return Err(FuncError::arg(
            2,
            "step must be positive when start is less than limit",
        ));
    }
    let mut out = Vec::new();
    let mut cur = start;
    while if ascending {
        cur.cmp_num(limit).is_lt()
    } else {
        cur.cmp_num(limit).is_gt()
    } {
        if out.len() >= MAX {
            return Err(FuncError::new(format!("more than {MAX} values were generated; either decrease the difference between start and limit or use a larger step")));
        }
        out.push(Value::number(cur));
        cur = cur.plus(step);
    }
    Ok(Value::list(out))
}

fn reverse(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let items = seq_arg(&args, 0, true)?;
    Ok(same_kind(
        arg(&args, 0),
        items.iter().rev().cloned().collect(),
    ))
}

fn slice(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let items = seq_arg(&args, 0, false)?;
    let (start, end) = (int_at(&args, 1)?, int_at(&args, 2)?);
    if start < 0 {
        return Err(FuncError::arg(1, "the start index must not be negative"));
    }
    if end > items.len() as i64 {
        return Err(FuncError::arg(
            2,
            "the end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(FuncError::arg(
            1,
            "the start index must not be greater than the end index",
        ));
    }
    let part = items
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .to_vec();
    Ok(same_kind(arg(&args, 0), part))
}

/// Sorts lexicographically: Terraform's `sort` works on strings (numbers are converted).
fn sort(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let mut items = seq_at(&args, 0).to_vec();
    if let Some(i) = items.iter().position(Value::is_null) {
        return Err(FuncError::arg(
            0,
            format!("given list element {i} is null; a null string cannot be sorted"),
        ));
    }
    items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    Ok(Value::list(items))
}

/// Splits into lists of `size` elements (size 0: one chunk holding everything).
fn chunklist(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let items = seq_arg(&args, 0, true)?;
    let size = int_at(&args, 1)?;
    let size = usize::try_from(size)
        .map_err(|_| FuncError::arg(1, "the size argument must be positive"))?;
    if items.is_empty() {
        return Ok(Value::list(Vec::new()));
    }
    let size = if size == 0 { items.len() } else { size };
    let like = arg(&args, 0);
    Ok(Value::list(
        items
            .chunks(size)
            .map(|c| same_kind(like, c.to_vec()))
            .collect(),
    ))
}

/// The single element, or null for an empty collection.
fn one(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    match seq_arg(&args, 0, true)? {
        [] => Ok(Value::null()),
        [x] => Ok(x.clone()),
        more => Err(FuncError::arg(
            0,
            format!(
                "must be a list, set, or tuple value with either zero or one elements, but have {}",
                more.len()
            ),
        )),
    }
}

fn alltrue(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::bool(
        seq_at(&args, 0).iter().all(|v| v.as_bool() == Some(true)),
    ))
}

fn anytrue(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::bool(
        seq_at(&args, 0).iter().any(|v| v.as_bool() == Some(true)),
    ))
}

/// The elements of `values` whose corresponding element of `keys` is in `searchset`.
fn matchkeys(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let (values, keys, search) = (seq_at(&args, 0), seq_at(&args, 1), seq_at(&args, 2));
    if values.len() != keys.len() {
        return Err(FuncError::new("length of keys and values should be equal"));
    }
    let out = values
        .iter()
        .zip(keys)
        .filter(|(_, k)| search.iter().any(|s| s.raw_equals(k)))
        .map(|(v, _)| v.clone())
        .collect();
    Ok(Value::list(out))
}
