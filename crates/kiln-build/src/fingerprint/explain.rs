//! Why a fingerprint changed, in words a plan shows under the replacement: which
//! attribute, which file (with a diff when both texts are known), what in a directory.

use std::collections::BTreeMap;

use kiln_core::provider::Cause;

use super::record::{FileFacts, Input, Record, RECORD_VERSION};
use super::text_diff::unified;

/// At most this many names follow a directory's summary.
const MAX_NAMES: usize = 5;

/// The causes that turn `prior`'s inputs into `new`'s: the source image first, then
/// attributes, then files, each in label order. Without a previous record (state written
/// before records existed, or unreadable) there is one cause saying so. Identical
/// fingerprints give no cause.
pub fn explain(prior: Option<&Record>, new: &Record) -> Vec<Cause> {
    let Some(prior) = prior else {
        return vec![Cause::new(
            "fingerprint changed (no record of the previous inputs)",
        )];
    };
    if prior.fingerprint == new.fingerprint {
        return Vec::new();
    }
    if prior.version != RECORD_VERSION {
        return vec![Cause::new(
            "fingerprint changed (the previous inputs were recorded by another version of Kiln)",
        )];
    }
    let mut causes = changes(prior, new, true);
    if causes.is_empty() {
        causes.push(Cause::new("fingerprint changed"));
    }
    causes
}

/// The inputs that differ between two records of the same version, the source image
/// first. `removed`: whether inputs missing from `new` count (they do not when `new`
/// holds only the inputs known so far).
pub(crate) fn changes(prior: &Record, new: &Record, removed: bool) -> Vec<Cause> {
    let old: BTreeMap<(bool, &str), &Input> =
        prior.inputs.iter().map(|i| (i.sort_key(), i)).collect();
    let now: BTreeMap<(bool, &str), &Input> =
        new.inputs.iter().map(|i| (i.sort_key(), i)).collect();
    let mut keys: Vec<&(bool, &str)> = old.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut source = Vec::new();
    let mut rest = Vec::new();
    for key in keys {
        let (a, b) = (old.get(key).copied(), now.get(key).copied());
        if a.map(Input::digest) == b.map(Input::digest) || (b.is_none() && !removed) {
            continue;
        }
        match cause(a, b) {
            Some((true, c)) => source.push(c),
            Some((false, c)) => rest.push(c),
            None => {}
        }
    }
    source.append(&mut rest);
    source
}

/// One changed input; `true` when it is about the source image.
fn cause(old: Option<&Input>, new: Option<&Input>) -> Option<(bool, Cause)> {
    let either = new.or(old)?;
    if let Input::Attribute { label, .. } = either {
        return Some(attribute(label, old, new));
    }
    let label = either.label();
    Some((
        false,
        match (old, new) {
            (None, Some(Input::Directory { .. })) => {
                Cause::new(format!("directory {} added", dir_name(label)))
            }
            (None, _) => Cause::new(format!("file {label} added")),
            (Some(Input::Directory { .. }), None) => {
                Cause::new(format!("directory {} removed", dir_name(label)))
            }
            (_, None) => Cause::new(format!("file {label} removed")),
            (Some(Input::File { file: a, .. }), Some(Input::File { file: b, .. })) => {
                file_changed(label, a, b)
            }
            (Some(Input::Directory { files: a, .. }), Some(Input::Directory { files: b, .. })) => {
                directory_changed(label, a, b)
            }
            (Some(Input::File { .. }), Some(_)) => {
                Cause::new(format!("file {label} replaced by a directory"))
            }
            (Some(_), Some(_)) => {
                Cause::new(format!("directory {} replaced by a file", dir_name(label)))
            }
        },
    ))
}

fn attribute(label: &str, old: Option<&Input>, new: Option<&Input>) -> (bool, Cause) {
    let facts = |i: Option<&Input>| match i {
        Some(Input::Attribute {
            sensitive, value, ..
        }) => (*sensitive, value.clone()),
        _ => (false, None),
    };
    let ((s1, v1), (s2, v2)) = (facts(old), facts(new));
    if s1 || s2 {
        return (
            false,
            Cause::new(format!("attribute {label} changed (sensitive value)")),
        );
    }
    match (v1, v2) {
        (Some(a), Some(b)) => (
            true,
            Cause::new(format!("source image changed from {a} to {b}")),
        ),
        _ => (false, Cause::new(format!("attribute {label} changed"))),
    }
}

fn file_changed(label: &str, a: &FileFacts, b: &FileFacts) -> Cause {
    let mode = (a.mode != b.mode).then(|| format!("{:04o} to {:04o}", a.mode, b.mode));
    if a.digest == b.digest {
        let mode = mode.unwrap_or_default();
        return Cause::new(format!("file {label} mode changed from {mode}"));
    }
    let summary = match mode {
        Some(m) => format!("file {label} modified (mode changed from {m})"),
        None => format!("file {label} modified"),
    };
    let diff = match (&a.text, &b.text) {
        (Some(x), Some(y)) => Some(unified(x, y)),
        _ => None,
    };
    Cause { summary, diff }
}

/// "directory files/: 2 files modified, 1 added: a.txt, b.txt, c.txt".
fn directory_changed(
    label: &str,
    a: &BTreeMap<String, FileFacts>,
    b: &BTreeMap<String, FileFacts>,
) -> Cause {
    let (mut modified, mut added, mut removed, mut mode) = (0, 0, 0, 0);
    let mut names = Vec::new();
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        match (a.get(path), b.get(path)) {
            (Some(x), Some(y)) if x.digest != y.digest => modified += 1,
            (Some(x), Some(y)) if x.mode != y.mode => mode += 1,
            (Some(_), Some(_)) => continue,
            (None, _) => added += 1,
            (_, None) => removed += 1,
        }
        names.push(path.as_str());
    }
    let counts: Vec<String> = [
        (modified, "modified"),
        (added, "added"),
        (removed, "removed"),
        (mode, "with a new mode"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .enumerate()
    .map(|(i, (n, what))| match (i, n) {
        (0, 1) => format!("1 file {what}"),
        (0, n) => format!("{n} files {what}"),
        (_, n) => format!("{n} {what}"),
    })
    .collect();
    if names.is_empty() {
        return Cause::new(format!("directory {} changed", dir_name(label)));
    }
    let mut shown = names[..names.len().min(MAX_NAMES)].join(", ");
    if names.len() > MAX_NAMES {
        shown.push_str(&format!(" and {} more", names.len() - MAX_NAMES));
    }
    Cause::new(format!(
        "directory {}: {}: {shown}",
        dir_name(label),
        counts.join(", ")
    ))
}

/// A directory as users recognize one: with its trailing slash.
fn dir_name(label: &str) -> String {
    if label.ends_with('/') {
        label.to_string()
    } else {
        format!("{label}/")
    }
}
