//! Diagnostics for broken configurations: every directory under `tests/fixtures/broken/`
//! is a configuration with one or more mistakes. Each one is run through the real binary
//! (`kiln validate`, or `kiln console` when the fixture has a `stdin` file) and what the
//! user sees is snapshotted, one snapshot per fixture. Besides the snapshots, every run
//! must fail with exit code 1 and every diagnostic must name `file:line:col`, unless the
//! problem is in the command line itself (see [`NO_LOCATION`]).
//!
//! A fixture may hold:
//! - `args`: extra command-line arguments, one per line (e.g. `--var` / `count=abc`);
//! - `stdin`: console input; its presence makes the test run `kiln console`.
//!
//! Regenerate snapshots with `INSTA_UPDATE=always cargo test --test diagnostics` and read
//! every changed one.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use support::{fixture, kiln, kiln_in, Run};

/// Fixtures whose diagnostics (all or some) cannot point into a file, because the mistake
/// is on the command line, with the diagnostic summaries that are allowed to lack a location.
const NO_LOCATION: &[(&str, &str)] = &[
    ("37-cli-undeclared-var", "Value for undeclared variable"),
    ("38-cli-malformed-var", "Invalid --var option"),
];

fn broken_fixtures() -> Vec<PathBuf> {
    let root = fixture("broken");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures/broken exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn name_of(dir: &Path) -> String {
    dir.file_name()
        .and_then(|n| n.to_str())
        .expect("fixture name")
        .to_string()
}

/// The command line for a fixture: validate or console, the directory, then `args`.
fn command_for(dir: &Path) -> (Vec<String>, Option<String>) {
    let stdin = std::fs::read_to_string(dir.join("stdin")).ok();
    let mut args = vec![
        if stdin.is_some() {
            "console"
        } else {
            "validate"
        }
        .to_string(),
        dir.display().to_string(),
    ];
    if let Ok(extra) = std::fs::read_to_string(dir.join("args")) {
        args.extend(
            extra
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        );
    }
    (args, stdin)
}

fn run_fixture(dir: &Path) -> (Vec<String>, Run) {
    let (args, stdin) = command_for(dir);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = match &stdin {
        Some(input) => kiln_in(dir, &refs, input),
        None => kiln(dir, &refs),
    };
    (args, run)
}

/// The diagnostics of a rendered stderr: each starts at a line `error: …` / `warning: …`.
fn rendered_diagnostics(stderr: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stderr.lines() {
        if line.starts_with("error") || line.starts_with("warning") {
            out.push(String::new());
        }
        if let Some(cur) = out.last_mut() {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    out
}

/// Whether a rendered diagnostic has a `┌─ FILE:LINE:COL` header.
fn has_location(diag: &str) -> bool {
    diag.lines().any(|l| {
        let Some((_, loc)) = l.split_once("┌─ ") else {
            return false;
        };
        let mut parts = loc.trim().rsplitn(3, ':');
        let col = parts.next().unwrap_or("");
        let line = parts.next().unwrap_or("");
        let file = parts.next().unwrap_or("");
        !file.is_empty() && line.parse::<usize>().is_ok() && col.parse::<usize>().is_ok()
    })
}

/// The plain assertions, beyond the snapshot.
fn check(name: &str, run: &Run) -> Result<(), String> {
    if run.code != 1 {
        return Err(format!("expected exit code 1, got {}", run.code));
    }
    if run.stdout.contains("The configuration is valid.") {
        return Err("a broken configuration was reported valid".into());
    }
    if run.stderr.contains("panicked") || run.stderr.contains("RUST_BACKTRACE") {
        return Err("kiln panicked".into());
    }
    let diags = rendered_diagnostics(&run.stderr);
    if diags.is_empty() {
        return Err("no diagnostic was printed".into());
    }
    for d in &diags {
        let summary = d.lines().next().unwrap_or("");
        let exempt = NO_LOCATION
            .iter()
            .any(|(n, s)| *n == name && summary.ends_with(s));
        if !exempt && !has_location(d) {
            return Err(format!(
                "this diagnostic has no file:line:col location:\n{d}"
            ));
        }
        if !d.contains(" = ") {
            return Err(format!("this diagnostic has no detail sentence:\n{d}"));
        }
    }
    Ok(())
}

#[test]
fn broken_configurations() {
    let fixtures = broken_fixtures();
    assert!(
        fixtures.len() >= 32,
        "expected at least 32 broken fixtures, found {}",
        fixtures.len()
    );
    let mut failures = Vec::new();
    for dir in &fixtures {
        let name = name_of(dir);
        let (args, run) = run_fixture(dir);
        if let Err(e) = check(&name, &run) {
            failures.push(format!("{name}: {e}\n--- output ---\n{}", run.all()));
        }
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.replace(&dir.display().to_string(), "[DIR]"))
            .collect();
        let snapshot = format!(
            "exit code: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            run.code, run.stdout, run.stderr
        );
        let result = catch_unwind(AssertUnwindSafe(|| {
            insta::with_settings!({ description => format!("kiln {}", shown.join(" ")), omit_expression => true }, {
                insta::assert_snapshot!(name.clone(), snapshot);
            });
        }));
        if result.is_err() {
            failures.push(format!("{name}: snapshot differs"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn validate_json_reports_diagnostics_with_ranges() {
    let dir = fixture("broken/39-many-problems-one-file");
    let run = kiln(&dir, &["validate", "--json", &dir.display().to_string()]);
    assert_eq!(run.code, 1, "{}", run.all());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", run.stdout));
    assert_eq!(doc["valid"], false);
    let diags = doc["diagnostics"].as_array().expect("a diagnostics array");
    assert!(
        diags.len() >= 2,
        "expected several diagnostics, got {diags:#?}"
    );
    assert_eq!(
        doc["error_count"].as_u64(),
        Some(diags.iter().filter(|d| d["severity"] == "error").count() as u64)
    );
    for d in diags {
        assert!(
            d["severity"] == "error" || d["severity"] == "warning",
            "{d:#}"
        );
        assert!(
            d["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{d:#}"
        );
        assert!(d["detail"].as_str().is_some_and(|s| !s.is_empty()), "{d:#}");
        let range = &d["range"];
        assert!(
            range["filename"]
                .as_str()
                .is_some_and(|f| f.ends_with("main.hcl")),
            "{d:#}"
        );
        for end in ["start", "end"] {
            for field in ["line", "column", "byte"] {
                assert!(
                    range[end][field].as_u64().is_some(),
                    "range.{end}.{field} missing in {d:#}"
                );
            }
        }
        assert!(
            range["start"]["line"].as_u64().unwrap() >= 1
                && range["start"]["column"].as_u64().unwrap() >= 1,
            "{d:#}"
        );
    }
    // The misspelt variable: line 7, at `var.evn` inside the template.
    let undeclared = diags
        .iter()
        .find(|d| d["summary"] == "Reference to undeclared input variable")
        .expect("the var.evn diagnostic");
    assert_eq!(undeclared["range"]["start"]["line"], 7);
    let text = std::fs::read_to_string(dir.join("main.hcl")).unwrap();
    let byte = undeclared["range"]["start"]["byte"].as_u64().unwrap() as usize;
    assert!(
        text[byte..].starts_with("var.evn"),
        "byte offset {byte} does not point at var.evn"
    );
}
