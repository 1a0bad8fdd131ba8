//! A plan as terminal text, laid out the way Terraform lays it out: drift noted first,
//! then the legend of symbols, one commented block per change, the totals, and the
//! changes to outputs. `--summary` keeps one line per change and the totals.

use kiln_core::addr::{InstanceKey, Mode};
use kiln_core::plan::{Action, OutputChange, Plan, PlanMode, Reason, ResourceChange};
use kiln_core::schema::Schemas;

use super::diff::{diff_body, diff_value};
use super::draw::{draw, Opts};
use super::style::Style;
use super::tree::DiffCx;

/// How to render a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colour (symbols, headers, comments).
    pub color: bool,
    /// One line per change and the totals (`kiln plan --summary`).
    pub summary_only: bool,
}

/// Width of the rule under the drift section: Terraform's default 78 columns, less one.
const RULE_WIDTH: usize = 77;

/// Whether a change is reported as planned or as found by refresh.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Cause {
    Planned,
    Drift,
}

/// Renders `plan` for a terminal. The text does not start with a blank line and ends
/// with a newline; sensitive values are never shown.
pub fn plan_text(plan: &Plan, schemas: &Schemas, opts: &TextOptions) -> String {
    let style = Style::new(opts.color);
    let changes = shown_changes(plan);
    if opts.summary_only {
        return super::summary::summary(plan, &changes, style);
    }
    let outputs = shown_outputs(plan);

    let mut out = String::new();
    let nothing = changes.is_empty() && outputs.is_empty() && plan.leftovers.is_empty();
    let drift = shown_drift(plan);
    // Unlike Terraform, drift is shown even when the plan does not respond to it (an
    // ignored attribute, say): knowing that something changed behind Kiln's back matters.
    if !drift.is_empty() {
        drift_section(&mut out, &drift, schemas, style);
        out.push_str(&format!("\n{}\n", style.dim(&"─".repeat(RULE_WIDTH))));
    }
    if nothing {
        no_changes(&mut out, plan.mode, style);
        return strip_first_newline(out);
    }
    if !plan.leftovers.is_empty() {
        leftovers_section(&mut out, plan, style);
    }
    if !changes.is_empty() {
        legend(&mut out, &changes, style);
        out.push_str("\nKiln will perform the following actions:\n");
        for c in &changes {
            out.push('\n');
            out.push_str(&resource_text(c, schemas, Cause::Planned, style));
            out.push('\n');
        }
        out.push_str(&format!("\n{}\n", totals_line(plan, style)));
    }
    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        out.push_str(&outputs_text(plan, &outputs, style));
        out.push('\n');
        if changes.is_empty() {
            out.push_str("\nYou can apply this plan to save these new output values to the Kiln state, without changing any real infrastructure.\n");
        }
    }
    strip_first_newline(out)
}

/// The changes worth showing, in plan order: no-ops are left out, and so is deleting a
/// data source, which only forgets it (as Terraform).
pub(super) fn shown_changes(plan: &Plan) -> Vec<&ResourceChange> {
    plan.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .filter(|c| !(c.action == Action::Delete && c.addr.resource.mode == Mode::Data))
        .collect()
}

/// The changed outputs, by name.
pub(super) fn shown_outputs(plan: &Plan) -> Vec<&OutputChange> {
    let mut outputs: Vec<&OutputChange> = plan
        .outputs
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    outputs.sort_by(|a, b| a.name.cmp(&b.name));
    outputs
}

/// What refresh found changed outside Kiln.
pub(super) fn shown_drift(plan: &Plan) -> Vec<&ResourceChange> {
    plan.drift
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .collect()
}

/// The sections are written as Terraform writes them, each opening with a newline; the
/// caller decides what comes before the first.
fn strip_first_newline(mut out: String) -> String {
    if out.starts_with('\n') {
        out.remove(0);
    }
    out
}

fn drift_section(out: &mut String, drift: &[&ResourceChange], schemas: &Schemas, style: Style) {
    out.push_str(&format!(
        "\n{}{}\n\n",
        style.bold_cyan("Note:"),
        style.bold(" Objects have changed outside of Kiln")
    ));
    out.push_str(
        "Kiln detected the following changes made outside of Kiln since the last \"kiln apply\":\n",
    );
    for c in drift {
        out.push('\n');
        out.push_str(&resource_text(c, schemas, Cause::Drift, style));
        out.push('\n');
    }
    out.push_str("\n\nUnless you have made equivalent changes to your configuration, or ignored the relevant attributes using ignore_changes, the following plan may include actions to undo or respond to these changes.\n");
}

