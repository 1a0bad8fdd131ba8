//! String functions: case, trimming, searching, splitting and joining, regular expressions.
//! `format` and `formatlist` live in [`super::format`].

use regex::Regex;

use super::args::{int_at, seq_at, str_at, string_list};
use super::{list_of, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn specs() -> Vec<FuncSpec> {
    let s = |name| Param::new(name, Type::String);
    let str1 = |name, f| FuncSpec::new(name, vec![s("str")], Type::String, f);
    let str2 = |name, second, ret, f| FuncSpec::new(name, vec![s("str"), s(second)], ret, f);
    vec![
        str1("upper", upper),
        str1("lower", lower),
        str1("title", title),
        str1("trimspace", trimspace),
        str1("strrev", strrev),
        str1("chomp", chomp),
        str2("trim", "cutset", Type::String, trim),
        str2("trimprefix", "prefix", Type::String, trimprefix),
        str2("trimsuffix", "suffix", Type::String, trimsuffix),
        str2("startswith", "prefix", Type::Bool, startswith),
        str2("endswith", "suffix", Type::Bool, endswith),
        str2("strcontains", "substr", Type::Bool, strcontains),
        FuncSpec::new(
            "replace",
            vec![s("str"), s("substr"), s("replace")],
            Type::String,
            replace,
        ),
        FuncSpec::new(
            "substr",
            vec![
                s("str"),
                Param::new("offset", Type::Number),
                Param::new("length", Type::Number),
            ],
            Type::String,
            substr,
        ),
        FuncSpec::new(
            "indent",
            vec![Param::new("spaces", Type::Number), s("str")],
            Type::String,
            indent,
        ),
        FuncSpec::new(
            "split",
            vec![s("separator"), s("str")],
            list_of(Type::String),
            split,
        ),
        FuncSpec::new("join", vec![s("separator")], Type::String, join)
            .variadic(Param::new("lists", list_of(Type::String))),
        FuncSpec::new("regex", vec![s("pattern"), s("string")], Type::Any, regex),
        FuncSpec::new(
            "regexall",
            vec![s("pattern"), s("string")],
            list_of(Type::Any),
            regexall,
        ),
    ]
}

fn upper(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(str_at(&args, 0).to_uppercase()))
}

fn lower(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(str_at(&args, 0).to_lowercase()))
}

/// Upper-cases the first letter of each word; like Terraform, a word starts after any
/// character that is not a letter, digit or underscore.
fn title(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let mut out = String::new();
    let mut at_start = true;
    for c in str_at(&args, 0).chars() {
        if at_start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_start = !(c.is_alphanumeric() || c == '_');
    }
    Ok(Value::string(out))
}

fn trimspace(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(str_at(&args, 0).trim()))
}

fn strrev(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(
        str_at(&args, 0).chars().rev().collect::<String>(),
    ))
}

fn chomp(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(
        str_at(&args, 0).trim_end_matches(['\r', '\n']),
    ))
}

fn trim(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let cutset: Vec<char> = str_at(&args, 1).chars().collect();
    Ok(Value::string(
        str_at(&args, 0).trim_matches(cutset.as_slice()),
    ))
}

fn trimprefix(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let (s, p) = (str_at(&args, 0), str_at(&args, 1));
    Ok(Value::string(s.strip_prefix(p).unwrap_or(s)))
}

fn trimsuffix(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let (s, p) = (str_at(&args, 0), str_at(&args, 1));
    Ok(Value::string(s.strip_suffix(p).unwrap_or(s)))
}

fn startswith(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::bool(str_at(&args, 0).starts_with(str_at(&args, 1))))
}

fn endswith(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::bool(str_at(&args, 0).ends_with(str_at(&args, 1))))
}

fn strcontains(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::bool(str_at(&args, 0).contains(str_at(&args, 1))))
}

/// Literal replacement, or a regular expression when `substr` is wrapped in slashes
/// (then `$1` / `${name}` in the replacement refer to capture groups).
fn replace(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let (s, sub, rep) = (str_at(&args, 0), str_at(&args, 1), str_at(&args, 2));
    if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
        let re = compile(&sub[1..sub.len() - 1], 1)?;
        return Ok(Value::string(re.replace_all(s, rep)));
    }
    if sub.is_empty() {
        // Matches Go's strings.Replace: an empty needle matches between every character.
        let mut out = String::from(rep);
        for c in s.chars() {
            out.push(c);
            out.push_str(rep);
        }
        return Ok(Value::string(out));
    }
    Ok(Value::string(s.replace(sub, rep)))
}

