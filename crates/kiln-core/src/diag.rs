//! Diagnostics as data.
//!
//! A diagnostic has a short stable summary, a detail in full sentences (what happened, why,
//! how to fix it), the exact source range it is about, an optional wider context range, and
//! the address of the object it concerns. Every stage collects all the problems it finds
//! into [`Diagnostics`] and returns them together; rendering lives in [`crate::diag_render`].

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Short, stable, capitalised, no trailing period: "Unsupported argument".
    pub summary: String,
    /// Full sentences: what is wrong and what to do about it.
    pub detail: String,
    /// The exact range the problem is about.
    pub subject: Option<Span>,
    /// A wider range (e.g. the whole expression) shown for orientation.
    pub context: Option<Span>,
    /// The configuration object concerned, e.g. `module.net.local_file.x`.
    pub address: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            subject: None,
            context: None,
            address: None,
        }
    }

    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail)
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.subject = Some(span);
        self
    }

    /// Sets the subject only if none is set yet (inner errors know better).
    pub fn or_at(mut self, span: Span) -> Diagnostic {
        if self.subject.is_none() {
            self.subject = Some(span);
        }
        self
    }

    pub fn with_context(mut self, span: Span) -> Diagnostic {
        self.context = Some(span);
        self
    }

    pub fn with_address(mut self, address: impl Into<String>) -> Diagnostic {
        if self.address.is_none() {
            self.address = Some(address.into());
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The problems one stage found, in the order found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diag: Diagnostic) {
        self.0.push(diag);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Keeps the value if no error was collected; otherwise hands back the diagnostics.
    pub fn into_result<T>(self, value: T) -> Result<(T, Diagnostics), Diagnostics> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok((value, self))
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// "Did you mean …?" for a misspelt name, when a candidate is close enough.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            // One slip (a letter swapped, missing, extra or wrong) is a likely typo even in
            // a short name, where Jaro-Winkler alone scores low ("evn" for "env").
            let slip = name.chars().count() > 1 && strsim::osa_distance(name, c) == 1;
            let score = strsim::jaro_winkler(name, c);
            (if slip { score.max(0.8) } else { score }, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// " Did you mean \"x\"?" or "" — ready to append to a detail sentence.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(name, candidates)
        .map(|s| format!(" Did you mean \"{s}\"?"))
        .unwrap_or_default()
}
