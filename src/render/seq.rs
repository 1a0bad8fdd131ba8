//! Lining up the elements of two sequences before diffing them: lists by their longest
//! common subsequence (an element inserted in the middle reads as one `+`, not as every
//! later element changing), sets by equality.

use kiln_core::lang::{Kind, Value};
use kiln_core::provider::{AttrPath, PathStep};
use similar::{Algorithm, DiffTag};

use super::diff::value;
use super::tree::{Diff, DiffCx};

/// A comparison key for an element: equal keys, equal elements (marks included). Used
/// only to compare, never shown.
fn key(v: &Value) -> String {
    format!("{v:?}")
}

/// Whether a removed and an added element should be shown as one element changing
/// rather than one going and one coming: objects, whose attributes then diff one by one.
fn pairable(b: &Value, a: &Value) -> bool {
    let object = |v: &Value| !v.sensitive && matches!(v.kind, Kind::Map(_) | Kind::Object(_));
    object(b) && object(a)
}

/// The elements of a list or tuple attribute, in order.
pub(super) fn diff_list(
    before: &[Value],
    after: &[Value],
    path: &mut AttrPath,
    cx: &DiffCx,
) -> Vec<Diff> {
    let (bk, ak): (Vec<String>, Vec<String>) = (
        before.iter().map(key).collect(),
        after.iter().map(key).collect(),
    );
    let mut out = Vec::new();
    let mut element = |i: Option<usize>, j: Option<usize>, out: &mut Vec<Diff>| {
        path.push(PathStep::Index(j.or(i).unwrap_or(0)));
        out.push(value(
            i.map(|i| &before[i]),
            j.map(|j| &after[j]),
            false,
            path,
            cx,
        ));
        path.pop();
    };
    for op in similar::capture_diff_slices(Algorithm::Myers, &bk, &ak) {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => old
                .zip(new)
                .for_each(|(i, j)| element(Some(i), Some(j), &mut out)),
            DiffTag::Delete => old.for_each(|i| element(Some(i), None, &mut out)),
            DiffTag::Insert => new.for_each(|j| element(None, Some(j), &mut out)),
            DiffTag::Replace => {
                let mut j = new.start;
                for i in old {
                    if j < new.end && pairable(&before[i], &after[j]) {
                        element(Some(i), Some(j), &mut out);
                        j += 1;
                    } else {
                        element(Some(i), None, &mut out);
                    }
                }
                (j..new.end).for_each(|j| element(None, Some(j), &mut out));
            }
        }
    }
    out
}

/// The elements of a set: those on both sides unchanged, the rest removed or added.
/// `each` diffs one pair (plain values, or nested blocks against their schema).
pub(super) fn diff_set(
    before: &[Value],
    after: &[Value],
    path: &mut AttrPath,
    mut each: impl FnMut(Option<&Value>, Option<&Value>, &mut AttrPath) -> Diff,
) -> Vec<Diff> {
    let ak: Vec<String> = after.iter().map(key).collect();
    let mut matched = vec![false; after.len()];
    let mut out = Vec::new();
    for (i, b) in before.iter().enumerate() {
        let k = key(b);
        let found = (0..after.len()).find(|&j| !matched[j] && ak[j] == k);
        if let Some(j) = found {
            matched[j] = true;
        }
        path.push(PathStep::Index(found.unwrap_or(i)));
        out.push(each(Some(b), found.map(|j| &after[j]), path));
        path.pop();
    }
    for (j, a) in after.iter().enumerate().filter(|(j, _)| !matched[*j]) {
        path.push(PathStep::Index(j));
        out.push(each(None, Some(a), path));
        path.pop();
    }
    out
}
