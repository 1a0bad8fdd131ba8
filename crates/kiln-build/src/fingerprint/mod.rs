//! Image fingerprints that explain themselves (DESIGN.md §2): a blake3 digest of
//! everything a build reads, and a record of each input so that the next plan can say
//! which one changed.
//!
//! The inputs are the image's evaluated configuration, one input per top-level attribute
//! (the source image's id is one of them), and the bytes of every file the build reads:
//! the files the provider names (a source disk, a kernel) and those of its provisioners
//! ([`provisioner_files`]). Files read by `file()` and `templatefile()` arrive as
//! content inside the configuration and need nothing more.
//!
//! A provider calls [`compute`] in `plan` with the record it kept last time (the cache:
//! unchanged files are not read again), compares the fingerprint with the one in state,
//! and when they differ reports [`explain`]'s causes. `create` computes again from the
//! files as they are when the build starts and keeps the [`Record`] as its private data.
//!
//! This module knows no provider and no resource type; it reads files and never writes.
//!
//! | file | owns |
//! | --- | --- |
//! | `attrs` | digests of configuration attributes; sensitive values enter as digests |
//! | `files` | digests of files and directories, and the metadata cache |
//! | `walk` | listing a directory the way uploads list it |
//! | `provisioners` | which files provisioners read |
//! | `record` | the record kept in state |
//! | `explain`, `text_diff` | causes for a plan |
//! | `pending` | causes for an image whose configuration is not known yet |
//! | `digest` | hashing primitives |
//! | `error` | the error naming the unreadable input |

mod attrs;
mod digest;
mod error;
mod explain;
mod files;
mod pending;
mod provisioners;
mod record;
mod text_diff;
mod walk;

use std::path::PathBuf;

use kiln_core::lang::Value;

pub use error::FingerprintError;
pub use explain::explain;
pub use pending::{explain_unknown, Pending};
pub use provisioners::provisioner_files;
pub use record::{FileFacts, Input, Record, RECORD_VERSION};
pub use walk::{walk, WalkEntry};

/// What a provider says about its image type's configuration.
#[derive(Debug, Clone, Copy)]
pub struct ConfigSpec<'a> {
    /// Attributes that are results of a build, not inputs to it (`id`, `fingerprint`),
    /// and those that never change an image (`labels`).
    pub outputs: &'a [&'a str],
    /// The attribute holding the source image's id, which causes name by value.
    pub source: Option<&'a str>,
}

/// A file or directory the build reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInput {
    /// The path as the configuration writes it; plans name the input by it.
    pub label: String,
    /// Where it is: the label resolved against the working directory.
    pub path: PathBuf,
    /// Whether to keep a copy of the text (when it is valid UTF-8 and under 64 KiB) in the
    /// record, for diffs. For scripts only: the record lives in state, and other files
    /// may hold credentials or be large.
    pub keep_text: bool,
}

impl FileInput {
    /// A file or directory whose text is not kept.
    pub fn new(label: impl Into<String>, path: impl Into<PathBuf>) -> FileInput {
        FileInput {
            label: label.into(),
            path: path.into(),
            keep_text: false,
        }
    }

    /// A script: its text is kept so that a plan can show how it changed.
    pub fn script(label: impl Into<String>, path: impl Into<PathBuf>) -> FileInput {
        FileInput {
            keep_text: true,
            ..FileInput::new(label, path)
        }
    }
}

/// A computed fingerprint.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// 32 hex digits.
    pub digest: String,
    /// For state, and for the next computation's cache.
    pub record: Record,
    pub stats: Stats,
}

/// How much work a computation did: what the cache saved shows here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Regular files examined, directories' files included.
    pub files: u64,
    /// Files whose bytes were read (the others matched the record).
    pub files_hashed: u64,
    pub bytes_hashed: u64,
}

/// The fingerprint of an image whose configuration is wholly known (check with
/// [`Value::is_wholly_known`]; otherwise [`explain_unknown`] says why the image is
/// rebuilt). `files` may repeat a label: it counts once. `cache` is the previous record:
/// a file whose size, mtime, ctime, inode and mode it records unchanged (and that had not
/// changed just before the record was made) keeps its recorded digest unread. It changes
/// how much is read, not the result.
pub fn compute(
    config: &Value,
    spec: &ConfigSpec<'_>,
    files: &[FileInput],
    cache: Option<&Record>,
) -> Result<Fingerprint, FingerprintError> {
    let read_at_ns = now_ns();
    let mut stats = Stats::default();
    let mut inputs = attrs::attribute_inputs(config, spec);
    let cache = files::Cache::new(cache);
    let mut seen = std::collections::HashSet::new();
    for f in files {
        if seen.insert(f.label.as_str()) {
            inputs.push(files::file_input(f, &cache, &mut stats)?);
        }
    }
    inputs.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut h = digest::hasher(digest::FINGERPRINT);
    for i in &inputs {
        digest::field(&mut h, i.kind_name().as_bytes());
        digest::field(&mut h, i.label().as_bytes());
        digest::field(&mut h, i.digest().as_bytes());
    }
    let fingerprint = digest::hex(&h);
    Ok(Fingerprint {
        digest: fingerprint.clone(),
        record: Record {
            version: RECORD_VERSION,
            fingerprint,
            read_at_ns,
            inputs,
        },
        stats,
    })
}

/// Now, in ns since the Unix epoch; a clock before 1970 gives 0, which only makes the
/// cache trust nothing.
fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
