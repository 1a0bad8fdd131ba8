//! YAML for `yamlencode` and `yamldecode`.
//!
//! Encoding is done here rather than by a serializer so the output has Terraform's shape:
//! every string double-quoted, keys sorted, sequences under a key not indented. Decoding
//! uses `serde_norway` (a maintained fork of the deprecated `serde_yaml`).

use crate::lang::value::{Kind, Value};

/// The YAML document for a value, ending in a newline.
pub fn encode(v: &Value) -> String {
    let mut out = String::new();
    block(v, 0, &mut out);
    out
}

/// Writes `v` as block YAML whose lines start at `indent` spaces.
fn block(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match &v.kind {
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) if !items.is_empty() => {
            for item in items {
                // Render the item one level deeper, then put the dash where its first
                // line's indentation was.
                let mut inner = String::new();
                block(item, indent + 2, &mut inner);
                out.push_str(&pad);
                out.push_str("- ");
                out.push_str(inner.get(indent + 2..).unwrap_or_default());
            }
        }
        Kind::Map(m) | Kind::Object(m) if !m.is_empty() => {
            for (k, item) in m {
                out.push_str(&pad);
                out.push_str(&quote(k));
                out.push(':');
                match &item.kind {
                    Kind::Map(x) | Kind::Object(x) if !x.is_empty() => {
                        out.push('\n');
                        block(item, indent + 2, out);
                    }
                    Kind::List(x) | Kind::Tuple(x) | Kind::Set(x) if !x.is_empty() => {
                        out.push('\n');
                        block(item, indent, out);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&scalar(item));
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            out.push_str(&pad);
            out.push_str(&scalar(v));
            out.push('\n');
        }
    }
}

fn scalar(v: &Value) -> String {
    match &v.kind {
        Kind::Null | Kind::Unknown(_) => "null".into(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_string(),
        Kind::String(s) => quote(s),
        Kind::List(_) | Kind::Tuple(_) | Kind::Set(_) => "[]".into(),
        Kind::Map(_) | Kind::Object(_) => "{}".into(),
    }
}

/// A YAML double-quoted scalar.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parses one YAML document: sequences become tuples, mappings objects (non-string keys
/// are written as strings). Several documents are an error.
pub fn decode(src: &str) -> Result<Value, String> {
    let y: serde_norway::Value =
        serde_norway::from_str(src).map_err(|e| format!("invalid YAML: {e}"))?;
    from_yaml(&y)
}

fn from_yaml(y: &serde_norway::Value) -> Result<Value, String> {
    use serde_norway::Value as Y;
    Ok(match y {
        Y::Null => Value::null(),
        Y::Bool(b) => Value::bool(*b),
        Y::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::int(i),
            (None, Some(f)) if f.is_finite() => Value::float(f),
            _ => return Err(format!("the number {n} cannot be represented")),
        },
        Y::String(s) => Value::string(s.clone()),
        Y::Sequence(items) => Value::tuple(items.iter().map(from_yaml).collect::<Result<_, _>>()?),
        Y::Mapping(m) => {
            let mut out = std::collections::BTreeMap::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Null => "null".into(),
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    _ => return Err("mapping keys must be strings, numbers or bools".into()),
                };
                out.insert(key, from_yaml(v)?);
            }
            Value::object(out)
        }
        Y::Tagged(t) => from_yaml(&t.value)?,
    })
}
