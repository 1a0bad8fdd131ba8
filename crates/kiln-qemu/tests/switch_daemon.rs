//! `spawn_daemon` and `stop` with real processes and signals.
//!
//! No libtest harness: this binary is also the daemon. Started as `BINARY qemu-switch DIR` it
//! behaves like `kiln qemu-switch DIR`, so the tests exercise the real argv shape, process
//! group, pid file, `/proc` checks and signal handling.

mod switch_support;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiln_qemu::switch::{self, Control, Error};
use switch_support::Vm;

/// Set in the environment of a stand-in daemon that must ignore SIGTERM.
const IGNORE_TERM: &str = "KILN_SWITCH_TEST_IGNORE_SIGTERM";

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == switch::SUBCOMMAND) {
        let dir = PathBuf::from(args.get(2).expect("qemu-switch DIR"));
        if std::env::var_os(IGNORE_TERM).is_some() {
            return stubborn_daemon(&dir);
        }
        if let Err(e) = switch::run(&dir) {
            eprintln!("kiln qemu-switch: {e}");
            std::process::exit(1);
        }
        return;
    }
    let tests: [(&str, fn()); 4] = [
        ("spawn_serve_reload_stop", spawn_serve_reload_stop),
        (
            "a_daemon_that_dies_at_start_is_reported",
            a_daemon_that_dies_at_start_is_reported,
        ),
        (
            "stop_never_signals_a_stranger",
            stop_never_signals_a_stranger,
        ),
        (
            "stop_kills_a_daemon_that_ignores_sigterm",
            stop_kills_a_daemon_that_ignores_sigterm,
        ),
    ];
    for (name, test) in tests {
        let start = Instant::now();
        test();
        println!("test {name} ... ok ({:.2?})", start.elapsed());
    }
}

fn me() -> PathBuf {
    std::env::current_exe().unwrap()
}

fn state(pid: u32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.get(stat.rfind(')')? + 2..)?;
    after.split_whitespace().next().map(str::to_string)
}

fn spawn_serve_reload_stop() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    let pid = switch::spawn_daemon(&me(), &dir).unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("switch.pid")).unwrap().trim(),
        pid.to_string()
    );
    assert!(dir.join("switch.sock").exists());
    assert_eq!(
        switch::spawn_daemon(&me(), &dir).unwrap(),
        pid,
        "second start"
    );

    // It switches.
    let a = Vm::new(&dir, "a", 1, [10, 0, 0, 1]);
    let b = Vm::new(&dir, "b", 2, [10, 0, 0, 2]);
    b.hello();
    a.hello();
    assert_eq!(b.recv(), a.arp_request(0));

    // A second switch on the same directory is refused.
    match switch::run_with(&dir, &Control::new()) {
        Err(Error::AlreadyRunning { pid: other, .. }) => assert_eq!(other, pid),
        other => panic!("second switch: {other:?}"),
    }
    assert!(dir.join("switch.sock").exists());

    // SIGHUP re-reads the rules (here: notes again that there are none) and does not kill it.
    let status = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let log = dir.join("switch.log");
    let deadline = Instant::now() + Duration::from_secs(2);
    while fs::read_to_string(&log).unwrap().matches("no ").count() < 2 {
        assert!(
            Instant::now() < deadline,
            "{}",
            fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    a.hello();
    assert_eq!(b.recv(), a.arp_request(0));

    let start = Instant::now();
    switch::stop(&dir).unwrap();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(1), "clean stop took {took:?}");
    // Our child, not reaped: a zombie (or gone).
    assert!(
        matches!(state(pid).as_deref(), None | Some("Z")),
        "{:?}",
        state(pid)
    );
    assert!(!dir.join("switch.sock").exists());
    assert!(!dir.join("switch.pid").exists());
    let log = fs::read_to_string(&log).unwrap();
    assert!(log.ends_with("kiln qemu-switch: stopped\n"), "{log}");
    switch::stop(&dir).unwrap();
}

fn a_daemon_that_dies_at_start_is_reported() {
    // A unix socket path holds at most 107 bytes; this directory makes bind fail.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d".repeat(120));
    let err = switch::spawn_daemon(&me(), &dir).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::DaemonExited { .. }), "{text}");
    assert!(text.contains("could not bind"), "{text}");
    assert!(text.contains("switch.log"), "{text}");
}

fn stop_never_signals_a_stranger() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A stale pid file naming this test process, which is no switch.
    fs::write(dir.join("switch.pid"), format!("{}\n", std::process::id())).unwrap();
    fs::write(dir.join("switch.sock"), "").unwrap();
    switch::stop(dir).unwrap();
    assert!(!dir.join("switch.pid").exists());
    assert!(!dir.join("switch.sock").exists());
}

/// Stands in for a hung switch: writes its pid file, then ignores SIGTERM.
fn stubborn_daemon(dir: &Path) {
    let ignored = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGTERM, ignored).unwrap();
    let tmp = dir.join("switch.pid.tmp");
    fs::write(&tmp, format!("{}\n", std::process::id())).unwrap();
    fs::rename(&tmp, dir.join("switch.pid")).unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

fn stop_kills_a_daemon_that_ignores_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap();
    let mut child = Command::new(me())
        .arg(switch::SUBCOMMAND)
        .arg(&dir)
        .env(IGNORE_TERM, "1")
        .spawn()
        .unwrap();
    switch_support::wait_for(&dir.join("switch.pid"));
    let start = Instant::now();
    switch::stop(&dir).unwrap();
    let took = start.elapsed();
    assert!(took >= Duration::from_secs(5), "{took:?}");
    let status = child.wait().unwrap();
    assert!(!status.success(), "{status:?}");
    assert!(!dir.join("switch.pid").exists());
}
