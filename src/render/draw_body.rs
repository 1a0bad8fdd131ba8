//! Drawing bodies: object values and resource or block bodies, as aligned
//! `name = value` lines followed (for blocks) by the nested blocks.

use std::collections::BTreeMap;

use super::draw::{attr_name, close, draw, empty, forces, prefix, push_hidden, warnings, Opts};
use super::tree::{Change, Diff};

/// Attributes shown even when unchanged, so an update says which object it is.
const IMPORTANT: [&str; 3] = ["id", "name", "tags"];

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
pub(super) fn object(
    d: &Diff,
    attrs: &BTreeMap<String, Diff>,
    indent: usize,
    opts: Opts,
) -> String {
    if attrs.is_empty() {
        return empty(d, "{}", opts);
    }
    let child = Opts {
        no_null_suffix: true,
        ..opts
    };
    let mut out = format!("{{{}\n", forces(d.replace, opts));
    let hidden = attribute_lines(&mut out, attrs, indent, opts, child);
    push_hidden(&mut out, "attribute", hidden, indent, opts);
    out + &close(d, '}', indent, opts)
}

/// A resource body or nested block: attributes, a blank line, then each block type's
/// changed blocks, then a count of the unchanged ones.
pub(super) fn block(
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
    push_hidden(&mut out, "attribute", hidden, indent, opts);
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
        // A blank line sets the note apart from the blocks shown.
        out.push('\n');
    }
    push_hidden(&mut out, "block", hidden_blocks, indent, opts);
    out + &format!("{}}}", prefix(indent, Change::NoOp, opts))
}
