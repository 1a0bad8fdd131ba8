//! The processes this provider starts and stops (QEMU daemons, network switches), seen
//! through `/proc`: whether one has exited, and signalling it. Linux only.

use std::path::Path;

/// Whether `pid` has exited: no `/proc` entry, or a zombie (exited, not yet reaped by its
/// parent — the case while the process that spawned it still runs, or while a sandbox's
/// init is slow to reap).
pub fn is_gone(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    // "pid (comm) state …": comm may hold spaces and parentheses, so look after the last ')'.
    let state = stat
        .rfind(')')
        .and_then(|at| stat.get(at + 1..))
        .and_then(|rest| rest.split_whitespace().next());
    matches!(state, Some("Z" | "X" | "x") | None)
}

/// Sends `signal` to `pid`; the caller has checked the pid is one of ours.
pub fn signal(pid: u32, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) has no memory-safety preconditions, and a positive pid never
        // addresses a process group.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// A pid written in a pid file, if the file holds one.
pub fn read_pid_file(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}
