//! What a change does and why, in words for a reviewer: the action of each `<details>`
//! summary, the reason a destroy or replacement is called out, the attributes an update
//! touches. Attribute names and paths only, never values.

use kiln_core::addr::Mode;
use kiln_core::plan::{Action, Reason, ResourceChange};
use kiln_core::provider::path_to_string;
use kiln_core::schema::{ResourceKind, Schemas};

use super::diff::diff_body;
use super::markdown_secrets::Secrets;
use super::markdown_text::{code, prose};
use super::plan_text::note;
use super::tree::{Change, Diff, DiffCx, Node};

/// At most this many attribute names in a one-line summary.
const MAX_NAMES: usize = 5;

/// A managed resource whose schema says it is an image: its replacement is a rebuild.
pub(super) fn is_image(c: &ResourceChange, schemas: &Schemas) -> bool {
    c.addr.resource.mode == Mode::Managed
        && schemas
            .resource(&c.addr.resource.type_name)
            .is_some_and(|s| s.kind == ResourceKind::Image)
}

/// What reviewers must not miss: objects that go away, alone or to be replaced.
pub(super) fn is_risky(c: &ResourceChange) -> bool {
    c.action == Action::Delete || c.action.is_replace()
}

/// The action in a few words, for a `<details>` summary.
pub(super) fn action_words(c: &ResourceChange, schemas: &Schemas) -> String {
    let replace = if is_image(c, schemas) {
        "rebuild image"
    } else {
        "replace"
    };
    match c.action {
        Action::NoOp => "no changes".to_string(),
        Action::Create => "create".to_string(),
        Action::Read => "read during apply".to_string(),
        Action::Update => "update in place".to_string(),
        Action::Delete => "destroy".to_string(),
        Action::DeleteThenCreate => format!("{replace} (destroy, then create)"),
        Action::CreateThenDelete if c.keep_old => {
            format!("{replace} (create; the old one is kept for now)")
        }
        Action::CreateThenDelete => format!("{replace} (create, then destroy)"),
    }
}

/// What refresh found, for a drift summary.
pub(super) fn drift_words(c: &ResourceChange) -> &'static str {
    match c.action {
        Action::Delete => "deleted outside Kiln",
        _ => "changed outside Kiln",
    }
}

/// `will be **replaced** (…)` for the call-out list, in Markdown.
pub(super) fn fate(c: &ResourceChange, schemas: &Schemas) -> String {
    let replaced = if is_image(c, schemas) {
        "**rebuilt**"
    } else {
        "**replaced**"
    };
    match c.action {
        Action::Delete if !c.deposed.is_empty() => format!(
            "(deposed object {}) will be **destroyed**",
            code(&c.deposed)
        ),
        Action::DeleteThenCreate => format!("will be {replaced} (destroyed first, then created)"),
        Action::CreateThenDelete if c.keep_old => format!(
            "will be {replaced} (the new one is created; the old one is kept while objects outside this run still use it)"
        ),
        Action::CreateThenDelete => format!("will be {replaced} (created first, then destroyed)"),
        _ => "will be **destroyed**".to_string(),
    }
}

