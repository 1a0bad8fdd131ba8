//! Saved plans from the `kiln` binary: `plan --out`, `apply FILE`, `show FILE`, and the
//! refusals of a plan that no longer fits (state moved, applied twice, configuration
//! edited, variables different). Sensitive values never reach the plan file.

mod support;

use std::path::Path;

use support::{kiln, kiln_env, state_pull, temp_config};

const SECRET: &str = "hunter2-never-in-the-plan";

const CONFIG: &str = r#"
variable "greeting" {
  type    = string
  default = "hello"
}

variable "db_password" {
  type      = string
  sensitive = true
}

resource "local_file" "greeting" {
  filename = "${path.module}/out/greeting.txt"
  content  = "${var.greeting}\n"
}

# Known only after apply: the first file's id flows into the second.
resource "local_file" "receipt" {
  filename = "${path.module}/out/receipt.txt"
  content  = "made after ${local_file.greeting.id}\n"
}

resource "local_file" "secret" {
  filename = "${path.module}/out/secret.txt"
  content  = <<-EOT
    user=admin
    password=${var.db_password}
  EOT
}

# Not sensitive by schema: the variable's mark alone hides the secret, inside a heredoc.
resource "kiln_data" "connection" {
  input = <<-EOT
    host=db.internal
    url=postgres://admin:${var.db_password}@db.internal/app
  EOT
}

# Sensitive and known only after apply.
resource "kiln_data" "token" {
  input = "${local_file.greeting.id}:${var.db_password}"
}

output "password" {
  value     = var.db_password
  sensitive = true
}

output "where" {
  value = local_file.greeting.filename
}
"#;

fn with_secret(dir: &Path, args: &[&str]) -> support::Run {
    kiln_env(dir, args, "", &[("KILN_VAR_db_password", SECRET)])
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_default()
}

