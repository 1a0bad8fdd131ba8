//! Rendering a template file for `templatefile`: parse the text as an HCL template, then
//! evaluate it with the given variables as its only names (plus all functions).

use std::cell::Cell;

use super::{FuncCtx, FuncError};
use crate::lang::ast::{Expr, ExprKind};
use crate::lang::eval::EvalCtx;
use crate::lang::lower::Lowerer;
use crate::lang::scope::MapScope;
use crate::lang::types::Type;
use crate::lang::value::Value;
use crate::source::{FileId, Span};

thread_local! {
    /// Set while a template renders: Terraform forbids `templatefile` inside a template
    /// (it would allow unbounded recursion).
    static RENDERING: Cell<bool> = const { Cell::new(false) };
}

/// Clears the rendering flag however the render ends.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        RENDERING.with(|r| r.set(false));
    }
}

/// Renders `text` (read from `name`) with `vars`, a map or object of variables.
pub fn render(ctx: &FuncCtx<'_>, text: &str, name: &str, vars: &Value) -> Result<Value, FuncError> {
    if RENDERING.with(Cell::get) {
        return Err(FuncError::new(
            "cannot recursively call templatefile from inside another template",
        ));
    }
    let template = hcl_edit::parser::parse_template(text).map_err(|e| {
        let loc = e.location();
        FuncError::arg(
            0,
            format!(
                "failed to parse {name}:{},{}: {}",
                loc.line(),
                loc.column(),
                e.message().trim_end_matches('.')
            ),
        )
    })?;
    let mut scope = MapScope::new();
    match vars.as_map() {
        Some(m) => {
            for (k, v) in m {
                if !valid_identifier(k) {
                    return Err(FuncError::arg(
                        1,
                        format!("invalid template variable name \"{k}\": must start with a letter, followed by zero or more letters, digits, and underscores"),
                    ));
                }
                scope.insert(k.clone(), v.clone());
            }
        }
        None if !vars.is_known() => return Ok(Value::unknown(Type::Any)),
        None => {
            return Err(FuncError::arg(
                1,
                format!("a map or object is required, but have {}", vars.type_name()),
            ))
        }
    }
    let parts = Lowerer::new(FileId(0)).template(&template, Span::default());
    let expr = Expr {
        kind: ExprKind::Template(parts),
        span: Span::default(),
    };
    let eval = EvalCtx {
        scope: &scope,
        functions: ctx.functions,
        base_dir: ctx.base_dir,
        files_read: ctx.files_read,
    };
    RENDERING.with(|r| r.set(true));
    let _guard = Guard;
    eval.eval(&expr).map_err(|d| {
        let at = d
            .subject
            .map(|s| position(text, s.start as usize))
            .unwrap_or_default();
        FuncError::arg(
            0,
            format!("error in {name}{at}: {}: {}", d.summary, d.detail),
        )
    })
}

/// ":line,column" of a byte offset, for messages about the template's text.
fn position(text: &str, offset: usize) -> String {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(":{line},{column}")
}

/// HCL identifiers: a letter or underscore, then letters, digits, underscores or dashes.
fn valid_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}
