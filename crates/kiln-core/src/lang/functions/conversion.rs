//! Type conversion functions: `tostring`, `tonumber`, `tobool`, `tolist`, `toset`, `tomap`.
//!
//! They accept unknowns (the result is then an unknown of the target type, or a collection
//! holding unknowns) and null (which converts to null).

use super::args::arg;
use super::{FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::{convert, Type};
use crate::lang::value::{Kind, Value};

pub fn specs() -> Vec<FuncSpec> {
    let v = || Param::new("v", Type::Any).nullable().unknowns();
    vec![
        FuncSpec::new("tostring", vec![v()], Type::String, tostring),
        FuncSpec::new("tonumber", vec![v()], Type::Number, tonumber),
        FuncSpec::new("tobool", vec![v()], Type::Bool, tobool),
        FuncSpec::new("tolist", vec![v()], Type::List(Box::new(Type::Any)), tolist),
        FuncSpec::new("toset", vec![v()], Type::Set(Box::new(Type::Any)), toset),
        FuncSpec::new("tomap", vec![v()], Type::Map(Box::new(Type::Any)), tomap),
    ]
}

fn primitive(args: &[Value], ty: Type, hint: &str) -> FuncResult {
    let v = arg(args, 0);
    convert(v, &ty).map_err(|_| {
        let what = match &v.kind {
            Kind::String(s) => format!("\"{s}\""),
            _ => v.type_name(),
        };
        FuncError::arg(0, format!("cannot convert {what} to {ty}{hint}"))
    })
}

fn tostring(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    primitive(&args, Type::String, "")
}

fn tonumber(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    primitive(
        &args,
        Type::Number,
        "; given string must be a decimal representation of a number",
    )
}

fn tobool(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    primitive(
        &args,
        Type::Bool,
        "; only the strings \"true\" or \"false\" are allowed",
    )
}

/// The element type a collection of these values converts to: their common primitive
/// type, string when primitives are mixed (Terraform's unification), else left as is.
fn unified<'a>(items: impl Iterator<Item = &'a Value>) -> Type {
    let mut common: Option<Type> = None;
    for v in items {
        let t = match &v.kind {
            Kind::Null => continue,
            Kind::Unknown(t) if *t == Type::Any => continue,
            _ => v.ty(),
        };
        common = match common {
            None => Some(t),
            Some(c) if c == t => Some(c),
            Some(c) if c.is_primitive() && t.is_primitive() => Some(Type::String),
            Some(_) => return Type::Any,
        };
    }
    match common {
        Some(t) if t.is_primitive() => t,
        _ => Type::Any,
    }
}

fn collection(args: &[Value], wrap: fn(Box<Type>) -> Type, name: &str) -> FuncResult {
    let v = arg(args, 0);
    let elem = match &v.kind {
        Kind::List(x) | Kind::Tuple(x) | Kind::Set(x) => unified(x.iter()),
        Kind::Map(m) | Kind::Object(m) => unified(m.values()),
        _ => Type::Any,
    };
    convert(v, &wrap(Box::new(elem))).map_err(|e| {
        FuncError::arg(
            0,
            format!("cannot convert {} to {name}: {e}", v.type_name()),
        )
    })
}

fn tolist(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    collection(&args, Type::List, "list")
}

fn toset(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    collection(&args, Type::Set, "set")
}

fn tomap(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    collection(&args, Type::Map, "map")
}
