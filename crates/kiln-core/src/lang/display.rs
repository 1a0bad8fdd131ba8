//! Renders values the way `terraform console` does: HCL-like, with `tolist(…)`,
//! `toset(…)` and `tomap(…)` wrappers where the type is not the literal's, heredocs for
//! multi-line strings, `(known after apply)` and `(sensitive value)`.

use std::fmt::Write;

use super::value::{Kind, Value};

/// Console rendering of a value (multi-line for collections).
pub fn render(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, 0);
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// A string literal with HCL escapes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_value(out: &mut String, v: &Value, level: usize) {
    if v.sensitive {
        out.push_str("(sensitive value)");
        return;
    }
    match &v.kind {
        Kind::Null => out.push_str("null"),
        Kind::Unknown(_) => out.push_str("(known after apply)"),
        Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Kind::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Kind::String(s) if s.contains('\n') && !s.contains("EOT") => {
            out.push_str("<<EOT\n");
            out.push_str(s);
            if !s.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("EOT");
        }
        Kind::String(s) => out.push_str(&quote(s)),
        Kind::Tuple(items) => write_seq(out, items, level, "", ""),
        Kind::List(items) => write_seq(out, items, level, "tolist(", ")"),
        Kind::Set(items) => write_seq(out, items, level, "toset(", ")"),
        Kind::Object(m) => write_map(out, m, level, "", ""),
        Kind::Map(m) => write_map(out, m, level, "tomap(", ")"),
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize, open: &str, close: &str) {
    out.push_str(open);
    if items.is_empty() {
        out.push_str("[]");
    } else {
        out.push_str("[\n");
        for item in items {
            indent(out, level + 1);
            write_value(out, item, level + 1);
            out.push_str(",\n");
        }
        indent(out, level);
        out.push(']');
    }
    out.push_str(close);
}

fn write_map(
    out: &mut String,
    m: &std::collections::BTreeMap<String, Value>,
    level: usize,
    open: &str,
    close: &str,
) {
    out.push_str(open);
    if m.is_empty() {
        out.push_str("{}");
    } else {
        out.push_str("{\n");
        let width = m
            .keys()
            .map(|k| quote(k).chars().count())
            .max()
            .unwrap_or(0);
        for (k, item) in m {
            indent(out, level + 1);
            let key = quote(k);
            let pad = width - key.chars().count();
            out.push_str(&key);
            out.push_str(&" ".repeat(pad));
            out.push_str(" = ");
            write_value(out, item, level + 1);
            out.push('\n');
        }
        indent(out, level);
        out.push('}');
    }
    out.push_str(close);
}

/// JSON for people's scripts: sensitive values become the string "(sensitive value)" and
/// unknown ones "(known after apply)", so nothing secret is ever printed.
pub fn to_json_redacted(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    if v.sensitive {
        return J::String("(sensitive value)".into());
    }
    match &v.kind {
        Kind::Unknown(_) => J::String("(known after apply)".into()),
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            J::Array(items.iter().map(to_json_redacted).collect())
        }
        Kind::Map(m) | Kind::Object(m) => J::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), to_json_redacted(x)))
                .collect(),
        ),
        _ => v.to_json(),
    }
}
