//! The local backend: a state file on disk, `kiln.kstate` in the configuration directory
//! unless `kiln { backend "local" { path = "…" } }` says otherwise.
//!
//! Files beside the state, all created `0600` (state holds secrets):
//!
//! | file | what |
//! | --- | --- |
//! | `<path>` | the state, replaced atomically: temp file, fsync, rename, fsync the directory |
//! | `<path>.backup` | the version before the last write |
//! | `<path>.lock` | exists while a run holds the lock; its contents say who |
//! | `<path>.journal` | changes completed since the state was last written |
//!
//! **Locking.** The lock is an operating-system lock (`flock` on Linux, through std's
//! `File::lock`) on `<path>.lock`, not the mere existence of the file. The kernel drops it
//! when the holding process exits for any reason, `kill -9` included, so a crashed run
//! never leaves the state locked. The file's contents ([`LockInfo`] as JSON, written after
//! the lock is taken) only serve to name the holder. The holder deletes the file when it
//! lets go; since a waiter may have opened the old file meanwhile, whoever takes the lock
//! checks that the path still names the file it locked, and starts over if not.
//!
//! **`force_unlock`.** With an OS lock there is nothing to break after a crash. Kiln
//! cannot (and should not) take the lock from a live process: when the lock is held,
//! `force_unlock` refuses and names the process. When it is not held, a leftover lock
//! file is only stale information, and is removed if its id matches.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::backend::{Backend, LockGuard, LockInfo};
use super::codec;
use super::error::StateError;
use super::model::State;

/// How often a waiting run tries the lock again.
const POLL: Duration = Duration::from_millis(50);

