//! A first handful of functions, also the pattern for the rest of the catalogue.

use super::{FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::{Kind, Value};

pub fn specs() -> Vec<FuncSpec> {
    vec![
        FuncSpec::new("upper", vec![Param::new("str", Type::String)], Type::String, upper),
        FuncSpec::new("lower", vec![Param::new("str", Type::String)], Type::String, lower),
        FuncSpec::new("length", vec![Param::new("value", Type::Any).unknowns()], Type::Number, length),
        FuncSpec::new("file", vec![Param::new("path", Type::String)], Type::String, file),
    ]
}

fn string_arg(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

fn upper(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(string_arg(&args, 0).to_uppercase()))
}

fn lower(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(string_arg(&args, 0).to_lowercase()))
}

fn length(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let v = &args[0];
    let n = match &v.kind {
        Kind::Unknown(_) => return Ok(Value::unknown(Type::Number)),
        Kind::String(s) => s.chars().count(),
        Kind::List(x) | Kind::Tuple(x) | Kind::Set(x) => x.len(),
        Kind::Map(m) | Kind::Object(m) => m.len(),
        _ => return Err(FuncError::arg(0, format!("a collection or string is required, but have {}", v.type_name()))),
    };
    Ok(Value::int(n as i64))
}

fn file(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let path = ctx.resolve(string_arg(&args, 0));
    let bytes = std::fs::read(&path).map_err(|e| FuncError::arg(0, format!("cannot read {}: {e}", path.display())))?;
    ctx.record_read(&path);
    String::from_utf8(bytes)
        .map(Value::string)
        .map_err(|_| FuncError::arg(0, format!("{} is not valid UTF-8; use filebase64 for binary files", path.display())))
}
