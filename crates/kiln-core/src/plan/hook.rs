//! The plan's [`ResourceHook`]: as evaluation reaches each resource instance, decide its
//! action against the refreshed state and hand back the planned value, so references
//! downstream see known values where they are known and `(known after apply)` only where
//! they truly are not.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use super::values::{changed_attributes, digest, from_state, get_at, set_at};
use super::{Action, PlanMode, Reason, ResourceChange};
use crate::addr::{InstanceAddr, Target};
use crate::config::evaluate::{unset_computed_as_null, InstanceEval, ResourceHook};
use crate::diag::{Diagnostic, Diagnostics};
use crate::graph::provider_of;
use crate::lang::{Kind, Value};
use crate::provider::{AttrPath, CallContext, PathStep, PlanRequest, ReadDataRequest};
use crate::provider_set::ProviderSet;
use crate::schema::{ResourceKind, ResourceSchema, Schemas};
use crate::source::Span;
use crate::state::{InstanceStatus, State};

/// The state key under which an instance keeps the digest of its
/// `replace_triggered_by` values from its last apply.
pub const TRIGGERS_KEY: &str = "replace_triggered_by";
/// Where an object's provider-private record ([`crate::provider::ApplyResponse::private`])
/// is kept in its state's `extra`.
pub const PRIVATE_KEY: &str = "private";

/// What the hook learned, by instance.
#[derive(Default)]
pub struct Recorded {
    pub changes: BTreeMap<InstanceAddr, ResourceChange>,
    /// Evaluated configurations (unknowns where the plan cannot know yet).
    pub configs: HashMap<InstanceAddr, Value>,
    /// Digests of `replace_triggered_by` values, recorded in state after apply.
    pub triggers: HashMap<InstanceAddr, String>,
    /// Data source values read during the plan.
    pub data: HashMap<InstanceAddr, Value>,
    /// Instances with `prevent_destroy = true`, and where it is set.
    pub prevent_destroy: HashMap<InstanceAddr, Span>,
}

pub struct PlanHook<'a> {
    pub mode: PlanMode,
    pub schemas: &'a Schemas,
    pub state: &'a State,
    pub providers: &'a ProviderSet,
    pub rt: &'a tokio::runtime::Handle,
    pub replace: &'a [Target],
    pub recorded: RefCell<Recorded>,
}

