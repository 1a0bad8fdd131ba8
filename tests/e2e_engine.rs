//! The engine end to end, as a user drives it: `kiln apply`, `plan`, `output`, `destroy`,
//! `graph` and `state list` on a configuration of `local_file` resources (with `count`,
//! `for_each` and a module), checking the files on disk, the state and what is printed.

mod support;

use std::path::Path;

use support::{kiln, kiln_in, temp_config, visible_files};

const MAIN: &str = r#"
resource "local_file" "numbered" {
  count    = 3
  filename = "${path.module}/out/n${count.index}.txt"
  content  = "number ${count.index}"
}

resource "local_file" "named" {
  for_each = toset(["alpha", "beta"])
  filename = "out/${each.key}.txt"
  content  = "${each.key} after ${local_file.numbered[0].id}"
}

module "notes" {
  source = "./notes"
  text   = "from the module"
}

output "first" {
  value = local_file.numbered[0].filename
}

output "note" {
  value = module.notes.filename
}

output "token" {
  value     = "s3cr3t-token"
  sensitive = true
}
"#;

/// Relative filenames resolve against the working directory, as in Terraform: a module
/// names its own directory with path.module.
const NOTES: &str = r#"
variable "text" {
  type = string
}

resource "local_file" "note" {
  filename = "${path.module}/../out/note.txt"
  content  = var.text
}

output "filename" {
  value = local_file.note.filename
}
"#;

const ALL_ADDRESSES: [&str; 6] = [
    "local_file.named[\"alpha\"]",
    "local_file.named[\"beta\"]",
    "local_file.numbered[0]",
    "local_file.numbered[1]",
    "local_file.numbered[2]",
    "module.notes.local_file.note",
];

fn config() -> tempfile::TempDir {
    temp_config(&[("main.hcl", MAIN), ("notes/main.hcl", NOTES)])
}

