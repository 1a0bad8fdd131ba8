//! `kiln state list|show|rm|mv|pull|push` and `kiln force-unlock`, run as a user would,
//! on a copy of the shipped v1 example state.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{kiln, kiln_in, temp_config};

fn example() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("state/examples/v1.kstate"))
        .expect("the v1 example")
}

/// A configuration directory holding the example as its state.
fn with_state() -> tempfile::TempDir {
    temp_config(&[
        ("main.hcl", "# no resources\n"),
        ("kiln.kstate", &example()),
    ])
}

fn state_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("kiln.kstate")).unwrap()).unwrap()
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn list_all_and_filtered() {
    let dir = with_state();
    let run = kiln(dir.path(), &["state", "list"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(lines(&run.stdout).len(), 10, "{}", run.stdout);
    assert_eq!(lines(&run.stdout)[2], "local_file.boot[\"web1\"]");

    let run = kiln(
        dir.path(),
        &["state", "list", "module.labels", "qemu_instance.web[1]"],
    );
    assert_eq!(
        lines(&run.stdout),
        [
            "qemu_instance.web[1]",
            "module.labels[\"web1\"].kiln_data.labels",
            "module.labels[\"web2\"].kiln_data.labels"
        ]
    );
    let run = kiln(dir.path(), &["state", "list", "local_file["]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Invalid address"), "{}", run.stderr);
}

#[test]
fn list_without_state_prints_nothing_and_creates_nothing() {
    let dir = temp_config(&[("main.hcl", "")]);
    let run = kiln(dir.path(), &["state", "list"]);
    assert_eq!((run.code, run.all().as_str()), (0, ""));
    let pull = kiln(dir.path(), &["state", "pull"]);
    assert_eq!((pull.code, pull.all().as_str()), (0, ""));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn show_renders_hcl_with_sensitive_values_hidden() {
    let dir = with_state();
    let run = kiln(dir.path(), &["state", "show", "kiln_data.db_credentials"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        "# kiln_data.db_credentials:\nresource \"kiln_data\" \"db_credentials\" {\n  id     = \"a3f9c2\"\n  input  = {\n    \"password\" = (sensitive value)\n    \"user\"     = \"app\"\n  }\n  output = {\n    \"password\" = (sensitive value)\n    \"user\"     = \"app\"\n  }\n}\n"
    );
    assert!(!run.stdout.contains("correct-horse"));

    let run = kiln(dir.path(), &["state", "show", "qemu_instance.web[1]"]);
    assert!(
        run.stdout.starts_with(
            "# qemu_instance.web[1]: (tainted)\nresource \"qemu_instance\" \"web\" {\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("ip "),
        "nulls are left out: {}",
        run.stdout
    );

    let run = kiln(
        dir.path(),
        &["state", "show", "module.labels[\"web2\"].kiln_data.labels"],
    );
    assert!(
        run.stdout
            .contains("  input  = {\n    \"env\"  = \"dev\"\n"),
        "{}",
        run.stdout
    );

    let run = kiln(dir.path(), &["state", "show", "data.local_command.facts"]);
    assert!(run
        .stdout
        .starts_with("# data.local_command.facts:\ndata \"local_command\" \"facts\" {\n"));
    assert!(
        run.stdout
            .contains("stdout    = <<-EOT\n    x86_64\n  EOT\n"),
        "{}",
        run.stdout
    );

    let run = kiln(dir.path(), &["state", "show", "local_file.boot"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("No such instance"), "{}", run.stderr);
    assert!(
        run.stderr.contains("local_file.boot[\"web1\"]"),
        "{}",
        run.stderr
    );
}

#[test]
fn rm_forgets_instances_and_keeps_a_backup() {
    let dir = with_state();
    let run = kiln(
        dir.path(),
        &["state", "rm", "qemu_instance.web[0]", "module.labels"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        "Removed qemu_instance.web[0]\nRemoved module.labels[\"web1\"].kiln_data.labels\nRemoved module.labels[\"web2\"].kiln_data.labels\nSuccessfully removed 3 resource instance(s).\n"
    );
    let after = kiln(dir.path(), &["state", "list"]);
    assert_eq!(lines(&after.stdout).len(), 7);
    assert!(!after.stdout.contains("web[0]"));
    let s = state_json(dir.path());
    assert_eq!(s["serial"], 15);
    assert_eq!(s["lineage"], "5f0c3e2a-8b1d-4f6e-9a7c-2d4b6e8f0a13");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.kstate.backup")).unwrap(),
        example()
    );
    assert!(
        !dir.path().join("kiln.kstate.lock").exists(),
        "the lock is released"
    );

    let before = std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap();
    let run = kiln(
        dir.path(),
        &["state", "rm", "kiln_data.release", "local_file.nope"],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("No matching objects"), "{}", run.stderr);
    assert!(run.stderr.contains("local_file.nope"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap(),
        before
    );
}

#[test]
fn mv_instance_resource_and_module() {
    let dir = with_state();
    let run = kiln(
        dir.path(),
        &[
            "state",
            "mv",
            "qemu_instance.web[0]",
            "qemu_instance.web[2]",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        "Move \"qemu_instance.web[0]\" to \"qemu_instance.web[2]\"\nSuccessfully moved 1 object(s).\n"
    );
    let run = kiln(
        dir.path(),
        &[
            "state",
            "mv",
            "local_file.boot",
            "module.files.local_file.boot",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("Successfully moved 2 object(s)."));
    let run = kiln(dir.path(), &["state", "mv", "module.labels", "module.tags"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let list = kiln(dir.path(), &["state", "list"]).stdout;
    for addr in [
        "qemu_instance.web[2]",
        "module.files.local_file.boot[\"web2\"]",
        "module.tags[\"web1\"].kiln_data.labels",
    ] {
        assert!(list.lines().any(|l| l == addr), "{addr} in {list}");
    }
    // The deposed object moved with its instance.
    let show = kiln(dir.path(), &["state", "show", "qemu_instance.web[2]"]).stdout;
    assert!(show.contains("(deposed object c58d2e71)"), "{show}");
    assert_eq!(state_json(dir.path())["serial"], 17);

    let before = std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap();
    let run = kiln(
        dir.path(),
        &[
            "state",
            "mv",
            "kiln_data.release",
            "kiln_data.db_credentials",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap(),
        before
    );
}

#[test]
fn pull_prints_the_state_exactly() {
    let dir = with_state();
    let run = kiln(dir.path(), &["state", "pull"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, example());
}

#[test]
fn push_checks_lineage_and_serial_unless_forced() {
    let dir = with_state();
    let edited = dir.path().join("edited.json");
    let write = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut s: serde_json::Value = serde_json::from_str(&example()).unwrap();
        f(&mut s);
        std::fs::write(&edited, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    };

    // Same serial: not newer.
    write(&|s| s["outputs"] = serde_json::json!({}));
    let run = kiln(dir.path(), &["state", "push", "edited.json"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("State is not newer"), "{}", run.stderr);
    assert!(run.stderr.contains("serial 14"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap(),
        example()
    );

    // Another lineage.
    write(&|s| {
        s["serial"] = 99.into();
        s["lineage"] = "other".into();
    });
    let run = kiln(dir.path(), &["state", "push", "edited.json"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("State lineage differs"),
        "{}",
        run.stderr
    );

    // Newer: accepted with its serial.
    write(&|s| {
        s["serial"] = 20.into();
        s["outputs"] = serde_json::json!({});
    });
    let run = kiln(dir.path(), &["state", "push", "edited.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("serial 20"), "{}", run.stdout);
    assert_eq!(state_json(dir.path())["serial"], 20);
    assert_eq!(state_json(dir.path())["outputs"], serde_json::json!({}));

    // Older, forced: lands above the current serial so others see it as newest.
    write(&|s| s["serial"] = 3.into());
    let run = kiln(dir.path(), &["state", "push", "--force", "edited.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(state_json(dir.path())["serial"], 21);
    assert_eq!(
        state_json(dir.path())["outputs"]["web_ips"]["value"]["web-0"],
        "10.0.2.15"
    );

    // From standard input.
    let stdin = example()
        .replace("\"serial\": 14", "\"serial\": 30")
        .replace("10.0.2.15", "10.0.2.99");
    let run = kiln_in(dir.path(), &["state", "push", "-"], &stdin);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(state_json(dir.path())["serial"], 30);
}

#[test]
fn a_newer_format_is_refused_and_left_alone() {
    let text = "{\n  \"version\": 2,\n  \"serial\": 1,\n  \"lineage\": \"x\"\n}\n";
    let dir = temp_config(&[("main.hcl", ""), ("kiln.kstate", text)]);
    for args in [&["state", "list"][..], &["state", "rm", "a.b"][..]] {
        let run = kiln(dir.path(), args);
        assert_eq!(run.code, 1);
        assert!(
            run.stderr.contains("written by a newer Kiln (format 2, this Kiln reads 1): upgrade Kiln; the file was not changed"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap(),
        text
    );
}

#[test]
fn backend_block_and_state_override() {
    let dir = temp_config(&[
        (
            "main.hcl",
            "kiln {\n  backend \"local\" {\n    path = \"states/prod.kstate\"\n  }\n}\n",
        ),
        ("states/prod.kstate", &example()),
    ]);
    let run = kiln(dir.path(), &["state", "list", "qemu_image.app"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "qemu_image.app\n"),
        "{}",
        run.stderr
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let run = kiln(
        elsewhere.path(),
        &[
            "state",
            "rm",
            "--dir",
            dir.path().to_str().unwrap(),
            "qemu_image.app",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(dir.path().join("states/prod.kstate.backup").exists());

    std::fs::write(dir.path().join("other.kstate"), example()).unwrap();
    let run = kiln(
        dir.path(),
        &["state", "list", "--state", "other.kstate", "qemu_image.app"],
    );
    assert_eq!(
        run.stdout, "qemu_image.app\n",
        "--state wins over the backend block"
    );
}

#[test]
fn unsupported_or_invalid_backends_point_at_the_block() {
    let dir = temp_config(&[(
        "main.hcl",
        "kiln {\n  backend \"s3\" {\n    bucket = \"b\"\n  }\n}\n",
    )]);
    let run = kiln(dir.path(), &["state", "list"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Backend not supported yet"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("main.hcl:2:3"), "{}", run.stderr);

    let dir = temp_config(&[(
        "main.hcl",
        "kiln {\n  backend \"local\" {\n    path = \"${var.x}.kstate\"\n  }\n}\n",
    )]);
    let run = kiln(dir.path(), &["state", "list"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("must be a literal"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:3:12"), "{}", run.stderr);

    let dir = temp_config(&[("main.hcl", "resource \"x\" {\n")]);
    let run = kiln(dir.path(), &["state", "list"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Cannot read the backend settings"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_journal_left_by_a_dead_run_is_folded_in() {
    let dir = with_state();
    let entry = "{\"set\":{\"addr\":\"kiln_data.late[\\\"k\\\"]\",\"provider\":\"provider.kiln\",\"instance\":{\"attributes\":{\"id\":\"z\"}}}}\n";
    let journal = dir.path().join("kiln.kstate.journal");
    std::fs::write(
        &journal,
        format!("{entry}{{\"remove\":{{\"addr\":\"kiln_da"),
    )
    .unwrap();
    // Read-only: folded in memory, nothing written.
    let run = kiln(dir.path(), &["state", "list", "kiln_data.late"]);
    assert_eq!(run.stdout, "kiln_data.late[\"k\"]\n", "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap(),
        example()
    );
    // Locked: written (serial 15), then this command's change (serial 16); journal empty.
    let run = kiln(dir.path(), &["state", "rm", "qemu_image.app"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(state_json(dir.path())["serial"], 16);
    assert_eq!(std::fs::metadata(&journal).unwrap().len(), 0);
    assert!(kiln(dir.path(), &["state", "list"])
        .stdout
        .contains("kiln_data.late[\"k\"]"));
}

#[test]
fn force_unlock_of_a_stale_lock_file() {
    let dir = with_state();
    let lock = dir.path().join("kiln.kstate.lock");
    let info = "{\"id\":\"11111111-2222-4333-8444-555555555555\",\"operation\":\"apply\",\"who\":\"bob@gone\",\"pid\":999999,\"created\":\"2026-01-01T00:00:00Z\",\"path\":\"\"}";
    std::fs::write(&lock, info).unwrap();

    let run = kiln(dir.path(), &["force-unlock", "--force", "nope"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Lock ID does not match"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("11111111-2222-4333-8444-555555555555"),
        "{}",
        run.stderr
    );

    let run = kiln_in(
        dir.path(),
        &["force-unlock", "11111111-2222-4333-8444-555555555555"],
        "no\n",
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("Only 'yes' will be accepted"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("cancelled"), "{}", run.stderr);
    assert!(lock.exists());

    let run = kiln_in(
        dir.path(),
        &["force-unlock", "11111111-2222-4333-8444-555555555555"],
        "yes\n",
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!lock.exists());

    let run = kiln(
        dir.path(),
        &[
            "force-unlock",
            "--force",
            "11111111-2222-4333-8444-555555555555",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("State not locked"), "{}", run.stderr);
}

/// A process holding the state's lock the way a running Kiln would: an OS lock on
/// `<state>.lock` and the holder's information in it.
struct Holder {
    child: Option<std::process::Child>,
    /// Without util-linux's `flock`, the lock is held by this process instead.
    in_process: Option<std::fs::File>,
    pid: u32,
}

const HOLDER_ID: &str = "abcdef01-2345-4678-9abc-def012345678";

fn hold_lock(lock: &Path) -> Holder {
    let info = |pid: u32| {
        format!("{{\"id\":\"{HOLDER_ID}\",\"operation\":\"apply\",\"who\":\"carol@ci\",\"pid\":{pid},\"created\":\"2026-01-01T00:00:00Z\",\"path\":\"kiln.kstate\"}}")
    };
    if Command::new("flock").arg("--version").output().is_ok() {
        // The shell opens the lock file on fd 9, locks it, records itself, then becomes
        // `sleep` (same pid, fd 9 still open): one process to kill -9.
        let script = r#"exec 9<>"$1" && flock -n 9 && printf '{"id":"%s","operation":"apply","who":"carol@ci","pid":%s,"created":"2026-01-01T00:00:00Z","path":"kiln.kstate"}' "$2" "$$" > "$1" && echo locked && exec sleep 60"#;
        let mut child = Command::new("sh")
            .args(["-c", script, "sh", lock.to_str().unwrap(), HOLDER_ID])
            .stdout(Stdio::piped())
            .spawn()
            .expect("sh runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "locked", "the holder took the lock");
        let pid = child.id();
        Holder {
            child: Some(child),
            in_process: None,
            pid,
        }
    } else {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock)
            .unwrap();
        f.lock().unwrap();
        std::fs::write(lock, info(std::process::id())).unwrap();
        Holder {
            child: None,
            in_process: Some(f),
            pid: std::process::id(),
        }
    }
}

impl Holder {
    /// Kills the holder with SIGKILL (or drops the in-process lock).
    fn kill(mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
        self.in_process.take();
    }
}

#[test]
fn a_held_lock_names_its_holder_and_dies_with_it() {
    let dir = with_state();
    let lock: PathBuf = dir.path().join("kiln.kstate.lock");
    let holder = hold_lock(&lock);

    let started = std::time::Instant::now();
    let run = kiln(
        dir.path(),
        &["state", "rm", "--lock-timeout", "1s", "qemu_image.app"],
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "it waited"
    );
    assert_eq!(run.code, 1);
    for part in [
        "State locked",
        HOLDER_ID,
        "carol@ci",
        "apply",
        &holder.pid.to_string(),
        "waited 1s",
    ] {
        assert!(run.stderr.contains(part), "{part} in {}", run.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kiln.kstate")).unwrap(),
        example()
    );

    // Read-only commands don't need the lock.
    assert_eq!(
        kiln(dir.path(), &["state", "list", "qemu_image.app"]).code,
        0
    );

    // A live holder's lock cannot be broken.
    let run = kiln(dir.path(), &["force-unlock", "--force", HOLDER_ID]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Lock held by a running process"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("stop process {}", holder.pid)),
        "{}",
        run.stderr
    );

    holder.kill();
    assert!(lock.exists(), "kill -9 leaves the file, but not the lock");
    let run = kiln(dir.path(), &["state", "rm", "qemu_image.app"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!lock.exists(), "the new holder cleaned up");
}

#[test]
fn push_creates_the_configured_state_directory() {
    let dir = temp_config(&[
        (
            "main.hcl",
            "kiln {\n  backend \"local\" {\n    path = \"state/dev/kiln.kstate\"\n  }\n}\n",
        ),
        ("seed.kstate", &example()),
    ]);
    let run = kiln(dir.path(), &["state", "push", "seed.kstate"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("serial 14"), "{}", run.stdout);
    let written = dir.path().join("state/dev/kiln.kstate");
    assert_eq!(std::fs::read_to_string(&written).unwrap(), example());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&written).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}
