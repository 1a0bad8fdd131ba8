//! The test provider's promises: deterministic ids, plan adjustments, a world that can
//! drift, failures on request, a call log, batching and concurrency counters.

use std::path::Path;
use std::time::{Duration, Instant};

use kiln_builtin::testing::TestProvider;
use kiln_core::lang::{Type, Value};
use kiln_core::provider::{
    ApplyRequest, ConfigureRequest, ImportRequest, Limits, Provider, ReadDataRequest,
};
use tokio::task::JoinSet;

use crate::support::{apply, config, cx, delete, get, plan, read, s, str_of, unknown};

fn obj(p: &TestProvider, attrs: &[(&str, Value)]) -> Value {
    config(p, "test_object", attrs)
}

fn here() -> &'static Path {
    Path::new(".")
}

#[tokio::test]
async fn create_assigns_deterministic_unique_ids_and_computes_values() {
    let p = TestProvider::new();
    let a = cx("test_object", "a", here());
    let cfg = obj(&p, &[("name", s("web")), ("value", s("hello"))]);

    let planned = plan(&p, &a, &cfg, None).planned;
    assert!(unknown(&planned, "id") && unknown(&planned, "computed_value"));
    let created = apply(&p, &a, &cfg, None).await;
    let id = str_of(&created, "id").to_string();
    assert!(id.starts_with("obj-") && id.ends_with("-1"), "{id}");
    assert_eq!(str_of(&created, "computed_value"), "HELLO");
    assert_eq!(p.world_get(&id), Some(created.clone()));

    // Same address in another provider: same id. Another address: another id. The same
    // address again (a replacement): a new id.
    let other = TestProvider::new();
    assert_eq!(str_of(&apply(&other, &a, &cfg, None).await, "id"), id);
    let b = cx("test_object", "b", here());
    assert_ne!(str_of(&apply(&p, &b, &cfg, None).await, "id"), id);
    let again = apply(&p, &a, &cfg, None).await;
    assert_eq!(str_of(&again, "id"), id.replace("-1", "-2"));

    assert_eq!(
        p.ops(),
        vec![
            ("plan", "test_object.a".to_string()),
            ("plan", "test_object.a".to_string()),
            ("create", "test_object.a".to_string()),
            ("plan", "test_object.b".to_string()),
            ("create", "test_object.b".to_string()),
            ("plan", "test_object.a".to_string()),
            ("create", "test_object.a".to_string()),
        ]
    );
}

#[tokio::test]
async fn plan_marks_what_the_change_recomputes() {
    let p = TestProvider::new();
    let a = cx("test_object", "a", here());
    let rule = Value::object_from([("port", Value::int(22)), ("proto", s("tcp"))]);
    let cfg = obj(
        &p,
        &[
            ("value", s("x")),
            ("labels", Value::map([("env".to_string(), s("dev"))].into())),
            ("rule", Value::list(vec![rule])),
        ],
    );
    let prior = apply(&p, &a, &cfg, None).await;

    // Nothing changed: the plan is the prior object exactly.
    assert_eq!(plan(&p, &a, &cfg, Some(&prior)).planned, prior);

    // Labels change in place; computed_value stays known.
    let relabelled = obj(
        &p,
        &[
            ("value", s("x")),
            (
                "labels",
                Value::map([("env".to_string(), s("prod"))].into()),
            ),
            ("rule", get(&cfg, "rule").clone()),
        ],
    );
    let planned = plan(&p, &a, &relabelled, Some(&prior)).planned;
    assert_eq!(str_of(&planned, "computed_value"), "X");
    assert_eq!(str_of(&planned, "id"), str_of(&prior, "id"));

    // Value changes: computed_value is known only after apply; the id stays.
    let revalued = obj(&p, &[("value", s("y"))]);
    let planned = plan(&p, &a, &revalued, Some(&prior)).planned;
    assert!(unknown(&planned, "computed_value"));
    assert_eq!(str_of(&planned, "id"), str_of(&prior, "id"));
    let updated = apply(&p, &a, &revalued, Some(&prior)).await;
    assert_eq!(str_of(&updated, "computed_value"), "Y");
    assert_eq!(str_of(&updated, "id"), str_of(&prior, "id"));
    assert_eq!(p.world_get(str_of(&prior, "id")), Some(updated));

    // An unknown value makes computed_value unknown too.
    let later = obj(&p, &[("value", Value::unknown(Type::String))]);
    assert!(unknown(
        &plan(&p, &a, &later, Some(&prior)).planned,
        "computed_value"
    ));

    // replace_me changes: a new object, so a new id.
    let replaced = obj(&p, &[("value", s("x")), ("replace_me", s("2"))]);
    assert!(unknown(
        &plan(&p, &a, &replaced, Some(&prior)).planned,
        "id"
    ));
    assert!(p.schema().resources["test_object"].body.attributes["replace_me"].force_new);
}

