//! Image builds on the step runner with real VMs under QEMU (TCG), through the provider's
//! `create` and `delete_temporary`, as the engine calls them: a build that succeeds
//! (output streamed, log kept beside the image, nothing left recorded), a failing
//! provisioner (no VM, no build files, nothing recorded), a cancel in the middle (the
//! same), `--on-error=abort` (the VM stays reachable by SSH until `delete_temporary`
//! removes it), `communicator "none"`, and removing temporaries that are already gone.
//!
//! The base image comes from `scripts/make-base-image` into `KILN_BASE_DIR` (default: a
//! directory in the target dir); the script returns at once when it is already made.
//! The VM tests take turns (one lock), so that two cores boot one guest at a time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kiln_core::addr::InstanceAddr;
use kiln_core::diag::Diagnostics;
use kiln_core::lang::Value;
use kiln_core::provider::{
    ApplyRequest, ApplyResponse, CallContext, ConfigureRequest, DeleteTemporaryRequest, Provider,
};
use kiln_core::run::{OnError, Recorder, RunContext, Temporary};
use kiln_qemu::QemuProvider;
use serde_json::json;

// The base image helper the root crate's VM tests use.
#[allow(dead_code)]
#[path = "../../../tests/support/vm.rs"]
mod vm;
use vm::base_dir;

/// One VM test at a time (an async lock: it is held across awaits, and a test that
/// panics releases it).
async fn turn() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// A configured provider with its own store in a temporary working directory.
struct Env {
    dir: tempfile::TempDir,
    provider: QemuProvider,
}

impl Env {
    async fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let provider = QemuProvider::new();
        let diags = provider
            .configure(ConfigureRequest {
                config: Value::from_json(&json!({"accel": "tcg"})),
                root_dir: dir.path().to_path_buf(),
            })
            .await;
        assert!(!diags.has_errors(), "{diags:?}");
        Env { dir, provider }
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join(".kiln")
    }

    /// An image configuration on the base image with these provisioners.
    fn config(&self, provisioners: serde_json::Value, extra: serde_json::Value) -> Value {
        let base = base_dir();
        let mut c = json!({
            "source": base.join("base.qcow2"),
            "kernel": base.join("vmlinuz"),
            "initrd": base.join("initrd.img"),
            "provisioners": provisioners,
            "communicator": null,
            "fingerprint": null,
        });
        for (k, v) in extra.as_object().into_iter().flatten() {
            c[k] = v.clone();
        }
        Value::from_json(&c)
    }

    /// A create request as the engine makes it: with the provider's own plan (which
    /// computes the fingerprint the build must match).
    fn request(&self, config: Value, run: RunContext) -> ApplyRequest {
        let cx = CallContext {
            addr: InstanceAddr::parse("qemu_image.test").expect("address"),
            base_dir: self.dir.path().to_path_buf(),
        };
        let planned = self
            .provider
            .plan(kiln_core::provider::PlanRequest {
                type_name: "qemu_image".into(),
                cx,
                prior: None,
                config: config.clone(),
                proposed: config.clone(),
                prior_private: None,
            })
            .planned;
        ApplyRequest {
            type_name: "qemu_image".into(),
            cx: CallContext {
                addr: InstanceAddr::parse("qemu_image.test").expect("address"),
                base_dir: self.dir.path().to_path_buf(),
            },
            prior: None,
            planned,
            config,
            prior_private: None,
            run,
        }
    }

    async fn build(&self, config: Value, run: RunContext) -> ApplyResponse {
        self.provider.create(self.request(config, run)).await
    }

    /// QEMU processes whose command line mentions this store.
    fn vms(&self) -> Vec<u32> {
        let needle = self.store().display().to_string();
        let mut pids = Vec::new();
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmd = String::from_utf8_lossy(
                &std::fs::read(e.path().join("cmdline")).unwrap_or_default(),
            )
            .into_owned();
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
            if cmd.contains("qemu-system") && cmd.contains(&needle) && !zombie {
                pids.push(pid);
            }
        }
        pids
    }

    /// Everything in the images directory that is not the imported base (a cache).
    fn build_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.store().join("images"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("base-"))
            .collect();
        names.sort();
        names
    }

    async fn delete_temporary(&self, t: &Temporary) -> Diagnostics {
        self.provider
            .delete_temporary(DeleteTemporaryRequest {
                owner: InstanceAddr::parse("qemu_image.test").expect("address"),
                base_dir: self.dir.path().to_path_buf(),
                kind: t.kind.clone(),
                data: t.data.clone(),
            })
            .await
    }

    /// Kills what a failed test left, so no VM outlives the test run.
    fn kill_leftovers(&self) {
        for pid in self.vms() {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.kill_leftovers();
    }
}

