//! What `plan`, `apply`, `destroy` and `graph` share: loading the configuration for the
//! engine, opening the state, the runtime, the providers and the event sink, and turning
//! command-line addresses into targets.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use kiln_core::addr::Target;
use kiln_core::config::{load_workspace, MissingVars, Workspace};
use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::event::EventSink;
use kiln_core::lang::Functions;
use kiln_core::plan::{Engine, PlanMode, PlanOptions};
use kiln_core::provider_set::Factory;
use kiln_core::schema::Schemas;
use kiln_core::source::SourceMap;
use kiln_core::state::Store;

use crate::cli::{ConfigArgs, PlanningArgs, StateArgs};
use crate::events::{JsonEvents, TerminalEvents};
use crate::ui;

/// The parts an engine run is made of, owned here and lent to [`Engine`].
pub struct Parts {
    pub rt: tokio::runtime::Runtime,
    pub schemas: Schemas,
    pub functions: Functions,
    pub factories: BTreeMap<String, Factory>,
    pub events: Box<dyn EventSink>,
    pub color: bool,
    pub json: bool,
}

impl Parts {
    pub fn new(no_color: bool, json: bool) -> Result<Parts, Diagnostics> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Diagnostics::from(Diagnostic::error(
                    "Cannot start",
                    format!("Kiln could not start its task runtime: {e}."),
                ))
            })?;
        let color = ui::use_color(no_color, std::io::stdout().is_terminal());
        let events: Box<dyn EventSink> = if json {
            Box::new(JsonEvents)
        } else {
            Box::new(TerminalEvents { color })
        };
        Ok(Parts {
            rt,
            schemas: crate::providers::schemas(),
            functions: Functions::standard(),
            factories: crate::providers::factories(),
            events,
            color,
            json,
        })
    }

    pub fn engine(&self) -> Engine<'_> {
        Engine {
            schemas: &self.schemas,
            functions: &self.functions,
            factories: &self.factories,
            events: &*self.events,
            rt: self.rt.handle(),
        }
    }

    /// Prints diagnostics: rendered on stderr, or as JSON lines with `--json`.
    pub fn report(&self, sources: &SourceMap, diags: &Diagnostics, no_color: bool) {
        if diags.is_empty() {
            return;
        }
        if self.json {
            let all = kiln_core::diag_render::to_json(sources, diags);
            for d in all["diagnostics"].as_array().into_iter().flatten() {
                let level = d["severity"].as_str().unwrap_or("error");
                let msg = d["summary"].as_str().unwrap_or_default();
                println!(
                    "{}",
                    crate::events::json_line(
                        "diagnostic",
                        msg,
                        level,
                        serde_json::json!({"diagnostic": d})
                    )
                );
            }
        } else {
            ui::print_diagnostics(sources, diags, no_color);
        }
    }
}

/// The start of every engine command: the parts, and the configuration loaded. `Err`
/// after printing what is wrong.
pub fn start(config: &ConfigArgs, json: bool) -> Result<(Parts, Workspace), ()> {
    let parts = match Parts::new(config.no_color, json) {
        Ok(p) => p,
        Err(d) => {
            ui::print_diagnostics(&SourceMap::new(), &d, config.no_color);
            return Err(());
        }
    };
    let ws = load(config, &parts)?;
    Ok((parts, ws))
}

/// Loads the configuration; `Err` after printing what is wrong.
pub fn load(config: &ConfigArgs, parts: &Parts) -> Result<Workspace, ()> {
    if let Some(d) = super::load::no_files(&config.dir) {
        parts.report(&SourceMap::new(), &d, config.no_color);
        return Err(());
    }
    let opts = match super::load::load_options(config, MissingVars::Error, true) {
        Ok(o) => o,
        Err(d) => {
            parts.report(&SourceMap::new(), &d, config.no_color);
            return Err(());
        }
    };
    let (ws, diags) = load_workspace(&opts);
    if diags.has_errors() || ws.tree.is_incomplete() {
        parts.report(&ws.sources, &diags, config.no_color);
        return Err(());
    }
    if !diags.is_empty() {
        parts.report(&ws.sources, &diags, config.no_color);
    }
    Ok(ws)
}

/// Opens the state for `operation`, locked unless `--lock=false`.
pub fn open_state(ws: &Workspace, args: &StateArgs, operation: &str) -> Result<Store, Diagnostics> {
    let timeout = super::backend::parse_duration(&args.lock_timeout).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Invalid --lock-timeout",
            format!("{e}. Write a duration such as 0s, 30s or 5m."),
        ))
    })?;
    super::backend::store_from_settings(
        &ws.tree.module.settings,
        &ws.root_dir,
        args.state.as_deref(),
        args.lock.then_some(operation),
        timeout,
    )
}

pub fn plan_options(p: &PlanningArgs, mode: PlanMode) -> Result<PlanOptions, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut parse = |list: &[String], flag: &str| -> Vec<Target> {
        list.iter()
            .filter_map(|t| match Target::parse(t) {
                Ok(t) => Some(t),
                Err(e) => {
                    diags.push(Diagnostic::error(
                        format!("Invalid {flag} address"),
                        format!("{e}. Give an address such as local_file.config, local_file.config[0] or module.net."),
                    ));
                    None
                }
            })
            .collect()
    };
    let opts = PlanOptions {
        mode,
        refresh: p.refresh,
        targets: parse(&p.targets, "--target"),
        excludes: parse(&p.excludes, "--exclude"),
        replace: parse(&p.replace, "--replace"),
    };
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(opts)
    }
}