#[tokio::test]
async fn read_is_one_api_call_and_sees_the_real_world() {
    let p = TestProvider::new();
    let cxs: Vec<_> = ["a", "b", "c"]
        .iter()
        .map(|n| cx("test_object", n, here()))
        .collect();
    let mut states = Vec::new();
    for c in &cxs {
        states.push(apply(&p, c, &obj(&p, &[("value", s("v"))]), None).await);
    }
    let ids: Vec<String> = states.iter().map(|s| str_of(s, "id").to_string()).collect();

    assert!(p.world_set_attr(&ids[1], "value", s("changed")));
    assert!(p.world_remove(&ids[2]).is_some());
    assert!(!p.world_set_attr("obj-none", "value", s("x")));

    let items: Vec<_> = cxs.iter().zip(&states).collect();
    let got = read(&p, &items).await;
    assert_eq!(p.read_api_calls(), 1, "three objects, one call");
    assert_eq!(got[0].as_ref(), Some(&states[0]));
    assert_eq!(str_of(got[1].as_ref().unwrap(), "value"), "changed");
    assert_eq!(got[2], None);
    let reads = p.ops().into_iter().filter(|(op, _)| *op == "read").count();
    assert_eq!(reads, 3, "one log entry per object");
}

async fn create_raw(
    p: &TestProvider,
    name: &str,
    cfg: &Value,
) -> kiln_core::provider::ApplyResponse {
    let c = cx("test_object", name, here());
    let planned = plan(p, &c, cfg, None).planned;
    p.create(ApplyRequest {
        type_name: "test_object".into(),
        cx: c,
        prior: None,
        planned,
        config: cfg.clone(),
        prior_private: None,
        run: kiln_core::run::RunContext::detached().0,
    })
    .await
}

#[tokio::test]
async fn failures_on_request() {
    let p = TestProvider::new();

    let resp = create_raw(&p, "a", &obj(&p, &[("fail", s("create"))])).await;
    assert!(resp.new_state.is_none() && resp.diagnostics.has_errors());
    assert!(p.world().is_empty());

    // A partial create: the object exists and is returned along with the error.
    let resp = create_raw(&p, "b", &obj(&p, &[("fail", s("create_partial"))])).await;
    assert!(resp.diagnostics.has_errors());
    let partial = resp.new_state.expect("the partial object");
    assert!(partial.is_wholly_known());
    assert_eq!(p.world_get(str_of(&partial, "id")), Some(partial.clone()));

    // An update that fails leaves the object as it was and says so.
    let c = cx("test_object", "c", here());
    let prior = apply(&p, &c, &obj(&p, &[("value", s("1"))]), None).await;
    let cfg = obj(&p, &[("value", s("2")), ("fail", s("update"))]);
    let resp = p
        .update(ApplyRequest {
            type_name: "test_object".into(),
            cx: c.clone(),
            prior: Some(prior.clone()),
            planned: plan(&p, &c, &cfg, Some(&prior)).planned,
            config: cfg,
            prior_private: None,
            run: kiln_core::run::RunContext::detached().0,
        })
        .await;
    assert!(resp.diagnostics.has_errors());
    assert_eq!(resp.new_state.as_ref(), Some(&prior));
    assert_eq!(p.world_get(str_of(&prior, "id")), Some(prior.clone()));

    // Delete fails when the object was created with fail = "delete".
    let d = cx("test_object", "d", here());
    let doomed = apply(&p, &d, &obj(&p, &[("fail", s("delete"))]), None).await;
    assert!(delete(&p, &d, &doomed).await.has_errors());
    assert!(p.world_get(str_of(&doomed, "id")).is_some());

    // Deleting what is already gone succeeds.
    p.world_remove(str_of(&prior, "id"));
    assert!(delete(&p, &c, &prior).await.is_empty());

    // Plan-time failures: on request, and for a fail value that names no call.
    let e = cx("test_object", "e", here());
    assert!(plan(&p, &e, &obj(&p, &[("fail", s("plan"))]), None)
        .diagnostics
        .has_errors());
    let bad = plan(&p, &e, &obj(&p, &[("fail", s("sometimes"))]), None);
    assert!(bad
        .diagnostics
        .iter()
        .any(|d| d.summary == "Invalid fail value"));
}

