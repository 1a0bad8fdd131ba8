//! Image builds end to end with real build VMs under QEMU: a chain of three images
//! (base → hardened → app) with `shell`, `file` and `shell-local` provisioners; a second
//! run that builds nothing; an edited script that rebuilds its image and what is built on
//! it, with the script's diff in the plan; `kiln build` with --only, --force and a
//! manifest; a failing provisioner, `--on-error=abort` and a `kill -9` mid-build, each
//! leaving nothing behind once the next run has cleaned up.

mod support;

use std::path::Path;

use support::vm::{base_dir, qemu_pids, KillOnDrop};
use support::{kiln, kiln_spawn, state_pull, Run};

const MAIN: &str = r#"
variable "base_dir" {
  type = string
}

resource "qemu_image" "base" {
  source = "${var.base_dir}/base.qcow2"
  kernel = "${var.base_dir}/vmlinuz"
  initrd = "${var.base_dir}/initrd.img"

  provisioner "shell" {
    script = "base.sh"
  }
}

resource "qemu_image" "hardened" {
  source = qemu_image.base.id

  provisioner "file" {
    source      = "files/"
    destination = "/etc/kiln-files"
  }

  provisioner "shell" {
    script = "harden.sh"
  }
}

resource "qemu_image" "app" {
  source = qemu_image.hardened.id

  provisioner "shell-local" {
    inline = ["echo \"built ${build.name} on ${build.host}:${build.port} as $KILN_BUILD_USER\" > built.txt"]
  }

  provisioner "shell" {
    inline = ["cat /etc/kiln-files/motd.txt", "echo app provisioned"]
  }
}
"#;

const BROKEN: &str = r#"
resource "qemu_image" "broken" {
  source = qemu_image.base.id

  provisioner "shell" {
    inline = ["echo about to fail", "exit 3"]
  }
}
"#;

const SLOW: &str = r#"
resource "qemu_image" "slow" {
  source = qemu_image.base.id

  provisioner "shell" {
    inline = ["echo slow build started", "sleep 120"]
  }
}
"#;

fn scenario() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path();
    std::fs::write(p.join("main.hcl"), MAIN).expect("write");
    std::fs::write(p.join("base.sh"), "#!/bin/sh\necho base provisioned\n").expect("write");
    std::fs::write(
        p.join("harden.sh"),
        "#!/bin/sh\nset -e\necho hardening v1\ntest -f /etc/kiln-files/motd.txt\n",
    )
    .expect("write");
    std::fs::create_dir_all(p.join("files")).expect("mkdir");
    std::fs::write(p.join("files/motd.txt"), "hello from a file provisioner\n").expect("write");
    dir
}

fn var() -> String {
    format!("base_dir={}", base_dir().display())
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let v = var();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--var", &v]);
    kiln(dir, &all)
}

fn image_id(dir: &Path, name: &str) -> String {
    let state = state_pull(dir);
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["type"] == "qemu_image" && r["name"] == name {
            for i in r["instances"].as_array().into_iter().flatten() {
                if i["deposed"].is_null() || i["deposed"] == "" {
                    return i["attributes"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                }
            }
        }
    }
    String::new()
}