/// Characters from `offset` (negative counts from the end) for `length` characters
/// (-1: to the end). Out-of-range bounds are clamped, as in Terraform.
fn substr(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let chars: Vec<char> = str_at(&args, 0).chars().collect();
    let (offset, length) = (int_at(&args, 1)?, int_at(&args, 2)?);
    let len = chars.len() as i64;
    let start = if offset < 0 {
        (len + offset).max(0)
    } else {
        offset.min(len)
    };
    let end = if length < 0 {
        len
    } else {
        start.saturating_add(length).min(len)
    };
    if length < -1 {
        return Err(FuncError::arg(
            2,
            "length must be non-negative, or -1 for the rest of the string",
        ));
    }
    let out: String = chars
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .iter()
        .collect();
    Ok(Value::string(out))
}

/// Prefixes every line but the first with `spaces` spaces.
fn indent(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let n = int_at(&args, 0)?;
    let n = usize::try_from(n)
        .map_err(|_| FuncError::arg(0, "the number of spaces must not be negative"))?;
    // Refuse sizes no configuration needs rather than allocate them.
    if n > 1024 {
        return Err(FuncError::arg(
            0,
            "the number of spaces must be at most 1024",
        ));
    }
    let pad = format!("\n{}", " ".repeat(n));
    Ok(Value::string(str_at(&args, 1).replace('\n', &pad)))
}

fn split(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let (sep, s) = (str_at(&args, 0), str_at(&args, 1));
    if sep.is_empty() {
        return Ok(string_list(s.chars().map(String::from)));
    }
    Ok(string_list(s.split(sep).map(String::from)))
}

fn join(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    if args.len() < 2 {
        return Err(FuncError::new("at least one list is required"));
    }
    let sep = str_at(&args, 0);
    let mut parts = Vec::new();
    for i in 1..args.len() {
        for (j, v) in seq_at(&args, i).iter().enumerate() {
            match v.as_str() {
                Some(s) => parts.push(s),
                None => {
                    return Err(FuncError::arg(
                        i,
                        format!("element {j} is null; cannot concatenate null values"),
                    ))
                }
            }
        }
    }
    Ok(Value::string(parts.join(sep)))
}

fn compile(pattern: &str, arg: usize) -> Result<Regex, FuncError> {
    Regex::new(pattern).map_err(|e| FuncError::arg(arg, format!("invalid regexp pattern: {e}")))
}

/// How a pattern's captures are returned: the whole match, a tuple of unnamed groups, or
/// an object of named groups (mixing the two is an error, as in Terraform).
enum Shape {
    Whole,
    Tuple,
    Object(Vec<String>),
}

fn shape(re: &Regex) -> Result<Shape, FuncError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named: Vec<String> = names.iter().flatten().map(|s| s.to_string()).collect();
    match (names.len(), named.len()) {
        (0, _) => Ok(Shape::Whole),
        (_, 0) => Ok(Shape::Tuple),
        (a, b) if a == b => Ok(Shape::Object(named)),
        _ => Err(FuncError::arg(
            0,
            "invalid regexp pattern: cannot mix both named and unnamed capture groups",
        )),
    }
}

fn captures_value(caps: &regex::Captures<'_>, shape: &Shape) -> Value {
    let group =
        |m: Option<regex::Match<'_>>| m.map(|m| Value::string(m.as_str())).unwrap_or(Value::NULL);
    match shape {
        Shape::Whole => group(caps.get(0)),
        Shape::Tuple => Value::tuple(caps.iter().skip(1).map(group).collect()),
        Shape::Object(names) => {
            Value::object_from(names.iter().map(|n| (n.clone(), group(caps.name(n)))))
        }
    }
}

fn regex(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let re = compile(str_at(&args, 0), 0)?;
    let shape = shape(&re)?;
    match re.captures(str_at(&args, 1)) {
        Some(caps) => Ok(captures_value(&caps, &shape)),
        None => Err(FuncError::new(
            "pattern did not match any part of the given string",
        )),
    }
}

fn regexall(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let re = compile(str_at(&args, 0), 0)?;
    let shape = shape(&re)?;
    let all = re
        .captures_iter(str_at(&args, 1))
        .map(|c| captures_value(&c, &shape))
        .collect();
    Ok(Value::list(all))
}