impl ResourceHook for PlanHook<'_> {
    fn managed(&self, inst: &InstanceEval<'_>, config: Value, diags: &mut Diagnostics) -> Value {
        let addr = &inst.addr;
        let r = inst.resource;
        let lc = &r.lifecycle;
        let flag = |e: &Option<crate::lang::Expr>| {
            e.as_ref()
                .and_then(|e| inst.ctx.eval(e).ok())
                .and_then(|v| v.as_bool())
        };
        // Machines and images are replaced new-first by default: a new machine serves
        // before the old one goes, and an old image stays while machines still use it.
        let cbd =
            flag(&lc.create_before_destroy).unwrap_or(inst.schema.kind != ResourceKind::Plain);
        if flag(&lc.prevent_destroy) == Some(true) {
            if let Some(e) = &lc.prevent_destroy {
                self.recorded
                    .borrow_mut()
                    .prevent_destroy
                    .insert(addr.clone(), e.span);
            }
        }
        let prior_inst = self.state.instance(addr);
        let prior = prior_inst.map(|i| from_state(i, Some(inst.schema)));
        if self.mode == PlanMode::Destroy {
            return prior.unwrap_or(config);
        }
        let config = clean_config(config, inst);
        self.recorded
            .borrow_mut()
            .configs
            .insert(addr.clone(), config.clone());
        let provider = provider_of(r, self.schemas);
        let Some(handle) = self.providers.get(&provider) else {
            return config;
        };
        let cx = CallContext {
            addr: addr.clone(),
            base_dir: inst.base_dir.to_path_buf(),
        };
        let proposed = propose(&config, prior.as_ref(), inst);
        let resp = handle.provider.plan(PlanRequest {
            type_name: r.type_name.clone(),
            cx: cx.clone(),
            prior: prior.clone(),
            config: config.clone(),
            proposed,
            prior_private: prior_inst.and_then(|i| i.extra.get(PRIVATE_KEY)).cloned(),
        });
        let failed = resp.diagnostics.has_errors();
        diags.extend(address_all(resp.diagnostics, addr));
        if failed {
            return config;
        }
        let trigger = trigger_digest(inst);
        if let Some(t) = &trigger {
            self.recorded
                .borrow_mut()
                .triggers
                .insert(addr.clone(), t.clone());
        }
        let mut change = ResourceChange {
            addr: addr.clone(),
            deposed: String::new(),
            provider: format!("provider.{provider}"),
            action: Action::Create,
            reason: Reason::None,
            before: prior.clone(),
            after: Some(resp.planned.clone()),
            replace_paths: Vec::new(),
            causes: resp.causes,
            dependencies: Vec::new(),
            create_before_destroy: cbd,
            keep_old: false,
        };
        let Some(prior) = prior else {
            return self.record(change);
        };
        let changed = changed_attributes(&prior, &resp.planned);
        let mut replace_paths: Vec<AttrPath> = changed
            .iter()
            .filter(|name| forces_replacement(inst.schema, name))
            .map(|name| vec![PathStep::Attr(name.clone())])
            .collect();
        for p in resp.requires_replace {
            if !replace_paths.contains(&p) {
                replace_paths.push(p);
            }
        }
        let tainted = prior_inst.and_then(|i| i.status) == Some(InstanceStatus::Tainted);
        let requested = self.replace.iter().any(|t| t.contains(addr));
        let old_trigger = prior_inst
            .and_then(|i| i.extra.get(TRIGGERS_KEY))
            .and_then(|v| v.as_str());
        let triggered = match (&trigger, old_trigger) {
            (Some(new), Some(old)) => new != old,
            _ => false,
        } || (trigger.is_none() && !lc.replace_triggered_by.is_empty());
        let forced = if tainted {
            Some(Reason::Tainted)
        } else if requested {
            Some(Reason::Requested)
        } else if triggered {
            Some(Reason::Triggered(
                lc.replace_triggered_by
                    .iter()
                    .filter_map(|e| e.as_static_path().map(|p| p.join(".")))
                    .collect(),
            ))
        } else {
            None
        };
        if forced.is_none() && replace_paths.is_empty() {
            if changed.is_empty() {
                change.action = Action::NoOp;
                change.after = Some(prior.clone());
            } else {
                change.action = Action::Update;
            }
            return self.record(change);
        }
        // A replacement is a new object: plan it as a create, so that everything the
        // provider computes is unknown again.
        let fresh = handle.provider.plan(PlanRequest {
            type_name: r.type_name.clone(),
            cx,
            prior: None,
            config: config.clone(),
            proposed: propose(&config, None, inst),
            prior_private: None,
        });
        diags.extend(address_all(fresh.diagnostics, addr));
        change.after = Some(fresh.planned);
        change.action = if cbd {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        };
        change.reason = forced.unwrap_or(Reason::CannotUpdate);
        change.replace_paths = replace_paths;
        self.record(change)
    }

    fn data(&self, inst: &InstanceEval<'_>, config: Value, diags: &mut Diagnostics) -> Value {
        let addr = &inst.addr;
        if let Some(v) = self.recorded.borrow().data.get(addr) {
            return v.clone();
        }
        let settable = settable_part(&config, inst.schema);
        if self.mode == PlanMode::Destroy {
            return config;
        }
        if !settable.is_wholly_known() {
            let provider = provider_of(inst.resource, self.schemas);
            let change = ResourceChange {
                addr: addr.clone(),
                deposed: String::new(),
                provider: format!("provider.{provider}"),
                action: Action::Read,
                reason: Reason::ConfigUnknown,
                before: None,
                after: Some(config.clone()),
                replace_paths: Vec::new(),
                causes: Vec::new(),
                dependencies: Vec::new(),
                create_before_destroy: false,
                keep_old: false,
            };
            let mut rec = self.recorded.borrow_mut();
            rec.configs.insert(addr.clone(), config.clone());
            rec.changes.insert(addr.clone(), change);
            return config;
        }
        match read_data(self.providers, self.schemas, self.rt, inst, settable) {
            Ok(v) => {
                self.recorded
                    .borrow_mut()
                    .data
                    .insert(addr.clone(), v.clone());
                v
            }
            Err(d) => {
                diags.extend(d);
                config
            }
        }
    }
}

impl PlanHook<'_> {
    fn record(&self, change: ResourceChange) -> Value {
        let after = change.after.clone().unwrap_or_else(Value::null);
        self.recorded
            .borrow_mut()
            .changes
            .insert(change.addr.clone(), change);
        after
    }
}

