//! Renders [`Diagnostics`] for people (codespan-reporting, with the source line and a caret
//! under the exact range) and for programs (JSON with file, line, column and byte offsets).

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor::WriteColor};

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::source::{SourceMap, Span};

impl<'a> Files<'a> for SourceMap {
    type FileId = u32;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: u32) -> Result<String, FilesError> {
        let file = self
            .get(crate::source::FileId(id))
            .ok_or(FilesError::FileMissing)?;
        Ok(file.path.display().to_string())
    }

    fn source(&'a self, id: u32) -> Result<&'a str, FilesError> {
        let file = self
            .get(crate::source::FileId(id))
            .ok_or(FilesError::FileMissing)?;
        Ok(&file.text)
    }

    fn line_index(&'a self, id: u32, byte_index: usize) -> Result<usize, FilesError> {
        let file = self
            .get(crate::source::FileId(id))
            .ok_or(FilesError::FileMissing)?;
        Ok(file.position(byte_index as u32).line - 1)
    }

    fn line_range(
        &'a self,
        id: u32,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, FilesError> {
        let file = self
            .get(crate::source::FileId(id))
            .ok_or(FilesError::FileMissing)?;
        let start = file.offset_of(line_index + 1, 1) as usize;
        let end = file.offset_of(line_index + 2, 1) as usize;
        if start > file.text.len() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: file.position(file.text.len() as u32).line - 1,
            });
        }
        Ok(start..end.max(start))
    }
}

fn to_codespan(d: &Diagnostic) -> CsDiagnostic<u32> {
    let mut cs = match d.severity {
        Severity::Error => CsDiagnostic::error(),
        Severity::Warning => CsDiagnostic::warning(),
    }
    .with_message(&d.summary);
    let mut labels = Vec::new();
    if let Some(span) = d.subject {
        labels.push(Label::primary(
            span.file.0,
            span.start as usize..span.end as usize,
        ));
    }
    if let Some(ctx) = d.context {
        if Some(ctx) != d.subject {
            labels.push(Label::secondary(
                ctx.file.0,
                ctx.start as usize..ctx.end as usize,
            ));
        }
    }
    cs = cs.with_labels(labels);
    let mut notes = Vec::new();
    if let Some(addr) = &d.address {
        notes.push(format!("in {addr}"));
    }
    if !d.detail.is_empty() {
        notes.push(d.detail.clone());
    }
    cs.with_notes(notes)
}

/// Writes every diagnostic for a terminal (colour decided by the writer).
pub fn render_terminal(
    out: &mut dyn WriteColor,
    sources: &SourceMap,
    diags: &Diagnostics,
) -> std::io::Result<()> {
    let config = term::Config::default();
    for d in diags.iter() {
        if let Err(e) = term::emit_to_write_style(out, &config, sources, &to_codespan(d)) {
            writeln!(out, "{}: {} ({e})", severity_word(d.severity), d.summary)?;
        }
    }
    Ok(())
}

/// Plain text, no colour: what tests snapshot and what a pipe receives.
pub fn render_plain(sources: &SourceMap, diags: &Diagnostics) -> String {
    let mut buf = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    let _ = render_terminal(&mut buf, sources, diags);
    String::from_utf8_lossy(&buf.into_inner()).into_owned()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn range_json(sources: &SourceMap, span: Span) -> serde_json::Value {
    let Some(file) = sources.get(span.file) else {
        return serde_json::Value::Null;
    };
    serde_json::json!({
        "filename": file.path.display().to_string(),
        "start": file.position(span.start),
        "end": file.position(span.end),
    })
}

/// The JSON shape of `kiln validate --json` (close to Terraform's).
pub fn to_json(sources: &SourceMap, diags: &Diagnostics) -> serde_json::Value {
    let list: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut obj = serde_json::json!({
                "severity": d.severity,
                "summary": d.summary,
                "detail": d.detail,
            });
            if let Some(span) = d.subject {
                obj["range"] = range_json(sources, span);
                obj["snippet"] = serde_json::json!({
                    "code": sources.snippet(span),
                });
            }
            if let Some(ctx) = d.context {
                obj["context_range"] = range_json(sources, ctx);
            }
            if let Some(addr) = &d.address {
                obj["address"] = serde_json::json!(addr);
            }
            obj
        })
        .collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    serde_json::json!({
        "valid": errors == 0,
        "error_count": errors,
        "warning_count": diags.len() - errors,
        "diagnostics": list,
    })
}
