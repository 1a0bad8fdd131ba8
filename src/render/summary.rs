//! `kiln plan --summary`: one line per change (`SYMBOL ADDR (why)`) and the totals, for
//! when the full diff is too long to read.

use kiln_core::plan::{Action, Plan, PlanMode, Reason, ResourceChange};
use kiln_core::provider::path_to_string;

use super::plan_text::{action_symbol, display_addr, note, totals_line};
use super::style::Style;

/// `kiln plan --summary`: a line per change and the totals.
pub(super) fn summary(plan: &Plan, changes: &[&ResourceChange], style: Style) -> String {
    if !plan.has_changes() && changes.is_empty() {
        let text = match plan.mode {
            PlanMode::Normal => "No changes. Your infrastructure matches the configuration.",
            PlanMode::Destroy => "No changes. No objects need to be destroyed.",
        };
        return format!("{text}\n");
    }
    let mut out = String::new();
    for c in changes {
        out.push_str(&format!(
            "{} {}",
            action_symbol(c.action, style),
            display_addr(c)
        ));
        if let Some(why) = short_reason(c) {
            out.push_str(&format!(" ({why})"));
        }
        out.push('\n');
    }
    if !changes.is_empty() {
        out.push('\n');
    }
    out.push_str(&totals_line(plan, style));
    out.push('\n');
    out
}

/// Why, in a few words, for the summary line.
fn short_reason(c: &ResourceChange) -> Option<String> {
    if c.action.is_replace() {
        return match &c.reason {
            Reason::Tainted => Some("tainted".to_string()),
            Reason::Requested => Some("replacement requested".to_string()),
            Reason::Triggered(_) => Some("replace_triggered_by".to_string()),
            _ if !c.replace_paths.is_empty() => {
                let paths: Vec<String> =
                    c.replace_paths.iter().map(|p| path_to_string(p)).collect();
                let verb = if paths.len() == 1 { "forces" } else { "force" };
                Some(format!("{} {verb} replacement", paths.join(", ")))
            }
            _ => None,
        };
    }
    if c.action == Action::Delete && c.reason == Reason::NoConfig {
        return Some("not in configuration".to_string());
    }
    note(c).map(|n| n.strip_prefix("because ").map(str::to_string).unwrap_or(n))
}
