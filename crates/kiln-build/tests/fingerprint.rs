//! Fingerprints through the public API, on real files in a temporary directory: what
//! changes the digest, what the cache saves, and what a plan is told.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use kiln_build::fingerprint::{
    compute, explain, explain_unknown, provisioner_files, ConfigSpec, FileInput, Fingerprint,
    Record,
};
use kiln_core::lang::{Type, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SPEC: ConfigSpec<'static> = ConfigSpec {
    outputs: &["id", "fingerprint"],
    source: Some("source"),
};

/// A project: a script, an uploaded tree of three files, every mode and mtime fixed.
fn project() -> Result<tempfile::TempDir, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let p = dir.path();
    std::fs::create_dir_all(p.join("app"))?;
    std::fs::create_dir_all(p.join("files/conf"))?;
    write(
        p,
        "app/install.sh",
        "#!/bin/sh\nset -e\nVERSION=\"1.0\"\necho installing\n",
        0o755,
    )?;
    write(p, "files/a.txt", "alpha\n", 0o644)?;
    write(p, "files/b.txt", "beta\n", 0o644)?;
    write(p, "files/conf/c.conf", "key = value\n", 0o600)?;
    Ok(dir)
}

fn write(root: &Path, rel: &str, text: &str, mode: u32) -> std::io::Result<()> {
    let path = root.join(rel);
    std::fs::write(&path, text)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
    set_mtime(&path, MTIME)
}

/// The mtime every file starts with (November 2023).
const MTIME: u64 = 1_700_000_000;

