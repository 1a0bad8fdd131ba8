//! The write-ahead journal: every completed change is appended here, as one JSON line,
//! and made durable before the engine moves on, so a crash or `kill -9` loses nothing.
//! At the end of a run the final state is written and the journal emptied.
//!
//! **Group commit.** An fsync costs milliseconds, and an apply may complete hundreds of
//! changes at once. One background thread owns the file: it takes every entry waiting in
//! its channel, writes them together, syncs **once** for the batch, and only then tells
//! each waiting recorder that its entry is durable. Throughput grows with concurrency
//! while each change is still acknowledged only after it is on disk.
//!
//! **Replay.** A line is an entry only with its terminating newline. A torn last line
//! (the run died mid-write, so it was never acknowledged) is ignored; a bad line before
//! the end is corruption and an error, since skipping it could drop a completed change.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::error::StateError;
use super::model::{InstanceState, OutputState, State, TemporaryState};
use crate::addr::InstanceAddr;

/// One completed change. Applying an entry twice has the same effect as once, so replaying
/// a journal whose entries already reached the state file is harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalEntry {
    /// An object now exists with these attributes (created, updated or refreshed).
    Set {
        #[serde(with = "addr_text")]
        addr: InstanceAddr,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        deposed: String,
        provider: String,
        instance: InstanceState,
    },
    /// An object no longer exists (deleted, or forgotten).
    Remove {
        #[serde(with = "addr_text")]
        addr: InstanceAddr,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        deposed: String,
    },
    /// The root module's outputs, all of them.
    Outputs(BTreeMap<String, OutputState>),
    /// A build is about to create a temporary resource.
    TemporarySet {
        id: String,
        temporary: TemporaryState,
    },
    /// A temporary resource is gone.
    TemporaryRemove { id: String },
}

impl JournalEntry {
    pub fn apply_to(&self, state: &mut State) {
        match self {
            JournalEntry::Set {
                addr,
                deposed,
                provider,
                instance,
            } => state.set(addr, deposed, provider, instance.clone()),
            JournalEntry::Remove { addr, deposed } => {
                state.remove(addr, deposed);
            }
            JournalEntry::Outputs(outputs) => state.outputs = outputs.clone(),
            JournalEntry::TemporarySet { id, temporary } => {
                state.temporaries.insert(id.clone(), temporary.clone());
            }
            JournalEntry::TemporaryRemove { id } => {
                state.temporaries.remove(id);
            }
        }
    }
}

