//! Engine tests: inline configurations planned and applied against the deterministic
//! `test` provider, checking the actions, their order and the state left behind.

mod engine_harness;

use engine_harness::{actions, after, change, targets, Harness};
use kiln_builtin::testing::TestProvider;
use kiln_core::lang::Value;
use kiln_core::plan::{Action, PlanOptions, Reason};
use kiln_core::provider::{path_to_string, Limits};

const ONE: &str = r#"
resource "test_object" "a" {
  name  = "a"
  value = "one"
}
"#;

#[test]
fn create_then_nothing_to_do() {
    let mut h = Harness::new(ONE);
    let p = h.plan();
    assert_eq!(actions(&p), ["test_object.a: Create"]);
    assert!(
        !after(&p, "test_object.a", "id").is_known(),
        "id is known after apply"
    );
    let out = h.apply();
    assert_eq!(out.added, 1);
    assert_eq!(h.attr("test_object.a", "computed_value"), "ONE");
    let again = h.plan();
    assert!(actions(&again).is_empty(), "{:?}", actions(&again));
    assert!(!again.plan.has_changes());
}

#[test]
fn update_in_place_marks_recomputed_attributes_unknown() {
    let mut h = Harness::new(ONE);
    h.apply();
    let id = h.attr("test_object.a", "id");
    h.write(&ONE.replace("\"one\"", "\"two\""));
    let p = h.plan();
    assert_eq!(actions(&p), ["test_object.a: Update"]);
    assert!(!after(&p, "test_object.a", "computed_value").is_known());
    assert_eq!(
        after(&p, "test_object.a", "id").as_str(),
        id.as_str(),
        "id kept on update"
    );
    let out = h.apply();
    assert_eq!((out.added, out.changed, out.destroyed), (0, 1, 0));
    assert_eq!(h.attr("test_object.a", "computed_value"), "TWO");
    assert_eq!(h.attr("test_object.a", "id"), id);
}

#[test]
fn force_new_attribute_replaces_delete_first() {
    let cfg = r#"resource "test_object" "a" { replace_me = "x" }"#;
    let mut h = Harness::new(cfg);
    h.apply();
    h.provider.clear_calls();
    h.write(&cfg.replace("\"x\"", "\"y\""));
    let p = h.plan();
    let c = change(&p, "test_object.a");
    assert_eq!(c.action, Action::DeleteThenCreate);
    assert_eq!(c.reason, Reason::CannotUpdate);
    let paths: Vec<String> = c.replace_paths.iter().map(|p| path_to_string(p)).collect();
    assert_eq!(paths, ["replace_me"]);
    h.apply();
    let order: Vec<&str> = h
        .provider
        .ops()
        .into_iter()
        .filter(|(o, _)| matches!(*o, "create" | "delete"))
        .map(|(o, _)| o)
        .collect();
    assert_eq!(order, ["delete", "create"]);
}

#[test]
fn create_before_destroy_creates_first_and_leaves_no_deposed_object() {
    let cfg = r#"
resource "test_object" "a" {
  replace_me = "x"
  lifecycle { create_before_destroy = true }
}
resource "test_object" "b" { value = test_object.a.id }
"#;
    let mut h = Harness::new(cfg);
    h.apply();
    let old_id = h.attr("test_object.a", "id");
    h.provider.clear_calls();
    h.write(&cfg.replace("\"x\"", "\"y\""));
    let p = h.plan();
    assert_eq!(change(&p, "test_object.a").action, Action::CreateThenDelete);
    assert_eq!(change(&p, "test_object.b").action, Action::Update);
    let out = h.apply();
    assert!(out.failed.is_empty(), "{:?}", out.diagnostics);
    let ops: Vec<(&str, String)> = h
        .provider
        .ops()
        .into_iter()
        .filter(|(o, _)| matches!(*o, "create" | "update" | "delete"))
        .collect();
    let pos = |op: &str, a: &str| {
        ops.iter()
            .position(|(o, x)| *o == op && x == a)
            .expect("call")
    };
    assert!(pos("create", "test_object.a") < pos("update", "test_object.b"));
    assert!(
        pos("update", "test_object.b") < pos("delete", "test_object.a"),
        "{ops:?}"
    );
    assert_ne!(h.attr("test_object.a", "id"), old_id);
    assert_eq!(
        h.attr("test_object.b", "value"),
        h.attr("test_object.a", "id")
    );
    assert!(h
        .state
        .objects()
        .all(|(_, deposed, _, _)| deposed.is_empty()));
    assert_eq!(h.provider.world().len(), 2, "the old object is gone");
}