/// A configuration directory after a successful `kiln apply --auto-approve`.
fn applied() -> tempfile::TempDir {
    let dir = config();
    let run = kiln(dir.path(), &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(run.code, 0, "apply failed:\n{}", run.all());
    dir
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn state_list(dir: &Path) -> Vec<String> {
    let run = kiln(dir, &["state", "list"]);
    assert_eq!(run.code, 0, "{}", run.all());
    run.stdout.lines().map(str::to_string).collect()
}

fn detailed_exitcode(dir: &Path) -> i32 {
    let run = kiln(dir, &["plan", "--detailed-exitcode", "--no-color"]);
    assert_ne!(run.code, 1, "plan failed:\n{}", run.all());
    run.code
}

#[test]
fn apply_creates_files_and_records_them() {
    let dir = config();
    let run = kiln(dir.path(), &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("Apply complete! Resources: 6 added, 0 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    let out = dir.path().join("out");
    assert_eq!(
        visible_files(&out),
        [
            "alpha.txt",
            "beta.txt",
            "n0.txt",
            "n1.txt",
            "n2.txt",
            "note.txt"
        ]
    );
    assert_eq!(read(&out, "n1.txt"), "number 1");
    assert_eq!(read(&out, "note.txt"), "from the module");
    let id0 = read(&out, "alpha.txt");
    assert!(
        id0.starts_with("alpha after ") && id0.len() == "alpha after ".len() + 40,
        "the content holds numbered[0]'s SHA-1 id: {id0}"
    );
    assert_eq!(state_list(dir.path()), ALL_ADDRESSES);
    assert_eq!(detailed_exitcode(dir.path()), 0, "nothing left to do");
}

#[test]
fn plan_shows_exactly_the_edit() {
    let dir = applied();
    let edited = MAIN
        .replace(
            "content  = \"number ${count.index}\"",
            "content  = count.index == 1 ? \"number one, edited\" : \"number ${count.index}\"",
        )
        .replace("[\"alpha\", \"beta\"]", "[\"alpha\", \"gamma\"]");
    std::fs::write(dir.path().join("main.hcl"), edited).unwrap();

    let run = kiln(dir.path(), &["plan", "--no-color"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stderr, "");
    insta::assert_snapshot!("plan_after_edit", run.stdout);

    assert_eq!(detailed_exitcode(dir.path()), 2);
    let apply = kiln(dir.path(), &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 2 added, 0 changed, 2 destroyed."),
        "{}",
        apply.stdout
    );
    assert_eq!(detailed_exitcode(dir.path()), 0);
    let out = dir.path().join("out");
    assert_eq!(read(&out, "n1.txt"), "number one, edited");
    assert_eq!(
        visible_files(&out),
        [
            "alpha.txt",
            "gamma.txt",
            "n0.txt",
            "n1.txt",
            "n2.txt",
            "note.txt"
        ]
    );
    assert!(state_list(dir.path()).contains(&"local_file.named[\"gamma\"]".to_string()));
}

#[test]
fn plan_reports_changes_made_outside_kiln() {
    let dir = applied();
    let out = dir.path().join("out");
    std::fs::remove_file(out.join("n2.txt")).unwrap();
    std::fs::write(out.join("note.txt"), "edited by hand").unwrap();

    let run = kiln(dir.path(), &["plan", "--no-color", "--detailed-exitcode"]);
    assert_eq!(run.code, 2, "{}", run.all());
    insta::assert_snapshot!("plan_after_drift", run.stdout);
    for line in [
        "Note: Objects have changed outside of Kiln",
        "  # local_file.numbered[2] has been deleted",
        "  # module.notes.local_file.note has changed",
        "  # local_file.numbered[2] will be created",
        "  # module.notes.local_file.note must be replaced",
        "Plan: 2 to add, 0 to change, 1 to destroy.",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?}:\n{}",
            run.stdout
        );
    }

    let apply = kiln(dir.path(), &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(apply.code, 0, "{}", apply.all());
    assert_eq!(read(&out, "n2.txt"), "number 2");
    assert_eq!(read(&out, "note.txt"), "from the module");
    assert_eq!(detailed_exitcode(dir.path()), 0);
}

#[test]
fn outputs_list_json_raw_and_sensitive() {
    let dir = applied();
    let list = kiln(dir.path(), &["output"]);
    assert_eq!(list.code, 0, "{}", list.all());
    assert_eq!(
        list.stdout,
        "first = \"./out/n0.txt\"\nnote = \"notes/../out/note.txt\"\ntoken = <sensitive>\n"
    );
    assert!(!list.all().contains("s3cr3t"));

    let one = kiln(dir.path(), &["output", "first"]);
    assert_eq!((one.code, one.stdout.as_str()), (0, "\"./out/n0.txt\"\n"));
    let raw = kiln(dir.path(), &["output", "--raw", "first"]);
    assert_eq!((raw.code, raw.stdout.as_str()), (0, "./out/n0.txt"));

    let json = kiln(dir.path(), &["output", "--json"]);
    assert_eq!(json.code, 0, "{}", json.all());
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["first"]["value"], "./out/n0.txt");
    assert_eq!(doc["first"]["sensitive"], false);
    assert_eq!(doc["token"]["sensitive"], true);

    let missing = kiln(dir.path(), &["output", "nope"]);
    assert_eq!(missing.code, 1, "{}", missing.all());
}

#[test]
fn destroy_removes_files_and_state() {
    let dir = applied();
    let run = kiln(dir.path(), &["destroy", "--auto-approve", "--no-color"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("Destroy complete! Resources: 6 destroyed."),
        "{}",
        run.stdout
    );
    assert_eq!(visible_files(&dir.path().join("out")), Vec::<String>::new());
    assert_eq!(state_list(dir.path()), Vec::<String>::new());
    assert_eq!(
        detailed_exitcode(dir.path()),
        2,
        "everything is to be created again"
    );
}

#[test]
fn apply_without_a_terminal_asks_for_auto_approve() {
    let dir = config();
    let run = kiln_in(dir.path(), &["apply", "--no-color"], "yes\n");
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("No terminal to ask for approval")
            && run.stderr.contains("--auto-approve"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("out").exists(), "no file was written");
    assert!(
        !dir.path().join("kiln.kstate").exists(),
        "no state was written"
    );

    let applied = applied();
    let destroy = kiln_in(applied.path(), &["destroy", "--no-color"], "yes\n");
    assert_eq!(destroy.code, 1, "{}", destroy.all());
    assert!(destroy.stderr.contains("No terminal to ask for approval"));
    assert_eq!(visible_files(&applied.path().join("out")).len(), 6);
}

#[test]
fn graph_prints_dot_with_reference_edges() {
    let dir = applied();
    let run = kiln(dir.path(), &["graph"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.starts_with("digraph {\n"), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with('}'), "{}", run.stdout);
    for node in ALL_ADDRESSES {
        let quoted = format!("{:?}", node);
        assert!(
            run.stdout.contains(&quoted),
            "no node {quoted}:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains(r#""local_file.named[\"alpha\"]" -> "local_file.numbered[0]""#),
        "named refers to numbered[0]:\n{}",
        run.stdout
    );

    // --plan draws operations; stdout is nothing but DOT, so it can be piped to `dot`.
    std::fs::remove_file(dir.path().join("out/n1.txt")).unwrap();
    let plan = kiln(dir.path(), &["graph", "--plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.starts_with("digraph {\n"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("\"create local_file.numbered[1]\""),
        "{}",
        plan.stdout
    );
}

#[test]
fn plan_json_prints_event_lines_and_a_summary() {
    let dir = config();
    let run = kiln(dir.path(), &["plan", "--json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let events: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let planned: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "planned_change")
        .map(|e| e["hook"]["change"]["resource"]["addr"].as_str().unwrap())
        .collect();
    assert_eq!(planned, ALL_ADDRESSES);
    let last = events.last().expect("some events");
    assert_eq!(last["type"], "change_summary");
    assert_eq!(
        last["@message"],
        "Plan: 6 to add, 0 to change, 0 to destroy."
    );
    assert_eq!(last["hook"]["changes"]["add"], 6);
    assert_eq!(last["hook"]["changes"]["operation"], "plan");
}

#[test]
fn prevent_destroy_stops_destroy_and_leaves_files() {
    let guarded = MAIN.replace(
        "  content  = \"number ${count.index}\"\n",
        "  content  = \"number ${count.index}\"\n  lifecycle {\n    prevent_destroy = true\n  }\n",
    );
    let dir = temp_config(&[("main.hcl", &guarded), ("notes/main.hcl", NOTES)]);
    let apply = kiln(dir.path(), &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(apply.code, 0, "{}", apply.all());

    let run = kiln(dir.path(), &["destroy", "--auto-approve", "--no-color"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("Instance cannot be destroyed")
            && run.stderr.contains("local_file.numbered"),
        "{}",
        run.stderr
    );
    assert_eq!(visible_files(&dir.path().join("out")).len(), 6);
    assert_eq!(state_list(dir.path()), ALL_ADDRESSES);
}
