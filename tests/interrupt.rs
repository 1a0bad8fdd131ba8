//! Ctrl-C (one SIGINT) during `kiln apply`: Kiln starts nothing new, lets what runs finish,
//! records it, says it was interrupted and exits 1. The state knows every file written,
//! and the next apply finishes the job.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::{kiln, kiln_spawn, send_signal, state_pull, temp_config, visible_files};

const STAGES: usize = 10;

/// A chain of stages, each waiting for the one before: `kiln_data.kN` (its id is only
/// known after apply) → `data.local_command.wN` (read during apply, takes 0.2 s) →
/// `local_file.fN` → the next stage's `kiln_data`.
fn chain() -> String {
    let mut hcl = String::new();
    for i in 0..STAGES {
        let input = if i == 0 {
            "\"start\"".to_string()
        } else {
            format!("local_file.f{}.id", i - 1)
        };
        hcl.push_str(&format!(
            r#"
resource "kiln_data" "k{i}" {{
  input = {input}
}}

data "local_command" "w{i}" {{
  program = ["sh", "-c", "sleep 0.2; cat"]
  query   = {{ id = kiln_data.k{i}.id }}
}}

resource "local_file" "f{i}" {{
  filename = "out/{i}.txt"
  content  = data.local_command.w{i}.result.id
}}
"#
        ));
    }
    hcl
}

/// The `local_file` resources in the state, by name, with their status.
fn files_in_state(dir: &Path) -> BTreeSet<(String, String)> {
    let state = state_pull(dir);
    state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "local_file")
        .flat_map(|r| {
            r["instances"].as_array().unwrap().iter().map(|i| {
                (
                    i["attributes"]["filename"].as_str().unwrap().to_string(),
                    i["status"].as_str().unwrap_or("").to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn sigint_stops_the_apply_cleanly_and_the_next_apply_finishes() {
    let dir = temp_config(&[("main.hcl", &chain())]);
    let path = dir.path();
    let mut run = kiln_spawn(path, &["apply", "--auto-approve", "--no-color"]);
    assert!(
        run.wait_for_line("local_file.f0: Creation complete"),
        "the apply ended before its first file"
    );
    send_signal(run.pid(), "INT");
    let run = run.finish();
    assert_eq!(run.code, 1, "{}", run.all());
    for line in [
        "Interrupt received.",
        "Apply incomplete:",
        "(interrupted)",
        "Every completed change is recorded in the state; run kiln apply again to finish.",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?}:\n{}",
            run.all()
        );
    }

    let on_disk = visible_files(&path.join("out"));
    assert!(on_disk.contains(&"0.txt".to_string()), "{on_disk:?}");
    assert!(
        on_disk.len() < STAGES,
        "the interrupt stopped the chain: {on_disk:?}"
    );
    let state = files_in_state(path);
    for name in &on_disk {
        let entry = (format!("out/{name}"), String::new());
        assert!(
            state.contains(&entry),
            "out/{name} is on disk but not in state as created: {state:?}"
        );
    }
    assert_eq!(
        state.len(),
        on_disk.len(),
        "nothing else in state: {state:?}"
    );
    assert!(
        !path.join("kiln.kstate.lock").exists(),
        "the interrupted run released the lock"
    );

    let again = kiln(path, &["apply", "--auto-approve", "--no-color"]);
    assert_eq!(again.code, 0, "{}", again.all());
    let expected: Vec<String> = (0..STAGES).map(|i| format!("{i}.txt")).collect();
    let mut on_disk = visible_files(&path.join("out"));
    on_disk.sort_by_key(|n| n.trim_end_matches(".txt").parse::<usize>().unwrap());
    assert_eq!(on_disk, expected);
    let plan = kiln(path, &["plan", "--detailed-exitcode", "--no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}
