//! Tests of the JSON rendering: one snapshot per hand-built plan in `fixtures`, the JSON
//! Schema in docs/plan-json.schema.json, secrets never reaching the JSON, unknowns only
//! where unknown, and the configuration section of a real workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value as J};

use kiln_core::addr::{InstanceKey, Mode, ModulePath};
use kiln_core::config::{load_workspace, LoadOptions, Workspace};
use kiln_core::plan::Plan;
use kiln_core::provider::PathStep;
use kiln_core::state::{InstanceState, InstanceStatus, OutputState, State};

use super::fixtures::{self, addr, addr_in, schemas, SECRETS};
use super::json_plan::{configuration_json, plan_json, state_json};

// ---- helpers ----------------------------------------------------------------------------

/// The configuration section given to plans built by hand (they have no workspace).
fn empty_configuration() -> J {
    json!({ "provider_config": {}, "root_module": {} })
}

fn doc(plan: &Plan) -> J {
    plan_json(plan, &schemas(), &empty_configuration())
}

fn pretty(j: &J) -> String {
    serde_json::to_string_pretty(j).expect("JSON values serialize")
}

/// Snapshots stay the same across version bumps.
fn snapshot(name: &str, j: &J) {
    insta::with_settings!({filters => vec![
        (r#""(terraform_version|kiln_version)": "[^"]*""#, r#""$1": "[VERSION]""#),
    ]}, {
        insta::assert_snapshot!(name.to_string(), pretty(j));
    });
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn plan_schema() -> J {
    let text = std::fs::read_to_string(repo_file("docs/plan-json.schema.json"))
        .expect("docs/plan-json.schema.json exists");
    serde_json::from_str(&text).expect("the schema is JSON")
}

/// The schema of one of the plan schema's definitions (the state document is
/// `$defs/state`).
fn def_schema(name: &str) -> J {
    let full = plan_schema();
    json!({
        "$schema": full["$schema"],
        "$defs": full["$defs"],
        "$ref": format!("#/$defs/{name}"),
    })
}

fn schema_errors(schema: &J, instance: &J) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// A workspace loaded from `files` in a temporary directory (kept alive beside it).
fn workspace(files: &[(&str, &str)]) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("a file has a parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    let opts = LoadOptions {
        dir: dir.path().to_path_buf(),
        cwd: dir.path().to_path_buf(),
        ..LoadOptions::default()
    };
    let (ws, diags) = load_workspace(&opts);
    assert!(!diags.has_errors(), "{diags:?}");
    (dir, ws)
}

/// A configuration using what the section shows: variables (one sensitive), locals,
/// count and for_each, references of every kind, nested blocks, a provider alias, a
/// module call with a sensitive input, and outputs.
const ROOT_HCL: &str = r#"
variable "region" {
  type        = string
  default     = "eu"
  description = "Where."
}

variable "password" {
  type      = string
  sensitive = true
  default   = "hunter2-default"
}

locals {
  n = 2
}

provider "test" {
  alias = "west"
}

data "test_image" "base" {
  name = "debian"
}

resource "test_server" "web" {
  count    = local.n
  name     = "web-${count.index}"
  image    = data.test_image.base.id
  size     = 2 * 2
  password = "correct-horse-config"
  tags     = { env = var.region }
  ports    = [22, 80]
  disk {
    size = 10
  }
  disk {
    size = 20
    type = "hdd"
  }
  network {
    subnet = test_server.db["a"].id
  }
  user_data  = upper("x")
  depends_on = [test_server.db]
}

resource "test_server" "db" {
  for_each = toset(["a"])
  provider = test.west
  name     = each.key
  image    = module.net.image
}

module "net" {
  source = "./net"
  secret = "token-xyz-module"
}

output "ids" {
  value       = test_server.web[*].id
  description = "Every server."
}

output "pw" {
  value     = var.password
  sensitive = true
}
"#;

const NET_HCL: &str = r#"
variable "secret" {
  type      = string
  sensitive = true
}

provider "test" {}

resource "test_server" "gw" {
  name      = "gw"
  image     = "img-1"
  user_data = var.secret
}

output "image" {
  value = test_server.gw.image
}
"#;

fn configured() -> (tempfile::TempDir, Workspace) {
    workspace(&[("main.hcl", ROOT_HCL), ("net/main.hcl", NET_HCL)])
}

/// A state with what the state representation shows: a tainted object with sensitive
/// paths and dependencies, a deposed one, objects in a keyed module below a module with
/// none of its own, and outputs (one sensitive). Secrets sit in every sensitive place.
fn recorded_state() -> State {
    let mut st = State::new("test-lineage".into());
    let inst = |attributes: J, sensitive: Vec<Vec<PathStep>>| InstanceState {
        status: None,
        attributes,
        sensitive_attributes: sensitive,
        dependencies: Vec::new(),
        create_before_destroy: false,
        extra: BTreeMap::new(),
    };
    let mut web = inst(
        json!({
            "id": "i-1", "name": "web", "image": "img-1",
            "password": "hunter2-state",
            "user_data": "export A=SECRET-LINE-state",
            "tags": { "env": "prod", "key": "tag-secret-state" },
            "disk": [ { "size": 10, "type": "ssd" } ],
        }),
        vec![
            vec![PathStep::Attr("user_data".into())],
            vec![PathStep::Attr("tags".into()), PathStep::Key("key".into())],
            // A path that no longer leads anywhere is ignored.
            vec![PathStep::Attr("gone".into()), PathStep::Index(3)],
        ],
    );
    web.status = Some(InstanceStatus::Tainted);
    web.dependencies = vec!["test_server.db".into()];
    st.set(&addr("web"), "", "provider.test", web);
    st.set(
        &addr("web"),
        "d1e2",
        "provider.test",
        inst(json!({ "id": "i-0", "name": "web" }), Vec::new()),
    );
    let deep = ModulePath::root()
        .child("net", InstanceKey::Str("eu".into()))
        .child("inner", InstanceKey::None);
    st.set(
        &addr_in(
            deep,
            Mode::Managed,
            "test_server",
            "gw",
            InstanceKey::Int(0),
        ),
        "",
        "provider.test.west",
        inst(json!({ "id": "i-9", "name": "gw" }), Vec::new()),
    );
    st.outputs.insert(
        "token".into(),
        OutputState {
            value: json!("token-xyz-state"),
            sensitive: true,
        },
    );
    st.outputs.insert(
        "count".into(),
        OutputState {
            value: json!(1),
            sensitive: false,
        },
    );
    st
}

/// Walks `value` beside `tree` (after_unknown or *_sensitive), calling `f` with the
/// value at each place where the tree says true (`None` when the value has nothing
/// there), and the path for messages.
fn at_true(tree: &J, value: Option<&J>, path: &str, f: &mut dyn FnMut(&str, Option<&J>)) {
    match tree {
        J::Bool(true) => f(path, value),
        J::Array(items) => {
            for (i, t) in items.iter().enumerate() {
                let v = value.and_then(|v| v.get(i));
                at_true(t, v, &format!("{path}[{i}]"), f);
            }
        }
        J::Object(m) => {
            for (k, t) in m {
                let v = value.and_then(|v| v.get(k));
                at_true(t, v, &format!("{path}.{k}"), f);
            }
        }
        _ => {}
    }
}

/// Every change representation in a plan document, with where it is.
fn changes(d: &J) -> Vec<(String, J)> {
    let mut out = Vec::new();
    for key in ["resource_changes", "resource_drift"] {
        for c in d[key].as_array().into_iter().flatten() {
            out.push((format!("{key} {}", c["address"]), c["change"].clone()));
        }
    }
    for (name, c) in d["output_changes"].as_object().into_iter().flatten() {
        out.push((format!("output {name}"), c.clone()));
    }
    out
}

// ---- snapshots ---------------------------------------------------------------------------

#[test]
fn every_fixture_renders_as_json() {
    for (name, plan) in fixtures::all() {
        snapshot(&format!("json_{name}"), &doc(&plan));
    }
}

#[test]
fn configuration_of_a_workspace() {
    let (_dir, ws) = configured();
    snapshot("json_configuration", &configuration_json(&ws, &schemas()));
}

#[test]
fn state_document() {
    snapshot("json_state", &state_json(&recorded_state(), &schemas()));
}

// ---- the JSON Schema ---------------------------------------------------------------------

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    jsonschema::meta::validate(&plan_schema()).expect("a valid draft 2020-12 schema");
}

