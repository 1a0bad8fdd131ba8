//! examples/ci: the GitHub Actions workflow is valid YAML wired to the helper script, and
//! the script's plan and apply steps work with the real binary — the reviewed plan file
//! is what gets applied, once.

mod support;

use std::path::Path;
use std::process::Command;

use support::{kiln_bin, temp_config};

fn example(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(file)
}

#[test]
fn the_workflow_plans_on_pull_requests_and_applies_on_merge() {
    let text = std::fs::read_to_string(example("github-actions.yml")).expect("workflow");
    let doc: serde_norway::Value = serde_norway::from_str(&text).expect("valid YAML");
    let jobs = &doc["jobs"];
    let steps =
        |job: &str| -> String { serde_norway::to_string(&jobs[job]["steps"]).expect("steps") };
    assert!(jobs["plan"]["if"]
        .as_str()
        .unwrap_or("")
        .contains("pull_request"));
    assert!(steps("plan").contains("kiln-ci.sh plan"));
    assert!(steps("plan").contains("upload-artifact"));
    assert!(steps("plan").contains("gh pr comment"));
    assert!(steps("plan").contains("--framework terraform_plan"));
    assert!(jobs["apply"]["if"]
        .as_str()
        .unwrap_or("")
        .contains("refs/heads/main"));
    assert!(steps("apply").contains("kiln-ci.sh apply out/plan.kplan"));
}

fn script(cwd: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new("bash")
        .arg(example("kiln-ci.sh"))
        .args(args)
        .current_dir(cwd)
        .env("KILN", kiln_bin())
        .env("NO_COLOR", "1")
        .env("KILN_VAR_token", "s3cr3t-token-value")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .expect("bash runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_script_plans_renders_and_applies_the_reviewed_file() {
    let dir = temp_config(&[(
        "infra/main.hcl",
        r#"
variable "token" {
  type      = string
  sensitive = true
}

resource "local_file" "motd" {
  filename = "${path.module}/motd.txt"
  content  = "token=${var.token}\n"
}
"#,
    )]);
    let (code, out) = script(dir.path(), &["plan", "infra", "out"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("local_file.motd will be created"), "{out}");
    for f in ["plan.kplan", "plan.txt", "plan.md", "plan.json"] {
        let text = std::fs::read_to_string(dir.path().join("out").join(f)).unwrap_or_default();
        assert!(!text.is_empty(), "out/{f} is written");
        assert!(
            !text.contains("s3cr3t-token-value"),
            "out/{f} leaks the secret"
        );
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/plan.json")).unwrap_or_default(),
    )
    .expect("plan.json is JSON");
    assert!(json["format_version"].is_string(), "{json}");
    assert!(
        !dir.path().join("infra/motd.txt").exists(),
        "planning changes nothing"
    );

    let (code, out) = script(dir.path(), &["apply", "out/plan.kplan"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("infra/motd.txt")).unwrap_or_default(),
        "token=s3cr3t-token-value\n"
    );
    let (code, out) = script(dir.path(), &["apply", "out/plan.kplan"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("already applied"), "{out}");
}
