//! Drawing a diff tree as Terraform does: one small renderer per node kind.
//!
//! Every line inside a body starts with four spaces per level and a four-column change
//! symbol (`  + `, `  ~ `, `  - ` or blanks). A renderer returns its node's text starting
//! right after `name = ` and ending without a newline; its inner lines are indented one
//! level deeper than the `indent` it is given, and its closing bracket sits at `indent`.

use std::collections::BTreeMap;

use kiln_core::lang::display::quote;

use super::diff::{Change, Diff, Node};
use super::strings;
use super::style::Style;

/// How a subtree is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) struct Opts {
    pub style: Style,
    /// Show unchanged children instead of counting them.
    pub show_unchanged: bool,
    /// Leave out `-> null` on deletes (children of a collection being removed).
    pub no_null_suffix: bool,
}

impl Opts {
    pub fn new(style: Style) -> Opts {
        Opts {
            style,
            show_unchanged: false,
            no_null_suffix: false,
        }
    }
}

/// Attributes shown even when unchanged, so an update says which object it is.
const IMPORTANT: [&str; 3] = ["id", "name", "tags"];

/// The three-column symbol of a change inside a body.
fn symbol(change: Change, style: Style) -> String {
    match change {
        Change::Create => format!("  {}", style.green("+")),
        Change::Update => format!("  {}", style.yellow("~")),
        Change::Delete => format!("  {}", style.red("-")),
        Change::NoOp => "   ".to_string(),
    }
}

/// Indentation for `indent` levels, then the change's symbol column.
pub(super) fn prefix(indent: usize, change: Change, opts: Opts) -> String {
    format!("{}{} ", "    ".repeat(indent), symbol(change, opts.style))
}

pub(super) fn forces(replace: bool, opts: Opts) -> String {
    if replace {
        format!(" {}", opts.style.red("# forces replacement"))
    } else {
        String::new()
    }
}

pub(super) fn null_suffix(change: Change, opts: Opts) -> String {
    if change == Change::Delete && !opts.no_null_suffix {
        format!(" {}", opts.style.dim("-> null"))
    } else {
        String::new()
    }
}

/// `# (3 unchanged attributes hidden)`.
pub(super) fn unchanged(keyword: &str, count: usize, opts: Opts) -> String {
    let plural = if count == 1 { "" } else { "s" };
    opts.style
        .dim(&format!("# ({count} unchanged {keyword}{plural} hidden)"))
}

/// An attribute name as HCL allows it bare, quoted otherwise.
fn attr_name(name: &str) -> String {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if valid {
        name.to_string()
    } else {
        quote(name)
    }
}

/// Draws any node.
pub(super) fn draw(d: &Diff, indent: usize, opts: Opts) -> String {
    match &d.node {
        Node::Leaf { before, after } => strings::draw_leaf(d, before, after, indent, opts),
        Node::Json {
            inner,
            whitespace_only,
        } => strings::draw_json(d, inner, *whitespace_only, indent, opts),
        Node::Unknown { before: None } => {
            format!("(known after apply){}", forces(d.replace, opts))
        }
        Node::Unknown { before: Some(b) } => {
            let o = Opts {
                no_null_suffix: true,
                ..opts
            };
            let old = draw(b, indent, o);
            format!("{old} -> (known after apply){}", forces(d.replace, opts))
        }
        Node::Sensitive { .. } => format!(
            "(sensitive value){}{}",
            null_suffix(d.change, opts),
            forces(d.replace, opts)
        ),
        Node::SensitiveBlock => {
            let p = prefix(indent, Change::NoOp, opts);
            format!(
                "{{{}\n{p}  # At least one attribute in this block is (or was) sensitive,\n{p}  # so its contents will not be displayed.\n{p}}}",
                forces(d.replace, opts)
            )
        }
        Node::TypeChange { before, after } => {
            let o = Opts {
                no_null_suffix: true,
                ..opts
            };
            let arrow = opts.style.yellow("->");
            format!(
                "{} {arrow} {}",
                draw(before, indent, o),
                draw(after, indent, o)
            )
        }
        Node::List(items) => list(d, items, indent, opts),
        Node::Set(items) => set(d, items, indent, opts),
        Node::Map(items) => map(d, items, indent, opts),
        Node::Object(items) => object(d, items, indent, opts),
        Node::Block { attrs, blocks } => block(d, attrs, blocks, indent, opts),
    }
}