fn error_text(d: &Diagnostics) -> String {
    d.iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

fn lines(rec: &Recorder) -> String {
    rec.lines().join("\n")
}

/// Waits until a recorded output line contains `text`.
async fn wait_for_line(rec: &Recorder, text: &str, timeout: Duration) {
    let start = Instant::now();
    while !rec.lines().iter().any(|l| l.contains(text)) {
        assert!(
            start.elapsed() < timeout,
            "no line with {text:?} within {timeout:?}; output:\n{}",
            lines(rec)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_successful_build_streams_output_keeps_its_log_and_leaves_nothing() {
    let _turn = turn().await;
    let env = Env::new().await;
    std::fs::create_dir_all(env.dir.path().join("app")).expect("mkdir");
    std::fs::write(env.dir.path().join("app/hello.txt"), "hello\n").expect("write");
    let (run, rec) = RunContext::detached();
    let config = env.config(
        json!([
            {"type": "file", "source": "app/", "destination": "/opt/app"},
            {"type": "shell", "inline": ["cat /opt/app/hello.txt", "echo user=${build.user}"]},
            {"type": "shell-local", "inline": ["echo local sees $KILN_BUILD_HOST:$KILN_BUILD_PORT"]},
            {"type": "breakpoint", "note": "a breakpoint without a terminal"},
        ]),
        json!({}),
    );
    let resp = env.build(config, run).await;
    assert!(
        !resp.diagnostics.has_errors(),
        "{}\n{}",
        error_text(&resp.diagnostics),
        lines(&rec)
    );
    let state = resp.new_state.expect("an image").to_json();
    let id = state["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("qimg-"), "{id}");
    let out = lines(&rec);
    assert!(out.contains("\nhello\n"), "{out}");
    assert!(out.contains("user=root"), "{out}");
    assert!(out.contains("local sees 127.0.0.1:"), "{out}");
    assert!(out.contains("standard input is not a terminal"), "{out}");
    let log = env.store().join(format!("images/{id}.log"));
    assert_eq!(state["build_log"], json!(log));
    assert_eq!(*rec.log_files.lock().expect("lock"), vec![log.clone()]);
    assert!(std::fs::read_to_string(&log)
        .expect("log")
        .contains("\nhello\n"));
    assert!(rec.temporaries().is_empty(), "{:?}", rec.temporaries());
    assert!(env.vms().is_empty());
    assert_eq!(
        env.build_files(),
        [
            format!("{id}.json"),
            format!("{id}.log"),
            format!("{id}.qcow2")
        ]
    );
}

#[tokio::test]
async fn a_failing_provisioner_leaves_no_machine_no_files_and_nothing_recorded() {
    let _turn = turn().await;
    let env = Env::new().await;
    let (run, rec) = RunContext::detached();
    let config = env.config(
        json!([{"type": "shell", "inline": ["echo about to fail", "exit 3"]}]),
        json!({}),
    );
    let resp = env.build(config, run).await;
    let err = error_text(&resp.diagnostics);
    assert!(resp.new_state.is_none());
    assert!(err.contains("exited with status 3"), "{err}");
    assert!(
        err.contains("about to fail"),
        "the error carries the last output: {err}"
    );
    assert!(
        lines(&rec).contains("about to fail"),
        "streamed: {}",
        lines(&rec)
    );
    assert!(env.vms().is_empty(), "no VM is left: {:?}", env.vms());
    assert!(env.build_files().is_empty(), "{:?}", env.build_files());
    assert!(rec.temporaries().is_empty(), "{:?}", rec.temporaries());
    // The log of a failed build stays, and the error says where.
    let logs = rec.log_files.lock().expect("lock").clone();
    assert_eq!(logs.len(), 1);
    assert!(logs[0].starts_with(env.store().join("logs")), "{logs:?}");
    assert!(err.contains(&logs[0].display().to_string()), "{err}");
}

#[tokio::test]
async fn cancelling_in_the_middle_cleans_up() {
    let _turn = turn().await;
    let env = Env::new().await;
    let (run, rec) = RunContext::detached();
    let config = env.config(
        json!([{"type": "shell", "inline": ["echo provisioning started", "sleep 600"]}]),
        json!({}),
    );
    let build = env.build(config, run);
    tokio::pin!(build);
    let resp = tokio::select! {
        r = &mut build => panic!("finished before cancel: {}", error_text(&r.diagnostics)),
        () = wait_for_line(&rec, "provisioning started", Duration::from_secs(300)) => {
            assert!(!env.vms().is_empty(), "the build machine runs");
            assert_eq!(rec.temporaries().len(), 2, "{:?}", rec.temporaries());
            rec.cancel();
            let cancelled = Instant::now();
            let r = build.await;
            assert!(cancelled.elapsed() < Duration::from_secs(30), "{:?}", cancelled.elapsed());
            r
        }
    };
    let err = error_text(&resp.diagnostics);
    assert!(
        err.contains("cancelled during \"run the provisioners\""),
        "{err}"
    );
    assert!(env.vms().is_empty(), "{:?}", env.vms());
    assert!(env.build_files().is_empty(), "{:?}", env.build_files());
    assert!(rec.temporaries().is_empty(), "{:?}", rec.temporaries());
}

#[tokio::test]
async fn abort_keeps_the_machine_reachable_until_delete_temporary_removes_it() {
    let _turn = turn().await;
    let env = Env::new().await;
    let (mut run, rec) = RunContext::detached();
    run.on_error = OnError::Abort;
    let config = env.config(
        json!([{"type": "shell", "inline": ["echo kept > /root/marker", "exit 1"]}]),
        json!({}),
    );
    let resp = env.build(config, run).await;
    let err = error_text(&resp.diagnostics);
    assert!(
        err.contains("--on-error=abort nothing was cleaned up"),
        "{err}"
    );
    let command = err
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("ssh -i "))
        .unwrap_or_else(|| panic!("no ssh command in: {err}"));
    // ssh -i KEY -p PORT root@127.0.0.1
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(
        (words.len(), words[3], words[5]),
        (6, "-p", "root@127.0.0.1"),
        "{command}"
    );
    let key = kiln_ssh::private_key_file(words[2]).expect("the key file stays");
    let port: u16 = words[4].parse().expect("port");

    let vms = env.vms();
    assert_eq!(vms.len(), 1, "the machine runs");
    let mut kinds: Vec<String> = rec.temporaries().iter().map(|t| t.kind.clone()).collect();
    kinds.sort();
    assert_eq!(kinds, ["build_dir", "build_vm"]);

    let mut target = kiln_ssh::Target::new("127.0.0.1", port, "root", kiln_ssh::Auth::Key(key));
    target.connect_timeout = Duration::from_secs(60);
    let session = kiln_ssh::connect(&target)
        .await
        .expect("the kept machine answers");
    let mut out = Vec::new();
    let status = session
        .exec("cat /root/marker", None, &mut |_, b| {
            out.extend_from_slice(b)
        })
        .await
        .expect("exec");
    assert!(status.success());
    assert_eq!(out, b"kept\n");
    let _ = session.close().await;

    // What the next run does with what the state still records: twice, the second time
    // finding everything gone already.
    for round in 0..2 {
        for t in rec.temporaries() {
            let d = env.delete_temporary(&t).await;
            assert!(
                !d.has_errors(),
                "round {round}, {}: {}",
                t.kind,
                error_text(&d)
            );
        }
    }
    assert!(env.vms().is_empty(), "{:?}", env.vms());
    assert!(env.build_files().is_empty(), "{:?}", env.build_files());
}

#[tokio::test]
async fn communicator_none_runs_local_provisioners_and_powers_off_by_acpi() {
    let _turn = turn().await;
    let env = Env::new().await;
    let (run, rec) = RunContext::detached();
    let config = env.config(
        json!([
            {"type": "shell-local", "inline": ["echo local only, host=[$KILN_BUILD_HOST]"]},
        ]),
        json!({"communicator": {"type": "none"}}),
    );
    let resp = env.build(config, run).await;
    assert!(
        !resp.diagnostics.has_errors(),
        "{}\n{}",
        error_text(&resp.diagnostics),
        lines(&rec)
    );
    assert!(
        lines(&rec).contains("local only, host=[]"),
        "{}",
        lines(&rec)
    );
    assert!(env.vms().is_empty());
    assert!(rec.temporaries().is_empty());
}

#[tokio::test]
async fn removing_temporaries_that_are_gone_succeeds_and_foreign_paths_are_refused() {
    let env = Env::new().await;
    let images = env.store().join("images");
    let gone = [
        Temporary {
            id: "build-0/dir".into(),
            kind: "build_dir".into(),
            description: String::new(),
            data: json!({"dir": images.join(".build-0"), "overlay": images.join(".build-0.qcow2")}),
        },
        Temporary {
            id: "build-0/vm".into(),
            kind: "build_vm".into(),
            description: String::new(),
            // A pid that is surely not a QEMU of this build: ours.
            data: json!({"run_dir": images.join(".build-0"), "pid": std::process::id()}),
        },
    ];
    for t in &gone {
        let d = env.delete_temporary(t).await;
        assert!(!d.has_errors(), "{}: {}", t.kind, error_text(&d));
    }
    let foreign = Temporary {
        id: "x".into(),
        kind: "build_dir".into(),
        description: String::new(),
        data: json!({"dir": env.dir.path(), "overlay": images.join(".build-0.qcow2")}),
    };
    let d = env.delete_temporary(&foreign).await;
    assert!(
        error_text(&d).contains("refusing to remove it"),
        "{}",
        error_text(&d)
    );
    assert!(env.dir.path().exists());
}
