//! Small helpers for the whole-object values that cross the provider trait: reading one
//! attribute, replacing one, and running blocking work (files, processes) off the async
//! workers.
//!
//! Objects may arrive as `Object` (from configuration) or `Map` (decoded from state), so
//! every reader here accepts both.

use std::time::Duration;

use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::lang::{Kind, Value};

/// The attribute `name` of an object; `None` when absent or when `obj` is no object.
pub fn attr<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    obj.as_map()?.get(name)
}

/// A known, non-null string attribute.
pub fn str_attr<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    attr(obj, name)?.as_str()
}

/// Whether the attribute is present and unknown ("known after apply").
pub fn is_unknown(obj: &Value, name: &str) -> bool {
    attr(obj, name).is_some_and(|v| !v.is_known())
}

/// Whether the attribute is absent or null.
pub fn is_null(obj: &Value, name: &str) -> bool {
    attr(obj, name).is_none_or(Value::is_null)
}

/// `obj` with attribute `name` set to `value`; the object's own marks are kept.
pub fn set_attr(mut obj: Value, name: &str, value: Value) -> Value {
    match &mut obj.kind {
        Kind::Object(m) | Kind::Map(m) => {
            m.insert(name.to_string(), value);
        }
        _ => {
            obj = Value::object_from([(name, value)]).with_sensitive(obj.sensitive);
        }
    }
    obj
}

/// Whether two attribute values are equal, counting two nulls (or two absences) as equal
/// and ignoring sensitive marks.
pub fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    let null = Value::null();
    let (a, b) = (a.unwrap_or(&null), b.unwrap_or(&null));
    a.is_wholly_known() && b.is_wholly_known() && a.raw_equals(b)
}

/// A `delay_ms`-style number attribute as a duration; negative or unset is zero.
pub fn millis(obj: &Value, name: &str) -> Duration {
    let ms = attr(obj, name)
        .and_then(Value::as_number)
        .map(|n| n.as_f64())
        .filter(|ms| ms.is_finite() && *ms > 0.0)
        .unwrap_or(0.0);
    Duration::from_secs_f64(ms / 1000.0)
}

/// The diagnostic for a value the engine should never have sent.
pub fn engine_bug(summary: &str, detail: String) -> Diagnostics {
    Diagnostic::error(
        summary,
        format!("{detail} This is a bug in Kiln, not in the configuration; please report it."),
    )
    .into()
}

/// Runs blocking work (file system, processes) on tokio's blocking pool when called inside
/// a runtime, inline otherwise. A panic in `work` is propagated.
pub async fn blocking<T, F>(work: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => match handle.spawn_blocking(work).await {
            Ok(v) => v,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only possible while the runtime shuts down, when nobody awaits the result.
            Err(e) => panic!("blocking provider work was cancelled: {e}"),
        },
        Err(_) => work(),
    }
}
