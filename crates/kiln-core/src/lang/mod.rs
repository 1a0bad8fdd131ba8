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
    let message = err.message().trim_end_matches('.');
    if let Some(quote) = unterminated_string(text, offset) {
        let end = text[quote..].find('\n').map_or(text.len(), |n| quote + n);
        return Diagnostic::error(
            "Unterminated string",
            "This string has no closing quote before the end of the line. Add the closing \"; for text over several lines, use a heredoc (<<EOT … EOT).",
        )
        .at(Span::new(file, quote..end));
    }
    if message.contains("redefined attribute") {
        let name: String = text[offset..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let mut d = Diagnostic::error(
            "Attribute redefined",
            format!("The argument \"{name}\" was already set earlier in this block. Each argument may be set only once; remove one of them."),
        )
        .at(Span::new(file, offset..offset + name.len()));
        // The earlier definition: the last line before this one that sets the same name.
        let mut earlier = None;
        let mut pos = 0;
        for line in text[..offset].split_inclusive('\n') {
            let indent = line.len() - line.trim_start().len();
            let rest = &line[indent..];
            if !name.is_empty()
                && rest.starts_with(name.as_str())
                && rest[name.len()..].trim_start().starts_with('=')
            {
                earlier = Some(pos + indent);
            }
            pos += line.len();
        }
        if let Some(i) = earlier {
            d = d.with_context(Span::new(file, i..i + name.len()));
        }
        return d;
    }
    if message.contains("heredoc end delimiter") {
        if let Some(open) = text[..offset].rfind("<<") {
            let delim: String = text[open + 2..]
                .trim_start_matches('-')
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let end = text[open..].find('\n').map_or(text.len(), |n| open + n);
            return Diagnostic::error(
                "Unterminated heredoc",
                format!("The heredoc opened here has no closing line. End it with a line that contains only {delim} (indentation allowed)."),
            )
            .at(Span::new(file, open..end));
        }
    }
    // At a line end or the end of the file, mark the position itself rather than the
    // newline, which would underline the start of the next line too.
    let end = match text[offset..].chars().next() {
        Some('\n' | '\r') | None => offset,
        Some(c) => offset + c.len_utf8(),
    };
    let hint = if text[offset..].trim().is_empty() && message.contains("`}`") {
        "The end of the file was reached inside a block: a closing brace } is probably missing."
    } else {
        "Check the syntax near this position."
    };
    Diagnostic::error("Invalid syntax", format!("{message}. {hint}"))
        .at(Span::new(file, offset..end))
}

/// The offset of the opening quote of the first quoted string before `limit` that is not
/// closed on its line (HCL strings cannot span lines; the parser reports it later on).
fn unterminated_string(text: &str, limit: usize) -> Option<usize> {
    enum Ctx {
        Str(usize),
        Interp(usize),
    }
    let mut stack: Vec<Ctx> = Vec::new();
    let mut heredoc: Option<String> = None;
    let mut block_comment = false;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if line_start > limit {
            break;
        }
        let base = line_start;
        line_start += line.len();
        if let Some(delim) = &heredoc {
            if line.trim() == delim {
                heredoc = None;
            }
            continue;
        }
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let (c, next) = (bytes[i], bytes.get(i + 1).copied());
            if block_comment {
                if c == b'*' && next == Some(b'/') {
                    block_comment = false;
                    i += 1;
                }
                i += 1;
                continue;
            }
            match (stack.last_mut(), c) {
                (Some(Ctx::Str(_)), b'\\') => i += 1,
                (Some(Ctx::Str(_)), b'$' | b'%') if next == Some(c) => i += 1,
                (Some(Ctx::Str(_)), b'$' | b'%') if next == Some(b'{') => {
                    stack.push(Ctx::Interp(0));
                    i += 1;
                }
                (Some(Ctx::Str(_)), b'"') => {
                    stack.pop();
                }
                (Some(Ctx::Str(_)), _) => {}
                (Some(Ctx::Interp(depth)), b'{') => *depth += 1,
                (Some(Ctx::Interp(0)), b'}') => {
                    stack.pop();
                }
                (Some(Ctx::Interp(depth)), b'}') => *depth -= 1,
                (_, b'"') => stack.push(Ctx::Str(base + i)),
                (_, b'#') => break,
                (_, b'/') if next == Some(b'/') => break,
                (_, b'/') if next == Some(b'*') => {
                    block_comment = true;
                    i += 1;
                }
                (_, b'<') if next == Some(b'<') => {
                    let rest = line[i + 2..].trim_start_matches('-');
                    let delim: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !delim.is_empty() && rest[delim.len()..].trim().is_empty() {
                        heredoc = Some(delim);
                        break;
                    }
                    i += 1;
                }
                _ => {}
            }
            i += 1;
        }
        if let Some(Ctx::Str(start)) = stack.last() {
            return (*start < limit).then_some(*start);
        }
    }
    None
}
