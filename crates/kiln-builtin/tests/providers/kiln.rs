//! `kiln_data` through the trait.

use kiln_builtin::KilnProvider;
use kiln_core::lang::{Type, Value};
use kiln_core::provider::{ImportRequest, Provider};

use crate::support::{apply, config, cx, delete, get, plan, read, s, str_of, unknown};

#[tokio::test]
async fn output_follows_input_and_id_is_kept_until_replacement() {
    let dir = tempfile::tempdir().unwrap();
    let p = KilnProvider::new();
    let cx = cx("kiln_data", "d", dir.path());
    let cfg = config(&p, "kiln_data", &[("input", s("v1"))]);

    let planned = plan(&p, &cx, &cfg, None).planned;
    assert!(unknown(&planned, "id"));
    assert_eq!(
        str_of(&planned, "output"),
        "v1",
        "known as soon as input is"
    );
    let created = apply(&p, &cx, &cfg, None).await;
    let id = str_of(&created, "id").to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let cfg2 = config(&p, "kiln_data", &[("input", s("v2"))]);
    let updated = apply(&p, &cx, &cfg2, Some(&created)).await;
    assert_eq!(str_of(&updated, "id"), id);
    assert_eq!(str_of(&updated, "output"), "v2");

    let cfg3 = config(
        &p,
        "kiln_data",
        &[("input", s("v2")), ("triggers_replace", s("new"))],
    );
    assert!(unknown(&plan(&p, &cx, &cfg3, Some(&updated)).planned, "id"));
    let replaced = apply(&p, &cx, &cfg3, None).await;
    assert_ne!(str_of(&replaced, "id"), id);

    assert_eq!(
        read(&p, &[(&cx, &replaced)]).await,
        vec![Some(replaced.clone())]
    );
    assert!(delete(&p, &cx, &replaced).await.is_empty());
}

#[tokio::test]
async fn unknown_input_plans_unknown_output() {
    let dir = tempfile::tempdir().unwrap();
    let p = KilnProvider::new();
    let cx = cx("kiln_data", "d", dir.path());
    let cfg = config(&p, "kiln_data", &[("input", Value::unknown(Type::Any))]);
    assert!(unknown(&plan(&p, &cx, &cfg, None).planned, "output"));
}

#[tokio::test]
async fn structured_and_sensitive_input_is_copied_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let p = KilnProvider::new();
    let cx = cx("kiln_data", "d", dir.path());
    let input = Value::object_from([("k", s("v").mark_sensitive())]);
    let cfg = config(&p, "kiln_data", &[("input", input.clone())]);
    let state = apply(&p, &cx, &cfg, None).await;
    assert_eq!(get(&state, "output"), &input);
}

#[tokio::test]
async fn import_adopts_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let p = KilnProvider::new();
    let resp = p
        .import(ImportRequest {
            type_name: "kiln_data".into(),
            cx: cx("kiln_data", "d", dir.path()),
            id: "abc".into(),
        })
        .await;
    let obj = resp.object.unwrap();
    assert_eq!(str_of(&obj, "id"), "abc");
    assert!(get(&obj, "input").is_null());
}
