//! Drawing a diff tree as Terraform does: one small renderer per node kind.
//!
//! Every line inside a body starts with four spaces per level and a four-column change
//! symbol (`  + `, `  ~ `, `  - ` or blanks). A renderer returns its node's text starting
//! right after `name = ` and ending without a newline; its inner lines are indented one
//! level deeper than the `indent` it is given, and its closing bracket sits at `indent`.

use kiln_core::lang::display::quote;

use super::draw_body::{block, object};
use super::draw_collections::{list, map, set};
use super::strings;
use super::style::Style;
use super::tree::{Change, Diff, Node};

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

/// Adds the `# (N unchanged … hidden)` line inside a body or collection, when any were.
pub(super) fn push_hidden(
    out: &mut String,
    keyword: &str,
    count: usize,
    indent: usize,
    opts: Opts,
) {
    if count > 0 {
        let note = unchanged(keyword, count, opts);
        out.push_str(&format!(
            "{}{note}\n",
            prefix(indent + 1, Change::NoOp, opts)
        ));
    }
}

/// The closing bracket of a collection or object drawn at `indent`, with `-> null`
/// when the whole value is deleted.
pub(super) fn close(d: &super::tree::Diff, bracket: char, indent: usize, opts: Opts) -> String {
    format!(
        "{}{bracket}{}",
        prefix(indent, Change::NoOp, opts),
        null_suffix(d.change, opts)
    )
}

/// An attribute name as HCL allows it bare, quoted otherwise.
pub(super) fn attr_name(name: &str) -> String {
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
            // The marker goes once, after the new value.
            let mut b = (**b).clone();
            b.replace = false;
            let old = draw(&b, indent, o);
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
pub(super) fn warnings(d: &Diff, indent: usize, opts: Opts) -> Vec<String> {
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

pub(super) fn empty(d: &Diff, brackets: &str, opts: Opts) -> String {
    format!(
        "{brackets}{}{}",
        null_suffix(d.change, opts),
        forces(d.replace, opts)
    )
}
