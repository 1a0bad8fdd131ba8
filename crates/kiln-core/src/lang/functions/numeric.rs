//! Numeric functions: rounding, sign, extremes, powers, logarithms, parsing integers in
//! other bases, and `sum`.

use super::args::{int_at, num_at, seq_at, str_at};
use super::{list_of, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::number::Number;
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn specs() -> Vec<FuncSpec> {
    let n = |name| Param::new(name, Type::Number);
    let num1 = |name, f| FuncSpec::new(name, vec![n("num")], Type::Number, f);
    vec![
        num1("abs", abs),
        num1("ceil", ceil),
        num1("floor", floor),
        num1("signum", signum),
        FuncSpec::new("max", vec![], Type::Number, max).variadic(n("numbers")),
        FuncSpec::new("min", vec![], Type::Number, min).variadic(n("numbers")),
        FuncSpec::new("pow", vec![n("num"), n("power")], Type::Number, pow),
        FuncSpec::new("log", vec![n("num"), n("base")], Type::Number, log),
        FuncSpec::new(
            "parseint",
            vec![Param::new("number", Type::String), n("base")],
            Type::Number,
            parseint,
        ),
        FuncSpec::new(
            "sum",
            vec![Param::new("list", list_of(Type::Number))],
            Type::Number,
            sum,
        ),
    ]
}

fn abs(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let n = num_at(&args, 0)?;
    Ok(Value::number(if n.as_f64() < 0.0 { n.negate() } else { n }))
}

fn ceil(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(match num_at(&args, 0)? {
        n @ Number::Int(_) => Value::number(n),
        Number::Float(f) => Value::float(f.ceil()),
    })
}

fn floor(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(match num_at(&args, 0)? {
        n @ Number::Int(_) => Value::number(n),
        Number::Float(f) => Value::float(f.floor()),
    })
}

fn signum(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let n = num_at(&args, 0)?;
    Ok(Value::int(match n.cmp_num(Number::Int(0)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    }))
}

fn extreme(args: &[Value], pick: std::cmp::Ordering) -> FuncResult {
    let mut best: Option<Number> = None;
    for i in 0..args.len() {
        let n = num_at(args, i)?;
        if best.is_none_or(|b| n.cmp_num(b) == pick) {
            best = Some(n);
        }
    }
    best.map(Value::number)
        .ok_or_else(|| FuncError::new("must pass at least one number"))
}

fn max(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    extreme(&args, std::cmp::Ordering::Greater)
}

fn min(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    extreme(&args, std::cmp::Ordering::Less)
}

/// Exact for whole-number powers of integers that fit; floating point otherwise.
fn pow(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let (base, exp) = (num_at(&args, 0)?, num_at(&args, 1)?);
    if let (Number::Int(b), Number::Int(e)) = (base, exp) {
        if let Some(v) = u32::try_from(e).ok().and_then(|e| b.checked_pow(e)) {
            return Ok(Value::int(v));
        }
    }
    let v = base.as_f64().powf(exp.as_f64());
    finite(v)
}

fn log(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let (x, base) = (num_at(&args, 0)?.as_f64(), num_at(&args, 1)?.as_f64());
    finite(x.ln() / base.ln())
}

fn finite(v: f64) -> FuncResult {
    if v.is_finite() {
        Ok(Value::float(v))
    } else {
        Err(FuncError::new("the result is not a finite number"))
    }
}

/// Parses an integer written in base 2 to 62 (digits, then `a`–`z`, then `A`–`Z` for bases
/// above 36, as Terraform does).
fn parseint(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let text = str_at(&args, 0);
    let base = int_at(&args, 1)?;
    if !(2..=62).contains(&base) {
        return Err(FuncError::arg(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let fail = || {
        FuncError::arg(
            0,
            format!("cannot parse \"{text}\" as a base {base} integer"),
        )
    };
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return Err(fail());
    }
    let mut acc: i128 = 0;
    let mut float = 0f64;
    let mut overflow = false;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as i64 - '0' as i64,
            'a'..='z' => c as i64 - 'a' as i64 + 10,
            'A'..='Z' if base > 36 => c as i64 - 'A' as i64 + 36,
            'A'..='Z' => c as i64 - 'A' as i64 + 10,
            _ => return Err(fail()),
        };
        if d >= base {
            return Err(fail());
        }
        float = float * base as f64 + d as f64;
        match acc
            .checked_mul(base as i128)
            .and_then(|a| a.checked_add(d as i128))
        {
            Some(a) => acc = a,
            None => overflow = true,
        }
    }
    let acc = if negative { -acc } else { acc };
    match i64::try_from(acc) {
        Ok(i) if !overflow => Ok(Value::int(i)),
        _ => Ok(Value::float(if negative { -float } else { float })),
    }
}

fn sum(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let items = seq_at(&args, 0);
    if items.is_empty() {
        return Err(FuncError::arg(0, "cannot sum an empty list"));
    }
    let mut total = Number::Int(0);
    for (i, v) in items.iter().enumerate() {
        let n = v.as_number().ok_or_else(|| {
            FuncError::arg(0, format!("element {i} is null; cannot sum null values"))
        })?;
        total = total.plus(n);
    }
    Ok(Value::number(total))
}