#[test]
fn prevent_destroy_stops_the_plan_naming_the_resource() {
    let cfg = r#"
resource "test_object" "a" {
  replace_me = "x"
  lifecycle { prevent_destroy = true }
}
"#;
    let mut h = Harness::new(cfg);
    h.apply();
    h.write(&cfg.replace("\"x\"", "\"y\""));
    let err = h
        .try_plan(&PlanOptions::default())
        .err()
        .expect("plan must fail");
    let d = &err.0[0];
    assert_eq!(d.summary, "Instance cannot be destroyed");
    assert!(d.detail.contains("test_object.a"), "{}", d.detail);
    assert!(d.subject.is_some(), "points at prevent_destroy");
}

#[test]
fn ignore_changes_keeps_the_old_value() {
    let cfg = r#"
resource "test_object" "a" {
  value  = "one"
  labels = { team = "x" }
  lifecycle { ignore_changes = [labels] }
}
"#;
    let mut h = Harness::new(cfg);
    h.apply();
    h.write(&cfg.replace("\"x\"", "\"y\""));
    assert!(actions(&h.plan()).is_empty());
    h.write(&cfg.replace("\"x\"", "\"y\"").replace("\"one\"", "\"two\""));
    let p = h.plan();
    assert_eq!(actions(&p), ["test_object.a: Update"]);
    h.apply();
    assert_eq!(h.attr("test_object.a", "labels")["team"], "x");
}

#[test]
fn replace_triggered_by_replaces_when_the_trigger_changes() {
    let cfg = r#"
resource "test_object" "config" { value = "v1" }
resource "test_object" "app" {
  name = "app"
  lifecycle { replace_triggered_by = [test_object.config.value] }
}
"#;
    let mut h = Harness::new(cfg);
    h.apply();
    assert!(actions(&h.plan()).is_empty());
    h.write(&cfg.replace("v1", "v2"));
    let p = h.plan();
    let app = change(&p, "test_object.app");
    assert_eq!(app.action, Action::DeleteThenCreate);
    assert!(matches!(&app.reason, Reason::Triggered(e) if e == &["test_object.config.value"]));
    h.apply();
    assert!(actions(&h.plan()).is_empty(), "settles after apply");
}

#[test]
fn target_plans_only_the_target_and_its_dependencies() {
    let cfg = r#"
resource "test_object" "base" { value = "b" }
resource "test_object" "app" { value = test_object.base.id }
resource "test_object" "other" { value = "o" }
"#;
    let h = Harness::new(cfg);
    let p = h.plan_with(&PlanOptions {
        targets: targets(&["test_object.app"]),
        ..PlanOptions::default()
    });
    assert_eq!(
        actions(&p),
        ["test_object.app: Create", "test_object.base: Create"]
    );
    let p = h.plan_with(&PlanOptions {
        excludes: targets(&["test_object.base"]),
        ..PlanOptions::default()
    });
    assert_eq!(actions(&p), ["test_object.other: Create"]);
}

#[test]
fn replace_option_replaces_an_unchanged_object() {
    let mut h = Harness::new(ONE);
    h.apply();
    let p = h.plan_with(&PlanOptions {
        replace: targets(&["test_object.a"]),
        ..PlanOptions::default()
    });
    let c = change(&p, "test_object.a");
    assert_eq!(c.action, Action::DeleteThenCreate);
    assert_eq!(c.reason, Reason::Requested);
}

