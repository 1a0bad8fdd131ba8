//! The canonical HCL formatter behind `kiln fmt`, modelled on `terraform fmt`.
//!
//! [`format_source`] first parses the text with `hcl_edit` so that only valid HCL is
//! rewritten (a syntax error comes back as [`FmtError`] with its position). It then
//! re-lexes the text into a whitespace-free token stream (`lexer`) and lays it out
//! again line by line (`layout`): two-space indentation per bracket level, one-space
//! token spacing by terraform's rules, `=` and trailing comments aligned over runs of
//! consecutive lines. Working on tokens rather than on the syntax tree keeps every
//! comment exactly where it was written and makes it easy to guarantee idempotency:
//! only whitespace between tokens ever changes, and heredocs are single opaque tokens.
//! `verify` re-parses the result and falls back to the input if its meaning changed.
//!
//! Deliberate differences from `terraform fmt`: heredoc bodies are never touched (terraform
//! re-spaces `${ }` inside them), runs of blank lines collapse to one, and columns are
//! counted in chars rather than grapheme clusters. Terraform's expression rewrites
//! (unwrapping `"${var.x}"`, unquoting type names) are not done.

mod layout;
mod lexer;
mod scan;
mod token;
mod verify;

use std::fmt;

/// A source text could not be formatted because it is not valid HCL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FmtError {
    /// The parser's description of the problem.
    pub message: String,
    /// Zero-based byte offset of the error in the (LF-normalised) input.
    pub offset: usize,
    /// One-based line of the error.
    pub line: usize,
    /// One-based column of the error.
    pub column: usize,
}

impl fmt::Display for FmtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for FmtError {}

/// Formats HCL source text canonically (see the module docs for the rules).
///
/// CRLF line endings become LF; the result has no trailing whitespace, no runs of
/// blank lines, and ends with exactly one newline (or is empty for an empty body).
/// Formatting is idempotent: formatting the output again returns it unchanged.
pub fn format_source(text: &str) -> Result<String, FmtError> {
    // Normalise line endings first so the parser, the lexer and the error positions
    // all see the same text.
    let text = text.replace("\r\n", "\n");
    let body = hcl_edit::parser::parse_body(&text).map_err(|e| {
        let loc = e.location();
        FmtError {
            message: e.message().to_string(),
            offset: loc.offset(),
            line: loc.line(),
            column: loc.column(),
        }
    })?;
    let out = layout::render(lexer::lex(&text));
    // Safety net: the lexer is simpler than the parser, and a few exotic inputs that
    // `hcl_edit` accepts (such as a `"` inside a directive of a quoted string) could be
    // tokenized differently. Check that formatting changed nothing but layout; if it
    // did, leave the file as it is (which is also trivially idempotent).
    if !verify::same_meaning(&body, &out) {
        return Ok(text);
    }
    Ok(out)
}
