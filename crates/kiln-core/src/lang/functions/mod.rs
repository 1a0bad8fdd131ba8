//! The built-in function library and the one place that applies the rules every function
//! shares: argument counts, null checks, conversion to parameter types, unknown and
//! sensitive propagation.
//!
//! A function is a [`FuncSpec`]: named parameters with types, an optional variadic
//! parameter, a return type (used for unknown results), and a plain Rust `fn`. Functions
//! see arguments already converted and (unless a parameter says `allow_unknown`) wholly
//! known; they never deal with marks — [`invoke`] marks the result sensitive when any
//! argument was. Compare values with [`Value::raw_equals`], which ignores marks.
//! `try` and `can` need unevaluated arguments and live in the evaluator.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::types::{convert, Type};
use super::value::Value;
use crate::diag::Diagnostic;
use crate::source::Span;

mod args;
mod collection;
mod conversion;
mod datetime;
mod encoding;
mod filesystem;
mod format;
mod glob;
mod hash;
mod maps;
mod net;
mod numeric;
mod paths;
mod sets;
mod string;
mod template;
mod yaml;

/// What a function may use besides its arguments.
pub struct FuncCtx<'a> {
    /// The working directory; relative paths resolve against it, as in Terraform.
    pub base_dir: &'a Path,
    /// Every file a function reads is recorded here (for image fingerprints).
    pub files_read: &'a RefCell<BTreeSet<PathBuf>>,
    pub functions: &'a Functions,
}

impl FuncCtx<'_> {
    /// Resolves a path argument against the working directory.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// Records that a file was read.
    pub fn record_read(&self, path: &Path) {
        self.files_read.borrow_mut().insert(path.to_path_buf());
    }
}

/// An error raised by a function body; `arg` points the diagnostic at that argument.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncError {
    pub message: String,
    pub arg: Option<usize>,
}

impl FuncError {
    pub fn new(message: impl Into<String>) -> FuncError {
        FuncError {
            message: message.into(),
            arg: None,
        }
    }

    pub fn arg(arg: usize, message: impl Into<String>) -> FuncError {
        FuncError {
            message: message.into(),
            arg: Some(arg),
        }
    }
}

