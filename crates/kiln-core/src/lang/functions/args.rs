//! Small accessors shared by function bodies: arguments arrive already converted to their
//! parameter types, so these only unpack them, never panicking on a surprise.

use super::FuncError;
use crate::lang::number::Number;
use crate::lang::value::Value;

/// The string argument at `i` ("" if absent or not a string; `invoke` converted it).
pub fn str_at(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or_default()
}

/// The number argument at `i`.
pub fn num_at(args: &[Value], i: usize) -> Result<Number, FuncError> {
    args.get(i)
        .and_then(Value::as_number)
        .ok_or_else(|| FuncError::arg(i, "a number is required"))
}

/// The number argument at `i`, which must be a whole number.
pub fn int_at(args: &[Value], i: usize) -> Result<i64, FuncError> {
    let n = num_at(args, i)?;
    n.as_i64()
        .ok_or_else(|| FuncError::arg(i, format!("a whole number is required, but have {n}")))
}

/// The elements of the sequence argument at `i` (empty if it is not one).
pub fn seq_at(args: &[Value], i: usize) -> &[Value] {
    args.get(i).and_then(Value::as_seq).unwrap_or_default()
}

/// The argument at `i`, or null.
pub fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::NULL)
}

/// Lowercase hexadecimal, as the hash functions print digests.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A list of strings (the common result of string-splitting functions).
pub fn string_list(items: impl IntoIterator<Item = String>) -> Value {
    Value::list(items.into_iter().map(Value::string).collect())
}
