//! Rendering the engine's events while it works: Terraform-style progress lines on the
//! terminal, or one JSON object per line with `--json` (Terraform's machine-readable UI
//! shape: `@level`, `@message`, `@timestamp`, `type`, and a `hook` with the details).

use std::io::Write;
use std::time::Duration;

use kiln_core::event::{Event, EventSink};
use kiln_core::plan::Action;

pub struct TerminalEvents {
    pub color: bool,
}

pub struct JsonEvents;

fn bold(color: bool, s: &str) -> String {
    if color {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// "Creating", "Creation", "creating" for an action.
fn words(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Delete => ("Destroying", "Destruction", "destroying"),
        Action::Update => ("Modifying", "Modifications", "modifying"),
        Action::Read => ("Reading", "Read", "reading"),
        _ => ("Creating", "Creation", "creating"),
    }
}

/// The line for an event, or `None` when the terminal shows nothing for it.
pub fn message(e: &Event, color: bool) -> Option<String> {
    Some(match e {
        Event::RefreshStart { type_name, count } => {
            format!("Refreshing {count} {type_name} object{}...", if *count == 1 { "" } else { "s" })
        }
        Event::RefreshDone { .. } => return None,
        Event::ApplyStart { addr, deposed, action } => {
            let who = if deposed.is_empty() || *action != Action::Delete {
                addr.to_string()
            } else {
                format!("{addr} (deposed object {deposed})")
            };
            format!("{}: {}...", bold(color, &who), words(*action).0)
        }
        Event::ApplyProgress { addr, action, elapsed } => format!(
            "{}: Still {}... [{} elapsed]",
            bold(color, &addr.to_string()),
            words(*action).2,
            secs(*elapsed)
        ),
        Event::ApplyDone { addr, action, elapsed, id } => {
            let suffix = match id {
                Some(id) if *action != Action::Delete => format!(" [id={id}]"),
                _ => String::new(),
            };
            format!(
                "{}: {} complete after {}{suffix}",
                bold(color, &addr.to_string()),
                words(*action).1,
                secs(*elapsed)
            )
        }
        Event::ApplyFailed { addr, action, .. } => format!(
            "{}: {} failed",
            bold(color, &addr.to_string()),
            words(*action).1
        ),
        Event::ApplySkipped { addr, because, .. } => {
            format!("{}: Skipped, because {because}", bold(color, &addr.to_string()))
        }
        Event::Interrupted => "\nInterrupt received.\nPlease wait for Kiln to exit or data loss may occur.\nGracefully shutting down...\n".to_string(),
        Event::Output { addr, line } => format!("{}: {line}", bold(color, &addr.to_string())),
        Event::BuildLog { .. } => return None,
        Event::CleanupStart { owner, description } => format!(
            "{}: Removing {description}, left by an interrupted build...",
            bold(color, owner)
        ),
        Event::CleanupDone { owner, description, elapsed } => format!(
            "{}: Removed {description} after {}",
            bold(color, owner),
            secs(*elapsed)
        ),
        Event::CleanupFailed { owner, description, .. } => {
            format!("{}: Removing {description} failed", bold(color, owner))
        }
    })
}

impl EventSink for TerminalEvents {
    fn event(&self, e: Event) {
        if let Some(line) = message(&e, self.color) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
    }
}

pub fn action_name(a: Action) -> &'static str {
    match a {
        Action::NoOp => "noop",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Delete => "delete",
    }
}

/// One JSON line.
pub fn json_line(kind: &str, message: &str, level: &str, hook: serde_json::Value) -> String {
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut obj = serde_json::json!({
        "@level": level,
        "@message": message,
        "@module": "kiln.ui",
        "@timestamp": now,
        "type": kind,
    });
    if !hook.is_null() {
        obj["hook"] = hook;
    }
    obj.to_string()
}

impl EventSink for JsonEvents {
    fn event(&self, e: Event) {
        let msg = match &e {
            Event::RefreshDone {
                type_name, count, ..
            } => {
                format!(
                    "Refreshed {count} {type_name} object{}",
                    if *count == 1 { "" } else { "s" }
                )
            }
            _ => message(&e, false).unwrap_or_default(),
        };
        let (kind, level, hook) = match &e {
            Event::RefreshStart { type_name, count } => (
                "refresh_start",
                "info",
                serde_json::json!({"type": type_name, "count": count}),
            ),
            Event::RefreshDone {
                type_name,
                count,
                elapsed,
            } => (
                "refresh_complete",
                "info",
                serde_json::json!({"type": type_name, "count": count, "elapsed_seconds": elapsed.as_secs_f64()}),
            ),
            Event::ApplyStart {
                addr,
                deposed,
                action,
            } => (
                "apply_start",
                "info",
                serde_json::json!({"resource": {"addr": addr.to_string()}, "action": action_name(*action), "deposed": deposed}),
            ),
            Event::ApplyProgress {
                addr,
                action,
                elapsed,
            } => (
                "apply_progress",
                "info",
                serde_json::json!({"resource": {"addr": addr.to_string()}, "action": action_name(*action), "elapsed_seconds": elapsed.as_secs_f64()}),
            ),
            Event::ApplyDone {
                addr,
                action,
                elapsed,
                id,
            } => (
                "apply_complete",
                "info",
                serde_json::json!({"resource": {"addr": addr.to_string()}, "action": action_name(*action), "elapsed_seconds": elapsed.as_secs_f64(), "id_value": id}),
            ),
            Event::ApplyFailed {
                addr,
                action,
                elapsed,
                diagnostic,
            } => (
                "apply_errored",
                "error",
                serde_json::json!({"resource": {"addr": addr.to_string()}, "action": action_name(*action), "elapsed_seconds": elapsed.as_secs_f64(), "error": format!("{}: {}", diagnostic.summary, diagnostic.detail)}),
            ),
            Event::ApplySkipped {
                addr,
                action,
                because,
            } => (
                "apply_skipped",
                "warn",
                serde_json::json!({"resource": {"addr": addr.to_string()}, "action": action_name(*action), "because": because}),
            ),
            Event::Interrupted => ("interrupted", "warn", serde_json::Value::Null),
            Event::Output { addr, line } => (
                "build_output",
                "info",
                serde_json::json!({"resource": {"addr": addr.to_string()}, "line": line}),
            ),
            Event::BuildLog { addr, path } => (
                "build_log",
                "info",
                serde_json::json!({"resource": {"addr": addr.to_string()}, "path": path}),
            ),
            Event::CleanupStart { owner, description } => (
                "cleanup_start",
                "info",
                serde_json::json!({"owner": owner, "description": description}),
            ),
            Event::CleanupDone {
                owner,
                description,
                elapsed,
            } => (
                "cleanup_complete",
                "info",
                serde_json::json!({"owner": owner, "description": description, "elapsed_seconds": elapsed.as_secs_f64()}),
            ),
            Event::CleanupFailed {
                owner,
                description,
                diagnostic,
            } => (
                "cleanup_errored",
                "error",
                serde_json::json!({"owner": owner, "description": description, "error": format!("{}: {}", diagnostic.summary, diagnostic.detail)}),
            ),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", json_line(kind, msg.trim(), level, hook));
    }
}
