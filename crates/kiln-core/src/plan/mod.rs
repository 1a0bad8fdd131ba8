//! Planning: refresh what exists, evaluate the configuration against it, and decide an
//! [`Action`] per object — the steps in order, each in its own file:
//!
//! 1. configure the providers the configuration and state use ([`crate::provider_set`]);
//! 2. refresh every object, batched per provider and type ([`refresh`]);
//! 3. evaluate the configuration with the plan hook, which diffs each instance against
//!    the refreshed state as it goes ([`hook`]);
//! 4. build the graph and give each change its dependencies ([`crate::graph`]);
//! 5. plan deletes for objects the configuration no longer has ([`orphans`]);
//! 6. apply `--target` / `--exclude`, check `prevent_destroy`, diff outputs ([`finish`]).

mod finish;
pub use finish::keep_replaced_in_use;
mod hook;
mod model;
mod orphans;
mod refresh;
pub mod saved;
pub mod values;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use hook::{
    clean_config, propose, read_data, settable_part, trigger_digest, Recorded, PRIVATE_KEY,
    TRIGGERS_KEY,
};
pub use model::{Action, Leftover, OutputChange, Plan, PlanMode, Reason, ResourceChange, Totals};

use crate::addr::{InstanceAddr, Target};
use crate::config::Workspace;
use crate::diag::Diagnostics;
use crate::event::EventSink;
use crate::graph::{self, provider_of};
use crate::lang::Functions;
use crate::provider_set::{provider_addr, Factory, ProviderSet};
use crate::schema::Schemas;
use crate::state::State;

/// What a run of the engine works with, besides the configuration and the state.
pub struct Engine<'a> {
    pub schemas: &'a Schemas,
    pub functions: &'a Functions,
    /// Provider factories by provider name.
    pub factories: &'a BTreeMap<String, Factory>,
    pub events: &'a dyn EventSink,
    pub rt: &'a tokio::runtime::Handle,
}

#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub mode: PlanMode,
    /// Read real objects first (`--refresh=false` turns it off).
    pub refresh: bool,
    pub targets: Vec<Target>,
    pub excludes: Vec<Target>,
    pub replace: Vec<Target>,
}

impl Default for PlanOptions {
    fn default() -> PlanOptions {
        PlanOptions {
            mode: PlanMode::Normal,
            refresh: true,
            targets: Vec::new(),
            excludes: Vec::new(),
            replace: Vec::new(),
        }
    }
}

/// A plan and what applying it needs.
pub struct Planned {
    pub plan: Plan,
    pub providers: ProviderSet,
    /// For each instance, the instances it depends on.
    pub deps: HashMap<InstanceAddr, BTreeSet<InstanceAddr>>,
    pub recorded: Recorded,
    /// The root variables the plan was made with (recorded in a saved plan).
    pub variables: BTreeMap<String, crate::lang::Value>,
    /// For a plan read from a file: the configurations whose sensitive parts were sealed
    /// there, which apply evaluates again and checks against their digests.
    pub sealed: Option<saved::SealedConfigs>,
}

