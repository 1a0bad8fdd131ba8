//! Primitives: how a null, bool, number or string changes, and how it is drawn. Strings
//! are where Terraform's output is most particular: multi-line text becomes a `<<-EOT`
//! heredoc (with a line diff on update), and text holding a JSON object or array is
//! diffed structurally and drawn as `jsonencode(…)`.

use kiln_core::lang::display::quote;
use kiln_core::lang::Value;
use kiln_core::provider::{AttrPath, PathStep};
use similar::{Algorithm, DiffTag};

use super::diff::diff_value;
use super::draw::{draw, forces, null_suffix, prefix, unchanged, Opts};
use super::tree::{Change, Diff, DiffCx, Leaf, Node};

/// Unchanged lines kept around each change in a multi-line string diff.
const CONTEXT: usize = 3;

/// A JSON object or array held in a string, as a value to diff.
fn json_of(leaf: &Leaf) -> Option<Value> {
    let Leaf::Text(s) = leaf else { return None };
    if !(s.starts_with('{') || s.starts_with('[')) {
        return None;
    }
    let j: serde_json::Value = serde_json::from_str(s).ok()?;
    Some(Value::from_json(&j))
}

/// Diffs two primitives at `path`.
pub(super) fn diff_leaf(before: Leaf, after: Leaf, path: &[PathStep], cx: &DiffCx) -> Diff {
    let change = match (&before, &after) {
        (Leaf::Null, Leaf::Null) => Change::NoOp,
        (Leaf::Null, _) => Change::Create,
        (_, Leaf::Null) => Change::Delete,
        (b, a) if b == a => Change::NoOp,
        _ => Change::Update,
    };
    let replace = cx.marks(path, true);
    let inner_cx = DiffCx {
        replace_paths: &[],
        replacing: false,
    };
    let json = |b: Option<&Value>, a: Option<&Value>| diff_value(b, a, false, &inner_cx);
    let node = match (change, json_of(&before), json_of(&after)) {
        (Change::Create | Change::NoOp, _, Some(a)) => {
            let b = (change == Change::NoOp).then_some(&a);
            json_node(json(b, Some(&a)), false)
        }
        (Change::Delete, Some(b), _) => json_node(json(Some(&b), None), false),
        (Change::Update, Some(b), Some(a)) => {
            let inner = json(Some(&b), Some(&a));
            let whitespace_only = inner.change == Change::NoOp;
            json_node(inner, whitespace_only)
        }
        (Change::Update, Some(_), None) | (Change::Update, None, Some(_)) => {
            let no_path: AttrPath = Vec::new();
            Node::TypeChange {
                before: Box::new(diff_leaf(before, Leaf::Null, &no_path, &inner_cx)),
                after: Box::new(diff_leaf(Leaf::Null, after, &no_path, &inner_cx)),
            }
        }
        _ => Node::Leaf { before, after },
    };
    Diff {
        change,
        replace,
        node,
    }
}

fn json_node(inner: Diff, whitespace_only: bool) -> Node {
    Node::Json {
        inner: Box::new(inner),
        whitespace_only,
    }
}

/// A primitive as Terraform shows it in a diff.
enum Shown {
    Null,
    /// Quoted string, number or bool.
    Simple(String),
    /// Multi-line text, trimmed of surrounding whitespace.
    Lines(String),
}

fn shown(leaf: &Leaf) -> Shown {
    match leaf {
        Leaf::Null => Shown::Null,
        Leaf::Bool(b) => Shown::Simple(b.to_string()),
        Leaf::Number(n) => Shown::Simple(n.to_string()),
        Leaf::Text(s) if s.contains('\n') => Shown::Lines(s.trim().to_string()),
        Leaf::Text(s) => Shown::Simple(quote(s)),
    }
}

impl Shown {
    fn simple(&self, opts: Opts) -> String {
        match self {
            Shown::Null => opts.style.dim("null"),
            Shown::Simple(s) => s.clone(),
            Shown::Lines(s) => quote(s),
        }
    }

    /// The raw lines, for a line diff.
    fn lines(&self, leaf: &Leaf) -> Vec<String> {
        match (self, leaf) {
            (Shown::Null, _) => Vec::new(),
            (Shown::Lines(s), _) => s.split('\n').map(str::to_string).collect(),
            (_, Leaf::Text(s)) => vec![s.clone()],
            (Shown::Simple(s), _) => vec![s.clone()],
        }
    }
}