#[test]
fn unknown_values_flow_through_several_hops_and_resolve_at_apply() {
    let cfg = r#"
resource "test_object" "a" { value = "start" }
locals { from_a = "${test_object.a.id}-x" }
resource "test_object" "b" { value = local.from_a }
module "m" {
  source = "./m"
  input  = test_object.b.computed_value
}
resource "test_object" "d" { value = module.m.out }
output "d" { value = test_object.d.computed_value }
"#;
    let mut h = Harness::new(cfg);
    h.write_file(
        "m/main.hcl",
        r#"
variable "input" { type = string }
resource "test_object" "c" { value = lower(var.input) }
output "out" { value = test_object.c.computed_value }
"#,
    );
    let p = h.plan();
    for addr in ["test_object.b", "module.m.test_object.c", "test_object.d"] {
        assert!(
            !after(&p, addr, "value").is_known(),
            "{addr}.value is unknown at plan"
        );
    }
    let out = h.apply();
    assert!(out.failed.is_empty(), "{:?}", out.diagnostics);
    let a_id = h.attr("test_object.a", "id");
    let b_value = format!("{}-x", a_id.as_str().unwrap_or_default());
    assert_eq!(h.attr("test_object.b", "value"), b_value.as_str());
    assert_eq!(
        h.attr("module.m.test_object.c", "value"),
        b_value.to_uppercase().to_lowercase().as_str()
    );
    assert_eq!(
        h.attr("test_object.d", "value"),
        b_value.to_uppercase().as_str()
    );
    assert_eq!(
        h.state.outputs["d"].value,
        serde_json::Value::from(b_value.to_uppercase())
    );
    assert!(actions(&h.plan()).is_empty());
}

#[test]
fn a_failure_stops_only_what_depends_on_it() {
    let cfg = r#"
resource "test_object" "bad" { fail = "create" }
resource "test_object" "after_bad" { value = test_object.bad.id }
resource "test_object" "fine" { value = "ok" }
"#;
    let mut h = Harness::new(cfg);
    let out = h.apply();
    let names = |v: &[(kiln_core::addr::InstanceAddr, kiln_core::apply::OpKind)]| -> Vec<String> {
        v.iter().map(|(a, _)| a.to_string()).collect()
    };
    assert_eq!(names(&out.failed), ["test_object.bad"]);
    assert_eq!(names(&out.skipped), ["test_object.after_bad"]);
    assert_eq!(names(&out.done), ["test_object.fine"]);
    assert!(h.in_state("test_object.fine"));
    assert!(
        !h.in_state("test_object.bad"),
        "a create that made nothing leaves nothing"
    );
}

