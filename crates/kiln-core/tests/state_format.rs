//! The state format against `state/` at the repository root: the example round-trips byte
//! for byte, validates against the schema, and what Kiln cannot read is refused untouched.

use std::path::{Path, PathBuf};

use kiln_core::state::{codec, Backend, LocalBackend, State, StateError};

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn example_text() -> String {
    std::fs::read_to_string(repo_file("state/examples/v1.kstate")).expect("the v1 example")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("valid JSON")
}

#[test]
fn example_round_trips_byte_for_byte() {
    let text = example_text();
    let state = codec::from_bytes(text.as_bytes(), Path::new("v1.kstate")).expect("reads");
    let written = String::from_utf8(codec::to_bytes(&state)).expect("utf-8");
    assert_eq!(written, text, "the example is exactly what Kiln writes");
}

#[test]
fn example_covers_what_it_claims() {
    let state: State = serde_json::from_str(&example_text()).unwrap();
    let objects: Vec<_> = state.objects().collect();
    let has =
        |f: &dyn Fn(&str, &str) -> bool| objects.iter().any(|(a, d, ..)| f(&a.to_string(), d));
    assert!(has(&|a, _| a.starts_with("module.")), "a module resource");
    assert!(has(&|a, _| a.ends_with("[1]")), "a counted resource");
    assert!(
        has(&|a, _| a.ends_with("[\"web1\"]")),
        "a for_each resource"
    );
    assert!(has(&|_, d| !d.is_empty()), "a deposed object");
    assert!(
        objects.iter().any(|(.., i)| i.status.is_some()),
        "a tainted object"
    );
    assert!(objects
        .iter()
        .any(|(.., i)| !i.sensitive_attributes.is_empty()));
    assert!(objects.iter().any(|(.., i)| !i.extra.is_empty()));
    assert!(state.outputs.values().any(|o| o.sensitive));
}

#[test]
fn schema_is_valid_and_example_validates() {
    let schema = json(&std::fs::read_to_string(repo_file("state/state.v1.schema.json")).unwrap());
    jsonschema::meta::validate(&schema).expect("the schema is a valid draft 2020-12 schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let example = json(&example_text());
    let errors: Vec<String> = validator
        .iter_errors(&example)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn schema_rejects_what_kiln_would_not_write() {
    let schema = json(&std::fs::read_to_string(repo_file("state/state.v1.schema.json")).unwrap());
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut bad = json(&example_text());
    bad["version"] = 2.into();
    assert!(!validator.is_valid(&bad));
    let mut bad = json(&example_text());
    bad["resources"][0]["mode"] = "weird".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = json(&example_text());
    bad["resources"][0]["instances"][0]["surprise"] = true.into();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn every_model_field_is_in_the_schema() {
    // A field added to the model must be documented: the example uses every field, and
    // the schema forbids unknown ones, so a field missing from the schema fails above.
    // Here: every property the schema lists has a description.
    let schema = json(&std::fs::read_to_string(repo_file("state/state.v1.schema.json")).unwrap());
    fn walk(v: &serde_json::Value, at: &str, missing: &mut Vec<String>) {
        if let Some(props) = v.get("properties").and_then(|p| p.as_object()) {
            for (k, p) in props {
                if p.get("description").is_none() {
                    missing.push(format!("{at}.{k}"));
                }
                walk(p, &format!("{at}.{k}"), missing);
            }
        }
        for key in ["$defs", "items", "additionalProperties"] {
            match v.get(key) {
                Some(serde_json::Value::Object(m)) if key == "$defs" => {
                    for (k, d) in m {
                        walk(d, &format!("{at}.{k}"), missing)
                    }
                }
                Some(d) => walk(d, at, missing),
                None => {}
            }
        }
        if let Some(arr) = v.get("oneOf").and_then(|a| a.as_array()) {
            for d in arr {
                walk(d, at, missing);
            }
        }
    }
    let mut missing = Vec::new();
    walk(&schema, "", &mut missing);
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

#[test]
fn newer_version_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let text = "{\n  \"version\": 2,\n  \"serial\": 3,\n  \"whatever\": {\"new\": \"shape\"}\n}\n";
    std::fs::write(&path, text).unwrap();
    let backend = LocalBackend::new(&path);
    let err = backend.read().expect_err("refused");
    assert!(
        matches!(err, StateError::NewerVersion { version: 2, .. }),
        "{err:?}"
    );
    let d = err.to_diagnostic();
    assert!(
        d.detail.contains("written by a newer Kiln (format 2, this Kiln reads 1): upgrade Kiln; the file was not changed"),
        "{}",
        d.detail
    );
    // Opening a store (locked, as apply would) must not touch it either.
    let err = kiln_core::state::Store::open(
        Box::new(LocalBackend::new(&path)),
        Some((
            kiln_core::state::LockInfo::new("apply", "me@here", 1),
            std::time::Duration::ZERO,
        )),
    )
    .err()
    .expect("refused");
    assert!(matches!(err, StateError::NewerVersion { .. }));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert!(!dir.path().join("kiln.kstate.backup").exists());
}

#[test]
fn corrupt_file_names_path_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    std::fs::write(&path, "{\n  \"version\": 1,\n  \"serial\": 1,\n  oops\n}\n").unwrap();
    let err = LocalBackend::new(&path).read().expect_err("corrupt");
    match &err {
        StateError::Corrupt { line, column, .. } => assert_eq!((*line, *column), (4, 3)),
        other => panic!("{other:?}"),
    }
    let d = err.to_diagnostic();
    assert!(
        d.detail.contains(&format!("{}:4:3: ", path.display())),
        "{}",
        d.detail
    );
    assert!(!d.detail.contains("at line"), "{}", d.detail);
}

#[test]
fn wrong_shape_is_corrupt_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let text = example_text().replacen("\"mode\": \"managed\"", "\"mode\": 7", 1);
    std::fs::write(&path, text).unwrap();
    let err = LocalBackend::new(&path).read().expect_err("corrupt");
    assert!(
        matches!(err, StateError::Corrupt { line, .. } if line > 1),
        "{err:?}"
    );
}

#[test]
fn missing_or_zero_version_is_refused() {
    let p = Path::new("x.kstate");
    assert!(matches!(
        codec::from_bytes(b"{\"serial\": 1}", p),
        Err(StateError::Corrupt { .. })
    ));
    assert!(matches!(
        codec::from_bytes(b"{\"version\": 0}", p),
        Err(StateError::BadVersion { .. })
    ));
    assert!(matches!(
        codec::from_bytes(b"{\"version\": \"1\"}", p),
        Err(StateError::BadVersion { .. })
    ));
}

#[test]
fn schema_knows_every_instance_status() {
    let schema = json(&std::fs::read_to_string(repo_file("state/state.v1.schema.json")).unwrap());
    let validator = jsonschema::validator_for(&schema).unwrap();
    for status in [
        kiln_core::state::InstanceStatus::Tainted,
        kiln_core::state::InstanceStatus::Creating,
    ] {
        let mut s = json(&example_text());
        s["resources"][0]["instances"][0]["status"] = serde_json::to_value(status).unwrap();
        let errors: Vec<String> = validator.iter_errors(&s).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{status:?}: {errors:?}");
    }
}