/// Reads a data source now, through its provider (plan and apply share this).
pub fn read_data(
    providers: &ProviderSet,
    schemas: &Schemas,
    rt: &tokio::runtime::Handle,
    inst: &InstanceEval<'_>,
    config: Value,
) -> Result<Value, Diagnostics> {
    let provider = provider_of(inst.resource, schemas);
    let Some(handle) = providers.get(&provider) else {
        return Err(Diagnostics::new());
    };
    let req = ReadDataRequest {
        type_name: inst.resource.type_name.clone(),
        cx: CallContext {
            addr: inst.addr.clone(),
            base_dir: inst.base_dir.to_path_buf(),
        },
        config,
    };
    let resp = rt.block_on(async {
        let _permit = handle.permit().await;
        handle.provider.read_data(req).await
    });
    let diags = address_all(resp.diagnostics, &inst.addr);
    match resp.state {
        Some(v) if !diags.has_errors() => Ok(v),
        _ => Err(diags),
    }
}

/// The configured attributes of a data source.
pub fn settable_part(config: &Value, schema: &ResourceSchema) -> Value {
    let Some(all) = config.as_map() else {
        return config.clone();
    };
    Value::object(
        all.iter()
            .filter(|(k, _)| schema.body.attributes.get(*k).is_none_or(|a| a.settable()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// Configuration as providers see it: attributes the configuration does not set are
/// null, not unknown.
pub fn clean_config(config: Value, inst: &InstanceEval<'_>) -> Value {
    unset_computed_as_null(config, &inst.schema.body, &inst.resource.body)
}

/// The engine's proposal: configuration, with attributes it leaves to the provider taken
/// from the prior object (or unknown for a new one), and ignored changes kept as they are.
pub fn propose(config: &Value, prior: Option<&Value>, inst: &InstanceEval<'_>) -> Value {
    let mut proposed = config.clone();
    if let Kind::Object(m) = &mut proposed.kind {
        for (name, a) in &inst.schema.body.attributes {
            if a.computed && inst.resource.body.attr(name).is_none() {
                let v = prior
                    .and_then(|p| p.as_map())
                    .and_then(|p| p.get(name).cloned())
                    .unwrap_or_else(|| Value::unknown(a.ty.clone()).with_sensitive(a.sensitive));
                m.insert(name.clone(), v);
            }
        }
    }
    let Some(prior) = prior else {
        return proposed;
    };
    let lc = &inst.resource.lifecycle;
    if lc.ignore_all_changes {
        for (name, a) in &inst.schema.body.attributes {
            if a.settable() {
                if let Some(v) = get_at(prior, &[PathStep::Attr(name.clone())]) {
                    set_at(&mut proposed, &[PathStep::Attr(name.clone())], v.clone());
                }
            }
        }
    }
    for e in &lc.ignore_changes {
        let Some(path) = e.as_static_path() else {
            continue;
        };
        let path: AttrPath = path.iter().map(|s| PathStep::Attr(s.to_string())).collect();
        if let Some(v) = get_at(prior, &path) {
            set_at(&mut proposed, &path, v.clone());
        }
    }
    proposed
}

/// Whether changing `name` replaces the object: the schema says so, or the object is a
/// machine or an image (DESIGN §2–3: both are immutable; only labels and tags change in
/// place).
fn forces_replacement(schema: &ResourceSchema, name: &str) -> bool {
    if let Some(a) = schema.body.attributes.get(name) {
        if a.force_new {
            return true;
        }
    }
    if let Some(b) = schema.body.blocks.get(name) {
        if b.force_new || b.body.attributes.values().any(|a| a.force_new) {
            return true;
        }
    }
    // Only what the configuration sets: a computed attribute changes because of a
    // replacement, it does not force one.
    let configured = schema
        .body
        .attributes
        .get(name)
        .is_some_and(|a| a.settable())
        || schema.body.blocks.contains_key(name);
    schema.kind != ResourceKind::Plain && configured && !matches!(name, "labels" | "tags")
}

/// The digest of the `replace_triggered_by` values; `None` when there are none, or when
/// one is not known yet (its resource is being replaced: that triggers too).
pub fn trigger_digest(inst: &InstanceEval<'_>) -> Option<String> {
    let exprs = &inst.resource.lifecycle.replace_triggered_by;
    if exprs.is_empty() {
        return None;
    }
    let mut values = Vec::new();
    for e in exprs {
        let v = inst.ctx.eval(e).ok()?;
        if !v.is_wholly_known() {
            return None;
        }
        values.push(v);
    }
    Some(digest(&Value::tuple(values)))
}

fn address_all(diags: Diagnostics, addr: &InstanceAddr) -> Diagnostics {
    let mut out = Diagnostics::new();
    for d in diags.0 {
        let d: Diagnostic = if d.address.is_none() {
            d.with_address(addr.to_string())
        } else {
            d
        };
        out.push(d);
    }
    out
}