#[test]
fn a_partial_create_is_kept_tainted_and_replaced_next_time() {
    let cfg = r#"resource "test_object" "a" { fail = "create_partial" }"#;
    let mut h = Harness::new(cfg);
    let out = h.apply();
    assert_eq!(out.failed.len(), 1);
    assert!(
        h.in_state("test_object.a"),
        "the partial object is recorded"
    );
    h.write(r#"resource "test_object" "a" { value = "fixed" }"#);
    let p = h.plan();
    let c = change(&p, "test_object.a");
    assert_eq!(c.action, Action::DeleteThenCreate);
    assert_eq!(c.reason, Reason::Tainted);
}

#[test]
fn count_and_for_each_changes_add_and_remove_instances() {
    let cfg = r#"
resource "test_object" "n" {
  count = 3
  value = "n${count.index}"
}
resource "test_object" "k" {
  for_each = toset(["x", "y"])
  value    = each.key
}
"#;
    let mut h = Harness::new(cfg);
    assert_eq!(h.apply().added, 5);
    h.write(
        &cfg.replace("count = 3", "count = 2")
            .replace("\"x\", \"y\"", "\"y\", \"z\""),
    );
    let p = h.plan();
    assert_eq!(
        actions(&p),
        [
            "test_object.k[\"x\"]: Delete",
            "test_object.k[\"z\"]: Create",
            "test_object.n[2]: Delete"
        ]
    );
    assert_eq!(change(&p, "test_object.n[2]").reason, Reason::NoInstance);
    h.apply();
    assert!(!h.in_state("test_object.n[2]"));
    assert!(h.in_state("test_object.k[\"z\"]"));
}

#[test]
fn removing_a_module_deletes_its_objects_in_reverse_order() {
    let cfg = r#"
module "net" { source = "./net" }
"#;
    let mut h = Harness::new(cfg);
    h.write_file(
        "net/main.hcl",
        r#"
resource "test_object" "vpc" { value = "vpc" }
resource "test_object" "subnet" { value = test_object.vpc.id }
"#,
    );
    h.apply();
    h.provider.clear_calls();
    h.write("");
    let p = h.plan();
    assert_eq!(
        change(&p, "module.net.test_object.vpc").reason,
        Reason::NoModule
    );
    h.apply();
    assert_eq!(
        h.calls("delete"),
        [
            "module.net.test_object.subnet",
            "module.net.test_object.vpc"
        ]
    );
    assert!(h.state.is_empty());
}

#[test]
fn refresh_reports_drift_and_batches_reads() {
    let cfg = r#"
resource "test_object" "many" {
  count = 40
  value = "v"
}
"#;
    let mut h = Harness::new(cfg);
    h.apply();
    let id0 = h.attr("test_object.many[0]", "id");
    let id1 = h.attr("test_object.many[1]", "id");
    h.provider.world_set_attr(
        id0.as_str().unwrap_or_default(),
        "value",
        Value::string("changed"),
    );
    h.provider.world_remove(id1.as_str().unwrap_or_default());
    let before = h.provider.read_api_calls();
    let p = h.plan();
    assert_eq!(
        h.provider.read_api_calls() - before,
        1,
        "one read for 40 objects"
    );
    let drift: Vec<String> = p
        .plan
        .drift
        .iter()
        .map(|c| format!("{}: {:?}", c.addr, c.action))
        .collect();
    assert_eq!(
        drift,
        ["test_object.many[0]: Update", "test_object.many[1]: Delete"]
    );
    assert_eq!(
        actions(&p),
        ["test_object.many[0]: Update", "test_object.many[1]: Create"]
    );
    let p = h.plan_with(&PlanOptions {
        refresh: false,
        ..PlanOptions::default()
    });
    assert!(
        actions(&p).is_empty(),
        "without refresh nothing is known to differ"
    );
}

#[test]
fn provider_limits_are_honoured() {
    let provider = TestProvider::new().with_limits(Limits {
        max_concurrent: Some(3),
        calls_per_second: None,
    });
    let cfg = r#"
resource "test_object" "x" {
  count    = 12
  delay_ms = 30
}
"#;
    let mut h = Harness::with_provider(cfg, provider);
    assert_eq!(h.apply().added, 12);
    assert!(
        h.provider.max_in_flight() <= 3,
        "{}",
        h.provider.max_in_flight()
    );
    assert!(
        h.provider.max_in_flight() >= 2,
        "calls did run side by side"
    );
}

#[test]
fn destroy_deletes_everything_dependents_first() {
    let cfg = r#"
resource "test_object" "a" { value = "a" }
resource "test_object" "b" { value = test_object.a.id }
resource "test_object" "c" { value = test_object.b.id }
output "c" { value = test_object.c.id }
"#;
    let mut h = Harness::new(cfg);
    h.apply();
    assert!(h.state.outputs.contains_key("c"));
    h.provider.clear_calls();
    let out = h.destroy();
    assert_eq!(out.destroyed, 3);
    assert_eq!(
        h.calls("delete"),
        ["test_object.c", "test_object.b", "test_object.a"]
    );
    assert!(h.state.is_empty());
    assert!(h.state.outputs.is_empty());
    assert!(h.provider.world().is_empty());
}

#[test]
fn data_sources_are_read_at_plan_or_during_apply() {
    let cfg = r#"
data "test_echo" "known" { input = "hello" }
resource "test_object" "a" { value = data.test_echo.known.output }
data "test_echo" "later" { input = test_object.a.id }
resource "test_object" "b" { value = data.test_echo.later.output }
"#;
    let mut h = Harness::new(cfg);
    let p = h.plan();
    assert_eq!(after(&p, "test_object.a", "value").as_str(), Some("hello"));
    assert_eq!(change(&p, "data.test_echo.later").action, Action::Read);
    let out = h.apply();
    assert!(out.failed.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(
        h.attr("test_object.b", "value"),
        h.attr("test_object.a", "id")
    );
}

#[test]
fn calls_per_second_spaces_out_calls() {
    let provider = TestProvider::new().with_limits(Limits {
        max_concurrent: None,
        calls_per_second: Some(20.0),
    });
    let mut h = Harness::with_provider(r#"resource "test_object" "x" { count = 6 }"#, provider);
    h.apply();
    let mut starts: Vec<std::time::Instant> = h
        .provider
        .calls()
        .into_iter()
        .filter(|c| c.op == "create")
        .map(|c| c.at)
        .collect();
    starts.sort();
    assert_eq!(starts.len(), 6);
    // 20 calls per second: the pacer releases a call every 50 ms, so six calls span at
    // least 250 ms. One interval of slack: on a loaded machine the first call may start
    // late after its release, which shortens only the first gap (seen: 19 ms).
    let span = starts[5] - starts[0];
    assert!(
        span >= std::time::Duration::from_millis(200),
        "six calls at 20/s started within {span:?}"
    );
}

#[test]
fn count_unknown_at_plan_is_an_error_with_advice() {
    let h = Harness::new(
        r#"
resource "test_object" "a" { value = "x" }
resource "test_object" "b" { count = length(test_object.a.id) }
"#,
    );
    let err = h
        .try_plan(&PlanOptions::default())
        .err()
        .expect("plan fails");
    let d = &err.0[0];
    assert_eq!(d.summary, "Invalid count argument");
    assert!(d.detail.contains("--target"), "{}", d.detail);
}

#[test]
fn a_deposed_object_left_by_a_crash_is_deleted() {
    let mut h = Harness::new(ONE);
    h.apply();
    let addr = engine_harness::instance("test_object.a");
    let current = h.state.instance(&addr).cloned().expect("in state");
    // A create_before_destroy that died after deposing the old object and creating the
    // new one leaves both in state.
    h.state.set(&addr, "d1", "provider.test", current);
    let p = h.plan();
    assert_eq!(actions(&p), ["test_object.a (deposed): Delete"]);
    assert_eq!(
        p.plan
            .changes
            .iter()
            .find(|c| !c.deposed.is_empty())
            .map(|c| c.reason.clone()),
        Some(Reason::Deposed)
    );
}

#[test]
fn an_index_by_count_index_depends_on_one_instance_only() {
    let h = Harness::new(
        r#"
resource "test_object" "a" { count = 3 }
resource "test_object" "b" {
  count = 3
  value = test_object.a[count.index].id
}
resource "test_object" "all" { value = join(",", test_object.a[*].id) }
"#,
    );
    let p = h.plan();
    let deps = |addr: &str| -> Vec<String> {
        let mut v: Vec<String> = p.deps[&engine_harness::instance(addr)]
            .iter()
            .map(|a| a.to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(deps("test_object.b[1]"), ["test_object.a[1]"]);
    assert_eq!(
        deps("test_object.all"),
        ["test_object.a[0]", "test_object.a[1]", "test_object.a[2]"]
    );
}