#[test]
fn every_fixture_matches_the_schema() {
    let schema = plan_schema();
    let (_dir, ws) = configured();
    let configuration = configuration_json(&ws, &schemas());
    for (name, mut plan) in fixtures::all() {
        plan.prior_state = recorded_state();
        let d = plan_json(&plan, &schemas(), &configuration);
        let errors = schema_errors(&schema, &d);
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn state_document_matches_the_schema() {
    let schema = def_schema("state");
    for state in [recorded_state(), State::new("empty".into())] {
        let errors = schema_errors(&schema, &state_json(&state, &schemas()));
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn schema_rejects_what_kiln_would_not_write() {
    let schema = plan_schema();
    let good = doc(&fixtures::mixed_plan());
    assert!(schema_errors(&schema, &good).is_empty());
    let mut bad = good.clone();
    bad["resource_changes"][0]["change"]["actions"] = json!(["create", "update"]);
    assert!(!schema_errors(&schema, &bad).is_empty());
    let mut bad = good.clone();
    bad["resource_changes"][0]["surprise"] = json!(true);
    assert!(!schema_errors(&schema, &bad).is_empty());
    let mut bad = good;
    bad["planned_values"]["root_module"]["resources"][0]
        .as_object_mut()
        .expect("a resource is an object")
        .remove("values");
    assert!(!schema_errors(&schema, &bad).is_empty());
}

#[test]
fn every_schema_property_is_described() {
    fn walk(v: &J, at: &str, missing: &mut Vec<String>) {
        if let Some(props) = v.get("properties").and_then(J::as_object) {
            for (k, p) in props {
                if p.get("description").is_none() {
                    missing.push(format!("{at}.{k}"));
                }
                walk(p, &format!("{at}.{k}"), missing);
            }
        }
        for key in ["$defs", "additionalProperties", "items"] {
            match v.get(key) {
                Some(J::Object(m)) if key == "$defs" => {
                    for (k, d) in m {
                        walk(d, &format!("{at}.{k}"), missing);
                    }
                }
                Some(inner) => walk(inner, at, missing),
                None => {}
            }
        }
    }
    let mut missing = Vec::new();
    walk(&plan_schema(), "", &mut missing);
    assert!(
        missing.is_empty(),
        "properties without a description: {missing:?}"
    );
}

// ---- secrets -----------------------------------------------------------------------------

#[test]
fn no_secret_reaches_the_json() {
    let (_dir, ws) = configured();
    let configuration = configuration_json(&ws, &schemas());
    let mut plan = fixtures::sensitive_plan();
    plan.prior_state = recorded_state();
    let texts = [
        pretty(&plan_json(&plan, &schemas(), &configuration)),
        pretty(&state_json(&recorded_state(), &schemas())),
    ];
    for text in &texts {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        assert!(text.contains("\"(sensitive)\""));
    }
}

#[test]
fn sensitive_values_are_hidden_and_marked() {
    let d = doc(&fixtures::sensitive_plan());
    let c = &d["resource_changes"][0]["change"];
    // Sensitive by schema, and by marks at any depth.
    assert_eq!(c["after"]["password"], "(sensitive)");
    assert_eq!(c["after_sensitive"]["password"], true);
    assert_eq!(c["after"]["user_data"], "(sensitive)");
    assert_eq!(
        c["after"]["tags"],
        json!({"env": "prod", "key": "(sensitive)"})
    );
    assert_eq!(c["before_sensitive"]["tags"], json!({"key": true}));
    // A schema-sensitive attribute that is null stays null, and is still marked.
    let created = &d["resource_changes"][1]["change"];
    assert_eq!(created["before_sensitive"], false);
    let mixed = doc(&fixtures::create_with_unknowns());
    let m = &mixed["resource_changes"][0]["change"];
    assert_eq!(m["after"]["password"], J::Null);
    assert_eq!(m["after_sensitive"]["password"], true);
    // Outputs: a sensitive output whole, a marked part of another.
    let token = &d["output_changes"]["token"];
    assert_eq!(token["before"], "(sensitive)");
    assert_eq!(token["after_sensitive"], true);
    let marked = &d["output_changes"]["marked"];
    assert_eq!(
        marked["after"],
        json!({"plain": "visible", "hidden": "(sensitive)"})
    );
    assert_eq!(marked["after_sensitive"], json!({"hidden": true}));
    assert_eq!(
        d["planned_values"]["outputs"]["token"]["value"],
        "(sensitive)"
    );
}

#[test]
fn wherever_sensitive_is_marked_no_value_is_shown() {
    for (name, plan) in fixtures::all() {
        let d = doc(&plan);
        for (at, c) in changes(&d) {
            for (side, tree) in [("before", "before_sensitive"), ("after", "after_sensitive")] {
                at_true(&c[tree], Some(&c[side]), side, &mut |path, v| {
                    let shown = v.filter(|v| !v.is_null() && *v != "(sensitive)");
                    assert!(shown.is_none(), "{name} {at} {path}: {v:?}");
                });
            }
        }
    }
}

// ---- unknowns ----------------------------------------------------------------------------

#[test]
fn unknowns_are_left_out_and_marked() {
    let d = doc(&fixtures::create_with_unknowns());
    let c = &d["resource_changes"][0]["change"];
    assert!(c["after"].get("id").is_none(), "{}", c["after"]);
    assert_eq!(c["after_unknown"]["id"], true);
    assert_eq!(c["after"]["ports"], json!([80, null]));
    assert_eq!(c["after_unknown"]["ports"], json!([false, true]));
    assert_eq!(c["after"]["network"], json!({}));
    assert_eq!(c["after_unknown"]["network"], json!({"subnet": true}));
    assert_eq!(c["after"]["name"], "web");
    assert!(c["after_unknown"].get("name").is_none());
    let planned = &d["planned_values"]["root_module"]["resources"][0]["values"];
    assert!(planned.get("id").is_none());
    assert_eq!(planned["name"], "web");
    // An unknown output: after null, after_unknown true, no planned value.
    assert_eq!(d["output_changes"]["url"]["after"], J::Null);
    assert_eq!(d["output_changes"]["url"]["after_unknown"], true);
    assert!(d["planned_values"]["outputs"]["url"].get("value").is_none());
    assert_eq!(d["output_changes"]["count"]["after_unknown"], false);
    // Nothing unknown: `{}` for resources, as Terraform writes it.
    let none = doc(&fixtures::no_changes());
    assert_eq!(
        none["resource_changes"][0]["change"]["after_unknown"],
        json!({})
    );
}

#[test]
fn wherever_unknown_is_marked_no_value_is_shown() {
    for (name, plan) in fixtures::all() {
        let d = doc(&plan);
        for (at, c) in changes(&d) {
            at_true(
                &c["after_unknown"],
                Some(&c["after"]),
                "after",
                &mut |path, v| {
                    assert!(v.is_none_or(J::is_null), "{name} {at} {path}: {v:?}");
                },
            );
        }
    }
}

// ---- actions, reasons and Kiln's additions --------------------------------------------------

fn reasons(d: &J) -> Vec<J> {
    d["resource_changes"]
        .as_array()
        .expect("resource_changes is a list")
        .iter()
        .map(|c| c.get("action_reason").cloned().unwrap_or(J::Null))
        .collect()
}

#[test]
fn actions_and_reasons_use_terraforms_names() {
    let d = doc(&fixtures::delete_reasons());
    assert_eq!(
        reasons(&d),
        [
            json!("delete_because_no_resource_config"),
            json!("delete_because_count_index"),
            json!("delete_because_each_key"),
            json!("delete_because_no_module"),
            J::Null,
        ]
    );
    let in_module = &d["resource_changes"][3];
    assert_eq!(in_module["module_address"], "module.net[\"eu\"]");
    assert_eq!(d["resource_changes"][1]["index"], 2);
    assert_eq!(d["resource_changes"][2]["index"], "blue");
    assert_eq!(
        d["resource_changes"][0]["change"]["actions"],
        json!(["delete"])
    );
    assert_eq!(d["resource_changes"][0]["change"]["after"], J::Null);

    let d = doc(&fixtures::replace_reasons());
    assert_eq!(
        reasons(&d),
        [
            json!("replace_because_tainted"),
            json!("replace_by_request"),
            json!("replace_by_triggers"),
        ]
    );
    assert_eq!(
        d["resource_changes"][0]["change"]["actions"],
        json!(["delete", "create"])
    );
    assert_eq!(
        d["resource_changes"][2]["kiln"]["triggered_by"],
        json!(["test_server.a.id"])
    );

    let d = doc(&fixtures::create_before_destroy_replacement());
    assert_eq!(
        d["resource_changes"][0]["change"]["actions"],
        json!(["create", "delete"])
    );
    assert_eq!(reasons(&d), [json!("replace_because_cannot_update")]);

    let d = doc(&fixtures::replace_forced_by_nested_attribute());
    assert_eq!(
        d["resource_changes"][0]["change"]["replace_paths"],
        json!([["disk", 0, "size"]])
    );

    let d = doc(&fixtures::data_source_read_during_apply());
    let read = &d["resource_changes"][0];
    assert_eq!(read["mode"], "data");
    assert_eq!(read["change"]["actions"], json!(["read"]));
    assert_eq!(read["action_reason"], "read_because_config_unknown");

    let d = doc(&fixtures::no_changes());
    assert_eq!(
        d["resource_changes"][0]["change"]["actions"],
        json!(["no-op"])
    );
    assert_eq!(d["applyable"], false);
}

#[test]
fn deposed_objects_are_keyed_and_not_planned() {
    let d = doc(&fixtures::deposed_object());
    let c = &d["resource_changes"][0];
    assert_eq!(c["deposed"], "a1b2c3d4");
    assert!(c.get("action_reason").is_none());
    assert!(d["planned_values"]["root_module"]
        .get("resources")
        .is_none());
}

#[test]
fn kiln_additions_carry_causes_and_leftovers() {
    let d = doc(&fixtures::rebuild_causes_and_leftovers());
    let k = &d["resource_changes"][0]["kiln"];
    assert_eq!(k["keep_old"], true);
    assert_eq!(k["causes"][0]["summary"], "file app/install.sh modified");
    assert!(k["causes"][0]["diff"]
        .as_str()
        .is_some_and(|s| s.contains("+VERSION=2.0")));
    assert!(k["causes"][1].get("diff").is_none());
    let leftover = &d["kiln"]["leftovers"][0];
    assert_eq!(leftover["id"], "build-1/vm");
    assert_eq!(leftover["owner"], "test_server.web");
    assert!(leftover.get("data").is_none());
    assert_eq!(doc(&fixtures::empty_destroy())["kiln"]["mode"], "destroy");
}

#[test]
fn drift_is_reported_apart() {
    let d = doc(&fixtures::drift_is_noted_before_the_plan());
    let drift = d["resource_drift"].as_array().expect("a list");
    assert_eq!(drift.len(), 2);
    assert_eq!(drift[1]["change"]["actions"], json!(["delete"]));
}

// ---- state and configuration -------------------------------------------------------------

#[test]
fn state_objects_nest_by_module_and_keep_their_status() {
    let d = state_json(&recorded_state(), &schemas());
    let root = &d["values"]["root_module"];
    let resources = root["resources"].as_array().expect("root resources");
    assert_eq!(resources.len(), 2);
    let current = &resources[0];
    assert_eq!(current["tainted"], true);
    assert_eq!(current["depends_on"], json!(["test_server.db"]));
    assert_eq!(current["values"]["password"], "(sensitive)");
    assert_eq!(current["sensitive_values"]["tags"], json!({"key": true}));
    assert_eq!(resources[1]["deposed_key"], "d1e2");
    // module.net["eu"] has no objects of its own but holds module.net["eu"].module.inner.
    let net = &root["child_modules"][0];
    assert_eq!(net["address"], "module.net[\"eu\"]");
    assert!(net.get("resources").is_none());
    let inner = &net["child_modules"][0];
    assert_eq!(inner["address"], "module.net[\"eu\"].module.inner");
    assert_eq!(
        inner["resources"][0]["address"],
        "module.net[\"eu\"].module.inner.test_server.gw[0]"
    );
    assert_eq!(inner["resources"][0]["provider_name"], "test");
    assert_eq!(d["values"]["outputs"]["token"]["value"], "(sensitive)");
    assert_eq!(d["values"]["outputs"]["count"]["value"], 1);
}

#[test]
fn configuration_shows_constants_and_references() {
    let (_dir, ws) = configured();
    let c = configuration_json(&ws, &schemas());
    let root = &c["root_module"];
    let web = &root["resources"][1];
    assert_eq!(web["address"], "test_server.web");
    let e = &web["expressions"];
    assert_eq!(e["size"]["constant_value"], 4);
    assert_eq!(e["ports"]["constant_value"], json!([22, 80]));
    assert_eq!(
        e["image"]["references"],
        json!(["data.test_image.base.id", "data.test_image.base"])
    );
    assert_eq!(
        e["network"]["subnet"]["references"],
        json!([
            "test_server.db[\"a\"].id",
            "test_server.db[\"a\"]",
            "test_server.db"
        ])
    );
    assert_eq!(e["disk"][1]["type"]["constant_value"], "hdd");
    // A function call is not evaluated: no constant, and nothing to refer to.
    assert_eq!(e["user_data"], json!({}));
    assert_eq!(e["password"]["constant_value"], "(sensitive)");
    assert_eq!(web["count_expression"]["references"], json!(["local.n"]));
    assert_eq!(web["depends_on"], json!(["test_server.db"]));
    assert_eq!(root["resources"][2]["provider_config_key"], "test.west");
    assert_eq!(root["variables"]["password"]["default"], "(sensitive)");
    assert_eq!(root["variables"]["region"]["default"], "eu");
    let net = &root["module_calls"]["net"];
    assert_eq!(net["source"], "./net");
    assert_eq!(
        net["expressions"]["secret"]["constant_value"],
        "(sensitive)"
    );
    assert_eq!(
        net["module"]["resources"][0]["provider_config_key"],
        "module.net:test"
    );
    assert!(c["provider_config"]["module.net:test"].is_object());
    assert_eq!(c["provider_config"]["test.west"]["alias"], "west");
}
