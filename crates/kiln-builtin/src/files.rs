//! File system operations for `local_file`, blocking, with errors as sentences that name
//! the path. Permissions are applied on Unix and ignored elsewhere.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// A file's bytes and (on Unix) its permission bits.
pub struct Found {
    pub bytes: Vec<u8>,
    pub mode: Option<u32>,
}

/// Reads a file; `None` when it does not exist.
pub fn read(path: &Path) -> Result<Option<Found>, String> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(Found {
            bytes,
            mode: mode(path),
        })),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode(_: &Path) -> Option<u32> {
    None
}

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a part:
/// a temporary file next to it is written, given its mode, synced and renamed over `path`.
/// Missing parent directories are created with `dir_mode` (less the umask).
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    file_mode: u32,
    dir_mode: u32,
) -> Result<(), String> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    create_dirs(parent, dir_mode)
        .map_err(|e| format!("cannot create directory {}: {e}", parent.display()))?;
    let tmp = parent.join(temp_name(path));
    let written = write_new(&tmp, bytes, file_mode).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(())
}

/// `.NAME.kiln-PID-N.tmp`: unique among concurrent writers in this process and others.
fn temp_name(path: &Path) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(".{name}.kiln-{}-{n}.tmp", std::process::id())
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    set_mode(path, mode)?;
    f.sync_all()
}

#[cfg(unix)]
fn create_dirs(dir: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(mode).create(dir)
}

#[cfg(not(unix))]
fn create_dirs(dir: &Path, _: u32) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Sets the exact mode (not reduced by the umask), so a refresh reads back what was asked.
#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// Removes a file; one already gone is not an error.
pub fn remove(path: &Path) -> Result<(), String> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}
