//! Reading the plain values this provider's configurations hold: string lists and
//! positive whole numbers with defaults.

use kiln_builtin::object::attr;
use kiln_core::lang::Value;

/// The known strings of a list value; empty when absent or null.
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A number attribute of at least 1 (MiB, CPUs), or `default`.
pub fn count(config: &Value, name: &str, default: u64) -> u64 {
    attr(config, name)
        .and_then(Value::as_number)
        .map(|n| n.as_f64())
        .filter(|n| *n >= 1.0)
        .map(|n| n as u64)
        .unwrap_or(default)
}
