//! Where the qemu provider keeps what it makes, under one directory (`.kiln/` beside the
//! state by default):
//!
//! ```text
//! .kiln/images/<id>.qcow2        built images (content-addressed), qcow2 backing chains
//! .kiln/images/<id>.json         what each image was built from (ImageMeta)
//! .kiln/images/<id>.log          the build's provisioner output
//! .kiln/images/base-<digest>.*   imported source images, kernels and initrds (a cache)
//! .kiln/images/.build-<id>/      a running build: keys, fw_cfg files, QEMU's pid, QMP
//!                                socket and console (removed when the build ends)
//! .kiln/images/.build-<id>.qcow2 a running build's disk overlay (likewise)
//! .kiln/logs/build-<id>.log      a build's log while it runs; kept there when it fails
//! .kiln/instances/<id>/          a VM: disk overlay, QMP socket, pid file, console log
//! .kiln/networks/<id>/           a private segment: its switch's socket, pid and rules
//! .kiln/firewalls/<id>.json      a firewall's rules
//! ```
//!
//! Backing files are named relative to the overlay's own directory, so the store can be
//! moved as a whole. Edits that read and rewrite shared records (address allocation,
//! firewall rules applied to instances) hold [`Store::lock`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{de::DeserializeOwned, Serialize};
use tokio::sync::{Mutex, MutexGuard};

#[derive(Debug, Clone)]
pub struct Store {
    pub root: PathBuf,
}

impl Store {
    pub fn new(root: PathBuf) -> Store {
        Store { root }
    }

    pub fn images(&self) -> PathBuf {
        self.root.join("images")
    }

    pub fn image_disk(&self, id: &str) -> PathBuf {
        self.images().join(format!("{id}.qcow2"))
    }

    pub fn image_meta(&self, id: &str) -> PathBuf {
        self.images().join(format!("{id}.json"))
    }

    pub fn image_log(&self, id: &str) -> PathBuf {
        self.images().join(format!("{id}.log"))
    }

    /// Logs of builds that are running or failed (a built image's log moves beside it).
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    pub fn build_log(&self, build_id: &str) -> PathBuf {
        self.logs().join(format!("{build_id}.log"))
    }

    pub fn instances(&self) -> PathBuf {
        self.root.join("instances")
    }

    pub fn instance_dir(&self, id: &str) -> PathBuf {
        self.instances().join(id)
    }

    pub fn networks(&self) -> PathBuf {
        self.root.join("networks")
    }

    pub fn network_dir(&self, id: &str) -> PathBuf {
        self.networks().join(id)
    }

    pub fn firewalls(&self) -> PathBuf {
        self.root.join("firewalls")
    }

    pub fn firewall_file(&self, id: &str) -> PathBuf {
        self.firewalls().join(format!("{id}.json"))
    }

    /// One lock for every read-modify-write of shared records within this process; the
    /// state lock keeps two `kiln` processes from working on one store at once.
    pub async fn lock(&self) -> MutexGuard<'static, ()> {
        static LOCK: OnceLock<Mutex<()>> = OnceLock::new();
        LOCK.get_or_init(|| Mutex::new(())).lock().await
    }
}

/// Reads a JSON record; `Ok(None)` when the file does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{} is not a valid record: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes a JSON record atomically (temp file, then rename), so a reader never sees half.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    // Unique per write, not only per process: two creates of this run may rewrite the
    // same file at once (every VM on a network rewrites its switch rules), and a shared
    // temporary name lets one rename the other's file away.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp-{}-{n}", std::process::id()));
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Every record of one kind: the `*.json` files of `dir`, or `meta.json` of its
/// subdirectories when `nested`.
pub fn read_all<T: DeserializeOwned>(dir: &Path, nested: bool) -> Result<Vec<T>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let file = if nested {
            path.join("meta.json")
        } else if path.extension().is_some_and(|e| e == "json") {
            path
        } else {
            continue;
        };
        if let Some(v) = read_json(&file)? {
            out.push(v);
        }
    }
    Ok(out)
}

/// A short random id with a prefix: `vm-3f2a9c1e`.
pub fn new_id(prefix: &str) -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &u[..8])
}

#[cfg(test)]
mod tests {
    /// Every VM on a network rewrites its rules file; concurrent writes of one file must
    /// all succeed and leave a whole file.
    #[test]
    fn concurrent_writes_of_one_file_all_succeed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rules.json");
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .map(|j| {
                            super::write_json(&path, &serde_json::json!({ "writer": i, "n": j }))
                        })
                        .collect::<Result<Vec<()>, String>>()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().expect("thread"), Ok(vec![(); 50]));
        }
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_ok(),
            "{text}"
        );
    }
}
