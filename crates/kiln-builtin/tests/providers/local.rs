//! `local_file`, `local_sensitive_file` and `local_command` through the trait.

use std::fs;
use std::path::Path;

use kiln_builtin::LocalProvider;
use kiln_core::lang::Value;
use kiln_core::provider::{ApplyRequest, ImportRequest, PathStep, Provider, ReadDataRequest};

use crate::support::{apply, config, cx, delete, get, plan, read, s, str_of, unknown};

/// SHA-1 of "hello\n", as `sha1sum` prints it.
const HELLO_SHA1: &str = "f572d396fae9206628714fb2ce00f72e94f2258f";

fn file(attrs: &[(&str, Value)]) -> Value {
    config(&LocalProvider::new(), "local_file", attrs)
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[tokio::test]
async fn create_writes_the_file_under_the_base_dir() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let cfg = file(&[("filename", s("out/deep/a.txt")), ("content", s("hello\n"))]);

    let planned = plan(&p, &cx, &cfg, None);
    assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
    // Inline content: the digests are known at plan time; defaults are filled in.
    assert_eq!(str_of(&planned.planned, "id"), HELLO_SHA1);
    assert_eq!(str_of(&planned.planned, "file_permission"), "0644");
    assert_eq!(str_of(&planned.planned, "directory_permission"), "0755");

    let state = apply(&p, &cx, &cfg, None).await;
    let path = dir.path().join("out/deep/a.txt");
    assert_eq!(fs::read_to_string(&path).unwrap(), "hello\n");
    assert_eq!(
        str_of(&state, "filename"),
        "out/deep/a.txt",
        "kept as written"
    );
    assert_eq!(
        str_of(&state, "content_sha256"),
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
    assert_eq!(
        str_of(&state, "content_md5"),
        "b1946ac92492d2347c6235b4d2611184"
    );
    #[cfg(unix)]
    assert_eq!(mode_of(&path), 0o644);
    // No temporary files are left next to it.
    let names: Vec<_> = fs::read_dir(dir.path().join("out/deep"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec!["a.txt"]);
}

#[tokio::test]
async fn read_is_batched_and_reports_drift_and_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let (ca, cb, cc) = (
        cx("local_file", "a", dir.path()),
        cx("local_file", "b", dir.path()),
        cx("local_file", "c", dir.path()),
    );
    let a = apply(
        &p,
        &ca,
        &file(&[("filename", s("a")), ("content", s("A"))]),
        None,
    )
    .await;
    let b = apply(
        &p,
        &cb,
        &file(&[("filename", s("b")), ("content", s("B"))]),
        None,
    )
    .await;
    let c = apply(
        &p,
        &cc,
        &file(&[("filename", s("c")), ("content", s("C"))]),
        None,
    )
    .await;

    fs::write(dir.path().join("b"), "changed").unwrap();
    fs::remove_file(dir.path().join("c")).unwrap();
    let got = read(&p, &[(&ca, &a), (&cb, &b), (&cc, &c)]).await;

    assert_eq!(
        got[0].as_ref(),
        Some(&a),
        "unchanged: the prior object exactly"
    );
    let b_now = got[1].as_ref().expect("b still exists");
    assert_eq!(str_of(b_now, "content"), "changed");
    assert_ne!(str_of(b_now, "id"), str_of(&b, "id"));
    assert_eq!(got[2], None, "c is gone");

    // The next plan keeps the configured content: the engine sees content change, which
    // forces replacement.
    let cfg_b = file(&[("filename", s("b")), ("content", s("B"))]);
    let planned = plan(&p, &cb, &cfg_b, Some(b_now));
    assert_eq!(str_of(&planned.planned, "content"), "B");
    assert_eq!(str_of(&planned.planned, "id"), str_of(&b, "id"));
}

#[cfg(unix)]
#[tokio::test]
async fn permissions_are_exact_and_refresh_keeps_the_written_spelling() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let cfg = file(&[
        ("filename", s("x/a.sh")),
        ("content", s("#!/bin/sh\n")),
        ("file_permission", s("755")),
        ("directory_permission", s("0700")),
    ]);
    let state = apply(&p, &cx, &cfg, None).await;
    let path = dir.path().join("x/a.sh");
    assert_eq!(mode_of(&path), 0o755);
    let got = read(&p, &[(&cx, &state)]).await;
    assert_eq!(str_of(got[0].as_ref().unwrap(), "file_permission"), "755");

    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let got = read(&p, &[(&cx, &state)]).await;
    assert_eq!(str_of(got[0].as_ref().unwrap(), "file_permission"), "0600");
}

