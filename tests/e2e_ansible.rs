//! examples/ansible end to end: the real `kiln` builds an image whose `shell-local`
//! provisioner runs a real `ansible-playbook` against the build VM (QEMU, TCG), a `shell`
//! provisioner checks the result in the guest, and destroy leaves no process behind.
//!
//! `ansible-playbook` must be on PATH (`.ci/run` puts a venv with ansible-core there). A
//! missing one fails the test: skipping would report a pass for something never run.

mod support;

use std::path::{Path, PathBuf};

use support::vm::base_dir;
use support::{kiln, state_pull};

fn ansible_playbook_on_path() -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("ansible-playbook"))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Live processes that mention `dir` and run one of `programs` (an argument's file name
/// starts with it: `python3 …/bin/ansible-playbook` counts as ansible).
fn processes_of(dir: &Path, programs: &[&str]) -> Vec<(u32, String)> {
    let needle = dir.display().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        {
            continue;
        }
        let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = cmd
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let runs = args.iter().any(|a| {
            let name = a.rsplit('/').next().unwrap_or(a);
            programs.iter().any(|p| name.starts_with(p))
        });
        if runs && args.iter().any(|a| a.contains(&needle)) {
            found.push((pid, args.join(" ")));
        }
    }
    found
}

/// Stops the VMs of `dir` if a step fails, so a failed test leaves no QEMU running.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for (pid, _) in processes_of(&self.0, &["qemu-system"]) {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
    }
}

#[test]
fn ansible_example_configures_the_image_and_cleans_up() {
    let Some(playbook_bin) = ansible_playbook_on_path() else {
        panic!(
            "ansible-playbook is not on PATH, so examples/ansible cannot be tested: \
             install ansible-core, e.g. run .ci/run (it makes a venv with it and puts its \
             bin/ on PATH) or `python3 -m venv V && V/bin/pip install ansible-core` and \
             add V/bin to PATH"
        );
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ansible");
    // fs::copy keeps the mode: the shell-local script must stay executable.
    for f in ["main.hcl", "playbook.yml", "run-playbook.sh"] {
        std::fs::copy(src.join(f), dir.join(f)).expect("copy the example");
    }
    let _cleanup = Cleanup(dir.to_path_buf());
    let var = format!("base_dir={}", base_dir().display());

    let r = kiln(dir, &["apply", "--auto-approve", "--var", &var]);
    assert_eq!(
        r.code,
        0,
        "apply (ansible-playbook: {}):\n{}",
        playbook_bin.display(),
        r.all()
    );

    // The build log holds Ansible's output and the in-guest check after it.
    let state = state_pull(dir);
    let id = state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["type"] == "qemu_image" && r["name"] == "configured")
        .and_then(|r| r["instances"][0]["attributes"]["id"].as_str())
        .expect("the image is in the state")
        .to_string();
    let log_path = dir.join(format!(".kiln/images/{id}.log"));
    let log = std::fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("build log {}: {e}", log_path.display()));
    let recap = log
        .split_once("PLAY RECAP")
        .map(|(_, after)| after)
        .unwrap_or_else(|| panic!("no PLAY RECAP: ansible-playbook did not run:\n{log}"));
    let host = recap
        .lines()
        .find(|l| l.starts_with("kiln-build"))
        .unwrap_or_else(|| panic!("no recap line for the build host:\n{log}"));
    for want in ["unreachable=0", "failed=0"] {
        assert!(host.contains(want), "recap {host:?} lacks {want}:\n{log}");
    }
    assert!(!host.contains(" ok=0 "), "no task ran: {host:?}\n{log}");
    assert!(log.contains("\"configured by Ansible\""), "{log}");
    assert!(
        log.contains("verified: /etc/kiln-ansible and /etc/motd were written by Ansible"),
        "the in-guest check did not run:\n{log}"
    );
    // The build VM is off, and no ssh or ansible outlived the playbook.
    let left = processes_of(dir, &["qemu-system", "ssh", "ansible"]);
    assert!(left.is_empty(), "left running after apply: {left:?}");

    let r = kiln(dir, &["destroy", "--auto-approve", "--var", &var]);
    assert_eq!(r.code, 0, "destroy:\n{}", r.all());
    let left = processes_of(dir, &["qemu-system"]);
    assert!(left.is_empty(), "QEMU left running after destroy: {left:?}");
    let images: Vec<String> = std::fs::read_dir(dir.join(".kiln/images"))
        .expect("image store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("base-"))
        .collect();
    assert!(
        images.is_empty(),
        "only the imported base stays: {images:?}"
    );
}
