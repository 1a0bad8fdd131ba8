//! The state lock between real `kiln` processes: a second run fails at once naming the
//! holder, or waits for it with --lock-timeout; a holder killed with `kill -9` leaves
//! nothing that blocks the next run.
//!
//! The first run is held inside its plan by a `local_command` data source that waits for
//! a file named `open`, so the test decides when it may finish (no sleeps to tune).

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{kiln, kiln_spawn, temp_config};

const GATED: &str = r#"
data "local_command" "gate" {
  program = ["sh", "-c", "while [ ! -e open ]; do sleep 0.05; done; echo '{}'"]
}

resource "local_file" "f" {
  filename = "out/f.txt"
  content  = "after ${data.local_command.gate.id}"
}
"#;

/// Waits until the lock file names process `pid` as its holder, and returns what it says.
fn lock_holder(dir: &Path, pid: u32) -> serde_json::Value {
    let give_up = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(dir.join("kiln.kstate.lock")).unwrap_or_default();
        if let Ok(info) = serde_json::from_str::<serde_json::Value>(&text) {
            if info["pid"].as_u64() == Some(u64::from(pid)) {
                return info;
            }
        }
        assert!(
            Instant::now() < give_up,
            "process {pid} never took the lock; the lock file says {text:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn open_gate(dir: &Path) {
    std::fs::write(dir.join("open"), "").unwrap();
}

#[test]
fn a_second_apply_fails_naming_the_holder_or_waits_for_it() {
    let dir = temp_config(&[("main.hcl", GATED)]);
    let path = dir.path();
    let first = kiln_spawn(path, &["apply", "--auto-approve", "--no-color"]);
    let holder = lock_holder(path, first.pid());
    assert_eq!(holder["operation"], "apply");

    let second = kiln(
        path,
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--lock-timeout",
            "0s",
        ],
    );
    assert_eq!(second.code, 1, "{}", second.all());
    let who = holder["who"].as_str().expect("who holds it");
    for part in [
        "State locked".to_string(),
        "Operation: apply".to_string(),
        format!("PID:       {}", first.pid()),
        format!("Who:       {who}"),
        "--lock-timeout 0s".to_string(),
    ] {
        assert!(
            second.stderr.contains(&part),
            "missing {part:?}:\n{}",
            second.stderr
        );
    }
    assert!(
        !path.join("out").exists(),
        "the refused run changed nothing"
    );

    // A third run waits for the lock. It can only get it once the first has finished, so
    // it plans against the first one's result: nothing left to do.
    let third = kiln_spawn(
        path,
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--lock-timeout",
            "30s",
        ],
    );
    std::thread::sleep(Duration::from_millis(300));
    open_gate(path);
    let first = first.finish();
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(first.stdout.contains("Apply complete! Resources: 1 added"));
    let third = third.finish();
    assert_eq!(third.code, 0, "{}", third.all());
    assert!(
        third.stdout.contains("No changes."),
        "the waiting run planned after the first: {}",
        third.stdout
    );

    let plan = kiln(path, &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(path.join("out/f.txt").exists());
    assert!(!path.join("kiln.kstate.lock").exists(), "every run let go");
}

#[test]
fn a_lock_held_by_a_killed_run_does_not_block() {
    let dir = temp_config(&[("main.hcl", GATED)]);
    let path = dir.path();
    let mut first = kiln_spawn(path, &["apply", "--auto-approve", "--no-color"]);
    lock_holder(path, first.pid());
    first.kill9();
    let first = first.finish();
    assert_eq!(first.code, -1, "killed by a signal: {}", first.all());
    assert!(
        path.join("kiln.kstate.lock").exists(),
        "the dead holder's lock file is still there"
    );
    open_gate(path);

    let plan = kiln(
        path,
        &[
            "plan",
            "--detailed-exitcode",
            "--no-color",
            "--lock-timeout",
            "0s",
        ],
    );
    assert_eq!(plan.code, 2, "{}", plan.all());
    let apply = kiln(
        path,
        &[
            "apply",
            "--auto-approve",
            "--no-color",
            "--lock-timeout",
            "0s",
        ],
    );
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(path.join("out/f.txt").exists());
    assert!(!path.join("kiln.kstate.lock").exists());
    let plan = kiln(path, &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}
