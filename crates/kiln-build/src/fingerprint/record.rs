//! The record of an image's inputs: what a provider keeps in state beside the image
//! (`ApplyResponse::private`) and gets back at the next plan (`prior_private`). It is
//! both the cache that lets a plan skip reading unchanged files and the memory that lets
//! it say what changed.
//!
//! It never holds a sensitive value: attributes appear as digests only, and a copy of a
//! file's text is kept only for scripts (see [`super::FileInput::keep_text`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Records of another version are still read, as the reason for a rebuild; their digests
/// are never reused.
pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// The fingerprint these inputs give.
    pub fingerprint: String,
    /// When the files were examined (ns since the Unix epoch). A file changed shortly
    /// before this may change again without its timestamps moving, so the cache does
    /// not trust such entries (see `files::trusted`).
    pub read_at_ns: i64,
    /// Sorted by kind (attributes first), then label.
    pub inputs: Vec<Input>,
}

/// One input of the fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Input {
    /// A top-level attribute of the configuration.
    Attribute {
        label: String,
        digest: String,
        /// Whether any part of the value is sensitive: the plan then names the attribute
        /// without saying more.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        sensitive: bool,
        /// The value itself, kept only for the source image's id (never when sensitive),
        /// so that a plan can name the old and the new source.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// A file the build reads (a script, an uploaded file, the source disk).
    File {
        label: String,
        digest: String,
        file: FileFacts,
    },
    /// A directory the build uploads; its files by path relative to it.
    Directory {
        label: String,
        digest: String,
        files: BTreeMap<String, FileFacts>,
    },
}

/// What is known of one file: the metadata the cache compares, and the digest of its
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFacts {
    pub size: u64,
    pub mtime_ns: i64,
    /// Tools that copy files may keep their mtime (`cp -p`, `rsync -a`, `tar`), but none
    /// can set the ctime: comparing it too keeps such a copy from passing as unchanged.
    pub ctime_ns: i64,
    /// Replacing a file by another (a rename over it) gives a new inode even when the
    /// new file's size and times match.
    pub inode: u64,
    /// Permission bits (`0o755`), in decimal as JSON has no octal.
    pub mode: u32,
    /// blake3 of the bytes, 32 hex digits (the start of what `b3sum` prints).
    pub digest: String,
    /// The content, for scripts that are valid UTF-8 and under 64 KiB, so that the next
    /// plan can show a diff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Record {
    /// Reads a record kept in state. Anything unreadable is no record: the plan then
    /// reads every file and says it does not know the previous inputs.
    pub fn from_json(value: &serde_json::Value) -> Option<Record> {
        Record::deserialize(value).ok()
    }

    pub fn to_json(&self) -> serde_json::Value {
        // A record is plain strings, numbers and maps: serializing cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The input with this label among files and directories.
    pub(crate) fn file_input(&self, label: &str) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| !matches!(i, Input::Attribute { .. }) && i.label() == label)
    }
}

impl Input {
    pub fn label(&self) -> &str {
        match self {
            Input::Attribute { label, .. }
            | Input::File { label, .. }
            | Input::Directory { label, .. } => label,
        }
    }

    pub fn digest(&self) -> &str {
        match self {
            Input::Attribute { digest, .. }
            | Input::File { digest, .. }
            | Input::Directory { digest, .. } => digest,
        }
    }

    /// What the fingerprint hashes as the input's kind.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Input::Attribute { .. } => "attribute",
            Input::File { .. } => "file",
            Input::Directory { .. } => "directory",
        }
    }

    /// Attributes sort before files and directories, which share one namespace.
    pub(crate) fn sort_key(&self) -> (bool, &str) {
        (!matches!(self, Input::Attribute { .. }), self.label())
    }
}