/// Comment lines printed above an attribute: a sensitive value changing its mark.
fn warnings(d: &Diff, indent: usize, opts: Opts) -> Vec<String> {
    let Node::Sensitive {
        before,
        after,
        value_changed,
    } = d.node
    else {
        return Vec::new();
    };
    if before == after || matches!(d.change, Change::Create | Change::Delete) {
        return Vec::new();
    }
    let pad = "    ".repeat(indent);
    let warning = opts.style.yellow("Warning");
    let mut text = if before {
        format!("{pad}  # {warning}: this attribute value will no longer be marked as sensitive\n{pad}  # after applying this change.")
    } else {
        format!("{pad}  # {warning}: this attribute value will be marked as sensitive and will not\n{pad}  # display in UI output after applying this change.")
    };
    if !value_changed {
        text.push_str(" The value is unchanged.");
    }
    vec![text]
}

fn empty(d: &Diff, brackets: &str, opts: Opts) -> String {
    format!(
        "{brackets}{}{}",
        null_suffix(d.change, opts),
        forces(d.replace, opts)
    )
}

/// A list: unchanged elements are hidden, except the ones either side of a change, which
/// show where in the list the change is.
fn list(d: &Diff, items: &[Diff], indent: usize, opts: Opts) -> String {
    if items.is_empty() {
        return empty(d, "[]", opts);
    }
    let elem = Opts {
        no_null_suffix: true,
        ..opts
    };
    let context = Opts {
        show_unchanged: true,
        ..opts
    };
    let mut out = format!("[{}\n", forces(d.replace, opts));
    let mut pending: Vec<&Diff> = Vec::new();
    let mut show_next = false;
    let push = |out: &mut String, e: &Diff, o: Opts| {
        for w in warnings(e, indent + 1, o) {
            out.push_str(&format!("{w}\n"));
        }
        let line = prefix(indent + 1, e.change, o) + &draw(e, indent + 1, o);
        out.push_str(&format!("{line},\n"));
    };
    for e in items {
        if e.change == Change::NoOp && !show_next && !opts.show_unchanged {
            pending.push(e);
            continue;
        }
        show_next = false;
        if pending.len() > 1 {
            let hidden = unchanged("element", pending.len() - 1, opts);
            out.push_str(&format!(
                "{}{hidden}\n",
                prefix(indent + 1, Change::NoOp, opts)
            ));
        }
        if let Some(last) = pending.last() {
            push(&mut out, last, context);
        }
        pending.clear();
        if e.change == Change::NoOp {
            push(&mut out, e, context);
        } else {
            show_next = true;
            push(&mut out, e, elem);
        }
    }
    if !pending.is_empty() {
        let hidden = unchanged("element", pending.len(), opts);
        out.push_str(&format!(
            "{}{hidden}\n",
            prefix(indent + 1, Change::NoOp, opts)
        ));
    }
    out + &format!(
        "{}]{}",
        prefix(indent, Change::NoOp, opts),
        null_suffix(d.change, opts)
    )
}

fn set(d: &Diff, items: &[Diff], indent: usize, opts: Opts) -> String {
    if items.is_empty() {
        return empty(d, "[]", opts);
    }
    let elem = Opts {
        no_null_suffix: true,
        ..opts
    };
    let mut out = format!("[{}\n", forces(d.replace, opts));
    let mut hidden = 0;
    for e in items {
        if e.change == Change::NoOp && !opts.show_unchanged {
            hidden += 1;
            continue;
        }
        for w in warnings(e, indent + 1, opts) {
            out.push_str(&format!("{w}\n"));
        }
        let line = prefix(indent + 1, e.change, elem) + &draw(e, indent + 1, elem);
        out.push_str(&format!("{line},\n"));
    }
    if hidden > 0 {
        let note = unchanged("element", hidden, opts);
        out.push_str(&format!(
            "{}{note}\n",
            prefix(indent + 1, Change::NoOp, opts)
        ));
    }
    out + &format!(
        "{}]{}",
        prefix(indent, Change::NoOp, opts),
        null_suffix(d.change, opts)
    )
}

