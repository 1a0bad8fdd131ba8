//! `kiln fmt`, `kiln version` and the `local_command` data source, run as a user would.

mod support;

use support::{kiln, kiln_in, temp_config};

const UNFORMATTED: &str =
    "resource \"kiln_data\" \"x\" {\ninput=\"a\"\n    triggers_replace = 1 # keep\n}\n";
const FORMATTED: &str = "resource \"kiln_data\" \"x\" {\n  input            = \"a\"\n  triggers_replace = 1 # keep\n}\n";

#[test]
fn fmt_check_exits_3_and_leaves_files_alone() {
    let dir = temp_config(&[("main.hcl", UNFORMATTED)]);
    let run = kiln(dir.path(), &["fmt", "--check"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stdout.contains("main.hcl"),
        "names the file: {}",
        run.stdout
    );
    let after = std::fs::read_to_string(dir.path().join("main.hcl")).unwrap();
    assert_eq!(after, UNFORMATTED);
}

#[test]
fn fmt_diff_shows_unified_diff() {
    let dir = temp_config(&[("main.hcl", UNFORMATTED)]);
    let run = kiln(dir.path(), &["fmt", "--check", "--diff"]);
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(run.stdout.contains("-input=\"a\""), "{}", run.stdout);
    assert!(
        run.stdout.contains("+  input            = \"a\""),
        "{}",
        run.stdout
    );
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let dir = temp_config(&[
        ("main.hcl", UNFORMATTED),
        ("prod.vars.hcl", "region=\"x\"\n"),
    ]);
    let run = kiln(dir.path(), &["fmt"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.hcl")).unwrap(),
        FORMATTED
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("prod.vars.hcl")).unwrap(),
        "region = \"x\"\n"
    );
    let again = kiln(dir.path(), &["fmt", "--check"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(again.stdout, "");
}

#[test]
fn fmt_reports_syntax_errors_with_position() {
    let dir = temp_config(&[("main.hcl", "locals {\n  a = = 1\n}\n")]);
    let run = kiln(dir.path(), &["fmt"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("main.hcl:2:"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("main.hcl")).unwrap(),
        "locals {\n  a = = 1\n}\n"
    );
}

#[test]
fn version_prints_the_version() {
    let dir = temp_config(&[]);
    let run = kiln(dir.path(), &["version"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, format!("Kiln v{}\n", env!("CARGO_PKG_VERSION")));
}

const FACTS: &str = r#"
data "local_command" "facts" {
  program = ["sh", "-c", "read q; printf '{\"query\": %s, \"cores\": 2}' \"$q\""]
  query   = { env = "prod" }
}
output "cores" {
  value = data.local_command.facts.result.cores
}
"#;

#[test]
fn local_command_is_read_by_console_and_unknown_to_validate() {
    let dir = temp_config(&[("main.hcl", FACTS)]);
    let run = kiln_in(
        dir.path(),
        &["console"],
        "data.local_command.facts.result.query.env\ndata.local_command.facts.result.cores * 2\n",
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "\"prod\"\n4\n");
    let valid = kiln(dir.path(), &["validate"]);
    assert_eq!(valid.code, 0, "{}", valid.all());
}

#[test]
fn local_command_failure_is_reported_with_its_stderr() {
    let dir = temp_config(&[("main.hcl", "data \"local_command\" \"x\" {\n  program = [\"sh\", \"-c\", \"echo boom >&2; exit 3\"]\n}\n")]);
    let run = kiln_in(dir.path(), &["console"], "1\n");
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("Error reading data source"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("boom"), "{}", run.stderr);
    assert!(run.stderr.contains("main.hcl:1:1"), "{}", run.stderr);
}
