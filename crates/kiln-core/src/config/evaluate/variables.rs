//! Turns what was given for an input variable into its final value: default when nothing
//! was given, conversion to the declared type, the nullable rule, the sensitive mark, and
//! the author's validation rules with their own error messages.

use crate::config::inputs::{InputSource, InputValue, RawInput};
use crate::config::model::Variable;
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::scope::MapScope;
use crate::lang::types::convert;
use crate::lang::{EvalCtx, Type, Value};
use crate::source::Span;

/// A value given for a variable, with where it was written (for error positions).
pub struct Given {
    pub value: Value,
    pub span: Option<Span>,
    pub origin: String,
}

/// What to do about a root variable with no value and no default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingVars {
    /// An error naming where values can come from (plan, apply, console).
    #[default]
    Error,
    /// Treat it as unknown (validate checks the configuration, not its inputs).
    Unknown,
}

/// Turns a root input into a value, parsing command-line text by the variable's type.
pub fn given_from_input(
    input: &InputValue,
    var: &Variable,
    ctx: &EvalCtx<'_>,
    diags: &mut Diagnostics,
) -> Option<Given> {
    let origin = match &input.source {
        InputSource::Environment => format!("the environment variable KILN_VAR_{}", input.name),
        InputSource::File(p) => p.display().to_string(),
        InputSource::CommandLine => "a --var option".to_string(),
        InputSource::PlanFile => "the saved plan".to_string(),
    };
    let (value, span) = match &input.raw {
        RawInput::Value(v) => {
            return Some(Given {
                value: v.clone(),
                span: None,
                origin,
            })
        }
        RawInput::Expr(e) => match ctx.eval(e) {
            Ok(v) => (v, e.span),
            Err(d) => {
                diags.push(d);
                return None;
            }
        },
        // Primitive types take the text as written (as Terraform does), so that
        // --var name=web-1 needs no quotes; structured types parse it as HCL.
        RawInput::Text { text, span } if var.ty.is_primitive() || var.ty == Type::Any => {
            (Value::string(text.clone()), *span)
        }
        RawInput::Text { text, span } => match crate::lang::parse_expr(text, span.file) {
            Ok(e) => match ctx.eval(&e) {
                Ok(v) => (v, *span),
                Err(d) => {
                    diags.push(d);
                    return None;
                }
            },
            Err(d) => {
                diags.push(Diagnostic {
                    detail: format!("The value for var.{} from {origin} must be written in HCL syntax for its type {}. {}", var.name, var.ty, d.detail),
                    ..d
                });
                return None;
            }
        },
    };
    Some(Given {
        value,
        span: Some(span),
        origin,
    })
}

/// Final value of `var` given `given` (None: nothing was set).
pub fn finalize(
    var: &Variable,
    given: Option<Given>,
    missing: MissingVars,
    ctx: &EvalCtx<'_>,
    where_set: &str,
    diags: &mut Diagnostics,
) -> Value {
    let (mut value, span, origin) = match given {
        Some(g) => (g.value, g.span, g.origin),
        None => match eval_default(var, ctx, diags) {
            Some(v) => (
                v,
                var.default.as_ref().map(|d| d.span),
                "its default".to_string(),
            ),
            None => {
                if missing == MissingVars::Error {
                    diags.push(
                        Diagnostic::error(
                            "No value for required variable",
                            format!("The input variable \"{}\" is not set, and has no default value. {where_set}", var.name),
                        )
                        .at(var.span),
                    );
                }
                return Value::unknown(var.ty.clone()).with_sensitive(var.sensitive);
            }
        },
    };
    if value.is_null() && !var.nullable {
        match eval_default(var, ctx, diags) {
            Some(d) if !d.is_null() => value = d,
            _ => {
                diags.push(
                    Diagnostic::error("Invalid value for variable", format!("The value for var.{} from {origin} is null, but the variable is declared nullable = false.", var.name))
                        .at(span.unwrap_or(var.span)),
                );
                return Value::unknown(var.ty.clone());
            }
        }
    }
    let value = match convert(&value, &var.ty) {
        Ok(v) => v,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "Invalid value for variable",
                    format!(
                        "The value for var.{} from {origin} is not suitable for its type {}: {e}.",
                        var.name, var.ty
                    ),
                )
                .at(span.unwrap_or(var.span))
                .with_context(var.span),
            );
            return Value::unknown(var.ty.clone()).with_sensitive(var.sensitive);
        }
    };
    let value = value.with_sensitive(var.sensitive);
    validate(var, &value, span, ctx, diags);
    value
}

/// The declared default, if any (a constant expression).
fn eval_default(var: &Variable, ctx: &EvalCtx<'_>, diags: &mut Diagnostics) -> Option<Value> {
    let d = var.default.as_ref()?;
    if let Some(r) = d.references().first() {
        diags.push(
            Diagnostic::error(
                "Variables not allowed",
                "A variable's default value must be a constant: references are not allowed here.",
            )
            .at(r.span),
        );
        return Some(Value::unknown(var.ty.clone()));
    }
    match ctx.eval(d) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(e);
            Some(Value::unknown(var.ty.clone()))
        }
    }
}

fn validate(
    var: &Variable,
    value: &Value,
    span: Option<Span>,
    ctx: &EvalCtx<'_>,
    diags: &mut Diagnostics,
) {
    if var.validations.is_empty() {
        return;
    }
    let scope = MapScope::new().with(
        "var",
        Value::object_from([(var.name.clone(), value.clone())]),
    );
    let vctx = ctx.with_scope(&scope);
    for rule in &var.validations {
        let ok = match vctx.eval(&rule.condition) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        match ok.as_bool() {
            Some(true) => {}
            Some(false) => {
                let message = match vctx.eval(&rule.error_message) {
                    Ok(m) if m.sensitive => {
                        "(the error message is hidden: it refers to a sensitive value)".to_string()
                    }
                    Ok(m) => m
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| "validation failed".into()),
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                };
                diags.push(
                    Diagnostic::error("Invalid value for variable", format!("{message}\n\n(Checked by a validation rule of var.{}; the failing condition is marked.)", var.name))
                        .at(span.unwrap_or(var.span))
                        .with_context(rule.condition.span),
                );
            }
            None if !ok.is_known() => {}
            None => diags.push(
                Diagnostic::error(
                    "Invalid validation result",
                    format!(
                        "The validation condition must be true or false, but it produced {}.",
                        ok.type_name()
                    ),
                )
                .at(rule.condition.span),
            ),
        }
    }
}
