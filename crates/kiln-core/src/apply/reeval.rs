//! Re-evaluation during apply. A planned configuration that referred to values not known
//! at plan time (an id a create will return) is evaluated again once those values exist:
//! the whole configuration is evaluated with a hook that answers each resource instance
//! with its value now — applied in this run, or as planned — and collects the new
//! configurations of the instances that are about to be applied.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::addr::InstanceAddr;
use crate::config::evaluate::{InstanceEval, ResourceHook};
use crate::config::{EvaluatedModule, Workspace};
use crate::diag::Diagnostics;
use crate::lang::Value;
use crate::plan::{read_data, Engine};
use crate::provider::{CallContext, PlanRequest};
use crate::provider_set::ProviderSet;

pub struct Reevaluated {
    pub evaluated: EvaluatedModule,
    /// For each wanted instance: its configuration and the provider's planned value.
    pub configs: HashMap<InstanceAddr, (Value, Value)>,
    pub triggers: HashMap<InstanceAddr, String>,
    pub diagnostics: Diagnostics,
}

struct ApplyHook<'a> {
    engine: &'a Engine<'a>,
    providers: &'a ProviderSet,
    current: &'a HashMap<InstanceAddr, Value>,
    wanted: &'a HashMap<InstanceAddr, Option<Value>>,
    /// The state now, for each object's provider-private record.
    state: &'a crate::state::State,
    data: &'a RefCell<HashMap<InstanceAddr, Value>>,
    configs: RefCell<HashMap<InstanceAddr, (Value, Value)>>,
    triggers: RefCell<HashMap<InstanceAddr, String>>,
}

impl ResourceHook for ApplyHook<'_> {
    /// While operations wait for their configurations, every other instance keeps the
    /// value it has: evaluating its body again would change nothing (the final pass, with
    /// nothing wanted, evaluates everything for outputs and triggers).
    fn settled(&self, addr: &InstanceAddr) -> Option<Value> {
        if self.wanted.is_empty() || self.wanted.contains_key(addr) {
            return None;
        }
        self.current
            .get(addr)
            .or(self.data.borrow().get(addr))
            .cloned()
    }

    fn managed(&self, inst: &InstanceEval<'_>, config: Value, diags: &mut Diagnostics) -> Value {
        if let Some(t) = crate::plan::trigger_digest(inst) {
            self.triggers.borrow_mut().insert(inst.addr.clone(), t);
        }
        if let Some(prior) = self.wanted.get(&inst.addr) {
            let config = crate::plan::clean_config(config.clone(), inst);
            let provider = crate::graph::provider_of(inst.resource, self.engine.schemas);
            if let Some(h) = self.providers.get(&provider) {
                let resp = h.provider.plan(PlanRequest {
                    type_name: inst.resource.type_name.clone(),
                    cx: CallContext {
                        addr: inst.addr.clone(),
                        base_dir: inst.base_dir.to_path_buf(),
                    },
                    prior: prior.clone(),
                    config: config.clone(),
                    proposed: crate::plan::propose(&config, prior.as_ref(), inst),
                    prior_private: self
                        .state
                        .instance(&inst.addr)
                        .and_then(|i| i.extra.get(crate::plan::PRIVATE_KEY))
                        .cloned(),
                });
                diags.extend(resp.diagnostics);
                self.configs
                    .borrow_mut()
                    .insert(inst.addr.clone(), (config, resp.planned));
            }
        }
        self.current.get(&inst.addr).cloned().unwrap_or(config)
    }

    fn data(&self, inst: &InstanceEval<'_>, config: Value, diags: &mut Diagnostics) -> Value {
        if let Some(v) = self.data.borrow().get(&inst.addr) {
            return v.clone();
        }
        let settable = crate::plan::settable_part(&config, inst.schema);
        if self.wanted.contains_key(&inst.addr) {
            // Its read is an operation of the walk: hand back the configuration for it.
            self.configs
                .borrow_mut()
                .insert(inst.addr.clone(), (settable.clone(), config.clone()));
            return config;
        }
        if !settable.is_wholly_known() {
            return config;
        }
        match read_data(
            self.providers,
            self.engine.schemas,
            self.engine.rt,
            inst,
            settable,
        ) {
            Ok(v) => {
                self.data.borrow_mut().insert(inst.addr.clone(), v.clone());
                v
            }
            Err(d) => {
                diags.extend(d);
                config
            }
        }
    }
}

/// Evaluates `ws` with the values in `current`. Runs on its own thread: data sources are
/// read with `Handle::block_on`, which must not run inside the runtime.
pub fn reevaluate(
    engine: &Engine<'_>,
    ws: &Workspace,
    providers: &ProviderSet,
    current: &HashMap<InstanceAddr, Value>,
    wanted: &HashMap<InstanceAddr, Option<Value>>,
    state: &crate::state::State,
    data: &mut HashMap<InstanceAddr, Value>,
) -> Reevaluated {
    let cache = RefCell::new(std::mem::take(data));
    let hook = ApplyHook {
        engine,
        providers,
        current,
        wanted,
        state,
        data: &cache,
        configs: RefCell::new(HashMap::new()),
        triggers: RefCell::new(HashMap::new()),
    };
    let (evaluated, diagnostics) = ws.evaluate(engine.schemas, engine.functions, Some(&hook));
    let configs = hook.configs.into_inner();
    let triggers = hook.triggers.into_inner();
    *data = cache.into_inner();
    Reevaluated {
        evaluated,
        configs,
        triggers,
        diagnostics,
    }
}
