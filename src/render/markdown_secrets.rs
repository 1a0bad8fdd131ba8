//! A guard for the one kind of text in a plan comment the differ does not vet: the
//! provider's causes (a changed file's summary and unified diff). A rendered file can
//! hold a value that is sensitive elsewhere in the plan (a template filled with a
//! password); a comment on a pull request is read far more widely than a terminal, so
//! any cause line that contains a sensitive value of the plan is hidden.

use std::borrow::Cow;

use kiln_core::addr::Mode;
use kiln_core::lang::{Kind, Value};
use kiln_core::plan::{Plan, ResourceChange};
use kiln_core::provider::Cause;
use kiln_core::schema::{Schema, Schemas};

/// Shorter sensitive strings are not looked for: a secret of a few characters ("2",
/// "true") would hide lines that merely contain the same characters.
const MIN_SECRET_CHARS: usize = 6;

/// What replaces a hidden line.
const HIDDEN_LINE: &str = "(line hidden: it contains a sensitive value)";

/// The sensitive strings of a plan: marked values, attributes the schema marks
/// sensitive, sensitive outputs; for a multi-line value each of its lines too.
#[derive(Debug, Default)]
pub(super) struct Secrets {
    texts: Vec<String>,
}

impl Secrets {
    pub(super) fn of(plan: &Plan, schemas: &Schemas) -> Secrets {
        let mut texts = Vec::new();
        for c in plan.changes.iter().chain(&plan.drift) {
            let schema = body_schema(c, schemas);
            for v in [&c.before, &c.after].into_iter().flatten() {
                collect(v, schema, false, &mut texts);
            }
        }
        for o in &plan.outputs {
            for v in [&o.before, &o.after].into_iter().flatten() {
                collect(v, None, o.sensitive, &mut texts);
            }
        }
        texts.sort();
        texts.dedup();
        Secrets { texts }
    }

    /// `text` with every line that contains a secret replaced by a note.
    pub(super) fn hide<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.reveals(text) {
            return Cow::Borrowed(text);
        }
        let lines: Vec<&str> = text
            .lines()
            .map(|l| if self.reveals(l) { HIDDEN_LINE } else { l })
            .collect();
        let mut out = lines.join("\n");
        if text.ends_with('\n') {
            out.push('\n');
        }
        Cow::Owned(out)
    }

    fn reveals(&self, text: &str) -> bool {
        self.texts.iter().any(|s| text.contains(s.as_str()))
    }

    /// The change with its causes' secrets hidden; borrowed when there was nothing to hide.
    pub(super) fn in_causes<'a>(&self, c: &'a ResourceChange) -> Cow<'a, ResourceChange> {
        let leaks = c.causes.iter().any(|k| {
            self.reveals(&k.summary) || k.diff.as_deref().is_some_and(|d| self.reveals(d))
        });
        if !leaks {
            return Cow::Borrowed(c);
        }
        let mut hidden = c.clone();
        hidden.causes = c
            .causes
            .iter()
            .map(|k| Cause {
                summary: self.hide(&k.summary).into_owned(),
                diff: k.diff.as_deref().map(|d| self.hide(d).into_owned()),
            })
            .collect();
        Cow::Owned(hidden)
    }
}

fn body_schema<'a>(c: &ResourceChange, schemas: &'a Schemas) -> Option<&'a Schema> {
    let r = &c.addr.resource;
    let schema = match r.mode {
        Mode::Managed => schemas.resource(&r.type_name),
        Mode::Data => schemas.data_source(&r.type_name),
    };
    schema.map(|s| &s.body)
}

/// Walks `v` the way the differ does: an object with a schema takes each attribute's
/// sensitivity and each nested block's body from it; elements of a sequence share the
/// schema of their block.
fn collect(v: &Value, schema: Option<&Schema>, sensitive: bool, out: &mut Vec<String>) {
    let sensitive = sensitive || v.sensitive;
    match &v.kind {
        Kind::String(s) if sensitive => push_secret(s, out),
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            for item in items {
                collect(item, schema, sensitive, out);
            }
        }
        Kind::Map(m) | Kind::Object(m) => {
            for (k, x) in m {
                let (inner, hidden) = match schema {
                    Some(s) => match (s.attributes.get(k), s.blocks.get(k)) {
                        (Some(a), _) => (None, a.sensitive),
                        (None, Some(b)) => (Some(&b.body), false),
                        (None, None) => (None, false),
                    },
                    None => (None, false),
                };
                collect(x, inner, sensitive || hidden, out);
            }
        }
        _ => {}
    }
}

fn push_secret(s: &str, out: &mut Vec<String>) {
    let long_enough = |t: &str| t.chars().count() >= MIN_SECRET_CHARS;
    let whole = s.trim();
    if long_enough(whole) {
        out.push(whole.to_string());
    }
    if whole.contains('\n') {
        for line in whole.lines().map(str::trim).filter(|l| long_enough(l)) {
            out.push(line.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn every_secret_of_the_sensitive_plan_is_known() {
        let secrets = Secrets::of(&fixtures::sensitive_plan(), &fixtures::schemas());
        // Marked values, a schema-sensitive attribute, a line of a multi-line value,
        // a sensitive output and a marked part of an output.
        for s in [
            "tag-secret-1",
            "hunter2",
            "correct-horse",
            "export A=SECRET-LINE-2",
            "token-xyz-old",
            "token-xyz-3",
        ] {
            assert!(secrets.reveals(&format!("x {s} y")), "{s} not collected");
        }
        assert!(!secrets.reveals("prod"), "a plain value counted as secret");
        let hidden = secrets.hide("keep\nexport A=SECRET-LINE-2 here\nkeep too\n");
        assert_eq!(hidden, format!("keep\n{HIDDEN_LINE}\nkeep too\n"));
    }
}