#[tokio::test]
async fn invalid_configurations_are_errors_at_plan() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let cases = [
        (vec![("filename", s("a"))], "Exactly one of content"),
        (
            vec![
                ("filename", s("a")),
                ("content", s("x")),
                ("source", s("y")),
            ],
            "content, source are",
        ),
        (
            vec![
                ("filename", s("a")),
                ("content", s("x")),
                ("file_permission", s("rw")),
            ],
            "file_permission must be an octal permission",
        ),
        (
            vec![("filename", s("a")), ("content_base64", s("%%%"))],
            "not valid base64",
        ),
    ];
    for (attrs, expect) in cases {
        let resp = plan(&p, &cx, &file(&attrs), None);
        let text: Vec<String> = resp.diagnostics.iter().map(|d| d.detail.clone()).collect();
        assert!(
            resp.diagnostics.has_errors() && text.iter().any(|t| t.contains(expect)),
            "{attrs:?}: {text:?}"
        );
    }
}

#[tokio::test]
async fn unknown_content_leaves_digests_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let cfg = file(&[
        ("filename", s("a")),
        ("content", Value::unknown(kiln_core::lang::Type::String)),
    ]);
    let resp = plan(&p, &cx, &cfg, None);
    assert!(resp.diagnostics.is_empty());
    assert!(unknown(&resp.planned, "id") && unknown(&resp.planned, "content_sha512"));
}

#[tokio::test]
async fn base64_content_and_source_copies() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let bin = cx("local_file", "bin", dir.path());
    let state = apply(
        &p,
        &bin,
        &file(&[("filename", s("bin")), ("content_base64", s("AP8="))]),
        None,
    )
    .await;
    assert_eq!(fs::read(dir.path().join("bin")).unwrap(), vec![0u8, 255]);
    fs::write(dir.path().join("bin"), [1u8, 2, 3]).unwrap();
    let got = read(&p, &[(&bin, &state)]).await;
    assert_eq!(str_of(got[0].as_ref().unwrap(), "content_base64"), "AQID");

    // source: the digests are unknown until the copy exists, then known while the
    // source is unchanged, then unknown again with a replacement when it changes.
    fs::write(dir.path().join("src.txt"), "hello\n").unwrap();
    let copy = cx("local_file", "copy", dir.path());
    let cfg = file(&[("filename", s("copy.txt")), ("source", s("src.txt"))]);
    assert!(unknown(&plan(&p, &copy, &cfg, None).planned, "id"));
    let state = apply(&p, &copy, &cfg, None).await;
    assert_eq!(str_of(&state, "id"), HELLO_SHA1);
    assert_eq!(
        fs::read_to_string(dir.path().join("copy.txt")).unwrap(),
        "hello\n"
    );
    let again = plan(&p, &copy, &cfg, Some(&state));
    assert_eq!(again.planned, state, "unchanged source: nothing to do");
    assert!(again.requires_replace.is_empty());
    fs::write(dir.path().join("src.txt"), "bye\n").unwrap();
    let changed = plan(&p, &copy, &cfg, Some(&state));
    assert!(unknown(&changed.planned, "id"));
    assert_eq!(
        changed.requires_replace,
        vec![vec![PathStep::Attr("content_sha256".into())]]
    );
}

#[tokio::test]
async fn delete_removes_and_tolerates_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let state = apply(
        &p,
        &cx,
        &file(&[("filename", s("a")), ("content", s("x"))]),
        None,
    )
    .await;
    assert!(delete(&p, &cx, &state).await.is_empty());
    assert!(!dir.path().join("a").exists());
    assert!(
        delete(&p, &cx, &state).await.is_empty(),
        "already gone is fine"
    );
}

#[tokio::test]
async fn import_adopts_a_file_and_a_matching_config_plans_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    fs::create_dir(dir.path().join("etc")).unwrap();
    fs::write(dir.path().join("etc/motd"), "hello\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = fs::Permissions::from_mode(0o644);
        fs::set_permissions(dir.path().join("etc/motd"), perms).unwrap();
    }
    let resp = p
        .import(ImportRequest {
            type_name: "local_file".into(),
            cx: cx.clone(),
            id: "etc/motd".into(),
        })
        .await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let imported = resp.object.unwrap();
    assert_eq!(str_of(&imported, "id"), HELLO_SHA1);
    assert_eq!(str_of(&imported, "content"), "hello\n");
    assert!(imported.is_wholly_known());

    let cfg = file(&[("filename", s("etc/motd")), ("content", s("hello\n"))]);
    let planned = plan(&p, &cx, &cfg, Some(&imported));
    assert_eq!(planned.planned, imported);

    let missing = p
        .import(ImportRequest {
            type_name: "local_file".into(),
            cx,
            id: "nope".into(),
        })
        .await;
    assert!(missing.object.is_none() && missing.diagnostics.has_errors());
}

