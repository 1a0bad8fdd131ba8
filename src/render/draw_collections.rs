//! Drawing lists, sets and maps: one element per line, unchanged ones counted, with
//! Terraform's quirks (a list shows the elements either side of a change as context; map
//! keys are always quoted; removed elements get no `-> null` of their own).

use std::collections::BTreeMap;

use kiln_core::lang::display::quote;

use super::draw::{close, draw, empty, forces, prefix, push_hidden, unchanged, warnings, Opts};
use super::tree::{Change, Diff, Node};

/// A list: unchanged elements are hidden, except the ones either side of a change, which
/// show where in the list the change is.
pub(super) fn list(d: &Diff, items: &[Diff], indent: usize, opts: Opts) -> String {
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
    out + &close(d, ']', indent, opts)
}

pub(super) fn set(d: &Diff, items: &[Diff], indent: usize, opts: Opts) -> String {
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
    push_hidden(&mut out, "element", hidden, indent, opts);
    out + &close(d, ']', indent, opts)
}

/// Map keys are always quoted and aligned; entries that are objects end with a comma.
pub(super) fn map(d: &Diff, items: &BTreeMap<String, Diff>, indent: usize, opts: Opts) -> String {
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
    push_hidden(&mut out, "element", hidden, indent, opts);
    out + &close(d, '}', indent, opts)
}