/// Plans `ws` against `state`. Errors (configuration, provider, prevent_destroy) come
/// back as diagnostics; warnings ride along in `plan.diagnostics`.
pub fn plan(
    engine: &Engine<'_>,
    ws: &Workspace,
    state: &State,
    opts: &PlanOptions,
) -> Result<Planned, Diagnostics> {
    let mut diags = Diagnostics::new();
    let providers = configure_providers(engine, ws, state, &mut diags)?;

    let (refreshed, drift) = if opts.refresh {
        let r = engine.rt.block_on(refresh::refresh(
            state,
            &providers,
            engine.schemas,
            &ws.cwd,
            engine.events,
        ));
        if r.diagnostics.has_errors() {
            return Err(r.diagnostics);
        }
        diags.extend(r.diagnostics);
        (r.state, r.drift)
    } else {
        (state.clone(), Vec::new())
    };

    let hook = hook::PlanHook {
        mode: opts.mode,
        schemas: engine.schemas,
        state: &refreshed,
        providers: &providers,
        rt: engine.rt,
        replace: &opts.replace,
        recorded: Default::default(),
    };
    let (evaluated, d) = ws.evaluate(engine.schemas, engine.functions, Some(&hook));
    if d.has_errors() {
        return Err(d);
    }
    diags.extend(d);
    let mut recorded = hook.recorded.into_inner();
    let variables = root_variables(ws, &evaluated);

    let graph = graph::build(&ws.tree, &evaluated, engine.schemas);
    let mut deps = graph.instance_dependencies();
    let mut changes: Vec<ResourceChange> = std::mem::take(&mut recorded.changes)
        .into_values()
        .collect();
    orphans::plan_deletes(
        &refreshed,
        &evaluated,
        opts.mode,
        engine.schemas,
        &mut changes,
    );
    finish::dependencies(&mut changes, &mut deps, &refreshed);
    finish::filter_targets(&mut changes, &deps, &opts.targets, &opts.excludes);
    let errors = finish::check_prevent_destroy(&changes, &recorded.prevent_destroy);
    if errors.has_errors() {
        return Err(errors);
    }
    let outputs = finish::output_changes(&evaluated, &refreshed, opts.mode);
    changes.sort_by(|a, b| (&a.addr, &a.deposed).cmp(&(&b.addr, &b.deposed)));
    finish::explain_replacements(&mut changes, &deps, engine.schemas);
    finish::explain_upstream(&mut changes, &deps, engine.schemas);
    finish::explain_drift(&mut changes, &drift);
    let leftovers = refreshed
        .temporaries
        .iter()
        .map(|(id, t)| Leftover {
            id: id.clone(),
            temporary: t.clone(),
        })
        .collect();
    Ok(Planned {
        plan: Plan {
            mode: opts.mode,
            drift,
            changes,
            outputs,
            leftovers,
            prior_state: refreshed,
            diagnostics: diags,
        },
        providers,
        deps,
        recorded,
        variables,
        sealed: None,
    })
}

/// Configures every provider the configuration or the state uses. Provider blocks may use
/// variables and locals: the configuration is evaluated once, without a hook, to know
/// them before anything talks to a provider.
pub(crate) fn configure_providers(
    engine: &Engine<'_>,
    ws: &Workspace,
    state: &State,
    diags: &mut Diagnostics,
) -> Result<ProviderSet, Diagnostics> {
    let mut provider_configs = BTreeMap::new();
    if ws.has_provider_blocks() {
        let (evaluated, d) = ws.evaluate(engine.schemas, engine.functions, None);
        if d.has_errors() {
            return Err(d);
        }
        provider_configs = evaluated.providers;
    }
    let needed = needed_providers(ws, state, engine.schemas);
    let (providers, d) = engine.rt.block_on(ProviderSet::configure(
        engine.factories,
        needed,
        &provider_configs,
        &ws.root_dir,
    ));
    if d.has_errors() {
        return Err(d);
    }
    diags.extend(d);
    Ok(providers)
}

/// The root module's variables with their final values (defaults applied, marks kept).
pub fn root_variables(
    ws: &Workspace,
    evaluated: &crate::config::EvaluatedModule,
) -> BTreeMap<String, crate::lang::Value> {
    ws.tree
        .module
        .variables
        .keys()
        .filter_map(|name| Some((name.clone(), evaluated.scope.var(name)?.clone())))
        .collect()
}

/// Every provider configuration the configuration or the state uses.
fn needed_providers(ws: &Workspace, state: &State, schemas: &Schemas) -> BTreeSet<String> {
    fn walk(t: &crate::config::ModuleTree, schemas: &Schemas, out: &mut BTreeSet<String>) {
        for r in &t.module.resources {
            out.insert(provider_of(r, schemas));
        }
        for c in t.children.values() {
            walk(c, schemas, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&ws.tree, schemas, &mut out);
    for rs in state.resources.values() {
        out.insert(provider_addr(&rs.provider).to_string());
    }
    out
}
