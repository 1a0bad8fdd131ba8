//! Plays the engine's part in provider tests: builds whole objects from a few attributes,
//! proposes new states the way the engine does, and checks the provider's answers against
//! the contract in `docs/provider-lifecycle.md`.

use std::collections::BTreeMap;
use std::path::Path;

use kiln_core::addr::{InstanceKey, Mode, ModulePath, ResourceAddr};
use kiln_core::lang::Value;
use kiln_core::provider::{
    ApplyRequest, CallContext, DeleteRequest, PlanRequest, PlanResponse, Provider, ReadItem,
    ReadRequest,
};
use kiln_core::schema::{Nesting, Schema};

pub fn cx(type_name: &str, name: &str, dir: &Path) -> CallContext {
    let mode = if type_name == "local_command" || type_name == "test_echo" {
        Mode::Data
    } else {
        Mode::Managed
    };
    CallContext {
        addr: ResourceAddr::new(ModulePath::root(), mode, type_name, name)
            .instance(InstanceKey::None),
        base_dir: dir.to_path_buf(),
    }
}

fn body<'p>(p: &'p dyn Provider, type_name: &str) -> &'p Schema {
    let s = p.schema();
    &s.resources
        .get(type_name)
        .or_else(|| s.data_sources.get(type_name))
        .expect("known type")
        .body
}

/// A configuration object as the evaluator builds it: the given attributes, every other
/// attribute null, blocks empty; sensitive attributes marked.
pub fn config(p: &dyn Provider, type_name: &str, attrs: &[(&str, Value)]) -> Value {
    let schema = body(p, type_name);
    let given: BTreeMap<&str, &Value> = attrs.iter().map(|(k, v)| (*k, v)).collect();
    let mut out = BTreeMap::new();
    for (name, a) in &schema.attributes {
        let v = given
            .get(name.as_str())
            .map_or(Value::null(), |v| (*v).clone());
        out.insert(name.clone(), v.with_sensitive(a.sensitive));
    }
    for (name, b) in &schema.blocks {
        let v = given.get(name.as_str()).map_or_else(
            || match b.nesting {
                Nesting::Single => Value::null(),
                Nesting::List => Value::list(Vec::new()),
                Nesting::Set => Value::set(Vec::new()),
            },
            |v| (*v).clone(),
        );
        out.insert(name.clone(), v);
    }
    for k in given.keys() {
        assert!(out.contains_key(*k), "{type_name} has no attribute {k}");
    }
    Value::object(out)
}

/// The engine's proposal: the configuration, with each computed attribute the
/// configuration leaves null taken from `prior`, or unknown when there is none.
pub fn propose(p: &dyn Provider, type_name: &str, config: &Value, prior: Option<&Value>) -> Value {
    let schema = body(p, type_name);
    let mut out = config.as_map().expect("object").clone();
    for (name, a) in &schema.attributes {
        if a.computed && out.get(name).is_none_or(Value::is_null) {
            let v = match prior {
                Some(prior) => get(prior, name).clone(),
                None => Value::unknown(a.ty.clone()),
            };
            out.insert(name.clone(), v);
        }
    }
    Value::object(out)
}

pub fn get<'a>(obj: &'a Value, name: &str) -> &'a Value {
    obj.as_map()
        .and_then(|m| m.get(name))
        .unwrap_or_else(|| panic!("no attribute {name} in {obj:?}"))
}

pub fn s(text: &str) -> Value {
    Value::string(text)
}

pub fn str_of<'a>(obj: &'a Value, name: &str) -> &'a str {
    get(obj, name)
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a known string in {obj:?}"))
}

pub fn unknown(obj: &Value, name: &str) -> bool {
    !get(obj, name).is_known()
}

/// Every attribute known in `planned` has the same value in `new`, and `new` is wholly
/// known: the rule every create and update must keep.
pub fn assert_conforms(planned: &Value, new: &Value) {
    assert!(new.is_wholly_known(), "new state has unknowns: {new:?}");
    for (name, p) in planned.as_map().expect("object") {
        if p.is_wholly_known() {
            assert!(
                p.raw_equals(get(new, name)),
                "{name} was planned as {p:?} but is {:?}",
                get(new, name)
            );
        }
    }
}

pub fn plan(
    p: &dyn Provider,
    cx: &CallContext,
    config: &Value,
    prior: Option<&Value>,
) -> PlanResponse {
    let type_name = &cx.addr.resource.type_name;
    p.plan(PlanRequest {
        type_name: type_name.clone(),
        cx: cx.clone(),
        prior: prior.cloned(),
        config: config.clone(),
        proposed: propose(p, type_name, config, prior),
        prior_private: None,
    })
}

/// Plans and creates (or, with a prior, updates) an object, checking the plan has no
/// errors and the result conforms to it.
pub async fn apply(
    p: &dyn Provider,
    cx: &CallContext,
    config: &Value,
    prior: Option<&Value>,
) -> Value {
    let planned = plan(p, cx, config, prior);
    assert!(
        !planned.diagnostics.has_errors(),
        "{:?}",
        planned.diagnostics
    );
    let req = ApplyRequest {
        type_name: cx.addr.resource.type_name.clone(),
        cx: cx.clone(),
        prior: prior.cloned(),
        planned: planned.planned.clone(),
        config: config.clone(),
        prior_private: None,
        run: kiln_core::run::RunContext::detached().0,
    };
    let resp = match prior {
        None => p.create(req).await,
        Some(_) => p.update(req).await,
    };
    assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
    let new = resp.new_state.expect("an object");
    assert_conforms(&planned.planned, &new);
    new
}

pub async fn read(p: &dyn Provider, items: &[(&CallContext, &Value)]) -> Vec<Option<Value>> {
    let resp = p
        .read(ReadRequest {
            type_name: items[0].0.addr.resource.type_name.clone(),
            items: items
                .iter()
                .map(|(cx, prior)| ReadItem {
                    cx: (*cx).clone(),
                    prior: (*prior).clone(),
                })
                .collect(),
        })
        .await;
    assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
    assert_eq!(resp.objects.len(), items.len(), "one answer per item");
    for o in resp.objects.iter().flatten() {
        assert!(o.is_wholly_known(), "read returned unknowns: {o:?}");
    }
    resp.objects
}

pub async fn delete(
    p: &dyn Provider,
    cx: &CallContext,
    prior: &Value,
) -> kiln_core::diag::Diagnostics {
    p.delete(DeleteRequest {
        type_name: cx.addr.resource.type_name.clone(),
        cx: cx.clone(),
        prior: prior.clone(),
    })
    .await
}
