//! Starting the switch as a background process and stopping it again.
//!
//! The daemon is `KILN_EXE qemu-switch DIR`, in its own process group (a Ctrl-C in the
//! terminal that started it does not reach it), with stderr appended to `DIR/switch.log`.
//! `switch.pid` names it; before signalling that pid, [`stop`] checks in `/proc` that it
//! still is a switch for this directory, so a stale file never gets an unrelated process
//! killed. Linux only (`/proc`).

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::error::Error;
use super::{LOG_FILE, PID_FILE, SOCKET_FILE, SUBCOMMAND};
use crate::process::{is_gone, read_pid_file, signal};

const START_TIMEOUT: Duration = Duration::from_secs(5);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);
/// How much of the log an error quotes.
const LOG_TAIL_BYTES: u64 = 2048;

/// Starts `kiln_exe qemu-switch DIR` detached and returns its pid once `switch.sock` exists.
/// If a switch already serves `dir`, returns that one's pid instead.
pub fn spawn_daemon(kiln_exe: &Path, dir: &Path) -> Result<u32, Error> {
    fs::create_dir_all(dir).map_err(|e| Error::io(format!("create {}", dir.display()), e))?;
    let dir = dir
        .canonicalize()
        .map_err(|e| Error::io(format!("open {}", dir.display()), e))?;
    let socket = dir.join(SOCKET_FILE);
    if let Some(pid) = running_switch(&dir).filter(|_| socket.exists()) {
        return Ok(pid);
    }
    let log_path = dir.join(LOG_FILE);
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| Error::io(format!("open {}", log_path.display()), e))?;
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
    let mut child = Command::new(kiln_exe)
        .arg(SUBCOMMAND)
        .arg(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .process_group(0)
        .spawn()
        .map_err(|e| Error::io(format!("start {} {SUBCOMMAND}", kiln_exe.display()), e))?;
    let pid = child.id();
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::DaemonExited {
                status,
                log_tail: log_tail(&log_path, log_start),
                log: log_path,
            });
        }
        if read_pid(&dir) == Some(pid) && socket.exists() {
            // Not waited for: it outlives this call. Should it exit while this process still
            // runs, it stays a zombie until then, which `stop` recognises.
            return Ok(pid);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::DaemonTimeout {
                log_tail: log_tail(&log_path, log_start),
                log: log_path,
            });
        }
        sleep(POLL);
    }
}

/// Stops the switch serving `dir`: SIGTERM, then SIGKILL after 5 s. Succeeds when none runs;
/// removes a stale `switch.sock` and `switch.pid`.
pub fn stop(dir: &Path) -> Result<(), Error> {
    let Ok(dir) = dir.canonicalize() else {
        return Ok(()); // no directory, no switch
    };
    if let Some(pid) = running_switch(&dir) {
        signal(pid, libc::SIGTERM);
        if !wait_gone(pid, STOP_TIMEOUT) {
            signal(pid, libc::SIGKILL);
            if !wait_gone(pid, Duration::from_secs(1)) {
                return Err(Error::StopFailed { pid });
            }
        }
    }
    for name in [SOCKET_FILE, PID_FILE] {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                return Err(Error::io(format!("remove {}", path.display()), e));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The pid in `DIR/switch.pid`, if the file holds one.
pub(crate) fn read_pid(dir: &Path) -> Option<u32> {
    read_pid_file(&dir.join(PID_FILE))
}

/// The pid of a live switch process serving the canonical `dir`, per `switch.pid`.
pub(crate) fn running_switch(dir: &Path) -> Option<u32> {
    read_pid(dir).filter(|pid| is_switch_for(*pid, dir))
}

/// Whether `pid` is alive (not a zombie) and runs `… qemu-switch DIR`.
fn is_switch_for(pid: u32, dir: &Path) -> bool {
    if is_gone(pid) {
        return false;
    }
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let Ok(cmdline) = fs::read(proc_dir.join("cmdline")) else {
        return false;
    };
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let Some(at) = args.iter().position(|a| *a == SUBCOMMAND.as_bytes()) else {
        return false;
    };
    let Some(arg) = args.get(at + 1) else {
        return false;
    };
    // A relative DIR is relative to the daemon's working directory.
    let arg = Path::new(std::ffi::OsStr::from_bytes(arg));
    proc_dir
        .join("cwd")
        .join(arg)
        .canonicalize()
        .is_ok_and(|d| d == dir)
}

fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while !is_gone(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        sleep(POLL);
    }
    true
}

/// The log written since `from` (at most the last 2 KiB), for error messages.
fn log_tail(path: &Path, from: u64) -> String {
    let Ok(mut file) = File::open(path) else {
        return String::from("(no log)");
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = from.max(len.saturating_sub(LOG_TAIL_BYTES));
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return String::from("(log unreadable)");
    }
    let text = String::from_utf8_lossy(&bytes).trim_end().to_string();
    if text.is_empty() {
        String::from("(log empty)")
    } else {
        text
    }
}
