//! What the tests with real VMs share: the base image, and finding the processes a
//! configuration directory started.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The base image inputs (`scripts/make-base-image`), made once per test binary: in
/// `KILN_BASE_DIR` when set (CI makes it once for every binary), else in the target
/// directory. The script does nothing when its inputs are unchanged.
pub fn base_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = match std::env::var_os("KILN_BASE_DIR") {
            Some(d) => PathBuf::from(d),
            None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kiln-base"),
        };
        // Found upward from the crate, so that tests of workspace members (which include
        // this file by path) use the same script.
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("scripts/make-base-image"))
            .find(|p| p.is_file())
            .expect("scripts/make-base-image in the crate or a directory above it");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "make-base-image failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// Whether `pid` has exited: no `/proc` entry, or a zombie not yet reaped.
pub fn exited(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

pub fn alive(pid: u32) -> bool {
    !exited(pid)
}

/// Live processes whose command line mentions `dir` and one of `programs`.
pub fn processes_of(dir: &Path, programs: &[&str]) -> Vec<u32> {
    let needle = dir.display().to_string();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd);
        if cmd.contains(&needle) && programs.iter().any(|p| cmd.contains(p)) && alive(pid) {
            pids.push(pid);
        }
    }
    pids
}

/// The QEMU processes of the configuration in `dir`.
pub fn qemu_pids(dir: &Path) -> Vec<u32> {
    processes_of(dir, &["qemu-system"])
}

/// Kills what a scenario's directory still runs when a step fails, so a failed test
/// leaves no process behind.
pub struct KillOnDrop(pub PathBuf);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        for pid in processes_of(&self.0, &["qemu-system", "qemu-switch"]) {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    }
}