/// Sets a file's mtime to `secs` after the epoch, as `touch -d` would.
fn set_mtime(path: &Path, secs: u64) -> std::io::Result<()> {
    let f = std::fs::File::options().write(true).open(path)?;
    f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

fn config(memory: i64, password: &str) -> Value {
    let provisioners = Value::list(vec![
        Value::object_from([
            ("type", Value::string("shell")),
            ("script", Value::string("app/install.sh")),
        ]),
        Value::object_from([
            ("type", Value::string("file")),
            ("source", Value::string("files/")),
            ("destination", Value::string("/srv")),
        ]),
    ]);
    Value::object_from([
        ("source", Value::string("qimg-base")),
        ("memory", Value::int(memory)),
        (
            "communicator",
            Value::object_from([
                ("type", Value::string("ssh")),
                ("password", Value::string(password).mark_sensitive()),
            ]),
        ),
        ("provisioners", provisioners),
        ("id", Value::string("qimg-output-is-not-an-input")),
        ("fingerprint", Value::null()),
    ])
}

fn fingerprint(
    dir: &Path,
    config: &Value,
    cache: Option<&Record>,
) -> Result<Fingerprint, Box<dyn std::error::Error>> {
    let files = provisioner_files(config.as_map().and_then(|m| m.get("provisioners")), dir);
    Ok(compute(config, &SPEC, &files, cache)?)
}

/// The record as the next run sees it, 10 s later: the cache distrusts entries for
/// files changed within 2 s before a record was taken (their timestamps could still
/// hide a change), and setting an mtime makes the ctime "now".
fn aged(mut record: Record) -> Record {
    record.read_at_ns += 10_000_000_000;
    record
}

/// Waits before changing a file that an aged record describes. A real edit comes long
/// after the files were recorded; here it would come within the same tick of the coarse
/// clock Linux stamps ctimes with, and look like no change at all (which is what the
/// cache's 2 s distrust guards against, and `aged` skips).
fn later() {
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn the_digest_is_stable_across_runs_and_versions() -> TestResult {
    let dir = project()?;
    let a = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let b = fingerprint(dir.path(), &config(256, "pw"), None)?;
    assert_eq!(a.digest, b.digest);
    assert_eq!(a.digest.len(), 32);
    // Pinned: a change here rebuilds every image of every user. Change it only with the
    // digest contexts' version (`digest.rs`).
    assert_eq!(a.digest, "8da300ec66c5cee732caa67b69e454cf");
    Ok(())
}

#[test]
fn outputs_do_not_change_the_fingerprint() -> TestResult {
    let dir = project()?;
    let a = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let mut other = config(256, "pw");
    if let kiln_core::lang::Kind::Object(m) = &mut other.kind {
        m.insert("id".into(), Value::string("qimg-something-else"));
    }
    assert_eq!(fingerprint(dir.path(), &other, None)?.digest, a.digest);
    Ok(())
}

#[test]
fn unchanged_files_are_not_read_again() -> TestResult {
    let dir = project()?;
    let cold = fingerprint(dir.path(), &config(256, "pw"), None)?;
    assert_eq!(cold.stats.files, 4);
    assert_eq!(cold.stats.files_hashed, 4);
    let warm = fingerprint(
        dir.path(),
        &config(256, "pw"),
        Some(&aged(cold.record.clone())),
    )?;
    assert_eq!(warm.digest, cold.digest);
    assert_eq!(warm.stats.files, 4);
    assert_eq!(
        warm.stats.files_hashed, 0,
        "every file came from the record"
    );
    assert_eq!(warm.stats.bytes_hashed, 0);
    // The record carried over keeps the script's text for the next diff.
    assert!(warm
        .record
        .to_json()
        .to_string()
        .contains("echo installing"));
    Ok(())
}

#[test]
fn a_touch_rehashes_one_file_and_keeps_the_fingerprint() -> TestResult {
    let dir = project()?;
    let cold = fingerprint(dir.path(), &config(256, "pw"), None)?;
    set_mtime(&dir.path().join("files/b.txt"), MTIME + 60)?;
    let after = fingerprint(
        dir.path(),
        &config(256, "pw"),
        Some(&aged(cold.record.clone())),
    )?;
    assert_eq!(after.digest, cold.digest);
    assert_eq!(after.stats.files_hashed, 1, "only the touched file is read");
    assert_eq!(after.stats.bytes_hashed, "beta\n".len() as u64);
    assert!(explain(Some(&cold.record), &after.record).is_empty());
    Ok(())
}

#[test]
fn a_recent_change_is_not_trusted_to_the_cache() -> TestResult {
    let dir = project()?;
    let cold = fingerprint(dir.path(), &config(256, "pw"), None)?;
    // Same run, no ageing: the files' ctimes are within the last 2 s.
    let again = fingerprint(dir.path(), &config(256, "pw"), Some(&cold.record))?;
    assert_eq!(again.stats.files_hashed, 4);
    assert_eq!(again.digest, cold.digest);
    Ok(())
}

#[test]
fn a_content_change_is_explained_with_a_diff() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    later();
    write(
        dir.path(),
        "app/install.sh",
        "#!/bin/sh\nset -e\nVERSION=\"2.0\"\necho installing\n",
        0o755,
    )?;
    let after = fingerprint(
        dir.path(),
        &config(256, "pw"),
        Some(&aged(before.record.clone())),
    )?;
    assert_ne!(after.digest, before.digest);
    let causes = explain(Some(&before.record), &after.record);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(causes[0].summary, "file app/install.sh modified");
    let diff = causes[0].diff.clone().unwrap_or_default();
    assert!(
        diff.contains("\n-VERSION=\"1.0\"\n+VERSION=\"2.0\"\n"),
        "{diff}"
    );
    assert!(diff.starts_with("@@ "), "{diff}");
    Ok(())
}

#[test]
fn same_size_same_mtime_but_rewritten_is_still_seen() -> TestResult {
    // The copy keeps size and mtime (as `cp -p` would); the ctime gives it away.
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    later();
    write(dir.path(), "files/a.txt", "ALPHA\n", 0o644)?;
    let after = fingerprint(
        dir.path(),
        &config(256, "pw"),
        Some(&aged(before.record.clone())),
    )?;
    assert_ne!(after.digest, before.digest);
    Ok(())
}

#[test]
fn files_added_and_removed_in_a_tree_are_summarized() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    later();
    write(dir.path(), "files/new.txt", "new\n", 0o644)?;
    write(dir.path(), "files/a.txt", "changed\n", 0o644)?;
    std::fs::remove_file(dir.path().join("files/conf/c.conf"))?;
    let after = fingerprint(
        dir.path(),
        &config(256, "pw"),
        Some(&aged(before.record.clone())),
    )?;
    assert_ne!(after.digest, before.digest);
    let causes = explain(Some(&before.record), &after.record);
    let summaries: Vec<&str> = causes.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(
        summaries,
        ["directory files/: 1 file modified, 1 added, 1 removed: a.txt, conf/c.conf, new.txt"]
    );
    Ok(())
}