#[tokio::test]
async fn update_rewrites_and_moves() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let old = apply(
        &p,
        &cx,
        &file(&[("filename", s("a")), ("content", s("1"))]),
        None,
    )
    .await;
    let cfg = file(&[("filename", s("b")), ("content", s("2"))]);
    let new = apply(&p, &cx, &cfg, Some(&old)).await;
    assert_eq!(str_of(&new, "filename"), "b");
    assert!(!dir.path().join("a").exists());
    assert_eq!(fs::read_to_string(dir.path().join("b")).unwrap(), "2");
}

#[tokio::test]
async fn absolute_filenames_are_used_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let target = elsewhere.path().join("abs.txt");
    let cfg = file(&[
        ("filename", s(target.to_str().unwrap())),
        ("content", s("x")),
    ]);
    apply(&p, &cx, &cfg, None).await;
    assert!(target.exists());
}

#[tokio::test]
async fn an_unknown_planned_value_at_apply_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    let cfg = file(&[
        ("filename", s("a")),
        ("content", Value::unknown(kiln_core::lang::Type::String)),
    ]);
    let planned = plan(&p, &cx, &cfg, None).planned;
    let resp = p
        .create(ApplyRequest {
            type_name: "local_file".into(),
            cx,
            prior: None,
            planned,
            config: cfg,
            prior_private: None,
            run: kiln_core::run::RunContext::detached().0,
        })
        .await;
    assert!(resp.new_state.is_none() && resp.diagnostics.has_errors());
    assert!(!dir.path().join("a").exists());
}

#[tokio::test]
async fn sensitive_file_hides_content_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let schema = &p.schema().resources["local_sensitive_file"].body;
    assert!(schema.attributes["content"].sensitive);
    assert!(!schema.attributes["id"].sensitive);
    let cx = cx("local_sensitive_file", "key", dir.path());
    let cfg = config(
        &p,
        "local_sensitive_file",
        &[("filename", s("key")), ("content", s("k"))],
    );
    let state = apply(&p, &cx, &cfg, None).await;
    assert!(get(&state, "content").sensitive);
    assert!(!get(&state, "id").sensitive);
    assert_eq!(str_of(&state, "file_permission"), "0600");
    #[cfg(unix)]
    assert_eq!(mode_of(&dir.path().join("key")), 0o600);
}

#[tokio::test]
async fn local_command_reads_through_the_trait() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let program = Value::list(vec![
        s("sh"),
        s("-c"),
        s(r#"cat >/dev/null; echo '{"answer":"42"}'"#),
    ]);
    let cfg = config(&p, "local_command", &[("program", program)]);
    let resp = p
        .read_data(ReadDataRequest {
            type_name: "local_command".into(),
            cx: cx("local_command", "facts", dir.path()),
            config: cfg,
        })
        .await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let state = resp.state.unwrap();
    assert!(state.is_wholly_known());
    assert_eq!(str_of(get(&state, "result"), "answer"), "42");

    let failing = config(
        &p,
        "local_command",
        &[("program", Value::list(vec![s("false")]))],
    );
    let resp = p
        .read_data(ReadDataRequest {
            type_name: "local_command".into(),
            cx: cx("local_command", "facts", dir.path()),
            config: failing,
        })
        .await;
    assert!(resp.state.is_none() && resp.diagnostics.has_errors());
}

#[test]
fn limits_are_generous_but_bounded() {
    assert_eq!(LocalProvider::new().limits().max_concurrent, Some(64));
}

#[tokio::test]
async fn a_failed_write_reports_what_still_exists() {
    let dir = tempfile::tempdir().unwrap();
    let p = LocalProvider::new();
    let cx = cx("local_file", "a", dir.path());
    // "blocker" is a file, so "blocker/b" cannot be created.
    let old = apply(
        &p,
        &cx,
        &file(&[("filename", s("blocker")), ("content", s("1"))]),
        None,
    )
    .await;
    let cfg = file(&[("filename", s("blocker/b")), ("content", s("2"))]);
    let planned = plan(&p, &cx, &cfg, Some(&old)).planned;
    let req = ApplyRequest {
        type_name: "local_file".into(),
        cx,
        prior: Some(old.clone()),
        planned,
        config: cfg,
        prior_private: None,
        run: kiln_core::run::RunContext::detached().0,
    };
    let updated = p.update(req.clone()).await;
    assert!(updated.diagnostics.has_errors());
    assert_eq!(updated.new_state, Some(old), "the old file is still there");
    let created = p.create(ApplyRequest { prior: None, ..req }).await;
    assert!(created.diagnostics.has_errors());
    assert_eq!(created.new_state, None, "nothing was created");
}