pub type FuncResult = Result<Value, FuncError>;
pub type FuncImpl = fn(&FuncCtx<'_>, Vec<Value>) -> FuncResult;

#[derive(Debug, Clone)]
pub struct Param {
    pub name: &'static str,
    /// Arguments are converted to this type first (`Type::Any`: passed as they are).
    pub ty: Type,
    pub allow_null: bool,
    /// The function handles unknown values inside this argument itself.
    pub allow_unknown: bool,
}

impl Param {
    pub fn new(name: &'static str, ty: Type) -> Param {
        Param {
            name,
            ty,
            allow_null: false,
            allow_unknown: false,
        }
    }

    pub fn nullable(mut self) -> Param {
        self.allow_null = true;
        self
    }

    pub fn unknowns(mut self) -> Param {
        self.allow_unknown = true;
        self
    }
}

pub struct FuncSpec {
    pub name: &'static str,
    pub params: Vec<Param>,
    pub variadic: Option<Param>,
    /// The result's type, used for the unknown result when an argument is unknown.
    pub ret: Type,
    pub call: FuncImpl,
}

impl FuncSpec {
    pub fn new(name: &'static str, params: Vec<Param>, ret: Type, call: FuncImpl) -> FuncSpec {
        FuncSpec {
            name,
            params,
            variadic: None,
            ret,
            call,
        }
    }

    pub fn variadic(mut self, p: Param) -> FuncSpec {
        self.variadic = Some(p);
        self
    }
}

/// The function table.
pub struct Functions {
    map: HashMap<&'static str, FuncSpec>,
}

impl Functions {
    /// Every built-in function.
    pub fn standard() -> Functions {
        let mut f = Functions {
            map: HashMap::new(),
        };
        let families = [
            string::specs(),
            format::specs(),
            numeric::specs(),
            collection::specs(),
            maps::specs(),
            sets::specs(),
            conversion::specs(),
            encoding::specs(),
            filesystem::specs(),
            hash::specs(),
            net::specs(),
            datetime::specs(),
        ];
        for spec in families.into_iter().flatten() {
            f.add(spec);
        }
        f
    }

    pub fn add(&mut self, spec: FuncSpec) {
        self.map.insert(spec.name, spec);
    }

    pub fn get(&self, name: &str) -> Option<&FuncSpec> {
        self.map.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().copied()
    }
}

/// Calls a function with evaluated arguments, applying the shared rules.
pub fn invoke(
    spec: &FuncSpec,
    ctx: &FuncCtx<'_>,
    args: Vec<Value>,
    spans: &[Span],
    call_span: Span,
) -> Result<Value, Diagnostic> {
    let fixed = spec.params.len();
    if args.len() < fixed {
        let missing = &spec.params[args.len()];
        return Err(Diagnostic::error(
            "Not enough function arguments",
            format!(
                "Function \"{}\" expects {}{} argument(s). Missing value for \"{}\".",
                spec.name,
                if spec.variadic.is_some() {
                    "at least "
                } else {
                    ""
                },
                fixed,
                missing.name
            ),
        )
        .at(call_span));
    }
    if args.len() > fixed && spec.variadic.is_none() {
        return Err(Diagnostic::error(
            "Too many function arguments",
            format!(
                "Function \"{}\" expects only {} argument(s).",
                spec.name, fixed
            ),
        )
        .at(spans.get(fixed).copied().unwrap_or(call_span)));
    }
    let sensitive = args.iter().any(Value::contains_sensitive);
    let mut converted = Vec::with_capacity(args.len());
    for (i, arg) in args.into_iter().enumerate() {
        // The arity checks above guarantee a parameter; `else` only guards against panics.
        let Some(param) = spec.params.get(i).or(spec.variadic.as_ref()) else {
            break;
        };
        let span = spans.get(i).copied().unwrap_or(call_span);
        if arg.is_null() && !param.allow_null {
            return Err(Diagnostic::error(
                "Invalid function argument",
                format!(
                    "Invalid value for \"{}\" parameter: argument must not be null.",
                    param.name
                ),
            )
            .at(span));
        }
        if !param.allow_unknown && !arg.is_wholly_known() {
            return Ok(Value::unknown(spec.ret.clone()).with_sensitive(sensitive));
        }
        let arg = convert(&arg, &param.ty).map_err(|e| {
            Diagnostic::error(
                "Invalid function argument",
                format!("Invalid value for \"{}\" parameter: {e}.", param.name),
            )
            .at(span)
        })?;
        converted.push(arg);
    }
    match (spec.call)(ctx, converted) {
        Ok(v) => Ok(v.with_sensitive(sensitive)),
        Err(e) => {
            let span = e
                .arg
                .and_then(|i| spans.get(i).copied())
                .unwrap_or(call_span);
            let detail = match e
                .arg
                .and_then(|i| spec.params.get(i).or(spec.variadic.as_ref()))
            {
                Some(p) => format!("Invalid value for \"{}\" parameter: {}", p.name, e.message),
                None => format!("Call to function \"{}\" failed: {}", spec.name, e.message),
            };
            let summary = if e.arg.is_some() {
                "Invalid function argument"
            } else {
                "Error in function call"
            };
            // Never echo a sensitive argument back in an error message.
            let detail = if sensitive {
                format!(
                    "Call to function \"{}\" failed (details hidden: an argument is sensitive).",
                    spec.name
                )
            } else {
                detail
            };
            Err(Diagnostic::error(summary, detail)
                .at(span)
                .with_context(call_span))
        }
    }
}

/// Shorthand for the common parameter types.
pub fn list_of(t: Type) -> Type {
    Type::List(Box::new(t))
}
