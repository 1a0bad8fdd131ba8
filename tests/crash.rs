//! `kill -9` in the middle of applies and destroys, again and again: after every kill the
//! next command must work (no lock left behind, the journal folded in) and the state must
//! know every file that exists, so nothing is ever orphaned. At the end one apply puts
//! everything right.
//!
//! The kill times come from a small PRNG seeded per iteration; set KILN_CRASH_SEED to
//! replay another sequence.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use support::{kiln, kiln_spawn, state_pull, temp_config, visible_files};

const FILES: usize = 200;
const ITERATIONS: u64 = 24;

const MAIN: &str = r#"
resource "local_file" "f" {
  count    = 200
  filename = "out/${count.index}.txt"
  content  = "file ${count.index}"
}
"#;

/// SplitMix64: small, deterministic, good enough to spread kill times.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `local_file.f` instances in the state: index → status ("" when none).
fn state_files(dir: &Path) -> BTreeMap<usize, String> {
    let state = state_pull(dir);
    let mut found = BTreeMap::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        assert_eq!(
            (r["type"].as_str(), r["name"].as_str()),
            (Some("local_file"), Some("f")),
            "unexpected resource in state: {r}"
        );
        for inst in r["instances"].as_array().into_iter().flatten() {
            let index = inst["index_key"].as_u64().expect("a count index") as usize;
            assert_eq!(
                inst["attributes"]["filename"].as_str(),
                Some(format!("out/{index}.txt").as_str()),
                "state of f[{index}]: {inst}"
            );
            let status = inst["status"].as_str().unwrap_or("").to_string();
            assert!(
                found.insert(index, status).is_none(),
                "f[{index}] twice in state"
            );
        }
    }
    found
}

/// The files under out/, by index, checking each holds exactly what was asked: a file is
/// written atomically, so none is ever partial.
fn disk_files(dir: &Path) -> BTreeSet<usize> {
    let out = dir.join("out");
    visible_files(&out)
        .into_iter()
        .map(|name| {
            let index: usize = name
                .strip_suffix(".txt")
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected file out/{name}"));
            let content = std::fs::read_to_string(out.join(&name)).unwrap();
            assert_eq!(content, format!("file {index}"), "content of out/{name}");
            index
        })
        .collect()
}

/// Leftover temporary files of interrupted atomic writes (hidden, reported only).
fn temp_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("out"))
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with('.'))
            })
            .count()
        })
        .unwrap_or(0)
}

fn check(cond: bool, log: &[String], what: String) {
    assert!(
        cond,
        "{what}\n\n--- iterations so far ---\n{}",
        log.join("\n")
    );
}

#[test]
fn kill_9_during_apply_and_destroy_never_orphans_a_file() {
    let seed: u64 = std::env::var("KILN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_240_601);
    let dir = temp_config(&[("main.hcl", MAIN)]);
    let path = dir.path();
    let mut log: Vec<String> = vec![format!("seed {seed} in {}", path.display())];

    for i in 0..ITERATIONS {
        let mut rng = Rng(seed ^ i.wrapping_mul(0xA076_1D64_78BD_642F));
        // Applies build up from what the last destroy left; destroys tear down what the
        // last apply left. Deletes are quicker than creates, so destroys die sooner.
        let destroy = i % 2 == 1;
        let (parallelism, delay) = if destroy {
            (["1", "4"][rng.below(2) as usize], rng.below(60))
        } else {
            (
                ["1", "4", "16", "64"][rng.below(4) as usize],
                rng.below(500),
            )
        };
        let command = if destroy { "destroy" } else { "apply" };
        let mut run = kiln_spawn(
            path,
            &[
                command,
                "--auto-approve",
                "--no-color",
                "--parallelism",
                parallelism,
            ],
        );
        // Kill after the first operation starts, plus a random delay: mostly mid-walk, now
        // and then at its very start or after its end.
        let started = run.wait_for_line(if destroy {
            ": Destroying..."
        } else {
            ": Creating..."
        });
        std::thread::sleep(Duration::from_millis(delay));
        run.kill9();
        let run = run.finish();
        let before = disk_files(path).len();
        log.push(format!(
            "#{i} {command} --parallelism {parallelism}: killed {delay} ms after the first operation (started: {started}); exit {}; {} files on disk, {} temp files",
            run.code, before, temp_files(path)
        ));
        if run.code != -1 {
            check(
                run.code == 0,
                &log,
                format!("the {command} that was not killed failed:\n{}", run.all()),
            );
        }

        // The next command works: no lock is left behind and the journal is replayed.
        let plan = kiln(path, &["plan", "--no-color", "--detailed-exitcode"]);
        check(
            plan.code == 0 || plan.code == 2,
            &log,
            format!("plan after the kill failed:\n{}", plan.all()),
        );
        let state = state_files(path);
        let disk = disk_files(path);
        let creating = state.values().filter(|s| *s == "creating").count();
        let tainted = state.values().filter(|s| *s == "tainted").count();
        log.push(format!(
            "    plan exit {}; state {} ({creating} creating, {tainted} tainted); disk {}",
            plan.code,
            state.len(),
            disk.len()
        ));

        let orphans: Vec<&usize> = disk.iter().filter(|n| !state.contains_key(n)).collect();
        check(
            orphans.is_empty(),
            &log,
            format!("files on disk that the state does not know: {orphans:?}"),
        );
        for n in state.keys().filter(|n| !disk.contains(n)) {
            let line = format!("  # local_file.f[{n}] will be created");
            check(
                plan.stdout.contains(&line),
                &log,
                format!(
                    "f[{n}] is in state but not on disk, and the plan does not create it:\n{}",
                    plan.stdout
                ),
            );
        }
        if disk.len() < FILES || !state.values().all(String::is_empty) {
            check(plan.code == 2, &log, "the plan has changes to make".into());
        }

        if i % 3 == 0 {
            let list = kiln(path, &["state", "list"]);
            let expected: BTreeSet<String> =
                state.keys().map(|n| format!("local_file.f[{n}]")).collect();
            let listed: BTreeSet<String> = list.stdout.lines().map(str::to_string).collect();
            check(
                list.code == 0 && listed == expected && list.stdout.lines().count() == state.len(),
                &log,
                format!("state list disagrees with state pull:\n{}", list.all()),
            );
        }
    }

    let apply = kiln(path, &["apply", "--auto-approve", "--no-color"]);
    check(
        apply.code == 0,
        &log,
        format!("the final apply failed:\n{}", apply.all()),
    );
    let disk = disk_files(path);
    check(
        disk == (0..FILES).collect(),
        &log,
        format!("after the final apply out/ holds {} files", disk.len()),
    );
    let state = state_files(path);
    check(
        state.len() == FILES && state.values().all(String::is_empty),
        &log,
        format!("after the final apply the state is {state:?}"),
    );
    let plan = kiln(path, &["plan", "--no-color", "--detailed-exitcode"]);
    check(
        plan.code == 0,
        &log,
        format!(
            "the plan after the final apply is not clean:\n{}",
            plan.all()
        ),
    );
    assert!(
        !path.join("kiln.kstate.lock").exists(),
        "the last run released its lock"
    );
    eprintln!("{}", log.join("\n"));
}
