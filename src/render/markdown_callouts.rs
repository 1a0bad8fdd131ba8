//! The call-out list near the top of a plan comment: every destroy and replacement, each
//! with its reason. It is never dropped to save room; when long, it loses the reasons
//! before it loses any address, and only then is it cut.

use kiln_core::plan::{Action, ResourceChange};
use kiln_core::schema::Schemas;

use super::markdown_budget::chars;
use super::markdown_reason::{fate, is_image, is_risky, why};
use super::markdown_secrets::Secrets;
use super::markdown_text::code;

const HEADING: &str = "### ⚠️ Destroys and replacements\n\n";

/// Room kept for the line saying how many more there are, whatever its number.
const MORE_LINE: usize = 120;

/// One destroy or replacement.
#[derive(Debug, Clone)]
pub(super) struct Callout {
    /// What happens, for the compact list: "Destroyed", "Replaced", "Rebuilt".
    fate: &'static str,
    addr: String,
    /// The list item with the reason, ending with a newline.
    line: String,
}

/// The destroys and replacements among `changes`, in plan order.
pub(super) fn callouts(
    changes: &[&ResourceChange],
    schemas: &Schemas,
    secrets: &Secrets,
) -> Vec<Callout> {
    changes
        .iter()
        .filter(|c| is_risky(c))
        .map(|c| callout(c, schemas, secrets))
        .collect()
}

fn callout(c: &ResourceChange, schemas: &Schemas, secrets: &Secrets) -> Callout {
    let addr = c.addr.to_string();
    let mut line = format!(
        "- {} {} {}",
        code(c.action.symbol()),
        code(&addr),
        fate(c, schemas)
    );
    if let Some(why) = why(c, schemas, secrets) {
        line.push_str(&format!(": {why}"));
    }
    line.push('\n');
    let fate = match c.action {
        Action::Delete => "Destroyed",
        _ if is_image(c, schemas) => "Rebuilt",
        _ => "Replaced",
    };
    Callout { fate, addr, line }
}

/// The list in at most `room` characters if it can be: each item with its reason; or,
/// if that is too long, the addresses alone by what happens to them; or as many of those
/// as fit, and how many more there are. Empty when there is nothing to call out.
pub(super) fn callout_list(callouts: &[Callout], room: usize) -> String {
    if callouts.is_empty() {
        return String::new();
    }
    let full: String = std::iter::once(format!("\n{HEADING}"))
        .chain(callouts.iter().map(|c| c.line.clone()))
        .collect();
    if chars(&full) <= room {
        return full;
    }
    compact(callouts, room)
}

/// `- **Destroyed (2):** `a`, `b`` lines, cut when even they overflow `room` (but never
/// before the first address).
fn compact(callouts: &[Callout], room: usize) -> String {
    let mut out = format!(
        "\n{HEADING}Too many to give each reason here; the sections below do, where shown.\n\n"
    );
    let mut left = room.saturating_sub(chars(&out) + MORE_LINE);
    let mut shown = 0;
    for fate in ["Destroyed", "Replaced", "Rebuilt"] {
        let addrs: Vec<&str> = callouts
            .iter()
            .filter(|c| c.fate == fate)
            .map(|c| c.addr.as_str())
            .collect();
        if addrs.is_empty() || (shown > 0 && left == 0) {
            continue;
        }
        let mut line = format!("- **{fate} ({}):** ", addrs.len());
        left = left.saturating_sub(chars(&line) + 1);
        for (i, addr) in addrs.iter().enumerate() {
            let item = format!("{}{}", if i == 0 { "" } else { ", " }, code(addr));
            if shown > 0 && chars(&item) > left {
                left = 0;
                break;
            }
            left = left.saturating_sub(chars(&item));
            line.push_str(&item);
            shown += 1;
        }
        out.push_str(&line);
        out.push('\n');
    }
    if shown < callouts.len() {
        out.push_str(&format!(
            "- …and {} more: run `kiln show PLANFILE` to see them all\n",
            callouts.len() - shown
        ));
    }
    out
}
