//! The collapsible sections of a plan comment: one `<details>` per change (the terminal
//! rendering of that change in a ```diff block), one per object changed outside Kiln,
//! one for the outputs; each with the one-line form it takes when the comment is too long.

use kiln_core::plan::{Action, OutputChange, Plan, ResourceChange};
use kiln_core::schema::Schemas;

use super::markdown_budget::{Section, Weight};
use super::markdown_reason::{action_words, changed_names, drift_words, is_risky};
use super::markdown_secrets::Secrets;
use super::markdown_text::{code, diff_lines, fenced, html, html_code};
use super::plan_text::{change_body, comment, display_addr, outputs_text, Cause};
use super::style::Style;

/// A titled run of sections.
#[derive(Debug, Clone)]
pub(super) struct Group {
    /// Markdown ending with a newline: a heading and perhaps a paragraph.
    pub heading: String,
    pub sections: Vec<Section>,
}

/// Markers are read from the paint (see [`diff_lines`]); the paint never reaches the
/// comment.
fn painted() -> Style {
    Style::new(true)
}

/// The changes, destroys and replacements first (open: they are what reviewers must not
/// miss), then the rest in plan order.
pub(super) fn changes_group(
    changes: &[&ResourceChange],
    schemas: &Schemas,
    secrets: &Secrets,
) -> Group {
    let (risky, rest): (Vec<&ResourceChange>, Vec<&ResourceChange>) =
        changes.iter().partition(|c| is_risky(c));
    let sections = risky
        .iter()
        .chain(&rest)
        .map(|c| change_section(c, schemas, secrets))
        .collect();
    Group {
        heading: "### Resource changes\n".to_string(),
        sections,
    }
}

fn change_section(c: &ResourceChange, schemas: &Schemas, secrets: &Secrets) -> Section {
    let c = secrets.in_causes(c);
    let style = painted();
    let text = format!(
        "{}{}",
        comment(&c, Cause::Planned, style),
        change_body(&c, schemas, style)
    );
    let words = action_words(&c, schemas);
    let weight = weight(&c);
    let detail = match c.action {
        Action::Update => changed_names(&c, schemas)
            .map(|names| format!(", changing {names}"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    Section {
        weight,
        full: details(
            weight == Weight::Risky,
            &summary(c.action.symbol(), &display_addr(&c), &words),
            &text,
        ),
        short: format!(
            "- {} {} — {words}{detail} (diff collapsed)\n",
            code(c.action.symbol()),
            code(&display_addr(&c))
        ),
    }
}

fn weight(c: &ResourceChange) -> Weight {
    match c.action {
        Action::NoOp | Action::Read => Weight::Glance,
        Action::Update => Weight::Update,
        Action::Create => Weight::Create,
        Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete => Weight::Risky,
    }
}

/// What refresh found changed outside Kiln; the least important detail of all, as the
/// plan already responds to it.
pub(super) fn drift_group(drift: &[&ResourceChange], schemas: &Schemas) -> Group {
    let sections = drift
        .iter()
        .map(|c| {
            let style = painted();
            let text = format!(
                "{}{}",
                comment(c, Cause::Drift, style),
                change_body(c, schemas, style)
            );
            let words = drift_words(c);
            Section {
                weight: Weight::Glance,
                full: details(
                    false,
                    &summary(c.action.symbol(), &display_addr(c), words),
                    &text,
                ),
                short: format!(
                    "- {} {} — {words} (diff collapsed)\n",
                    code(c.action.symbol()),
                    code(&display_addr(c))
                ),
            }
        })
        .collect();
    Group {
        heading: "### Changed outside Kiln\n\nKiln found these objects changed outside Kiln since the last `kiln apply`. Unless the configuration was changed to match, the plan below may undo or respond to these changes.\n".to_string(),
        sections,
    }
}

/// The changed outputs, one section for all of them. `only_outputs`: nothing else
/// changes, which is worth saying.
pub(super) fn outputs_group(plan: &Plan, outputs: &[&OutputChange], only_outputs: bool) -> Group {
    let mut heading = "### Output changes\n".to_string();
    if only_outputs {
        heading.push_str("\nApplying this plan saves the new output values to the Kiln state, without changing any real infrastructure.\n");
    }
    let count = match outputs.len() {
        1 => "1 output value changes".to_string(),
        n => format!("{n} output values change"),
    };
    let text = outputs_text(plan, outputs, painted());
    Group {
        heading,
        sections: vec![Section {
            weight: Weight::Update,
            full: details(true, &html(&count), &text),
            short: format!("- {count} (diff collapsed)\n"),
        }],
    }
}

/// `<code>SYMBOL</code> <code>ADDR</code> — words`, for a `<summary>`.
fn summary(symbol: &str, addr: &str, words: &str) -> String {
    format!(
        "{} {} — {}",
        html_code(symbol),
        html_code(addr),
        html(words)
    )
}

/// A `<details>` around `painted` as a ```diff block. The blank lines let GitHub read
/// the fence as Markdown inside the HTML.
fn details(open: bool, summary: &str, painted: &str) -> String {
    let open = if open { " open" } else { "" };
    format!(
        "<details{open}><summary>{summary}</summary>\n\n{}\n</details>\n",
        fenced("diff", &diff_lines(painted))
    )
}
