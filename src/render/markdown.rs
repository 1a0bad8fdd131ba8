//! A plan as Markdown for a pull-request comment: a one-line verdict and a table of
//! counts, the destroys and replacements called out with their reasons, notes on
//! leftovers and drift, then one collapsible section per change with its diff, and the
//! outputs. Long plans are shortened to fit GitHub's comment limit, and say so.
//!
//! The diffs are the terminal rendering's (see `plan_text`), so sensitive values are
//! hidden the same way; what is added here names attributes, never values.

use kiln_core::plan::{Action, Plan, PlanMode, ResourceChange};
use kiln_core::schema::Schemas;

use super::markdown_budget::{chars, fit, Fit, Shown, COMMENT_LIMIT, SHORTENING_RESERVE};
use super::markdown_callouts::{callout_list, callouts};
use super::markdown_reason::is_image;
use super::markdown_secrets::Secrets;
use super::markdown_sections::{changes_group, drift_group, outputs_group, Group};
use super::markdown_text::{code, prose};
use super::plan_text::{shown_changes, shown_drift, shown_outputs};

/// The whole comment, under 65,000 characters.
pub fn plan_markdown(plan: &Plan, schemas: &Schemas) -> String {
    plan_markdown_within(plan, schemas, COMMENT_LIMIT)
}

/// The comment in at most `limit` characters, unless even the verdict, the table and
/// one called-out destroy do not fit in it.
pub(super) fn plan_markdown_within(plan: &Plan, schemas: &Schemas, limit: usize) -> String {
    let secrets = Secrets::of(plan, schemas);
    let changes = shown_changes(plan);
    let outputs = shown_outputs(plan);
    let drift = shown_drift(plan);

    let head = head(
        plan,
        schemas,
        &changes,
        outputs.is_empty(),
        !drift.is_empty(),
    );
    let callouts = callouts(&changes, schemas, &secrets);
    let leftovers = leftovers(plan);
    let mut groups = Vec::new();
    if !drift.is_empty() {
        groups.push(drift_group(&drift, schemas));
    }
    if !changes.is_empty() {
        groups.push(changes_group(&changes, schemas, &secrets));
    }
    if !outputs.is_empty() {
        groups.push(outputs_group(plan, &outputs, changes.is_empty()));
    }

    // The call-outs come before any section's detail: they take what they need first.
    let headings: usize = groups.iter().map(|g| chars(&g.heading) + 1).sum();
    let others = chars(&head) + chars(&leftovers) + headings;
    let room = limit.saturating_sub(others + SHORTENING_RESERVE);
    let mut listed = callout_list(&callouts, room);
    let sections: Vec<_> = groups.iter().flat_map(|g| g.sections.clone()).collect();
    let fitted = fit(&sections, limit.saturating_sub(others + chars(&listed)));

    let mut top = head;
    if fitted.shortened() {
        top.push('\n');
        top.push_str(&shortened_note(&fitted));
    }
    let mut rest = leftovers;
    push_groups(&mut rest, &groups, &fitted);
    // Estimates aside, the limit holds: the list is cut if it must.
    let over = (chars(&top) + chars(&listed) + chars(&rest)).saturating_sub(limit);
    if over > 0 {
        listed = callout_list(&callouts, chars(&listed).saturating_sub(over));
    }
    top + &listed + &rest
}

// ---- verdict and table --------------------------------------------------------------

/// How many objects each kind of change touches; each shown change counts once.
#[derive(Debug, Default)]
struct Counts {
    add: usize,
    change: usize,
    replace: usize,
    destroy: usize,
    images: usize,
}

impl Counts {
    fn of(changes: &[&ResourceChange], schemas: &Schemas) -> Counts {
        let mut n = Counts::default();
        for c in changes {
            match c.action {
                Action::Create => n.add += 1,
                Action::Update => n.change += 1,
                Action::Delete => n.destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    n.replace += 1;
                    n.images += usize::from(is_image(c, schemas));
                }
                Action::NoOp | Action::Read => {}
            }
        }
        n
    }
}