/// Temporary files of builds still in the image store.
fn build_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join(".kiln/images"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn temporaries(dir: &Path) -> serde_json::Value {
    state_pull(dir)["temporaries"].clone()
}

fn no_temporaries(dir: &Path) -> bool {
    temporaries(dir).as_object().is_none_or(|m| m.is_empty())
}

fn append(dir: &Path, text: &str) {
    let path = dir.join("main.hcl");
    let mut main = std::fs::read_to_string(&path).expect("read");
    main.push_str(text);
    std::fs::write(path, main).expect("write");
}

fn remove(dir: &Path, text: &str) {
    let path = dir.join("main.hcl");
    let main = std::fs::read_to_string(&path).expect("read");
    std::fs::write(path, main.replace(text, "")).expect("write");
}

/// With `image` gone from the configuration, the plan shows what its interrupted build
/// left, and the apply removes it: no QEMU process, no temporary in state, no file.
fn plan_and_remove_leftovers_of(dir: &Path, image: &str) {
    let plan = run(dir, &["plan"]);
    let expected = format!("leftover from an interrupted build of {image}: will be deleted");
    assert!(plan.stdout.contains(&expected), "{}", plan.stdout);
    let cleaned = run(dir, &["apply", "--auto-approve"]);
    assert_eq!(cleaned.code, 0, "{}", cleaned.all());
    assert!(qemu_pids(dir).is_empty(), "{}", cleaned.stdout);
    assert!(no_temporaries(dir), "{}", temporaries(dir));
    assert!(
        build_leftovers(dir).is_empty(),
        "{:?}",
        build_leftovers(dir)
    );
}

#[test]
fn chained_images_build_once_rebuild_on_change_and_never_leave_build_machines() {
    let tmp = scenario();
    let dir = tmp.path();
    let _guard = KillOnDrop(dir.to_path_buf());

    // The chain builds in order; provisioner output streams live, prefixed.
    let first = run(dir, &["apply", "--auto-approve"]);
    assert_eq!(first.code, 0, "{}", first.all());
    assert!(
        first.stdout.contains("qemu_image.base: base provisioned"),
        "{}",
        first.stdout
    );
    assert!(first.stdout.contains("qemu_image.hardened: hardening v1"));
    assert!(first
        .stdout
        .contains("qemu_image.app: hello from a file provisioner"));
    assert!(first.stdout.contains("Build logs:"), "{}", first.stdout);
    let built = std::fs::read_to_string(dir.join("built.txt")).expect("shell-local ran here");
    assert!(
        built.starts_with("built qemu_image.app on 127.0.0.1:")
            && built.trim_end().ends_with("as root"),
        "build.* and KILN_BUILD_* reach shell-local: {built}"
    );
    assert!(
        !built.contains("${build."),
        "placeholders are replaced: {built}"
    );
    let (base1, hardened1, app1) = (
        image_id(dir, "base"),
        image_id(dir, "hardened"),
        image_id(dir, "app"),
    );
    assert!(
        qemu_pids(dir).is_empty(),
        "no build machine is left running"
    );
    assert!(
        build_leftovers(dir).is_empty(),
        "{:?}",
        build_leftovers(dir)
    );

    // Nothing changed: nothing is built (no create, so no build machine).
    let again = run(dir, &["apply", "--auto-approve"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert!(!again.stdout.contains("Creating..."), "{}", again.stdout);

    // One script edited: that image and the one built on it are rebuilt, the base is
    // not, and the plan shows the script's diff.
    std::fs::write(
        dir.join("harden.sh"),
        "#!/bin/sh\nset -e\necho hardening v2\ntest -f /etc/kiln-files/motd.txt\n",
    )
    .expect("write");
    let plan = run(dir, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let out = &plan.stdout;
    assert!(
        out.contains("# qemu_image.hardened must be replaced"),
        "{out}"
    );
    assert!(out.contains("harden.sh"), "{out}");
    assert!(out.contains("-echo hardening v1"), "{out}");
    assert!(out.contains("+echo hardening v2"), "{out}");
    assert!(
        out.contains("everything built from it is replaced too: qemu_image.app"),
        "{out}"
    );
    assert!(out.contains("# qemu_image.app must be replaced"), "{out}");
    assert!(
        out.contains("#   because qemu_image.hardened will be rebuilt"),
        "the app image says why: {out}"
    );
    assert!(
        !out.contains("# qemu_image.base "),
        "the base is untouched: {out}"
    );
    assert!(
        out.contains("Plan: 2 to add, 0 to change, 2 to destroy."),
        "{out}"
    );
    // The same plan, saved and rendered for a pull request, counts the rebuilds.
    let saved = run(dir, &["plan", "--out", "rebuild.kplan"]);
    assert_eq!(saved.code, 0, "{}", saved.all());
    let md = kiln(dir, &["show", "--format", "markdown", "rebuild.kplan"]);
    assert_eq!(md.code, 0, "{}", md.all());
    assert!(
        md.stdout.contains("| 0 | 0 | 2 | 0 | 2 |"),
        "two images to rebuild: {}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("`qemu_image.hardened` will be **rebuilt**"),
        "{}",
        md.stdout
    );

    // `kiln build` carries it out and writes a manifest.
    let build = run(dir, &["build", "--manifest", "manifest.json"]);
    assert_eq!(build.code, 0, "{}", build.all());
    assert!(build.stdout.contains("hardening v2"), "{}", build.stdout);
    assert_eq!(image_id(dir, "base"), base1);
    let hardened2 = image_id(dir, "hardened");
    assert_ne!(hardened2, hardened1);
    assert_ne!(image_id(dir, "app"), app1);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
    )
    .expect("manifest is JSON");
    let builds = manifest["builds"].as_array().expect("builds");
    assert_eq!(builds.len(), 3, "{manifest}");
    let entry = |addr: &str| {
        builds
            .iter()
            .find(|b| b["address"] == addr)
            .unwrap_or_else(|| panic!("{addr} in {manifest}"))
    };
    assert_eq!(entry("qemu_image.base")["built"], false);
    assert_eq!(entry("qemu_image.hardened")["built"], true);
    assert_eq!(
        entry("qemu_image.hardened")["artifact_id"],
        hardened2.as_str()
    );
    assert_eq!(entry("qemu_image.hardened")["source_image"], base1.as_str());
    assert_eq!(entry("qemu_image.hardened")["provider"], "provider.qemu");
    assert!(entry("qemu_image.hardened")["fingerprint"].is_string());
    assert!(
        entry("qemu_image.hardened")["build_duration_seconds"]
            .as_f64()
            .unwrap_or(0.0)
            > 0.0
    );
    assert!(entry("qemu_image.hardened")["build_time"].is_string());

    // --only with --force rebuilds just that image, whatever its inputs.
    let forced = run(
        dir,
        &[
            "build",
            "--only",
            "qemu_image.app",
            "--force",
            "--parallel-builds",
            "1",
        ],
    );
    assert_eq!(forced.code, 0, "{}", forced.all());
    assert_eq!(image_id(dir, "hardened"), hardened2);
    assert!(forced.stdout.contains("qemu_image.app: app provisioned"));
    assert!(!forced.stdout.contains("hardening v2"), "{}", forced.stdout);
    let rest = run(
        dir,
        &["build", "--except", "qemu_image.app,qemu_image.hardened"],
    );
    assert_eq!(rest.code, 0, "{}", rest.all());
    assert!(
        rest.stdout.contains("No changes."),
        "the base is up to date: {}",
        rest.stdout
    );
    let zero = run(dir, &["build", "--parallel-builds", "0"]);
    assert_eq!(zero.code, 1);
    assert!(zero.stderr.contains("--parallel-builds"), "{}", zero.stderr);
    let unknown = run(dir, &["build", "--only", "qemu_image.nope"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("names no image"),
        "{}",
        unknown.stderr
    );

    // A failing provisioner: its exit code and last output, and nothing left behind.
    append(dir, BROKEN);
    let failed = run(dir, &["build", "--only", "qemu_image.broken"]);
    assert_eq!(failed.code, 1, "{}", failed.all());
    assert!(failed.all().contains("about to fail"), "{}", failed.all());
    assert!(failed.all().contains("status 3"), "{}", failed.all());
    assert!(qemu_pids(dir).is_empty(), "the build machine is gone");
    assert!(
        build_leftovers(dir).is_empty(),
        "{:?}",
        build_leftovers(dir)
    );
    assert!(no_temporaries(dir), "{}", temporaries(dir));
    assert!(image_id(dir, "broken").is_empty());

    // --on-error=abort keeps the machine, says how to reach it; the next run removes it.
    let aborted = run(
        dir,
        &[
            "build",
            "--only",
            "qemu_image.broken",
            "--on-error",
            "abort",
        ],
    );
    assert_eq!(aborted.code, 1, "{}", aborted.all());
    assert!(aborted.all().contains("ssh -i "), "{}", aborted.all());
    assert_eq!(qemu_pids(dir).len(), 1, "the failed build machine is kept");
    assert!(!no_temporaries(dir), "it stays recorded");
    remove(dir, BROKEN);
    plan_and_remove_leftovers_of(dir, "qemu_image.broken");

    // kill -9 in the middle of a build: the next run finds and removes what it left.
    append(dir, SLOW);
    let v = var();
    let mut bg = kiln_spawn(dir, &["build", "--only", "qemu_image.slow", "--var", &v]);
    assert!(
        bg.wait_for_line("qemu_image.slow: slow build started"),
        "the build got going"
    );
    bg.kill9();
    let killed = bg.finish();
    assert_eq!(killed.code, -1);
    assert!(
        !no_temporaries(dir),
        "the build machine was recorded before it started"
    );
    remove(dir, SLOW);
    plan_and_remove_leftovers_of(dir, "qemu_image.slow");

    // A rebuilt base rebuilds everything above it.
    let rebuilt = run(
        dir,
        &["apply", "--auto-approve", "--replace", "qemu_image.base"],
    );
    assert_eq!(rebuilt.code, 0, "{}", rebuilt.all());
    assert_ne!(image_id(dir, "base"), base1);
    assert_ne!(image_id(dir, "hardened"), hardened2);

    let destroyed = run(dir, &["destroy", "--auto-approve"]);
    assert_eq!(destroyed.code, 0, "{}", destroyed.all());
    assert!(qemu_pids(dir).is_empty());
}
