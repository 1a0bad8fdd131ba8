//! One entry of `resource_changes` / `resource_drift`, and one of `output_changes`: the
//! change representation (`actions`, `before`, `after`, `after_unknown`,
//! `before_sensitive`, `after_sensitive`, `replace_paths`), the `action_reason`, and
//! Kiln's own facts about the change under `kiln`.

use serde_json::{json, Value as J};

use kiln_core::addr::InstanceKey;
use kiln_core::lang::Value;
use kiln_core::plan::{Action, OutputChange, Reason, ResourceChange};
use kiln_core::schema::{ResourceKind, Schemas};

use super::json_address::{fields, schema_of};
use super::json_values::{
    mark_resource, object, path_json, redacted, side, unknown_tree, SENSITIVE,
};

/// Terraform's action list for an action.
pub(super) fn actions(action: Action) -> J {
    let names: &[&str] = match action {
        Action::NoOp => &["no-op"],
        Action::Create => &["create"],
        Action::Read => &["read"],
        Action::Update => &["update"],
        Action::DeleteThenCreate => &["delete", "create"],
        Action::CreateThenDelete => &["create", "delete"],
        Action::Delete => &["delete"],
    };
    json!(names)
}

/// Terraform's `action_reason`, where the concept matches. Destroy mode and deposed
/// objects have none in Terraform either (the action says it all).
fn action_reason(c: &ResourceChange) -> Option<&'static str> {
    Some(match &c.reason {
        Reason::Tainted => "replace_because_tainted",
        Reason::Requested => "replace_by_request",
        Reason::Triggered(_) => "replace_by_triggers",
        Reason::CannotUpdate => "replace_because_cannot_update",
        Reason::NoConfig => "delete_because_no_resource_config",
        Reason::NoInstance => match c.addr.key {
            InstanceKey::Int(_) => "delete_because_count_index",
            InstanceKey::Str(_) => "delete_because_each_key",
            // An unkeyed instance left over once count or for_each was added.
            InstanceKey::None => "delete_because_wrong_repetition",
        },
        Reason::NoModule => "delete_because_no_module",
        Reason::ConfigUnknown => "read_because_config_unknown",
        Reason::None | Reason::DestroyMode | Reason::Deposed => return None,
    })
}

/// `after_unknown`: `{}` when nothing is unknown (a deleted object included), as
/// Terraform writes it for resources.
fn after_unknown(after: Option<&Value>) -> J {
    match after {
        Some(v) if !v.is_wholly_known() => unknown_tree(v),
        _ => json!({}),
    }
}

/// One resource change (planned or drift).
pub(super) fn resource_change(c: &ResourceChange, schemas: &Schemas) -> J {
    let r = &c.addr.resource;
    let schema = schema_of(schemas, r.mode, &r.type_name);
    let before = c.before.as_ref().map(|v| mark_resource(v, schema));
    let after = c.after.as_ref().map(|v| mark_resource(v, schema));
    let (before_json, before_sensitive) = side(before.as_ref());
    let (after_json, after_sensitive) = side(after.as_ref());
    let change = object(vec![
        ("actions", Some(actions(c.action))),
        ("before", Some(before_json)),
        ("after", Some(after_json)),
        ("after_unknown", Some(after_unknown(after.as_ref()))),
        ("before_sensitive", Some(before_sensitive)),
        ("after_sensitive", Some(after_sensitive)),
        (
            "replace_paths",
            (!c.replace_paths.is_empty())
                .then(|| J::Array(c.replace_paths.iter().map(|p| path_json(p)).collect())),
        ),
    ]);
    let is_image = schema.is_some_and(|s| s.kind == ResourceKind::Image);
    let mut entry = fields(&c.addr, &c.provider);
    entry.extend([
        (
            "deposed",
            (!c.deposed.is_empty()).then(|| J::String(c.deposed.clone())),
        ),
        ("change", Some(change)),
        (
            "action_reason",
            action_reason(c).map(|s| J::String(s.into())),
        ),
        (
            "kiln",
            Some(kiln_additions(c, is_image, before.as_ref(), after.as_ref())),
        ),
    ]);
    object(entry)
}

/// What Kiln knows about a change beyond Terraform's format: why (the provider's and the
/// engine's causes: an image's changed build inputs, what a rebuild takes with it),
/// whether a replaced object is kept, what triggered a replacement, and an image's
/// fingerprints.
fn kiln_additions(
    c: &ResourceChange,
    is_image: bool,
    before: Option<&Value>,
    after: Option<&Value>,
) -> J {
    let causes: Vec<J> = c
        .causes
        .iter()
        .map(|cause| {
            object(vec![
                ("summary", Some(J::String(cause.summary.clone()))),
                ("diff", cause.diff.clone().map(J::String)),
            ])
        })
        .collect();
    let triggered_by = match &c.reason {
        Reason::Triggered(exprs) => Some(json!(exprs)),
        _ => None,
    };
    let fingerprint = is_image.then(|| {
        json!({
            "before": before.map_or(J::Null, fingerprint_of),
            "after": after.map_or(J::Null, fingerprint_of),
        })
    });
    object(vec![
        ("causes", Some(J::Array(causes))),
        ("keep_old", c.keep_old.then_some(J::Bool(true))),
        (
            "create_before_destroy",
            c.create_before_destroy.then_some(J::Bool(true)),
        ),
        ("triggered_by", triggered_by),
        ("fingerprint", fingerprint),
    ])
}

/// An image value's `fingerprint` attribute, redacted like any value (null while unknown).
fn fingerprint_of(v: &Value) -> J {
    v.as_map()
        .and_then(|m| m.get("fingerprint"))
        .map_or(J::Null, redacted)
}

/// One output change. Terraform's outputs carry one sensitivity flag for both sides;
/// Kiln also knows marks inside a value, so the trees say exactly which parts are hidden.
pub(super) fn output_change(o: &OutputChange) -> J {
    let mark = |v: &Value| v.clone().with_sensitive(o.sensitive);
    let before = o.before.as_ref().map(mark);
    let after = o.after.as_ref().map(mark);
    let (before_json, before_sensitive) = side(before.as_ref());
    let (after_json, after_sensitive) = side(after.as_ref());
    json!({
        "actions": actions(o.action),
        "before": before_json,
        "after": after_json,
        // Outputs write `false` rather than `{}` for "nothing unknown", as Terraform does.
        "after_unknown": match &after {
            Some(v) if !v.is_wholly_known() => unknown_tree(v),
            _ => J::Bool(false),
        },
        "before_sensitive": before_sensitive,
        "after_sensitive": after_sensitive,
    })
}

/// A planned output value for `planned_values.outputs`: its value is left out while
/// unknown, as Terraform does.
pub(super) fn planned_output(o: &OutputChange) -> Option<J> {
    let v = o.after.as_ref()?;
    let sensitive = o.sensitive || v.sensitive;
    let value = if !v.is_known() {
        None
    } else if sensitive && !v.is_null() {
        Some(J::String(SENSITIVE.into()))
    } else {
        Some(redacted(v))
    };
    Some(object(vec![
        ("sensitive", Some(J::Bool(sensitive))),
        ("value", value),
    ]))
}
