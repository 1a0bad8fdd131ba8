//! The one way computing a fingerprint fails: an input cannot be read. The error names the
//! input as the configuration wrote it and the path Kiln tried, so the message points at
//! the line to fix.

use std::fmt;
use std::path::PathBuf;

/// An input file or directory that could not be read.
#[derive(Debug)]
pub struct FingerprintError {
    /// The input as written in the configuration (`app/install.sh`); empty when the
    /// failing call was not about an image input (a bare [`super::walk`]).
    pub label: String,
    /// The path that failed: the input itself, or a file inside its directory.
    pub path: PathBuf,
    /// What Kiln was doing: "read", "list", "inspect".
    pub action: &'static str,
    pub source: std::io::Error,
}

impl FingerprintError {
    pub(crate) fn new(action: &'static str, path: PathBuf, source: std::io::Error) -> Self {
        FingerprintError {
            label: String::new(),
            path,
            action,
            source,
        }
    }

    /// The same error, naming the input it happened in.
    pub(crate) fn in_input(mut self, label: &str) -> Self {
        self.label = label.to_string();
        self
    }
}

impl fmt::Display for FingerprintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} {}", self.action, self.path.display())?;
        if !self.label.is_empty() {
            write!(f, " (image input \"{}\")", self.label)?;
        }
        write!(f, ": {}", self.source)
    }
}

impl std::error::Error for FingerprintError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
