//! A harness for engine tests: a configuration written inline into a temp directory,
//! the deterministic `test` provider, and an in-memory state carried from one run to the
//! next — plan and apply exactly as `kiln` does, without the terminal.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use kiln_builtin::testing::TestProvider;
use kiln_core::addr::{InstanceAddr, Target};
use kiln_core::apply::{apply, ApplyOptions, NoLog, Outcome};
use kiln_core::config::{load_workspace, LoadOptions, MissingVars, Workspace};
use kiln_core::diag::Diagnostics;
use kiln_core::event::NoEvents;
use kiln_core::lang::{Functions, Value};
use kiln_core::plan::{self, Action, Engine, PlanMode, PlanOptions, Planned, ResourceChange};
use kiln_core::provider::Provider;
use kiln_core::provider_set::Factory;
use kiln_core::schema::Schemas;
use kiln_core::state::State;

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub provider: TestProvider,
    pub state: State,
    rt: tokio::runtime::Runtime,
    schemas: Schemas,
    functions: Functions,
    factories: BTreeMap<String, Factory>,
}

impl Harness {
    pub fn new(hcl: &str) -> Harness {
        Harness::with_provider(hcl, TestProvider::new())
    }

    pub fn with_provider(hcl: &str, provider: TestProvider) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut schemas = Schemas::new();
        schemas.add(provider.schema().clone());
        schemas.add(kiln_builtin::LocalProvider::new().schema().clone());
        let p = provider.clone();
        let mut factories: BTreeMap<String, Factory> = BTreeMap::new();
        factories.insert(
            "test".into(),
            Arc::new(move || Arc::new(p.clone()) as Arc<dyn Provider>),
        );
        factories.insert(
            "local".into(),
            Arc::new(|| Arc::new(kiln_builtin::LocalProvider::new()) as Arc<dyn Provider>),
        );
        let h = Harness {
            dir,
            provider,
            state: State::new("test-lineage".into()),
            rt: tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            schemas,
            functions: Functions::standard(),
            factories,
        };
        h.write(hcl);
        h
    }

    /// Replaces the configuration.
    pub fn write(&self, hcl: &str) {
        std::fs::write(self.dir.path().join("main.hcl"), hcl).expect("write config");
    }

    pub fn write_file(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write file");
    }

    fn workspace(&self) -> Workspace {
        let (ws, diags) = load_workspace(&LoadOptions {
            dir: self.dir.path().to_path_buf(),
            cwd: self.dir.path().to_path_buf(),
            env: Vec::new(),
            cli_inputs: Vec::new(),
            missing_vars: MissingVars::Error,
            read_data: true,
        });
        assert!(!diags.has_errors(), "config errors: {diags:?}");
        ws
    }

    fn engine(&self) -> Engine<'_> {
        Engine {
            schemas: &self.schemas,
            functions: &self.functions,
            factories: &self.factories,
            events: &NoEvents,
            rt: self.rt.handle(),
        }
    }

    pub fn try_plan(&self, opts: &PlanOptions) -> Result<Planned, Diagnostics> {
        plan::plan(&self.engine(), &self.workspace(), &self.state, opts)
    }

    pub fn plan(&self) -> Planned {
        self.plan_with(&PlanOptions::default())
    }

    pub fn plan_with(&self, opts: &PlanOptions) -> Planned {
        self.try_plan(opts)
            .unwrap_or_else(|d| panic!("plan failed: {d:#?}"))
    }

    /// Plans and applies; the resulting state becomes the harness's state.
    pub fn apply_with(&mut self, opts: &PlanOptions) -> Outcome {
        let ws = self.workspace();
        let planned = plan::plan(&self.engine(), &ws, &self.state, opts)
            .unwrap_or_else(|d| panic!("plan failed: {d:#?}"));
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let outcome = apply(
            &self.engine(),
            &ws,
            planned,
            Arc::new(NoLog),
            &ApplyOptions::default(),
            rx,
        );
        self.state = outcome.state.clone();
        outcome
    }

    pub fn apply(&mut self) -> Outcome {
        self.apply_with(&PlanOptions::default())
    }

    pub fn destroy(&mut self) -> Outcome {
        self.apply_with(&PlanOptions {
            mode: PlanMode::Destroy,
            ..PlanOptions::default()
        })
    }

    /// An attribute of an object in state.
    pub fn attr(&self, addr: &str, name: &str) -> serde_json::Value {
        let a = instance(addr);
        let inst = self
            .state
            .instance(&a)
            .unwrap_or_else(|| panic!("{addr} not in state"));
        inst.attributes[name].clone()
    }

    pub fn in_state(&self, addr: &str) -> bool {
        self.state.instance(&instance(addr)).is_some()
    }

    /// The provider calls of one kind, by address, in order.
    pub fn calls(&self, op: &str) -> Vec<String> {
        self.provider
            .ops()
            .into_iter()
            .filter(|(o, _)| *o == op)
            .map(|(_, a)| a)
            .collect()
    }
}

pub fn instance(addr: &str) -> InstanceAddr {
    match Target::parse(addr) {
        Ok(Target::Instance(i)) => i,
        Ok(Target::Resource(r)) => r.instance(kiln_core::addr::InstanceKey::None),
        other => panic!("not an instance address: {addr}: {other:?}"),
    }
}

/// The actions of a plan, `addr: action`, no-ops left out.
pub fn actions(p: &Planned) -> Vec<String> {
    p.plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| {
            let who = if c.deposed.is_empty() {
                c.addr.to_string()
            } else {
                format!("{} (deposed)", c.addr)
            };
            format!("{who}: {:?}", c.action)
        })
        .collect()
}

pub fn change<'p>(p: &'p Planned, addr: &str) -> &'p ResourceChange {
    p.plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == addr && c.deposed.is_empty())
        .unwrap_or_else(|| panic!("no change for {addr}"))
}

/// An attribute of a change's planned value.
pub fn after<'p>(p: &'p Planned, addr: &str, name: &str) -> &'p Value {
    change(p, addr)
        .after
        .as_ref()
        .and_then(|v| v.as_map())
        .and_then(|m| m.get(name))
        .unwrap_or_else(|| panic!("{addr} has no planned {name}"))
}

pub fn targets(list: &[&str]) -> Vec<Target> {
    list.iter()
        .map(|t| Target::parse(t).expect("target"))
        .collect()
}