#[tokio::test]
async fn secrets_stay_marked() {
    let p = TestProvider::new();
    let c = cx("test_object", "a", here());
    let state = apply(&p, &c, &obj(&p, &[("secret", s("hunter2"))]), None).await;
    assert!(get(&state, "secret").sensitive);
    assert!(p.schema().resources["test_object"].body.attributes["secret"].sensitive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delays_overlap_and_in_flight_calls_are_counted() {
    let p = TestProvider::new();
    let cfg = obj(&p, &[("delay_ms", Value::int(100))]);
    let started = Instant::now();
    let mut set = JoinSet::new();
    for i in 0..5 {
        let (p, cfg) = (p.clone(), cfg.clone());
        set.spawn(async move { create_raw(&p, &format!("o{i}"), &cfg).await });
    }
    while let Some(r) = set.join_next().await {
        assert!(!r.unwrap().diagnostics.has_errors());
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(450),
        "calls overlapped: {elapsed:?}"
    );
    assert_eq!(p.max_in_flight(), 5);
    assert_eq!(p.world().len(), 5);
    let creates: Vec<_> = p.calls().into_iter().filter(|c| c.op == "create").collect();
    assert_eq!(creates.len(), 5);
    assert!(creates.iter().all(|c| c.at >= started));
}

#[tokio::test]
async fn latency_and_limits_are_configurable() {
    let limits = Limits {
        max_concurrent: Some(2),
        calls_per_second: Some(10.0),
    };
    let p = TestProvider::new()
        .with_limits(limits)
        .with_latency(Duration::from_millis(30));
    assert_eq!(p.limits(), limits);
    let started = Instant::now();
    create_raw(&p, "a", &obj(&p, &[])).await;
    assert!(started.elapsed() >= Duration::from_millis(30));
    // Clones share the world and the log.
    let clone = p.clone();
    assert_eq!(clone.world().len(), 1);
    clone.clear_calls();
    assert!(p.calls().is_empty());
}

#[tokio::test]
async fn import_configure_and_echo() {
    let p = TestProvider::new();
    let existing = obj(&p, &[("name", s("pre")), ("id", s("obj-manual"))]);
    p.world_set("obj-manual", existing.clone());
    let c = cx("test_object", "a", here());
    let resp = p
        .import(ImportRequest {
            type_name: "test_object".into(),
            cx: c.clone(),
            id: "obj-manual".into(),
        })
        .await;
    assert_eq!(resp.object, Some(existing));
    let missing = p
        .import(ImportRequest {
            type_name: "test_object".into(),
            cx: c,
            id: "obj-none".into(),
        })
        .await;
    assert!(missing.object.is_none() && missing.diagnostics.has_errors());

    let cfg = Value::object_from([("region", s("here"))]);
    let diags = p
        .configure(ConfigureRequest {
            config: cfg.clone(),
            root_dir: here().to_path_buf(),
        })
        .await;
    assert!(diags.is_empty());
    assert_eq!(p.configured(), Some(cfg));

    let echo = config(&p, "test_echo", &[("input", s("ping"))]);
    let resp = p
        .read_data(ReadDataRequest {
            type_name: "test_echo".into(),
            cx: cx("test_echo", "e", here()),
            config: echo,
        })
        .await;
    assert_eq!(str_of(&resp.state.unwrap(), "output"), "ping");
    let ops: Vec<&str> = p.calls().iter().map(|c| c.op).collect();
    assert_eq!(ops, vec!["import", "import", "configure", "read_data"]);
}