/// The verdict line and, when anything changes, the table; ends with a newline.
fn head(
    plan: &Plan,
    schemas: &Schemas,
    changes: &[&ResourceChange],
    no_outputs: bool,
    drift: bool,
) -> String {
    if changes.is_empty() && no_outputs && plan.leftovers.is_empty() {
        return format!("{}\n", no_changes(plan.mode, drift));
    }
    let n = Counts::of(changes, schemas);
    format!(
        "{}\n\n| Add | Change | Replace | Destroy | Images to rebuild |\n|---:|---:|---:|---:|---:|\n| {} | {} | {} | {} | {} |\n",
        verdict(plan, &n, changes.is_empty()),
        n.add,
        n.change,
        n.replace,
        n.destroy,
        n.images
    )
}

fn no_changes(mode: PlanMode, drift: bool) -> String {
    let mut out = match mode {
        PlanMode::Normal => "**No changes.** Your infrastructure matches the configuration.",
        PlanMode::Destroy => "**No changes.** No objects need to be destroyed.",
    }
    .to_string();
    if drift {
        out.push_str(" Some objects have changed outside Kiln, though (see below).");
    }
    out
}

/// `**Plan:** 2 to add, 1 to change, 2 to destroy — ⚠️ 1 replacement, 1 destroy`; the
/// totals count as Terraform's do (a replacement both adds and destroys).
fn verdict(plan: &Plan, n: &Counts, only_outputs: bool) -> String {
    let t = plan.totals();
    let label = match plan.mode {
        PlanMode::Normal => "**Plan:**",
        PlanMode::Destroy => "**Destroy plan:**",
    };
    let mut out = format!(
        "{label} {} to add, {} to change, {} to destroy",
        t.add, t.change, t.destroy
    );
    let mut warn = Vec::new();
    if n.replace > 0 {
        warn.push(plural(n.replace, "replacement", "replacements"));
    }
    if n.destroy > 0 {
        warn.push(plural(n.destroy, "destroy", "destroys"));
    }
    if !warn.is_empty() {
        out.push_str(&format!(" — ⚠️ {}", warn.join(", ")));
    } else if only_outputs && plan.leftovers.is_empty() {
        out.push_str(" — only output values change");
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---- leftovers, shortening note ------------------------------------------

/// Temporary resources of interrupted builds, deleted before anything else.
fn leftovers(plan: &Plan) -> String {
    if plan.leftovers.is_empty() {
        return String::new();
    }
    let mut out =
        "\n### Leftovers of interrupted builds\n\nDeleted before anything else:\n\n".to_string();
    for l in &plan.leftovers {
        let t = &l.temporary;
        out.push_str(&format!(
            "- {}, from an interrupted build of {}\n",
            prose(&t.description),
            code(&t.owner)
        ));
    }
    out
}

/// Said near the top, so nobody reviews a shortened plan thinking it whole.
fn shortened_note(f: &Fit) -> String {
    let mut what = Vec::new();
    if f.collapsed() > 0 {
        what.push(format!(
            "{} collapsed to one line",
            plural(f.collapsed(), "section", "sections")
        ));
    }
    if f.left_out() > 0 {
        what.push(format!(
            "{} left out",
            plural(f.left_out(), "section", "sections")
        ));
    }
    format!(
        "> **Note:** this plan is too long for one comment, so it is shortened: {}. Run `kiln show PLANFILE` on the saved plan to see all of it.\n",
        what.join(" and ")
    )
}

// ---- sections ---------------------------------------------------------------------

/// Each group's heading and its sections in the form `fitted` chose; a blank line
/// between blocks, none between consecutive one-line items so they make one list.
fn push_groups(out: &mut String, groups: &[Group], fitted: &Fit) {
    let mut shown = fitted.shown.iter();
    for g in groups {
        out.push('\n');
        out.push_str(&g.heading);
        let mut last_short = false;
        let mut left = 0;
        for s in &g.sections {
            match shown.next() {
                Some(Shown::Full) => {
                    out.push('\n');
                    out.push_str(&s.full);
                    last_short = false;
                }
                Some(Shown::Short) => {
                    if !last_short {
                        out.push('\n');
                    }
                    out.push_str(&s.short);
                    last_short = true;
                }
                Some(Shown::Left) | None => left += 1,
            }
        }
        if left > 0 {
            out.push_str(&format!(
                "\n_…and {left} more not shown (run `kiln show PLANFILE`)._\n"
            ));
        }
    }
}
