//! The Kiln language: values with unknowns and sensitive marks, types, the expression tree,
//! the evaluator and the built-in functions.
//!
//! Parsing is `hcl-edit`'s; [`lower`] turns its tree into [`ast`], which the [`eval`]uator
//! walks. This module knows nothing of blocks, resources or modules: that is
//! [`crate::config`].

pub mod ast;
pub mod display;
pub mod eval;
pub mod functions;
pub mod lower;
pub mod number;
pub mod scope;
pub mod types;
pub mod value;

pub use ast::Expr;
pub use eval::EvalCtx;
pub use functions::Functions;
pub use number::Number;
pub use scope::{MapScope, Scope};
pub use types::Type;
pub use value::{Kind, Value};

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

/// Parses one expression from text (console input, `-var` values, tests).
pub fn parse_expr(text: &str, file: FileId) -> Result<Expr, Diagnostic> {
    match hcl_edit::parser::parse_expr(text) {
        Ok(e) => Ok(lower::Lowerer::new(file).expr(&e, Span::new(file, 0..text.len()))),
        Err(err) => Err(parse_error(&err, text, file)),
    }
}

/// A syntax error as a diagnostic at the parser's position.
pub fn parse_error(err: &hcl_edit::parser::Error, text: &str, file: FileId) -> Diagnostic {
    let loc = err.location();
    // The parser works on bytes and may stop inside a multi-byte character.
    let mut offset = loc.offset().min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let end = text[offset..].chars().next().map(|c| offset + c.len_utf8()).unwrap_or(offset);
    Diagnostic::error("Invalid syntax", format!("{}. Check the syntax near this position.", err.message().trim_end_matches('.')))
        .at(Span::new(file, offset..end))
}
