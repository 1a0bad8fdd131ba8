//! Encoding functions: JSON, YAML, base64 and URL query escaping.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::args::{arg, str_at};
use super::{yaml, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn specs() -> Vec<FuncSpec> {
    let s = |name| Param::new(name, Type::String);
    let any = || Param::new("value", Type::Any).nullable();
    vec![
        FuncSpec::new("jsonencode", vec![any()], Type::String, jsonencode),
        FuncSpec::new("jsondecode", vec![s("str")], Type::Any, jsondecode),
        FuncSpec::new("yamlencode", vec![any()], Type::String, yamlencode),
        FuncSpec::new("yamldecode", vec![s("src")], Type::Any, yamldecode),
        FuncSpec::new("base64encode", vec![s("str")], Type::String, base64encode),
        FuncSpec::new("base64decode", vec![s("str")], Type::String, base64decode),
        FuncSpec::new("urlencode", vec![s("str")], Type::String, urlencode),
    ]
}

/// JSON text with object keys sorted, integers without a fraction, and `<`, `>`, `&`
/// escaped the way Terraform (Go's encoder) escapes them, so output is byte-identical.
pub fn json_text(v: &Value) -> String {
    let mut out = String::new();
    for c in v.to_json().to_string().chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn jsonencode(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(json_text(arg(&args, 0))))
}

fn jsondecode(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let j: serde_json::Value = serde_json::from_str(str_at(&args, 0))
        .map_err(|e| FuncError::arg(0, format!("invalid JSON: {e}")))?;
    Ok(Value::from_json(&j))
}

fn yamlencode(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(yaml::encode(arg(&args, 0))))
}

fn yamldecode(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    yaml::decode(str_at(&args, 0)).map_err(|e| FuncError::arg(0, e))
}

fn base64encode(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(STANDARD.encode(str_at(&args, 0))))
}

fn base64decode(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let bytes = STANDARD
        .decode(str_at(&args, 0))
        .map_err(|e| FuncError::arg(0, format!("failed to decode base64 data: {e}")))?;
    String::from_utf8(bytes).map(Value::string).map_err(|_| {
        FuncError::arg(
            0,
            "the result of decoding the provided string is not valid UTF-8",
        )
    })
}

/// Query-string escaping as Go's `url.QueryEscape` does it: spaces become `+`.
fn urlencode(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let mut out = String::new();
    for b in str_at(&args, 0).bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::string(out))
}
