//! The one way a build's durations are written: Packer's and Go's `"90s"`, `"5m"`,
//! `"1h30m"`, `"250ms"`. Used by `pause_before`, `timeout` and the communicator's
//! `timeout` and `keep_alive_interval`.

use std::time::Duration;

/// Parses `"90s"`, `"5m"`, `"1h30m"`, `"1.5s"` or `"250ms"`. A bare number has no unit and
/// is refused, as Go's `time.ParseDuration` refuses it: `"30"` could mean anything.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.trim().chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        total += Duration::try_from_secs_f64(n * unit).ok()?;
        any = true;
    }
    if !num.is_empty() {
        return None;
    }
    any.then_some(total)
}

/// The duration attribute `name` of a block, read with [`parse_duration`]; the error says
/// which attribute and what a valid value looks like.
pub fn duration_attr(
    block: &kiln_core::lang::Value,
    name: &str,
) -> Result<Option<Duration>, String> {
    let Some(s) = kiln_builtin::object::str_attr(block, name) else {
        return Ok(None);
    };
    parse_duration(s).map(Some).ok_or_else(|| {
        format!("{name} = \"{s}\" is not a duration like \"30s\", \"5m\" or \"1h30m\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_sums() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration(" 2m10s "), Some(Duration::from_secs(130)));
    }

    #[test]
    fn malformed_is_refused() {
        for bad in ["", "30", "5x", "s", "m5", "1..2s", "1e400h"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
    }
}