/// Temporary resources of builds that died: the apply removes them before anything else.
fn leftovers_section(out: &mut String, plan: &Plan, style: Style) {
    out.push_str(&format!(
        "\n{}\n",
        style.bold("Kiln will first remove what interrupted builds left behind:")
    ));
    for l in &plan.leftovers {
        let t = &l.temporary;
        out.push_str(&format!(
            "  {} {}: leftover from an interrupted build of {}: will be deleted\n",
            style.red("-"),
            t.description,
            style.bold(&t.owner)
        ));
    }
}

fn no_changes(out: &mut String, mode: PlanMode, style: Style) {
    let (headline, detail) = match mode {
        PlanMode::Normal => (
            " Your infrastructure matches the configuration.",
            "Kiln has compared your real infrastructure against your configuration and found no differences, so no changes are needed.",
        ),
        PlanMode::Destroy => (
            " No objects need to be destroyed.",
            "Either you have not created any objects yet or the existing objects were already deleted outside of Kiln.",
        ),
    };
    out.push_str(&format!(
        "\n{}{}\n\n{detail}\n",
        style.bold_green("No changes."),
        style.bold(headline)
    ));
}

/// The symbols in use, in Terraform's order.
fn legend(out: &mut String, changes: &[&ResourceChange], style: Style) {
    out.push_str("\nKiln used the selected providers to generate the following execution plan. Resource actions are indicated with the following symbols:\n");
    let entries = [
        (Action::Create, "create"),
        (Action::Update, "update in-place"),
        (Action::Delete, "destroy"),
        (
            Action::DeleteThenCreate,
            "destroy and then create replacement",
        ),
        (
            Action::CreateThenDelete,
            "create replacement and then destroy",
        ),
        (Action::Read, "read (data resources)"),
    ];
    for (action, text) in entries {
        if changes.iter().any(|c| c.action == action) {
            out.push_str(&format!("{} {text}\n", action_symbol(action, style)));
        }
    }
}

/// The three-column symbol of a resource's action.
pub(super) fn action_symbol(action: Action, style: Style) -> String {
    match action {
        Action::NoOp => "   ".to_string(),
        Action::Create => format!("  {}", style.green("+")),
        Action::Update => format!("  {}", style.yellow("~")),
        Action::Delete => format!("  {}", style.red("-")),
        Action::Read => format!(" {}", style.cyan("<=")),
        Action::DeleteThenCreate => format!("{}/{}", style.red("-"), style.green("+")),
        Action::CreateThenDelete => format!("{}/{}", style.green("+"), style.red("-")),
    }
}

pub(super) fn totals_line(plan: &Plan, style: Style) -> String {
    let t = plan.totals();
    format!(
        "{} {} to add, {} to change, {} to destroy.",
        style.bold("Plan:"),
        t.add,
        t.change,
        t.destroy
    )
}

pub(super) fn display_addr(c: &ResourceChange) -> String {
    if c.deposed.is_empty() {
        c.addr.to_string()
    } else {
        format!("{} (deposed object {})", c.addr, c.deposed)
    }
}

/// One change: its comment lines, then its body.
fn resource_text(c: &ResourceChange, schemas: &Schemas, cause: Cause, style: Style) -> String {
    format!(
        "{}{}",
        comment(c, cause, style),
        change_body(c, schemas, style)
    )
}

/// One change's body: `SYMBOL resource "TYPE" "NAME" {`, its attribute diff and the
/// closing brace, without a trailing newline.
pub(super) fn change_body(c: &ResourceChange, schemas: &Schemas, style: Style) -> String {
    let r = &c.addr.resource;
    let (keyword, schema) = match r.mode {
        Mode::Managed => ("resource", schemas.resource(&r.type_name)),
        Mode::Data => ("data", schemas.data_source(&r.type_name)),
    };
    let cx = DiffCx {
        replace_paths: &c.replace_paths,
        replacing: c.action.is_replace(),
    };
    let d = diff_body(
        c.before.as_ref(),
        c.after.as_ref(),
        schema.map(|s| &s.body),
        &cx,
    );
    format!(
        "{} {keyword} \"{}\" \"{}\" {}",
        action_symbol(c.action, style),
        r.type_name,
        r.name,
        draw(&d, 0, Opts::new(style))
    )
}