pub struct LocalBackend {
    path: PathBuf,
}

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        LocalBackend { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn backup_path(&self) -> PathBuf {
        sibling(&self.path, ".backup")
    }

    pub fn lock_path(&self) -> PathBuf {
        sibling(&self.path, ".lock")
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The lock holder as recorded in the lock file, if it can be read.
    fn read_holder(&self) -> Option<Box<LockInfo>> {
        let text = std::fs::read_to_string(self.lock_path()).ok()?;
        serde_json::from_str(&text).ok().map(Box::new)
    }

    /// Creates the state's directory if it is missing (a configured `path` may name a
    /// directory that the first run creates).
    fn ensure_dir(&self) -> Result<(), StateError> {
        let dir = self.dir();
        std::fs::create_dir_all(&dir).map_err(|e| StateError::io("create the directory", &dir, e))
    }

    /// Opens the lock file, creating it `0600`, without truncating what a holder wrote.
    fn open_lock_file(&self) -> Result<File, StateError> {
        let path = self.lock_path();
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| StateError::io("open the lock file", &path, e))
    }

    /// Copies the current state to `<path>.backup` as one atomic step: a hard link made
    /// under a temporary name and renamed over the old backup, so a crash leaves either
    /// the old backup or the new one. Falls back to a copy where hard links don't work.
    fn keep_backup(&self) -> Result<(), StateError> {
        if !self.path.exists() {
            return Ok(());
        }
        let backup = self.backup_path();
        let tmp = sibling(&self.path, &format!(".backup.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        if std::fs::hard_link(&self.path, &tmp).is_err() {
            std::fs::copy(&self.path, &tmp)
                .map_err(|e| StateError::io("copy the state to", &tmp, e))?;
        }
        std::fs::rename(&tmp, &backup).map_err(|e| StateError::io("rename", &backup, e))
    }
}

impl Backend for LocalBackend {
    fn describe(&self) -> String {
        format!("local state file {}", self.path.display())
    }

    fn read(&self) -> Result<Option<State>, StateError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("read", &self.path, e)),
        };
        codec::from_bytes(&bytes, &self.path).map(Some)
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        let bytes = codec::to_bytes(state);
        let dir = self.dir();
        let tmp = sibling(
            &self.path,
            &format!(".tmp-{}-{}", std::process::id(), uuid::Uuid::new_v4()),
        );
        self.ensure_dir()?;
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(|e| StateError::io("create", &tmp, e))?;
            f.write_all(&bytes)
                .map_err(|e| StateError::io("write", &tmp, e))?;
            // The data must be on disk before the rename makes it the state, or a crash
            // could leave an empty state file in place of a good one.
            f.sync_all().map_err(|e| StateError::io("sync", &tmp, e))?;
            self.keep_backup()?;
            std::fs::rename(&tmp, &self.path)
                .map_err(|e| StateError::io("rename a temporary file over", &self.path, e))?;
            // The rename itself is durable only once the directory is synced.
            File::open(&dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| StateError::io("sync the directory", &dir, e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn lock(&self, info: &LockInfo, timeout: Duration) -> Result<Box<dyn LockGuard>, StateError> {
        let lock_path = self.lock_path();
        self.ensure_dir()?;
        let start = Instant::now();
        loop {
            let mut file = self.open_lock_file()?;
            match file.try_lock() {
                Ok(()) => {
                    if !still_at_path(&file, &lock_path) {
                        // The previous holder removed the file after we opened it: we
                        // locked an orphan. Try again with the file now at the path.
                        continue;
                    }
                    let mut info = info.clone();
                    info.path = self.path.display().to_string();
                    write_info(&mut file, &info)
                        .map_err(|e| StateError::io("write the lock file", &lock_path, e))?;
                    return Ok(Box::new(LocalLock {
                        file,
                        path: lock_path,
                        info,
                    }));
                }
                Err(TryLockError::WouldBlock) => {
                    let waited = start.elapsed();
                    if waited >= timeout {
                        return Err(StateError::Locked {
                            holder: self.read_holder(),
                            lock_path,
                            waited: timeout,
                        });
                    }
                    std::thread::sleep(POLL.min(timeout - waited));
                }
                Err(TryLockError::Error(e)) => {
                    return Err(StateError::io("lock", &lock_path, e));
                }
            }
        }
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        let lock_path = self.lock_path();
        if !lock_path.exists() {
            return Err(StateError::NotLocked { lock_path });
        }
        let holder = self.read_holder();
        if holder.as_ref().map(|h| h.id.as_str()) != Some(id) {
            return Err(StateError::LockIdMismatch {
                lock_path,
                given: id.to_string(),
                actual: holder,
            });
        }
        let mut file = self.open_lock_file()?;
        match file.try_lock() {
            Ok(()) => {
                // Not held: the file is what a killed run left. Remove it while holding
                // the lock, so a run arriving now cannot have written its own meanwhile.
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let current: Option<Box<LockInfo>> = serde_json::from_str(&text).ok();
                if current.as_ref().map(|h| h.id.as_str()) != Some(id) {
                    return Err(StateError::LockIdMismatch {
                        lock_path,
                        given: id.to_string(),
                        actual: current,
                    });
                }
                if still_at_path(&file, &lock_path) {
                    std::fs::remove_file(&lock_path)
                        .map_err(|e| StateError::io("remove", &lock_path, e))?;
                }
                Ok(())
            }
            Err(TryLockError::WouldBlock) => Err(StateError::HeldByLiveProcess {
                lock_path,
                // The id matched a moment ago; re-read in case the holder changed.
                holder: self.read_holder().or(holder).unwrap_or_else(|| {
                    Box::new(LockInfo {
                        id: id.to_string(),
                        operation: String::new(),
                        who: String::new(),
                        pid: 0,
                        created: String::new(),
                        path: String::new(),
                    })
                }),
            }),
            Err(TryLockError::Error(e)) => Err(StateError::io("lock", &lock_path, e)),
        }
    }

    fn journal_path(&self) -> Option<PathBuf> {
        Some(sibling(&self.path, ".journal"))
    }
}

/// The held lock. Dropping it removes the lock file (so no stale information stays
/// behind) and then releases the OS lock by closing the file.
struct LocalLock {
    file: File,
    path: PathBuf,
    info: LockInfo,
}

impl LockGuard for LocalLock {
    fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for LocalLock {
    fn drop(&mut self) {
        if still_at_path(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// `<path><suffix>`: `kiln.kstate.lock`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Whether `path` still names the open `file` (same device and inode).
fn still_at_path(file: &File, path: &Path) -> bool {
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn write_info(file: &mut File, info: &LockInfo) -> std::io::Result<()> {
    let mut text = serde_json::to_vec_pretty(info).map_err(std::io::Error::other)?;
    text.push(b'\n');
    file.set_len(0)?;
    // The file may hold a killed holder's longer text; write from the start.
    std::io::Seek::seek(file, std::io::SeekFrom::Start(0))?;
    file.write_all(&text)?;
    file.sync_data()
}