#[test]
fn plan_out_then_apply_file_applies_exactly_the_plan() {
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    let plan = with_secret(dir.path(), &["plan", "--out", "tfplan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains("kiln apply tfplan"), "{}", plan.stdout);
    let file = read(dir.path(), "tfplan");
    assert!(!file.contains(SECRET), "the secret is in the plan file");
    assert!(file.contains("\"sealed\""), "sensitive values are sealed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("tfplan"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "plan files are private");
    }
    // Nothing happened yet.
    assert!(!dir.path().join("out").exists());

    let shown = kiln(dir.path(), &["show", "tfplan"]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    assert!(!shown.stdout.contains(SECRET));
    let plan_body = &plan.stdout[plan.stdout.find("Kiln will perform").unwrap()..];
    let plan_body = &plan_body[..plan_body.find("Saved the plan").unwrap()];
    assert!(
        shown.stdout.contains(plan_body.trim_end()),
        "show renders the plan as plan did:\n{}\n---\n{}",
        shown.stdout,
        plan_body
    );

    let apply = with_secret(dir.path(), &["apply", "tfplan"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(apply.stdout.contains("5 added"), "{}", apply.stdout);
    assert!(!apply.all().contains(SECRET));
    assert_eq!(read(dir.path(), "out/greeting.txt"), "hello\n");
    assert!(read(dir.path(), "out/receipt.txt").starts_with("made after "));
    assert!(read(dir.path(), "out/secret.txt").contains(&format!("password={SECRET}")));

    let again = with_secret(dir.path(), &["apply", "tfplan"]);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(again.stderr.contains("already applied"), "{}", again.stderr);
}

#[test]
fn a_plan_made_on_a_state_with_secrets_keeps_them_out_too() {
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    let first = with_secret(dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(first.code, 0, "{}", first.all());
    let plan = with_secret(
        dir.path(),
        &["plan", "--out", "next", "--var", "greeting=hi"],
    );
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(!read(dir.path(), "next").contains(SECRET));
    let apply = with_secret(dir.path(), &["apply", "next"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert_eq!(read(dir.path(), "out/greeting.txt"), "hi\n");
    assert!(read(dir.path(), "out/secret.txt").contains(SECRET));
    let state = state_pull(dir.path());
    assert!(state["applied_plan"].is_string(), "{state}");
}

#[test]
fn a_moved_state_is_refused_with_the_serials() {
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    assert_eq!(
        with_secret(dir.path(), &["apply", "--auto-approve"]).code,
        0
    );
    let stale = with_secret(
        dir.path(),
        &["plan", "--out", "stale", "--var", "greeting=a"],
    );
    assert_eq!(stale.code, 0, "{}", stale.all());
    let other = with_secret(
        dir.path(),
        &["apply", "--auto-approve", "--var", "greeting=b"],
    );
    assert_eq!(other.code, 0, "{}", other.all());
    let before = state_pull(dir.path());
    let apply = with_secret(dir.path(), &["apply", "stale"]);
    assert_eq!(apply.code, 1, "{}", apply.all());
    assert!(
        apply
            .stderr
            .contains("The state changed since the plan was made"),
        "{}",
        apply.stderr
    );
    assert!(apply.stderr.contains("serial"), "{}", apply.stderr);
    assert_eq!(state_pull(dir.path()), before, "nothing was applied");
    assert_eq!(read(dir.path(), "out/greeting.txt"), "b\n");
}

#[test]
fn an_edited_configuration_is_refused_naming_the_file() {
    let dir = temp_config(&[
        ("main.hcl", CONFIG),
        ("extra.hcl", "locals {\n  x = 1\n}\n"),
    ]);
    assert_eq!(with_secret(dir.path(), &["plan", "--out", "p"]).code, 0);
    std::fs::write(dir.path().join("extra.hcl"), "locals {\n  x = 2\n}\n").unwrap();
    std::fs::write(dir.path().join("more.hcl"), "locals {\n  y = 1\n}\n").unwrap();
    let apply = with_secret(dir.path(), &["apply", "p"]);
    assert_eq!(apply.code, 1, "{}", apply.all());
    assert!(
        apply
            .stderr
            .contains("The configuration changed since the plan was made"),
        "{}",
        apply.stderr
    );
    assert!(
        apply.stderr.contains("extra.hcl modified"),
        "{}",
        apply.stderr
    );
    assert!(apply.stderr.contains("more.hcl added"), "{}", apply.stderr);
    assert!(!dir.path().join("out").exists(), "nothing was applied");
}

#[test]
fn variables_must_be_the_planned_ones() {
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    assert_eq!(with_secret(dir.path(), &["plan", "--out", "p"]).code, 0);
    let missing = kiln(dir.path(), &["apply", "p"]);
    assert_eq!(missing.code, 1, "{}", missing.all());
    assert!(missing.stderr.contains("db_password"), "{}", missing.stderr);
    let wrong = kiln_env(
        dir.path(),
        &["apply", "p"],
        "",
        &[("KILN_VAR_db_password", "guess")],
    );
    assert_eq!(wrong.code, 1, "{}", wrong.all());
    assert!(
        wrong
            .stderr
            .contains("A sensitive variable differs from the plan"),
        "{}",
        wrong.stderr
    );
    let changed = with_secret(dir.path(), &["apply", "p", "--var", "greeting=other"]);
    assert_eq!(changed.code, 1, "{}", changed.all());
    assert!(
        changed
            .stderr
            .contains("var.greeting has a different value"),
        "{}",
        changed.stderr
    );
    let targeted = with_secret(
        dir.path(),
        &["apply", "p", "--target", "local_file.greeting"],
    );
    assert_eq!(targeted.code, 1, "{}", targeted.all());
    assert!(
        targeted
            .stderr
            .contains("--target cannot be used with a saved plan"),
        "{}",
        targeted.stderr
    );
    assert!(!dir.path().join("out").exists(), "nothing was applied");
    // The recorded non-sensitive values are used without being given again.
    let ok = with_secret(dir.path(), &["apply", "p"]);
    assert_eq!(ok.code, 0, "{}", ok.all());
}

#[test]
fn not_a_plan_file_is_a_clear_error() {
    let dir = temp_config(&[("main.hcl", CONFIG), ("notes.json", "{\"hello\": 1}\n")]);
    for args in [["apply", "notes.json"], ["show", "notes.json"]] {
        let run = kiln(dir.path(), &args);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stderr
                .contains("is not a plan file saved by kiln plan --out"),
            "{}",
            run.stderr
        );
    }
    let destroy = kiln(dir.path(), &["destroy", "notes.json"]);
    assert_eq!(destroy.code, 1);
    assert!(
        destroy.stderr.contains("kiln destroy takes no plan file"),
        "{}",
        destroy.stderr
    );
}

#[test]
fn show_without_a_file_renders_the_state() {
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    let empty = kiln(dir.path(), &["show"]);
    assert_eq!(empty.code, 0, "{}", empty.all());
    assert!(
        empty.stdout.contains("The state is empty"),
        "{}",
        empty.stdout
    );
    assert_eq!(
        with_secret(dir.path(), &["apply", "--auto-approve"]).code,
        0
    );
    let shown = kiln(dir.path(), &["show"]);
    assert_eq!(shown.code, 0, "{}", shown.all());
    assert!(
        shown
            .stdout
            .contains("resource \"local_file\" \"greeting\""),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("password = (sensitive value)"),
        "{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains(SECRET), "{}", shown.stdout);
}

#[test]
fn a_destroy_plan_can_be_saved_and_applied() {
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    assert_eq!(
        with_secret(dir.path(), &["apply", "--auto-approve"]).code,
        0
    );
    let plan = with_secret(dir.path(), &["plan", "--destroy", "--out", "gone"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(dir.path().join("out/greeting.txt").exists());
    let apply = with_secret(dir.path(), &["apply", "gone"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(!dir.path().join("out/greeting.txt").exists());
    assert!(!dir.path().join("out/secret.txt").exists());
}

#[test]
fn no_rendering_of_a_plan_shows_a_secret() {
    let dir = temp_config(&[("main.hcl", CONFIG)]);
    // A first apply, so the next plan has the secret in the state, a heredoc diff and
    // an output, next to a plain change.
    assert_eq!(
        with_secret(dir.path(), &["apply", "--auto-approve"]).code,
        0
    );
    let edited = CONFIG
        .replace("password=${var.db_password}", "pass=${var.db_password}")
        .replace("host=db.internal", "host=db2.internal");
    std::fs::write(dir.path().join("main.hcl"), edited).unwrap();
    let saved = with_secret(dir.path(), &["plan", "--out", "p", "--var", "greeting=hi"]);
    assert_eq!(saved.code, 0, "{}", saved.all());
    assert!(
        saved.stdout.contains("local_file.secret must be replaced"),
        "{}",
        saved.stdout
    );
    let renderings = [
        saved,
        with_secret(dir.path(), &["plan", "--format", "markdown"]),
        with_secret(dir.path(), &["plan", "--format", "json"]),
        with_secret(dir.path(), &["plan", "--json"]),
        with_secret(dir.path(), &["plan", "--summary"]),
        kiln(dir.path(), &["show", "p"]),
        kiln(dir.path(), &["show", "--format", "markdown", "p"]),
        kiln(dir.path(), &["show", "--json", "p"]),
        kiln(dir.path(), &["show"]),
        kiln(dir.path(), &["show", "--json"]),
    ];
    for r in &renderings {
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(!r.all().contains(SECRET), "a secret leaked:\n{}", r.all());
    }
    assert!(
        renderings[1].stdout.contains("(sensitive value)"),
        "{}",
        renderings[1].stdout
    );
    assert!(!read(dir.path(), "p").contains(SECRET));
}
