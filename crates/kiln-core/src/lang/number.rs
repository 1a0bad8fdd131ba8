//! Numbers: exact integers in the i64 range, binary floats otherwise.
//!
//! Terraform uses arbitrary precision; Kiln keeps integers exact (counts, ports, sizes,
//! IDs up to 2^63) and prints decimals as written (`0.1` stays `0.1`, thanks to
//! shortest-round-trip float printing), which is what configurations need.

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, Copy)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn from_f64(f: f64) -> Number {
        // Keep integral floats as exact integers so they print and compare as such.
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            Number::Int(f as i64)
        } else {
            Number::Float(f)
        }
    }

    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// The value as an integer, if it is one exactly.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() <= i64::MAX as f64 => Some(f as i64),
            Number::Float(_) => None,
        }
    }

    pub fn is_integer(self) -> bool {
        match self {
            Number::Int(_) => true,
            Number::Float(f) => f.is_finite() && f.fract() == 0.0,
        }
    }

    pub fn is_finite(self) -> bool {
        match self {
            Number::Int(_) => true,
            Number::Float(f) => f.is_finite(),
        }
    }

    pub fn plus(self, o: Number) -> Number {
        match (self, o) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_add(b)
                .map(Number::Int)
                .unwrap_or(Number::Float(a as f64 + b as f64)),
            _ => Number::from_f64(self.as_f64() + o.as_f64()),
        }
    }

    pub fn minus(self, o: Number) -> Number {
        match (self, o) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_sub(b)
                .map(Number::Int)
                .unwrap_or(Number::Float(a as f64 - b as f64)),
            _ => Number::from_f64(self.as_f64() - o.as_f64()),
        }
    }

    pub fn times(self, o: Number) -> Number {
        match (self, o) {
            (Number::Int(a), Number::Int(b)) => a
                .checked_mul(b)
                .map(Number::Int)
                .unwrap_or(Number::Float(a as f64 * b as f64)),
            _ => Number::from_f64(self.as_f64() * o.as_f64()),
        }
    }

    /// Division; `None` when dividing by zero.
    pub fn checked_div(self, o: Number) -> Option<Number> {
        if o.as_f64() == 0.0 {
            return None;
        }
        if let (Number::Int(a), Number::Int(b)) = (self, o) {
            if b != 0 && a.checked_rem(b) == Some(0) {
                return a.checked_div(b).map(Number::Int);
            }
        }
        Some(Number::from_f64(self.as_f64() / o.as_f64()))
    }

    /// Remainder with the sign of the dividend (Terraform's `%`); `None` for zero.
    pub fn checked_rem(self, o: Number) -> Option<Number> {
        match (self, o) {
            (_, Number::Int(0)) => None,
            // Only i64::MIN % -1 overflows; its remainder is 0.
            (Number::Int(a), Number::Int(b)) => Some(Number::Int(a.checked_rem(b).unwrap_or(0))),
            _ if o.as_f64() == 0.0 => None,
            _ => Some(Number::from_f64(self.as_f64() % o.as_f64())),
        }
    }

    pub fn negate(self) -> Number {
        match self {
            Number::Int(i) => i
                .checked_neg()
                .map(Number::Int)
                .unwrap_or(Number::Float(-(i as f64))),
            Number::Float(f) => Number::Float(-f),
        }
    }

    /// Parses a decimal or scientific literal ("42", "-3", "0.1", "1e3").
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Some(Number::Int(i));
        }
        // Rust accepts "inf"/"nan"; HCL numbers never spell those.
        if t.is_empty()
            || t.chars()
                .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        {
            return None;
        }
        t.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Number::from_f64)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.cmp_num(*other) == Ordering::Equal
    }
}

impl Number {
    pub fn cmp_num(self, other: Number) -> Ordering {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a.cmp(&b),
            _ => self.as_f64().total_cmp(&other.as_f64()),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e21 => {
                write!(f, "{x:.0}")
            }
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}
