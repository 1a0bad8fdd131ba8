//! Set algebra: union, intersection, difference and Cartesian product.

use super::args::seq_at;
use super::{FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::{Kind, Value};

pub fn specs() -> Vec<FuncSpec> {
    let set = |name| Param::new(name, Type::Set(Box::new(Type::Any)));
    let set_ty = Type::Set(Box::new(Type::Any));
    vec![
        FuncSpec::new("setunion", vec![set("first_set")], set_ty.clone(), setunion)
            .variadic(set("other_sets")),
        FuncSpec::new(
            "setintersection",
            vec![set("first_set")],
            set_ty.clone(),
            setintersection,
        )
        .variadic(set("other_sets")),
        FuncSpec::new("setsubtract", vec![set("a"), set("b")], set_ty, setsubtract),
        FuncSpec::new("setproduct", vec![], Type::Any, setproduct)
            .variadic(Param::new("sets", Type::Any)),
    ]
}

fn has(items: &[Value], v: &Value) -> bool {
    items.iter().any(|x| x.raw_equals(v))
}

fn setunion(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::set(
        (0..args.len())
            .flat_map(|i| seq_at(&args, i).iter().cloned())
            .collect(),
    ))
}

fn setintersection(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let kept = seq_at(&args, 0)
        .iter()
        .filter(|v| (1..args.len()).all(|i| has(seq_at(&args, i), v)))
        .cloned()
        .collect();
    Ok(Value::set(kept))
}

fn setsubtract(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let b = seq_at(&args, 1);
    Ok(Value::set(
        seq_at(&args, 0)
            .iter()
            .filter(|v| !has(b, v))
            .cloned()
            .collect(),
    ))
}

/// Every combination of one element from each argument, as tuples. The result is a set
/// when every argument is a set, a list otherwise.
fn setproduct(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    if args.len() < 2 {
        return Err(FuncError::new("at least two arguments are required"));
    }
    // Products grow multiplicatively; refuse sizes no configuration needs.
    const MAX: usize = 1 << 20;
    let total = args.iter().try_fold(1usize, |acc, a| {
        acc.checked_mul(a.as_seq().map_or(1, <[Value]>::len))
    });
    if total.is_none_or(|t| t > MAX) {
        return Err(FuncError::new(format!(
            "the product would have more than {MAX} elements"
        )));
    }
    let mut combos: Vec<Vec<Value>> = vec![Vec::new()];
    for (i, a) in args.iter().enumerate() {
        let Some(items) = a.as_seq() else {
            return Err(FuncError::arg(
                i,
                format!(
                    "a list, tuple or set is required, but have {}",
                    a.type_name()
                ),
            ));
        };
        combos = combos
            .into_iter()
            .flat_map(|prefix| {
                items.iter().map(move |x| {
                    let mut next = prefix.clone();
                    next.push(x.clone());
                    next
                })
            })
            .collect();
    }
    let tuples: Vec<Value> = combos.into_iter().map(Value::tuple).collect();
    let all_sets = args.iter().all(|a| matches!(a.kind, Kind::Set(_)));
    Ok(if all_sets {
        Value::set(tuples)
    } else {
        Value::list(tuples)
    })
}