#[test]
fn long_lists_of_names_are_capped() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    for i in 0..8 {
        write(dir.path(), &format!("files/n{i}.txt"), "n\n", 0o644)?;
    }
    let after = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let causes = explain(Some(&before.record), &after.record);
    assert_eq!(
        causes[0].summary,
        "directory files/: 8 files added: n0.txt, n1.txt, n2.txt, n3.txt, n4.txt and 3 more"
    );
    Ok(())
}

#[test]
fn a_mode_change_changes_the_fingerprint() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let script = dir.path().join("app/install.sh");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644))?;
    let after = fingerprint(
        dir.path(),
        &config(256, "pw"),
        Some(&aged(before.record.clone())),
    )?;
    assert_ne!(after.digest, before.digest);
    let causes = explain(Some(&before.record), &after.record);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(
        causes[0].summary,
        "file app/install.sh mode changed from 0755 to 0644"
    );
    assert_eq!(causes[0].diff, None);
    Ok(())
}

#[test]
fn a_mode_change_inside_a_tree_is_named() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let file = dir.path().join("files/b.txt");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    let after = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let causes = explain(Some(&before.record), &after.record);
    assert_eq!(
        causes[0].summary,
        "directory files/: 1 file with a new mode: b.txt"
    );
    Ok(())
}

#[test]
fn a_sensitive_change_is_named_without_its_value() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "correct-horse"), None)?;
    let after = fingerprint(dir.path(), &config(256, "battery-staple"), None)?;
    assert_ne!(after.digest, before.digest);
    let causes = explain(Some(&before.record), &after.record);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(
        causes[0].summary,
        "attribute communicator changed (sensitive value)"
    );
    for record in [&before.record, &after.record] {
        let json = record.to_json().to_string();
        assert!(!json.contains("correct-horse"), "{json}");
        assert!(!json.contains("battery-staple"), "{json}");
    }
    Ok(())
}

#[test]
fn an_attribute_change_is_named() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let after = fingerprint(
        dir.path(),
        &config(512, "pw"),
        Some(&aged(before.record.clone())),
    )?;
    assert_ne!(after.digest, before.digest);
    let causes = explain(Some(&before.record), &after.record);
    assert_eq!(causes.len(), 1, "{causes:?}");
    assert_eq!(causes[0].summary, "attribute memory changed");
    Ok(())
}

#[test]
fn a_new_source_image_is_named_first() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let mut c = config(512, "pw");
    if let kiln_core::lang::Kind::Object(m) = &mut c.kind {
        m.insert("source".into(), Value::string("qimg-rebuilt"));
    }
    let after = fingerprint(dir.path(), &c, None)?;
    let summaries: Vec<String> = explain(Some(&before.record), &after.record)
        .into_iter()
        .map(|c| c.summary)
        .collect();
    assert_eq!(
        summaries,
        [
            "source image changed from qimg-base to qimg-rebuilt",
            "attribute memory changed"
        ]
    );
    Ok(())
}

#[test]
fn scripts_added_and_removed_are_named() -> TestResult {
    let dir = project()?;
    write(dir.path(), "app/other.sh", "echo other\n", 0o755)?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let files = vec![FileInput::script(
        "app/other.sh",
        dir.path().join("app/other.sh"),
    )];
    let after = compute(&config(256, "pw"), &SPEC, &files, None)?;
    let summaries: Vec<String> = explain(Some(&before.record), &after.record)
        .into_iter()
        .map(|c| c.summary)
        .collect();
    assert_eq!(
        summaries,
        [
            "file app/install.sh removed",
            "file app/other.sh added",
            "directory files/ removed"
        ]
    );
    Ok(())
}

