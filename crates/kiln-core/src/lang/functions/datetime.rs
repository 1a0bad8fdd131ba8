//! Time and identity: `timestamp`, `formatdate`, `timeadd` and `uuid`. These are the
//! functions whose results change between calls; callers must not cache them.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

use super::args::str_at;
use super::{FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn specs() -> Vec<FuncSpec> {
    let s = |name| Param::new(name, Type::String);
    vec![
        FuncSpec::new("timestamp", vec![], Type::String, timestamp),
        FuncSpec::new("uuid", vec![], Type::String, uuid),
        FuncSpec::new(
            "formatdate",
            vec![s("format"), s("time")],
            Type::String,
            formatdate,
        ),
        FuncSpec::new(
            "timeadd",
            vec![s("timestamp"), s("duration")],
            Type::String,
            timeadd,
        ),
    ]
}

/// RFC 3339 with whole seconds, as Terraform prints times.
fn rfc3339(t: OffsetDateTime) -> Result<String, FuncError> {
    t.replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| FuncError::new("the time cannot be represented in RFC 3339 format"))
}

fn parse_time(args: &[Value], i: usize) -> Result<OffsetDateTime, FuncError> {
    let text = str_at(args, i);
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| FuncError::arg(i, format!("not a valid RFC3339 timestamp: {e}")))
}

fn timestamp(_: &FuncCtx<'_>, _: Vec<Value>) -> FuncResult {
    rfc3339(OffsetDateTime::now_utc()).map(Value::string)
}

fn uuid(_: &FuncCtx<'_>, _: Vec<Value>) -> FuncResult {
    Ok(Value::string(uuid::Uuid::new_v4().to_string()))
}

/// Adds a Go-style duration ("1h30m", "-10s", "1.5h") to a timestamp.
fn timeadd(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let t = parse_time(&args, 0)?;
    let d = parse_duration(str_at(&args, 1))
        .ok_or_else(|| FuncError::arg(1, format!("invalid duration \"{}\"", str_at(&args, 1))))?;
    let sum = t
        .checked_add(d)
        .ok_or_else(|| FuncError::new("the resulting time is out of range"))?;
    rfc3339(sum).map(Value::string)
}

fn parse_duration(s: &str) -> Option<Duration> {
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest.get(..num_len)?.parse().ok()?;
        rest = rest.get(num_len..)?;
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match rest.get(..unit_len)? {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = rest.get(unit_len..)?;
        nanos += number * scale;
    }
    let nanos = if negative { -nanos } else { nanos };
    (nanos.abs() < i64::MAX as f64).then(|| Duration::nanoseconds(nanos as i64))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Formats a timestamp with Terraform's `formatdate` tokens (`YYYY`, `MMM`, `DD`, `EEE`,
/// `hh`, `mm`, `ss`, `aa`, `ZZZZ`, …); text in single quotes is literal.
fn formatdate(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let spec: Vec<char> = str_at(&args, 0).chars().collect();
    let t = parse_time(&args, 1)?;
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = spec.get(i) {
        if c == '\'' {
            let close = spec
                .iter()
                .skip(i + 1)
                .position(|&c| c == '\'')
                .ok_or_else(|| FuncError::arg(0, "unterminated literal '"))?;
            if close == 0 {
                out.push('\'');
            } else {
                out.extend(spec.get(i + 1..i + 1 + close).unwrap_or_default());
            }
            i += close + 2;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let run = spec.iter().skip(i).take_while(|&&x| x == c).count();
        out.push_str(&token(c, run, t).ok_or_else(|| {
            FuncError::arg(
                0,
                format!(
                    "invalid date format verb \"{}\": unrecognized",
                    c.to_string().repeat(run)
                ),
            )
        })?);
        i += run;
    }
    Ok(Value::string(out))
}

fn token(c: char, run: usize, t: OffsetDateTime) -> Option<String> {
    let month = t.month() as usize;
    let month_name = MONTHS
        .get(month.wrapping_sub(1))
        .copied()
        .unwrap_or_default();
    let weekday = t.weekday().to_string();
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    Some(match (c, run) {
        ('Y', 4) => format!("{:04}", t.year()),
        ('Y', 2) => format!("{:02}", t.year().rem_euclid(100)),
        ('M', 4) => month_name.to_string(),
        ('M', 3) => month_name.get(..3).unwrap_or_default().to_string(),
        ('M', 2) => format!("{month:02}"),
        ('M', 1) => month.to_string(),
        ('D', 2) => format!("{:02}", t.day()),
        ('D', 1) => t.day().to_string(),
        ('E', 4) => weekday,
        ('E', 3) => weekday.get(..3).unwrap_or_default().to_string(),
        ('h', 2) => format!("{:02}", t.hour()),
        ('h', 1) => t.hour().to_string(),
        ('H', 2) => format!("{hour12:02}"),
        ('H', 1) => hour12.to_string(),
        ('A', 2) => (if t.hour() < 12 { "AM" } else { "PM" }).to_string(),
        ('a', 2) => (if t.hour() < 12 { "am" } else { "pm" }).to_string(),
        ('m', 2) => format!("{:02}", t.minute()),
        ('m', 1) => t.minute().to_string(),
        ('s', 2) => format!("{:02}", t.second()),
        ('s', 1) => t.second().to_string(),
        ('Z', 5) => offset(t.offset(), ":"),
        ('Z', 4) => offset(t.offset(), ""),
        ('Z', 3) => {
            if t.offset() == UtcOffset::UTC {
                "UTC".into()
            } else {
                offset(t.offset(), "")
            }
        }
        ('Z', 1) => {
            if t.offset() == UtcOffset::UTC {
                "Z".into()
            } else {
                offset(t.offset(), ":")
            }
        }
        _ => return None,
    })
}

/// "+0100" / "+01:00" style offsets.
fn offset(o: UtcOffset, sep: &str) -> String {
    let (h, m, _) = o.as_hms();
    let sign = if o.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}{sep}{:02}", h.unsigned_abs(), m.unsigned_abs())
}
