//! Where state is kept: the [`Backend`] trait, and the lock information every backend
//! records so that a refused run can say who holds the lock.
//!
//! The trait is synchronous and object-safe: state is read once and written a handful of
//! times per run, so there is nothing to gain from async here, and `Box<dyn Backend>`
//! lets the CLI choose a backend from the configuration at run time.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::StateError;
use super::model::State;

/// A place state lives: the local file system today, object stores later.
pub trait Backend: Send + Sync {
    /// For messages: "the local state file ./kiln.kstate".
    fn describe(&self) -> String;

    /// The stored state, or `None` when there is none yet. Refuses formats this Kiln
    /// does not read without touching them.
    fn read(&self) -> Result<Option<State>, StateError>;

    /// Replaces the stored state as one atomic step, keeping the previous version.
    fn write(&self, state: &State) -> Result<(), StateError>;

    /// Takes the lock, waiting up to `timeout` for another holder to let go. The lock is
    /// held until the guard is dropped.
    fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<Box<dyn LockGuard>, StateError>;

    /// Removes a lock left behind, when `id` is its id; see each backend for what it can
    /// and cannot break.
    fn force_unlock(&self, id: &str) -> Result<(), StateError>;

    /// Where the write-ahead journal lives, if this backend keeps one on the local disk.
    fn journal_path(&self) -> Option<PathBuf>;
}

/// A held lock; dropping it releases the lock.
pub trait LockGuard: Send + Sync {
    fn info(&self) -> &LockInfo;
}

/// Who holds a lock and why: written into the lock so that others can be told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A random UUID (v4), the handle `force-unlock` takes.
    pub id: String,
    /// The command that took the lock: "apply", "state rm".
    pub operation: String,
    /// `user@host`.
    pub who: String,
    pub pid: u32,
    /// When the lock was taken, RFC 3339 in UTC.
    pub created: String,
    /// The state the lock protects; filled in by the backend.
    #[serde(default)]
    pub path: String,
}

impl LockInfo {
    /// New lock information with a fresh id and the current time. `who` and `pid` come
    /// from the caller: the core does not read the environment.
    pub fn new(operation: &str, who: &str, pid: u32) -> LockInfo {
        let created = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            // Formatting a current UTC time cannot fail in practice; an empty time is
            // still a usable lock.
            .unwrap_or_default();
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: who.to_string(),
            pid,
            created,
            path: String::new(),
        }
    }
}