/// Why a destroy or replacement happens, in Markdown: the plan's reason, the attributes
/// that cannot change in place, and the provider's causes (secrets hidden). `None` when
/// the plan gives no reason.
pub(super) fn why(c: &ResourceChange, schemas: &Schemas, secrets: &Secrets) -> Option<String> {
    let mut parts: Vec<String> = reason_words(c, schemas).into_iter().collect();
    let causes: Vec<String> = c
        .causes
        .iter()
        .map(|k| prose(&secrets.hide(&k.summary)))
        .collect();
    if !causes.is_empty() {
        parts.push(format!("because {}", causes.join("; and ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn reason_words(c: &ResourceChange, schemas: &Schemas) -> Option<String> {
    if c.action.is_replace() {
        return match &c.reason {
            Reason::Tainted => Some("it is tainted (an earlier create did not finish)".into()),
            Reason::Requested => Some("replacement was requested (`--replace`)".into()),
            Reason::Triggered(exprs) => {
                let exprs: Vec<String> = exprs.iter().map(|e| code(e)).collect();
                Some(format!(
                    "`replace_triggered_by` changed: {}",
                    exprs.join(", ")
                ))
            }
            _ => forced_words(c, schemas),
        };
    }
    match c.reason {
        Reason::NoConfig => Some("it is no longer in the configuration".into()),
        Reason::NoModule => Some(format!(
            "its module {} is no longer in the configuration",
            code(&c.addr.resource.module.to_string())
        )),
        Reason::NoInstance => note(c).map(|n| prose(n.strip_prefix("because ").unwrap_or(&n))),
        Reason::Deposed => {
            Some("it was left over by an interrupted create-before-destroy replacement".into())
        }
        _ => None,
    }
}

/// `` `disk[0].size` cannot be updated in place ``.
fn forced_words(c: &ResourceChange, schemas: &Schemas) -> Option<String> {
    let paths = forced_paths(c, schemas);
    if paths.is_empty() {
        return None;
    }
    let names: Vec<String> = paths.iter().map(|p| code(p)).collect();
    let verb = if names.len() == 1 { "it" } else { "they" };
    Some(format!(
        "{} changed and {verb} cannot be updated in place",
        names.join(", ")
    ))
}

/// The paths that force the replacement: as the plan lists them, or else the top-level
/// attributes and blocks the diff marks (the schema's force-new ones that changed).
fn forced_paths(c: &ResourceChange, schemas: &Schemas) -> Vec<String> {
    if !c.replace_paths.is_empty() {
        return c.replace_paths.iter().map(|p| path_to_string(p)).collect();
    }
    top_level(&body_diff(c, schemas), marks_replace)
}

/// The top-level attributes and blocks an update changes, for a collapsed section:
/// `size, tags and 2 more`; `None` when the diff names none.
pub(super) fn changed_names(c: &ResourceChange, schemas: &Schemas) -> Option<String> {
    let names = top_level(&body_diff(c, schemas), |d| d.change != Change::NoOp);
    if names.is_empty() {
        return None;
    }
    let shown: Vec<String> = names.iter().take(MAX_NAMES).map(|n| code(n)).collect();
    let more = names.len().saturating_sub(MAX_NAMES);
    Some(match more {
        0 => shown.join(", "),
        n => format!("{} and {n} more", shown.join(", ")),
    })
}

fn body_diff(c: &ResourceChange, schemas: &Schemas) -> Diff {
    let r = &c.addr.resource;
    let schema = match r.mode {
        Mode::Managed => schemas.resource(&r.type_name),
        Mode::Data => schemas.data_source(&r.type_name),
    };
    let cx = DiffCx {
        replace_paths: &c.replace_paths,
        replacing: c.action.is_replace(),
    };
    diff_body(
        c.before.as_ref(),
        c.after.as_ref(),
        schema.map(|s| &s.body),
        &cx,
    )
}

/// Names of the body's attributes and blocks for which `pick` holds.
fn top_level(d: &Diff, pick: impl Fn(&Diff) -> bool) -> Vec<String> {
    let Node::Block { attrs, blocks } = &d.node else {
        return Vec::new();
    };
    let attrs = attrs
        .iter()
        .filter(|(_, a)| pick(a))
        .map(|(k, _)| k.clone());
    let blocks = blocks
        .iter()
        .filter(|(_, items)| items.iter().any(&pick))
        .map(|(k, _)| k.clone());
    attrs.chain(blocks).collect()
}

/// Whether this node or anything inside it forces replacement.
fn marks_replace(d: &Diff) -> bool {
    d.replace
        || match &d.node {
            Node::Json { inner, .. } => marks_replace(inner),
            Node::Unknown { before } => before.as_deref().is_some_and(marks_replace),
            Node::TypeChange { before, after } => marks_replace(before) || marks_replace(after),
            Node::List(items) | Node::Set(items) => items.iter().any(marks_replace),
            Node::Map(m) | Node::Object(m) => m.values().any(marks_replace),
            Node::Block { attrs, blocks } => {
                attrs.values().any(marks_replace) || blocks.values().flatten().any(marks_replace)
            }
            Node::Leaf { .. } | Node::Sensitive { .. } | Node::SensitiveBlock => false,
        }
}