/// Draws a [`Node::Leaf`].
pub(super) fn draw_leaf(
    d: &Diff,
    before: &Leaf,
    after: &Leaf,
    indent: usize,
    opts: Opts,
) -> String {
    let (b, a) = (shown(before), shown(after));
    let arrow = opts.style.yellow("->");
    let replace = forces(d.replace, opts);
    match d.change {
        Change::Create | Change::NoOp => {
            let s = if d.change == Change::NoOp { &b } else { &a };
            match s {
                Shown::Lines(text) => heredoc(&plain_lines(text, indent, opts), d, indent, opts),
                other => format!("{}{replace}", other.simple(opts)),
            }
        }
        Change::Delete => match &b {
            Shown::Lines(text) => heredoc(&plain_lines(text, indent, opts), d, indent, opts),
            Shown::Null => format!("{}{replace}", b.simple(opts)),
            other => {
                let suffix = null_suffix(d.change, opts);
                format!("{}{suffix}{replace}", other.simple(opts))
            }
        },
        Change::Update => {
            if !matches!(b, Shown::Lines(_)) && !matches!(a, Shown::Lines(_)) {
                return format!("{} {arrow} {}{replace}", b.simple(opts), a.simple(opts));
            }
            let lines = line_diff(&b.lines(before), &a.lines(after), indent, opts);
            heredoc(&lines, d, indent, opts)
        }
    }
}

fn heredoc(lines: &[String], d: &Diff, indent: usize, opts: Opts) -> String {
    format!(
        "<<-EOT{}\n{}\n{}EOT{}",
        forces(d.replace, opts),
        lines.join("\n"),
        prefix(indent, Change::NoOp, opts),
        null_suffix(d.change, opts)
    )
}

/// One heredoc line; an empty line gets no trailing blanks.
fn line(indent: usize, change: Change, text: &str, opts: Opts) -> String {
    let mut out = format!("{}{text}", prefix(indent, change, opts));
    if text.is_empty() {
        out.truncate(out.trim_end().len());
    }
    out
}

fn plain_lines(text: &str, indent: usize, opts: Opts) -> Vec<String> {
    text.split('\n')
        .map(|l| line(indent + 1, Change::NoOp, l, opts))
        .collect()
}

/// The lines of a multi-line string update: unchanged lines as context, removed `-`,
/// added `+`; long unchanged runs collapsed to a count.
fn line_diff(before: &[String], after: &[String], indent: usize, opts: Opts) -> Vec<String> {
    let mut tagged: Vec<(Change, &str)> = Vec::new();
    for op in similar::capture_diff_slices(Algorithm::Myers, before, after) {
        let (tag, old, new) = op.as_tag_tuple();
        if matches!(tag, DiffTag::Equal) {
            tagged.extend(old.map(|i| (Change::NoOp, before[i].as_str())));
            continue;
        }
        if matches!(tag, DiffTag::Delete | DiffTag::Replace) {
            tagged.extend(old.map(|i| (Change::Delete, before[i].as_str())));
        }
        if matches!(tag, DiffTag::Insert | DiffTag::Replace) {
            tagged.extend(new.map(|j| (Change::Create, after[j].as_str())));
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < tagged.len() {
        if tagged[i].0 != Change::NoOp {
            out.push(line(indent + 1, tagged[i].0, tagged[i].1, opts));
            i += 1;
            continue;
        }
        let start = i;
        while i < tagged.len() && tagged[i].0 == Change::NoOp {
            i += 1;
        }
        let head = if start > 0 { CONTEXT } else { 0 };
        let tail = if i < tagged.len() { CONTEXT } else { 0 };
        let run = &tagged[start..i];
        if run.len() > head + tail + 1 {
            let hidden = run.len() - head - tail;
            out.extend(
                run[..head]
                    .iter()
                    .map(|(c, l)| line(indent + 1, *c, l, opts)),
            );
            out.push(format!(
                "{}{}",
                prefix(indent + 1, Change::NoOp, opts),
                unchanged("line", hidden, opts)
            ));
            out.extend(
                run[run.len() - tail..]
                    .iter()
                    .map(|(c, l)| line(indent + 1, *c, l, opts)),
            );
        } else {
            out.extend(run.iter().map(|(c, l)| line(indent + 1, *c, l, opts)));
        }
    }
    out
}

/// Draws a [`Node::Json`] as `jsonencode(…)`.
pub(super) fn draw_json(
    d: &Diff,
    inner: &Diff,
    whitespace_only: bool,
    indent: usize,
    opts: Opts,
) -> String {
    let mut inner_opts = Opts {
        no_null_suffix: true,
        ..opts
    };
    let mut action = d.change;
    let (mut whitespace, mut replace) = (String::new(), String::new());
    if whitespace_only && d.change == Change::Update {
        whitespace = if d.replace {
            " # whitespace changes force replacement".to_string()
        } else {
            " # whitespace changes".to_string()
        };
        inner_opts.show_unchanged = true;
        action = Change::NoOp;
    } else {
        replace = forces(d.replace, opts);
    }
    let rendered = draw(inner, indent + 1, inner_opts);
    if matches!(d.change, Change::Create | Change::Delete) {
        action = Change::NoOp;
    }
    if rendered.contains('\n') {
        format!(
            "jsonencode({whitespace}\n{}{rendered}{replace}\n{}){}",
            prefix(indent + 1, action, opts),
            prefix(indent, Change::NoOp, opts),
            null_suffix(d.change, opts)
        )
    } else {
        format!("jsonencode({rendered}){whitespace}{replace}")
    }
}
