//! `format` and `formatlist`: printf-style formatting with Terraform's verbs
//! (`%v %#v %t %d %b %o %x %X %e %E %f %g %G %s %q %%`), flags (`+ - # 0 space`),
//! width, precision and explicit argument indexes (`%[2]s`).

use super::args::str_at;
use super::{list_of, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::number::Number;
use crate::lang::types::{convert, Type};
use crate::lang::value::{Kind, Value};

pub fn specs() -> Vec<FuncSpec> {
    vec![
        FuncSpec::new(
            "format",
            vec![Param::new("format", Type::String)],
            Type::String,
            format,
        )
        .variadic(Param::new("args", Type::Any).nullable()),
        FuncSpec::new(
            "formatlist",
            vec![Param::new("format", Type::String)],
            list_of(Type::String),
            formatlist,
        )
        .variadic(Param::new("args", Type::Any).nullable()),
    ]
}

fn format(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let rest = args.get(1..).unwrap_or_default();
    format_with(str_at(&args, 0), rest).map(Value::string)
}

/// Formats once per element of the list arguments (which must all have the same length);
/// other arguments are repeated for every line.
fn formatlist(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let spec = str_at(&args, 0);
    let rest = args.get(1..).unwrap_or_default();
    let mut len: Option<(usize, usize)> = None;
    for (i, a) in rest.iter().enumerate() {
        if let Kind::List(v) | Kind::Tuple(v) | Kind::Set(v) = &a.kind {
            match len {
                Some((n, first)) if n != v.len() => {
                    return Err(FuncError::arg(
                        i + 1,
                        format!("argument {} has length {}, which is inconsistent with argument {} of length {n}", i + 1, v.len(), first + 1),
                    ))
                }
                Some(_) => {}
                None => len = Some((v.len(), i)),
            }
        }
    }
    let count = len.map_or(1, |(n, _)| n);
    let mut out = Vec::with_capacity(count);
    for row in 0..count {
        let row_args: Vec<Value> = rest
            .iter()
            .map(|a| match a.as_seq() {
                Some(items) => items.get(row).cloned().unwrap_or(Value::NULL),
                None => a.clone(),
            })
            .collect();
        out.push(Value::string(format_with(spec, &row_args)?));
    }
    Ok(Value::list(out))
}

/// Widths and precisions beyond this are refused rather than allocated.
const MAX_WIDTH: usize = 10_000;

/// One parsed `%…` directive.
#[derive(Default)]
struct Directive {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn format_with(spec: &str, args: &[Value]) -> Result<String, FuncError> {
    let mut out = String::new();
    let mut chars = spec.char_indices().peekable();
    let mut next_arg = 0usize;
    let mut max_used = 0usize;
    while let Some((pos, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut d = Directive::default();
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '+' => d.plus = true,
                '-' => d.minus = true,
                '#' => d.sharp = true,
                ' ' => d.space = true,
                '0' => d.zero = true,
                _ => break,
            }
            chars.next();
        }
        if let Some(&(_, '[')) = chars.peek() {
            chars.next();
            let mut n = String::new();
            for (_, c) in chars.by_ref() {
                if c == ']' {
                    break;
                }
                n.push(c);
            }
            let i: usize = n.parse().ok().filter(|i| *i > 0).ok_or_else(|| {
                FuncError::arg(0, format!("invalid argument index [{n}] at {pos}"))
            })?;
            next_arg = i - 1;
        }
        d.width = digits(&mut chars);
        if let Some(&(_, '.')) = chars.peek() {
            chars.next();
            d.precision = Some(digits(&mut chars).unwrap_or(0));
        }
        if d.width.max(d.precision).is_some_and(|n| n > MAX_WIDTH) {
            return Err(FuncError::arg(
                0,
                format!("width or precision at {pos} is larger than {MAX_WIDTH}"),
            ));
        }
        let Some((_, verb)) = chars.next() else {
            return Err(FuncError::arg(
                0,
                format!("unterminated format verb at {pos}"),
            ));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            return Err(FuncError::new(format!(
                "not enough arguments for \"%{verb}\" at {pos}: need index {} but have {} total",
                next_arg + 1,
                args.len()
            )));
        };
        let body = format_one(&d, verb, arg).map_err(|m| {
            FuncError::arg(
                next_arg + 1,
                format!("unsupported value for \"%{verb}\" at {pos}: {m}"),
            )
        })?;
        out.push_str(&pad(
            &d,
            body,
            matches!(arg.kind, Kind::Number(_)) && verb != 's' && verb != 'q',
        ));
        next_arg += 1;
        max_used = max_used.max(next_arg);
    }
    if max_used < args.len() {
        return Err(FuncError::new(format!(
            "too many arguments; only {max_used} used by format string"
        )));
    }
    Ok(out)
}

fn digits(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(&(_, c)) = chars.peek() {
        let Some(d) = c.to_digit(10) else { break };
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

/// Applies width: left-justified with `-`, zero-padded after the sign with `0` (numbers).
fn pad(d: &Directive, body: String, numeric: bool) -> String {
    let len = body.chars().count();
    let Some(width) = d.width.filter(|w| *w > len) else {
        return body;
    };
    let fill = width - len;
    if d.minus {
        format!("{body}{}", " ".repeat(fill))
    } else if d.zero && numeric {
        let sign_len = usize::from(body.starts_with(['+', '-', ' ']));
        let (sign, digits) = body.split_at(sign_len);
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn format_one(d: &Directive, verb: char, arg: &Value) -> Result<String, String> {
    if arg.is_null() {
        return match verb {
            'v' => Ok("null".into()),
            _ => Err("null value cannot be formatted".into()),
        };
    }
    match verb {
        'v' if d.sharp => Ok(arg.to_json().to_string()),
        'v' => match &arg.kind {
            Kind::Number(n) => Ok(signed(d, n.as_f64() < 0.0, n.to_string())),
            Kind::String(s) => Ok(s.clone()),
            Kind::Bool(b) => Ok(b.to_string()),
            _ => Ok(arg.to_json().to_string()),
        },
        't' => to(arg, &Type::Bool, "a bool").map(|v| v.as_bool().unwrap_or_default().to_string()),
        's' => {
            let s = text(arg)?;
            Ok(match d.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            })
        }
        'q' => Ok(serde_json::Value::String(text(arg)?).to_string()),
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let n = number(arg)?;
            let i = n
                .as_i64()
                .ok_or_else(|| format!("an integer is required, but have {n}"))?;
            let mag = i.unsigned_abs();
            let digits = match verb {
                'b' => format!("{mag:b}"),
                'o' if d.sharp => format!("0{mag:o}"),
                'o' => format!("{mag:o}"),
                'x' if d.sharp => format!("0x{mag:x}"),
                'x' => format!("{mag:x}"),
                'X' if d.sharp => format!("0X{mag:X}"),
                'X' => format!("{mag:X}"),
                _ => mag.to_string(),
            };
            Ok(signed(d, i < 0, digits))
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let x = number(arg)?.as_f64();
            let body = match verb {
                'e' | 'E' => sci(x.abs(), d.precision.unwrap_or(6)),
                'f' | 'F' => format!("{:.*}", d.precision.unwrap_or(6), x.abs()),
                _ => general(x.abs(), d.precision, d.sharp),
            };
            let body = if verb.is_ascii_uppercase() {
                body.to_uppercase()
            } else {
                body
            };
            Ok(signed(d, x.is_sign_negative() && x != 0.0, body))
        }
        other => Err(format!("unrecognized format verb '{other}'")),
    }
}

fn to(arg: &Value, ty: &Type, what: &str) -> Result<Value, String> {
    convert(arg, ty).map_err(|_| format!("{what} is required, but have {}", arg.type_name()))
}

fn text(arg: &Value) -> Result<String, String> {
    to(arg, &Type::String, "a string").map(|v| v.as_str().unwrap_or_default().to_string())
}

fn number(arg: &Value) -> Result<Number, String> {
    to(arg, &Type::Number, "a number")?
        .as_number()
        .ok_or_else(|| "number required".to_string())
}

/// Adds the sign: `-` for negatives, `+` or a space for others when asked.
fn signed(d: &Directive, negative: bool, magnitude: String) -> String {
    let magnitude = magnitude
        .strip_prefix('-')
        .map(str::to_string)
        .unwrap_or(magnitude);
    if negative {
        format!("-{magnitude}")
    } else if d.plus {
        format!("+{magnitude}")
    } else if d.space {
        format!(" {magnitude}")
    } else {
        magnitude
    }
}

/// Scientific notation the way Go prints it: `1.500000e+06` (a signed, two-digit exponent).
fn sci(x: f64, precision: usize) -> String {
    let s = format!("{x:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
}

/// `%g`: the shortest of `%e` and `%f`, as Go chooses: exponent form when the exponent is
/// below -4 or at least the precision (6 for the shortest representation).
fn general(x: f64, precision: Option<usize>, sharp: bool) -> String {
    let digits = precision.map(|p| p.max(1));
    let shortest = match digits {
        Some(p) => format!("{x:.*e}", p - 1),
        None => format!("{x:e}"),
    };
    let (mantissa, exp) = shortest.split_once('e').unwrap_or((&shortest, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let limit = digits.map_or(6, |p| p as i32);
    let trim = |s: String| {
        if sharp || !s.contains('.') {
            s
        } else {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    if exp < -4 || exp >= limit {
        let sign = if exp < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            trim(mantissa.to_string()),
            exp.unsigned_abs()
        )
    } else {
        let decimals = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i32 - exp;
        trim(format!("{x:.*}", decimals.max(0) as usize))
    }
}
