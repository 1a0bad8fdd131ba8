//! One value as HCL-ish text for `kiln output`: the same shapes `kiln console` prints
//! (`tolist([…])`, `tomap({…})`, aligned quoted keys), starting at a given indent so it
//! can follow `name = `. Nested multi-line strings use `<<-EOT` with indented lines, so
//! the text reads back as the same value.

use std::collections::BTreeMap;

use kiln_core::lang::display::quote;
use kiln_core::lang::{Kind, Value};

/// Renders `v`; `indent` is the column (in spaces) of the line it starts on, so nested
/// lines are indented past it. Sensitive values are `(sensitive value)`, unknown ones
/// `(known after apply)`.
pub fn value_text(v: &Value, indent: usize) -> String {
    if v.sensitive {
        return "(sensitive value)".to_string();
    }
    match &v.kind {
        Kind::Null => "null".to_string(),
        Kind::Unknown(_) => "(known after apply)".to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Number(n) => n.to_string(),
        Kind::String(s) if s.contains('\n') => heredoc(s, indent),
        Kind::String(s) => quote(s),
        Kind::Tuple(items) => sequence(items, indent),
        Kind::List(items) => format!("tolist({})", sequence(items, indent)),
        Kind::Set(items) => format!("toset({})", sequence(items, indent)),
        Kind::Object(m) => mapping(m, indent),
        Kind::Map(m) => format!("tomap({})", mapping(m, indent)),
    }
}

/// `<<EOT` at the margin; `<<-EOT` with the lines indented when nested. The delimiter
/// grows (`EOT_`) until no line of the text is the delimiter. Like the console, a text
/// without a final newline is shown as if it had one.
fn heredoc(s: &str, indent: usize) -> String {
    let lines: Vec<&str> = s.strip_suffix('\n').unwrap_or(s).split('\n').collect();
    let mut delimiter = "EOT".to_string();
    while lines.iter().any(|l| l.trim() == delimiter) {
        delimiter.push('_');
    }
    let (operator, pad) = if indent > 0 {
        ("<<-", " ".repeat(indent))
    } else {
        ("<<", String::new())
    };
    let mut out = format!("{operator}{delimiter}\n");
    for line in &lines {
        if !line.is_empty() {
            out.push_str(&pad);
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str(&delimiter);
    out
}

fn sequence(items: &[Value], indent: usize) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    let inner = indent + 2;
    let mut out = "[\n".to_string();
    for item in items {
        out.push_str(&format!(
            "{}{},\n",
            " ".repeat(inner),
            value_text(item, inner)
        ));
    }
    out.push_str(&" ".repeat(indent));
    out.push(']');
    out
}

fn mapping(m: &BTreeMap<String, Value>, indent: usize) -> String {
    if m.is_empty() {
        return "{}".to_string();
    }
    let inner = indent + 2;
    let width = m
        .keys()
        .map(|k| quote(k).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = "{\n".to_string();
    for (k, item) in m {
        out.push_str(&format!(
            "{}{:<width$} = {}\n",
            " ".repeat(inner),
            quote(k),
            value_text(item, inner)
        ));
    }
    out.push_str(&" ".repeat(indent));
    out.push('}');
    out
}
