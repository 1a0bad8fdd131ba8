//! A build's output: every line goes, as it arrives, to the run's [`OutputSink`] (the
//! terminal prints it under the image's address) and to the build's log file; the last
//! lines are kept for error messages.
//!
//! Provisioners produce bytes, not lines: a [`LineSplitter`] per stream turns chunks into
//! whole lines, so a line split across two SSH packets is printed once, whole, and stdout
//! and stderr never interleave inside a line.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kiln_core::run::OutputSink;

/// How many lines [`BuildLog::tail`] can give back.
const TAIL_LINES: usize = 200;

/// The output of one build; cheap to clone (all clones write to the same log).
#[derive(Clone)]
pub struct BuildLog {
    inner: Arc<Mutex<Inner>>,
    sink: Arc<dyn OutputSink>,
}

struct Inner {
    file: Option<std::fs::File>,
    path: PathBuf,
    tail: VecDeque<String>,
}

impl BuildLog {
    /// Creates (truncates) the log file at `path`; lines also go to `sink`.
    pub fn create(path: &Path, sink: Arc<dyn OutputSink>) -> Result<BuildLog, String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let file = std::fs::File::create(path)
            .map_err(|e| format!("cannot create the build log {}: {e}", path.display()))?;
        Ok(BuildLog {
            inner: Arc::new(Mutex::new(Inner {
                file: Some(file),
                path: path.to_path_buf(),
                tail: VecDeque::new(),
            })),
            sink,
        })
    }

    /// One line of output (without its newline).
    pub fn line(&self, line: &str) {
        self.sink.line(line);
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if let Some(f) = &mut inner.file {
            // The log is for people: a full disk must not fail the build by itself.
            let _ = writeln!(f, "{line}");
        }
        if inner.tail.len() == TAIL_LINES {
            inner.tail.pop_front();
        }
        inner.tail.push_back(line.to_string());
    }

    /// A line from Kiln itself rather than from a provisioner: `==> connected`.
    pub fn note(&self, text: &str) {
        self.line(&format!("==> {text}"));
    }

    /// A splitter that turns one stream's chunks into lines of this log.
    pub fn splitter(&self) -> LineSplitter {
        LineSplitter {
            log: self.clone(),
            partial: Vec::new(),
        }
    }

    /// The last `n` lines, joined; "(no output)" when there were none.
    pub fn tail(&self, n: usize) -> String {
        let Ok(inner) = self.inner.lock() else {
            return String::new();
        };
        let from = inner.tail.len().saturating_sub(n);
        let lines: Vec<&str> = inner.tail.iter().skip(from).map(String::as_str).collect();
        if lines.is_empty() {
            "(no output)".into()
        } else {
            lines.join("\n")
        }
    }

    /// Where the log is now.
    pub fn path(&self) -> PathBuf {
        self.inner
            .lock()
            .map(|i| i.path.clone())
            .unwrap_or_default()
    }

    /// Closes the log, moves it to `to` (when given and different) and reports its
    /// final place to the sink ([`OutputSink::log_file`]). Returns the final path; if
    /// the move fails, the log stays where it was and that place is reported.
    pub fn finish(&self, to: Option<&Path>) -> PathBuf {
        let path = {
            let Ok(mut inner) = self.inner.lock() else {
                return PathBuf::new();
            };
            if let Some(f) = inner.file.take() {
                let _ = f.sync_all();
            }
            if let Some(to) = to.filter(|to| *to != inner.path) {
                if std::fs::rename(&inner.path, to).is_ok() {
                    inner.path = to.to_path_buf();
                }
            }
            inner.path.clone()
        };
        self.sink.log_file(&path);
        path
    }
}

/// Collects one stream's bytes and hands complete lines to the log. What is left when
/// it is dropped (a last line without a newline) is written then.
pub struct LineSplitter {
    log: BuildLog,
    partial: Vec<u8>,
}

impl LineSplitter {
    pub fn push(&mut self, bytes: &[u8]) {
        self.partial.extend_from_slice(bytes);
        while let Some(at) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=at).collect();
            self.emit(&line[..at]);
        }
    }

    /// Writes a last, unterminated line, if any.
    pub fn flush(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.emit(&line);
        }
    }

    fn emit(&self, line: &[u8]) {
        // Carriage returns (progress bars, Windows line ends) would garble the terminal.
        let text = String::from_utf8_lossy(line);
        self.log.line(text.trim_end_matches('\r'));
    }
}

impl Drop for LineSplitter {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_core::run::RunContext;

    #[test]
    fn chunks_become_whole_lines_in_the_sink_and_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (run, rec) = RunContext::detached();
        let log = BuildLog::create(&dir.path().join("b.log"), run.output).expect("log");
        let mut out = log.splitter();
        out.push(b"hel");
        assert!(rec.lines().is_empty(), "no line before its end");
        out.push(b"lo\r\nwor");
        assert_eq!(rec.lines(), ["hello"]);
        out.push(b"ld\nlast");
        drop(out);
        assert_eq!(rec.lines(), ["hello", "world", "last"]);
        assert_eq!(log.tail(2), "world\nlast");
        let moved = dir.path().join("final.log");
        assert_eq!(log.finish(Some(&moved)), moved);
        assert_eq!(
            std::fs::read_to_string(&moved).expect("read"),
            "hello\nworld\nlast\n"
        );
        assert_eq!(*rec.log_files.lock().expect("lock"), vec![moved]);
    }
}
