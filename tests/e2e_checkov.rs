//! Policy tools that read Terraform's JSON plan read Kiln's: the real `kiln` plans a
//! network and a firewall (`kiln plan --out`, then `kiln show --json`; planning them
//! starts no VM), and the real `checkov` scans the plan with the policy shipped in
//! examples/policies. It fails a firewall admitting SSH from 0.0.0.0/0 and passes a safe
//! one.
//!
//! `checkov` must be on PATH (`.ci/run` puts a venv with it there). A missing one fails
//! the test, since skipping would report a pass for something never run; set
//! KILN_SKIP_CHECKOV=1 to skip on purpose.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{kiln, temp_config};

/// The check the shipped policy defines.
const CHECK_ID: &str = "CKV_KILN_1";

/// The firewall's source CIDR for SSH comes from a variable: checkov sees the planned
/// value, which a scan of the configuration text alone could not know.
const CONFIG: &str = r#"
variable "ssh_from" {
  type = string
}

resource "qemu_network" "lan" {
  cidr = "10.10.0.0/24"
}

resource "qemu_firewall" "ssh" {
  ingress {
    port = 22
    from = var.ssh_from
  }
  # Published on 127.0.0.1 only, and a web port open to all: both allowed.
  ingress {
    port = 22
    from = "host"
  }
  ingress {
    port = 80
    from = "0.0.0.0/0"
  }
}
"#;

fn on_path(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The checkov to run; `None` only when skipping was asked for.
fn checkov_bin() -> Option<PathBuf> {
    if let Some(p) = on_path("checkov") {
        return Some(p);
    }
    if std::env::var("KILN_SKIP_CHECKOV").is_ok_and(|v| v == "1") {
        eprintln!("checkov is not on PATH and KILN_SKIP_CHECKOV=1: skipping");
        return None;
    }
    panic!(
        "checkov is not on PATH, so Kiln's JSON plan cannot be checked with a real policy \
         tool: run .ci/run (it installs checkov into its venv and puts its bin/ on PATH), \
         or `python3 -m venv V && V/bin/pip install checkov` and add V/bin to PATH; set \
         KILN_SKIP_CHECKOV=1 to skip this test on purpose"
    );
}

/// Plans CONFIG with `ssh_from` the way a review job does: `kiln plan --out` saves the
/// plan, `kiln show --json` renders it to `plan.json`. `kiln plan --format json` of the
/// same configuration must print the same document.
fn plan_file(dir: &Path, ssh_from: &str) -> PathBuf {
    let var = format!("ssh_from={ssh_from}");
    let state = dir.join("test.kstate");
    let state = state.to_str().expect("a UTF-8 temporary path");
    let planning = ["--refresh=false", "--state", state, "--var", &var];
    let saved = kiln(
        dir,
        &[&["plan", "--out", "plan.kplan"][..], &planning].concat(),
    );
    assert_eq!(saved.code, 0, "kiln plan --out:\n{}", saved.all());
    let shown = kiln(dir, &["show", "--json", "plan.kplan"]);
    assert_eq!(shown.code, 0, "kiln show --json:\n{}", shown.all());
    let direct = kiln(
        dir,
        &[&["plan", "--format", "json"][..], &planning].concat(),
    );
    assert_eq!(direct.code, 0, "kiln plan --format json:\n{}", direct.all());
    let parse = |text: &str| -> serde_json::Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
    };
    assert_eq!(
        parse(&shown.stdout),
        parse(&direct.stdout),
        "the saved plan renders as the plan itself"
    );
    let path = dir.join("plan.json");
    std::fs::write(&path, &shown.stdout).expect("write plan.json");
    path
}

/// What checkov said: its exit code and its JSON report.
struct Report {
    code: i32,
    json: serde_json::Value,
    stderr: String,
}

impl Report {
    /// `(check id, resource)` of the passed or failed checks.
    fn results(&self, kind: &str) -> Vec<(String, String)> {
        self.json["results"][kind]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (s("check_id"), s("resource"))
            })
            .collect()
    }
}

/// Runs checkov offline on `plan` with the shipped policies; `only` limits it to one
/// check (without it, checkov's own checks run too).
fn checkov(bin: &Path, plan: &Path, only: Option<&str>) -> Report {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies");
    let mut cmd = Command::new(bin);
    cmd.arg("-f")
        .arg(plan)
        .args([
            "--framework",
            "terraform_plan",
            "--skip-download",
            "-o",
            "json",
        ])
        .arg("--external-checks-dir")
        .arg(&policies);
    if let Some(id) = only {
        cmd.args(["--check", id]);
    }
    let out = cmd.output().expect("checkov runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("checkov's report is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}")
    });
    Report {
        code: out.status.code().unwrap_or(-1),
        json,
        stderr,
    }
}

#[test]
fn policy_fails_a_firewall_admitting_ssh_from_anywhere() {
    let Some(bin) = checkov_bin() else { return };
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    let plan = plan_file(dir.path(), "0.0.0.0/0");
    let r = checkov(&bin, &plan, Some(CHECK_ID));
    let failed = r.results("failed_checks");
    assert_eq!(
        failed,
        [(CHECK_ID.to_string(), "qemu_firewall.ssh".to_string())],
        "{:#}\n{}",
        r.json,
        r.stderr
    );
    assert_eq!(r.code, 1, "checkov fails the run: {}", r.stderr);
}

#[test]
fn policy_passes_a_firewall_admitting_ssh_from_the_private_network() {
    let Some(bin) = checkov_bin() else { return };
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    let plan = plan_file(dir.path(), "10.10.0.0/24");
    let r = checkov(&bin, &plan, Some(CHECK_ID));
    assert!(r.results("failed_checks").is_empty(), "{:#}", r.json);
    assert_eq!(
        r.results("passed_checks"),
        [(CHECK_ID.to_string(), "qemu_firewall.ssh".to_string())],
        "{:#}\n{}",
        r.json,
        r.stderr
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// checkov's own checks run over the plan too without a parsing error: both objects are
/// read, and only the policy's check (none of checkov's knows qemu types) has a say.
#[test]
fn checkovs_own_checks_read_the_plan() {
    let Some(bin) = checkov_bin() else { return };
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    let plan = plan_file(dir.path(), "0.0.0.0/0");
    let r = checkov(&bin, &plan, None);
    let summary = &r.json["summary"];
    assert_eq!(summary["parsing_errors"], 0, "{:#}\n{}", r.json, r.stderr);
    assert_eq!(summary["resource_count"], 2, "{:#}\n{}", r.json, r.stderr);
    let failed: Vec<String> = r
        .results("failed_checks")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(failed, [CHECK_ID], "{:#}", r.json);
}