#[test]
fn without_a_record_the_plan_says_so() -> TestResult {
    let dir = project()?;
    let now = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let causes = explain(None, &now.record);
    assert_eq!(causes.len(), 1);
    assert_eq!(
        causes[0].summary,
        "fingerprint changed (no record of the previous inputs)"
    );
    assert_eq!(
        Record::from_json(&serde_json::json!({"old": "state"})),
        None
    );
    Ok(())
}

#[test]
fn unknown_inputs_are_explained_with_the_known_changes() -> TestResult {
    let dir = project()?;
    let before = fingerprint(dir.path(), &config(256, "pw"), None)?;
    later();
    write(dir.path(), "app/install.sh", "#!/bin/sh\necho v2\n", 0o755)?;
    let mut c = config(512, "pw");
    if let kiln_core::lang::Kind::Object(m) = &mut c.kind {
        m.insert("source".into(), Value::unknown(Type::String));
        m.insert("cpus".into(), Value::unknown(Type::Number));
        m.insert("id".into(), Value::unknown(Type::String));
    }
    // Only the script is known to be read: the tree is not named as removed.
    let files = vec![FileInput::script(
        "app/install.sh",
        dir.path().join("app/install.sh"),
    )];
    let pending = explain_unknown(&c, &SPEC, &files, Some(&before.record), None)?;
    let summaries: Vec<&str> = pending.causes.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "its source image is rebuilt",
            "attribute cpus is not known yet",
            "attribute memory changed",
            "file app/install.sh modified"
        ]
    );
    assert!(pending.causes[3]
        .diff
        .as_deref()
        .unwrap_or("")
        .contains("+echo v2"));
    // Without a record, only what is unknown.
    let alone = explain_unknown(&c, &SPEC, &files, None, None)?;
    assert_eq!(alone.causes.len(), 2);
    Ok(())
}

#[test]
fn the_record_round_trips_through_json() -> TestResult {
    let dir = project()?;
    let fp = fingerprint(dir.path(), &config(256, "pw"), None)?;
    let json = fp.record.to_json();
    assert_eq!(Record::from_json(&json).as_ref(), Some(&fp.record));
    assert_eq!(json["version"], 1);
    assert_eq!(json["fingerprint"], fp.digest.as_str());
    let kinds: Vec<&str> = json["inputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "attribute",
            "attribute",
            "attribute",
            "attribute",
            "file",
            "directory"
        ]
    );
    let script = &json["inputs"][4];
    assert_eq!(script["label"], "app/install.sh");
    assert_eq!(script["file"]["mode"], 0o755);
    assert!(script["file"]["text"].as_str().is_some());
    let tree = &json["inputs"][5];
    assert_eq!(tree["files"]["conf/c.conf"]["mode"], 0o600);
    assert!(
        tree["files"]["a.txt"].get("text").is_none(),
        "no texts of uploads"
    );
    Ok(())
}

#[test]
fn a_stale_or_foreign_cache_never_changes_the_result() -> TestResult {
    let a = project()?;
    let b = project()?;
    write(b.path(), "files/a.txt", "other\n", 0o644)?;
    let foreign = aged(fingerprint(b.path(), &config(256, "pw"), None)?.record);
    let cold = fingerprint(a.path(), &config(256, "pw"), None)?;
    let with_foreign = fingerprint(a.path(), &config(256, "pw"), Some(&foreign))?;
    assert_eq!(with_foreign.digest, cold.digest);
    Ok(())
}

#[test]
fn a_missing_script_names_its_path() -> TestResult {
    let dir = project()?;
    std::fs::remove_file(dir.path().join("app/install.sh"))?;
    let err = fingerprint(dir.path(), &config(256, "pw"), None)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let want = format!(
        "cannot read {} (image input \"app/install.sh\"):",
        dir.path().join("app/install.sh").display()
    );
    assert!(err.starts_with(&want), "{err}");
    Ok(())
}