/// Map keys are always quoted and aligned; entries that are objects end with a comma.
fn map(d: &Diff, items: &BTreeMap<String, Diff>, indent: usize, opts: Opts) -> String {
    if items.is_empty() {
        return empty(d, "{}", opts);
    }
    let elem = Opts {
        no_null_suffix: d.change == Change::Delete || opts.no_null_suffix,
        ..opts
    };
    let keys: Vec<(String, &Diff)> = items.iter().map(|(k, v)| (quote(k), v)).collect();
    let width = keys
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!("{{{}\n", forces(d.replace, opts));
    let mut hidden = 0;
    for (key, e) in &keys {
        if e.change == Change::NoOp && !opts.show_unchanged {
            hidden += 1;
            continue;
        }
        for w in warnings(e, indent + 1, opts) {
            out.push_str(&format!("{w}\n"));
        }
        let comma = if matches!(e.node, Node::Object(_)) {
            ","
        } else {
            ""
        };
        out.push_str(&format!(
            "{}{key:<width$} = {}{comma}\n",
            prefix(indent + 1, e.change, elem),
            draw(e, indent + 1, elem)
        ));
    }
    if hidden > 0 {
        let note = unchanged("element", hidden, opts);
        out.push_str(&format!(
            "{}{note}\n",
            prefix(indent + 1, Change::NoOp, opts)
        ));
    }
    out + &format!(
        "{}}}{}",
        prefix(indent, Change::NoOp, opts),
        null_suffix(d.change, opts)
    )
}

/// Writes aligned `name = value` lines, showing important attributes always and
/// counting the unchanged rest. Returns how many were hidden.
fn attribute_lines(
    out: &mut String,
    attrs: &BTreeMap<String, Diff>,
    indent: usize,
    opts: Opts,
    child: Opts,
) -> usize {
    let names: Vec<(String, &String, &Diff)> =
        attrs.iter().map(|(k, v)| (attr_name(k), k, v)).collect();
    let width = names
        .iter()
        .map(|(n, ..)| n.chars().count())
        .max()
        .unwrap_or(0);
    let mut hidden = 0;
    for (name, key, a) in names {
        let o = if IMPORTANT.contains(&key.as_str()) {
            Opts {
                show_unchanged: true,
                ..child
            }
        } else if a.change == Change::NoOp && !opts.show_unchanged {
            hidden += 1;
            continue;
        } else {
            child
        };
        for w in warnings(a, indent + 1, o) {
            out.push_str(&format!("{w}\n"));
        }
        out.push_str(&format!(
            "{}{name:<width$} = {}\n",
            prefix(indent + 1, a.change, o),
            draw(a, indent + 1, o)
        ));
    }
    hidden
}

/// An object value: like a block's attributes, and removed entries get no `-> null`.
fn object(d: &Diff, attrs: &BTreeMap<String, Diff>, indent: usize, opts: Opts) -> String {
    if attrs.is_empty() {
        return empty(d, "{}", opts);
    }
    let child = Opts {
        no_null_suffix: true,
        ..opts
    };
    let mut out = format!("{{{}\n", forces(d.replace, opts));
    let hidden = attribute_lines(&mut out, attrs, indent, opts, child);
    if hidden > 0 {
        let note = unchanged("attribute", hidden, opts);
        out.push_str(&format!(
            "{}{note}\n",
            prefix(indent + 1, Change::NoOp, opts)
        ));
    }
    out + &format!(
        "{}}}{}",
        prefix(indent, Change::NoOp, opts),
        null_suffix(d.change, opts)
    )
}

/// A resource body or nested block: attributes, a blank line, then each block type's
/// changed blocks, then a count of the unchanged ones.
fn block(
    d: &Diff,
    attrs: &BTreeMap<String, Diff>,
    blocks: &BTreeMap<String, Vec<Diff>>,
    indent: usize,
    opts: Opts,
) -> String {
    if attrs.is_empty() && blocks.is_empty() {
        return format!("{{}}{}", forces(d.replace, opts));
    }
    let mut out = format!("{{{}\n", forces(d.replace, opts));
    let hidden = attribute_lines(&mut out, attrs, indent, opts, opts);
    if hidden > 0 {
        let note = unchanged("attribute", hidden, opts);
        out.push_str(&format!(
            "{}{note}\n",
            prefix(indent + 1, Change::NoOp, opts)
        ));
    }
    let mut hidden_blocks = 0;
    for (name, items) in blocks {
        let mut separated = attrs.is_empty();
        for item in items {
            if item.change == Change::NoOp && !opts.show_unchanged {
                hidden_blocks += 1;
                continue;
            }
            if !separated {
                out.push('\n');
                separated = true;
            }
            out.push_str(&format!(
                "{}{} {}\n",
                prefix(indent + 1, item.change, opts),
                attr_name(name),
                draw(item, indent + 1, opts)
            ));
        }
    }
    if hidden_blocks > 0 {
        let note = unchanged("block", hidden_blocks, opts);
        out.push_str(&format!(
            "\n{}{note}\n",
            prefix(indent + 1, Change::NoOp, opts)
        ));
    }
    out + &format!("{}}}", prefix(indent, Change::NoOp, opts))
}
