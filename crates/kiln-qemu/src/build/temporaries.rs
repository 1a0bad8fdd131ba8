//! A build's temporary resources, as recorded in state, and their removal — by the
//! build's own cleanups, and by [`delete_temporary`] at the next run when a build was
//! killed or kept with `--on-error=abort`.
//!
//! | kind | data | what it is |
//! | --- | --- | --- |
//! | `build_dir` | `{"dir", "overlay"}` | `.kiln/images/.build-<id>/` and `.build-<id>.qcow2` |
//! | `build_vm` | `{"run_dir", "pid"}` | the build machine's QEMU, running in `run_dir` |
//!
//! Recorded data may be stale or edited, so removal trusts nothing in it blindly: paths
//! must name a build's own files (`.build-*` in an images directory), and a process is
//! killed only when `/proc/PID/cmdline` shows a QEMU whose arguments use that build
//! directory — never an unrelated process that got the pid later. Everything succeeds
//! when the thing is already gone.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kiln_core::run::Temporary;
use serde_json::json;

pub const BUILD_DIR: &str = "build_dir";
pub const BUILD_VM: &str = "build_vm";

pub fn dir_id(build_id: &str) -> String {
    format!("{build_id}/dir")
}

pub fn vm_id(build_id: &str) -> String {
    format!("{build_id}/vm")
}

/// The temporary for a build's directory and overlay.
pub fn build_dir(build_id: &str, dir: &Path, overlay: &Path) -> Temporary {
    Temporary {
        id: dir_id(build_id),
        kind: BUILD_DIR.into(),
        description: format!("build files {} and {}", dir.display(), overlay.display()),
        data: json!({"dir": dir, "overlay": overlay}),
    }
}

/// The temporary for a build machine; `pid` is unknown until QEMU has started.
pub fn build_vm(build_id: &str, run_dir: &Path, pid: Option<u32>) -> Temporary {
    let what = match pid {
        Some(p) => format!("QEMU pid {p}"),
        None => "QEMU starting".into(),
    };
    Temporary {
        id: vm_id(build_id),
        kind: BUILD_VM.into(),
        description: format!("build machine ({what}, {})", run_dir.display()),
        data: json!({"run_dir": run_dir, "pid": pid}),
    }
}

/// Removes a recorded temporary of `kind` with `data`; `qemu` is the configured QEMU.
pub async fn delete(kind: &str, data: &serde_json::Value, qemu: &Path) -> Result<(), String> {
    let path = |key: &str| -> Result<PathBuf, String> {
        data.get(key)
            .and_then(|v| v.as_str())
            .map(PathBuf::from)
            .ok_or_else(|| format!("the recorded {kind} has no \"{key}\": {data}"))
    };
    match kind {
        BUILD_VM => {
            let run_dir = checked_build_path(&path("run_dir")?, "")?;
            let pid = data
                .get("pid")
                .and_then(|p| p.as_u64())
                .and_then(|p| u32::try_from(p).ok());
            stop_vms(&run_dir, pid, qemu).await
        }
        BUILD_DIR => {
            let dir = checked_build_path(&path("dir")?, "")?;
            let overlay = checked_build_path(&path("overlay")?, ".qcow2")?;
            // A machine still running on these files would keep writing to them.
            stop_vms(&dir, None, qemu).await?;
            remove_files(&dir, &overlay)
        }
        other => Err(format!(
            "the qemu provider makes no temporary \"{other}\"; remove it from the state by hand"
        )),
    }
}

/// `path` if it names a build's own file in an images directory: absolute, called
/// `.build-*<suffix>`, and not reaching elsewhere through `..`.
fn checked_build_path(path: &Path, suffix: &str) -> Result<PathBuf, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let in_images = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|p| p == "images");
    let plain = path
        .components()
        .all(|c| !matches!(c, std::path::Component::ParentDir));
    if path.is_absolute()
        && in_images
        && plain
        && name.starts_with(".build-")
        && name.ends_with(suffix)
    {
        Ok(path.to_path_buf())
    } else {
        Err(format!(
            "{} is not a qemu build's file (.kiln/images/.build-*{suffix}); refusing to remove it",
            path.display()
        ))
    }
}

/// Removes a build's directory and overlay; gone already is fine.
pub fn remove_files(dir: &Path, overlay: &Path) -> Result<(), String> {
    let gone = |r: std::io::Result<()>, p: &Path| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {}: {e}", p.display()))
        }
        _ => Ok(()),
    };
    let a = gone(std::fs::remove_dir_all(dir), dir);
    let b = gone(std::fs::remove_file(overlay), overlay);
    a.and(b)
}

/// Kills every QEMU that runs in `run_dir` — `pid` if given, the one in its pid file, and
/// any other found in `/proc` — and waits until they are gone. The build disk is thrown
/// away, so there is no clean shutdown to wait for.
pub async fn stop_vms(run_dir: &Path, pid: Option<u32>, qemu: &Path) -> Result<(), String> {
    let mut pids: Vec<u32> = pid.into_iter().collect();
    pids.extend(crate::process::read_pid_file(&run_dir.join("qemu.pid")));
    pids.extend(all_pids());
    pids.sort_unstable();
    pids.dedup();
    let ours: Vec<u32> = pids
        .into_iter()
        .filter(|p| is_build_qemu(*p, run_dir, qemu))
        .collect();
    for p in &ours {
        crate::process::signal(*p, libc::SIGKILL);
    }
    for p in &ours {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while is_build_qemu(*p, run_dir, qemu) {
            if tokio::time::Instant::now() > deadline {
                return Err(format!(
                    "the build machine (QEMU pid {p}) did not stop within 10 s of SIGKILL"
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// Whether `pid` is a live QEMU (its program named like QEMU, or the configured one)
/// with an argument inside `run_dir`.
pub fn is_build_qemu(pid: u32, run_dir: &Path, qemu: &Path) -> bool {
    if crate::process::is_gone(pid) {
        return false;
    }
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let mut args = cmdline
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned());
    let Some(program) = args.next() else {
        return false;
    };
    let is_qemu = Path::new(&program)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains("qemu"))
        || Path::new(&program) == qemu;
    let dir = run_dir.to_string_lossy();
    is_qemu && args.any(|a| a.contains(dir.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_build_files_may_be_removed() {
        let ok = Path::new("/s/.kiln/images/.build-1a2b");
        assert!(checked_build_path(ok, "").is_ok());
        assert!(
            checked_build_path(Path::new("/s/.kiln/images/.build-1a2b.qcow2"), ".qcow2").is_ok()
        );
        for bad in [
            "/",
            "/home/me",
            "relative/images/.build-1",
            "/s/.kiln/images/qimg-1234.qcow2",
            "/s/.kiln/other/.build-1",
            "/s/.kiln/images/../images/.build-1",
        ] {
            assert!(checked_build_path(Path::new(bad), "").is_err(), "{bad}");
        }
    }

    #[test]
    fn this_test_process_is_no_build_qemu() {
        let me = std::process::id();
        assert!(!is_build_qemu(
            me,
            Path::new("/"),
            Path::new("qemu-system-x86_64")
        ));
    }
}