/// `  # ADDR will be created`, with Terraform's notes on why; one line each, every one
/// ending with a newline.
pub(super) fn comment(c: &ResourceChange, cause: Cause, style: Style) -> String {
    let head = style.bold(&format!("  # {}", display_addr(c)));
    let replaced = style.bold_red("replaced");
    let mut out = match (c.action, cause) {
        (Action::Create, _) => format!("{head} will be created"),
        (Action::Read, _) => format!("{head} will be read during apply"),
        (Action::Update, Cause::Planned) => format!("{head} will be updated in-place"),
        (Action::Update, Cause::Drift) => format!("{head} has changed"),
        (Action::Delete, Cause::Planned) => {
            format!("{head} will be {}", style.bold_red("destroyed"))
        }
        (Action::Delete, Cause::Drift) => format!("{head} has been deleted"),
        (Action::DeleteThenCreate | Action::CreateThenDelete, _) => match &c.reason {
            Reason::Tainted => format!("{head} is tainted, so it must be {replaced}"),
            Reason::Requested => format!("{head} will be {replaced}, as requested"),
            Reason::Triggered(_) => {
                format!("{head} will be {replaced} due to changes in replace_triggered_by")
            }
            _ => format!("{head} must be {replaced}"),
        },
        (Action::NoOp, _) => format!("{head} has no changes"),
    };
    if let Some(note) = note(c).filter(|_| cause == Cause::Planned) {
        out.push_str(&format!("\n  # ({note})"));
    }
    if cause == Cause::Planned {
        out.push_str(&causes_text(c, style));
    }
    if c.keep_old && cause == Cause::Planned {
        out.push_str("\n  # (the previous object is kept, deposed, while what is outside this run still uses it; the next kiln apply replaces those, then destroys it)");
    }
    if c.action == Action::Delete && !c.deposed.is_empty() {
        out.push_str("\n  # (left over from a partially-failed replacement of this instance)");
    }
    out.push('\n');
    out
}

/// The provider's and engine's reasons for a change, one `#   because …` line each, a
/// changed file's diff under its line.
fn causes_text(c: &ResourceChange, style: Style) -> String {
    let mut out = String::new();
    for (i, cause) in c.causes.iter().enumerate() {
        let word = if i == 0 { "because" } else { "and" };
        out.push_str(&format!("\n  #   {word} {}", cause.summary));
        let Some(diff) = &cause.diff else { continue };
        out.push(':');
        for line in diff.lines() {
            let shown = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => style.green(line),
                Some('-') if !line.starts_with("---") => style.red(line),
                Some('@') => style.cyan(line),
                _ => line.to_string(),
            };
            out.push_str(&format!("\n  #       {shown}"));
        }
    }
    out
}

/// The extra line Terraform prints under a read or a delete, without its `# (…)`.
pub(super) fn note(c: &ResourceChange) -> Option<String> {
    let r = &c.addr.resource;
    match (c.action, &c.reason) {
        (Action::Read, Reason::ConfigUnknown) => {
            Some("config refers to values not yet known".to_string())
        }
        (Action::Delete, Reason::NoConfig) => Some(format!("because {r} is not in configuration")),
        (Action::Delete, Reason::NoModule) => {
            Some(format!("because {} is not in configuration", r.module))
        }
        (Action::Delete, Reason::NoInstance) => Some(match &c.addr.key {
            InstanceKey::Int(_) => {
                format!("because index {} is out of range for count", c.addr.key)
            }
            InstanceKey::Str(_) => format!("because key {} is not in for_each map", c.addr.key),
            InstanceKey::None => "because resource uses count or for_each".to_string(),
        }),
        _ => None,
    }
}

/// `  + name = value` lines, names aligned over every output as Terraform does.
pub(super) fn outputs_text(plan: &Plan, outputs: &[&OutputChange], style: Style) -> String {
    let width = plan
        .outputs
        .iter()
        .map(|o| o.name.chars().count())
        .max()
        .unwrap_or(0);
    let cx = DiffCx {
        replace_paths: &[],
        replacing: false,
    };
    outputs
        .iter()
        .map(|o| {
            let d = diff_value(o.before.as_ref(), o.after.as_ref(), o.sensitive, &cx);
            format!(
                "{} {:<width$} = {}",
                action_symbol(o.action, style),
                o.name,
                draw(&d, 0, Opts::new(style))
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