/// Instance addresses are written the way users read them (`module.a.x.y["k"]`).
mod addr_text {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(addr: &InstanceAddr, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(addr)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<InstanceAddr, D::Error> {
        let text = String::deserialize(d)?;
        InstanceAddr::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A handle on the journal; clones share one writer thread. The thread ends when the
/// last handle is dropped.
#[derive(Clone)]
pub struct Journal {
    path: Arc<PathBuf>,
    sender: mpsc::Sender<Request>,
    syncs: Arc<AtomicU64>,
}

struct Request {
    line: Vec<u8>,
    done: oneshot::Sender<Result<(), String>>,
}

impl Journal {
    /// Opens (creating, `0600`) the journal at `path` for appending and starts its writer.
    pub fn open(path: &Path) -> Result<Journal, StateError> {
        trim_torn_tail(path)?;
        // Append mode: after the store empties the file, the next entry goes to its
        // start, not to the old end (which would leave a hole of zeros).
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| StateError::io("open the journal", path, e))?;
        let (sender, receiver) = mpsc::channel();
        let syncs = Arc::new(AtomicU64::new(0));
        let writer_syncs = Arc::clone(&syncs);
        std::thread::Builder::new()
            .name("kiln-journal".into())
            .spawn(move || write_loop(file, receiver, writer_syncs))
            .map_err(|e| StateError::io("start the journal writer for", path, e))?;
        Ok(Journal {
            path: Arc::new(path.to_path_buf()),
            sender,
            syncs,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records an entry; returns once it is durable (written and fsynced). The entry is
    /// handed to the writer on the first poll: dropping the future after that does not
    /// withdraw it.
    pub async fn record(&self, entry: JournalEntry) -> Result<(), StateError> {
        let done = self.submit(&entry)?;
        let result = done.await;
        self.settle(result)
    }

    /// [`Journal::record`] for synchronous callers. Must not be called from inside an
    /// async task (it blocks the thread until the entry is durable).
    pub fn record_blocking(&self, entry: JournalEntry) -> Result<(), StateError> {
        let done = self.submit(&entry)?;
        let result = done.blocking_recv();
        self.settle(result)
    }

    /// How many fsyncs the writer has done: with group commit, far fewer than entries.
    pub fn sync_count(&self) -> u64 {
        self.syncs.load(Ordering::Relaxed)
    }

    /// Reads the entries of the journal at `path` (none if it does not exist).
    pub fn replay(path: &Path) -> Result<Vec<JournalEntry>, StateError> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StateError::io("read the journal", path, e)),
        };
        parse(&bytes, path)
    }

    fn submit(
        &self,
        entry: &JournalEntry,
    ) -> Result<oneshot::Receiver<Result<(), String>>, StateError> {
        // Serialised here, not in the writer, so the writer never fails on one entry.
        let mut line = serde_json::to_vec(entry).map_err(|e| self.failed(e.to_string()))?;
        line.push(b'\n');
        let (done, wait) = oneshot::channel();
        self.sender
            .send(Request { line, done })
            .map_err(|_| self.failed("the journal writer has stopped".into()))?;
        Ok(wait)
    }

    fn settle(
        &self,
        result: Result<Result<(), String>, oneshot::error::RecvError>,
    ) -> Result<(), StateError> {
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(self.failed(message)),
            Err(_) => Err(self.failed("the journal writer has stopped".into())),
        }
    }

    fn failed(&self, message: String) -> StateError {
        StateError::JournalFailed {
            path: self.path.to_path_buf(),
            message,
        }
    }
}

/// The writer thread: batch, write, sync once, acknowledge.
fn write_loop(mut file: File, receiver: mpsc::Receiver<Request>, syncs: Arc<AtomicU64>) {
    // After a failed write the file may end in a partial line; appending more after it
    // would turn a torn tail into corruption in the middle. So the first failure is final.
    let mut failure: Option<String> = None;
    let mut buf = Vec::new();
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        batch.extend(receiver.try_iter());
        if failure.is_none() {
            buf.clear();
            for r in &batch {
                buf.extend_from_slice(&r.line);
            }
            let written = file.write_all(&buf).and_then(|()| file.sync_data());
            syncs.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = written {
                failure = Some(e.to_string());
            }
        }
        for r in batch {
            let _ = r.done.send(match &failure {
                None => Ok(()),
                Some(m) => Err(m.clone()),
            });
        }
    }
}

/// Cuts a torn last line off an existing journal, so that entries appended now don't
/// follow garbage (which replay would rightly call corruption).
fn trim_torn_tail(path: &Path) -> Result<(), StateError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StateError::io("read the journal", path, e)),
    };
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if keep == bytes.len() {
        return Ok(());
    }
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| {
            f.set_len(keep as u64)?;
            f.sync_all()
        })
        .map_err(|e| StateError::io("trim the journal", path, e))
}

fn parse(bytes: &[u8], path: &Path) -> Result<Vec<JournalEntry>, StateError> {
    let mut entries = Vec::new();
    // Only newline-terminated lines count; whatever follows the last newline is the
    // torn tail of a write that was never acknowledged.
    let complete = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(i) => &bytes[..=i],
        None => return Ok(entries),
    };
    for (i, line) in complete.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(line) {
            Ok(e) => entries.push(e),
            Err(e) => {
                return Err(StateError::JournalCorrupt {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(entries)
}
