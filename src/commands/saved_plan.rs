//! Saved plans on the command line: `kiln plan --out FILE` writes one, `kiln apply FILE`
//! applies exactly it (after checking that the configuration, the state and the
//! variables are the ones it was made from), `kiln show FILE` reads it.

use std::path::Path;

use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::plan::saved::{self, OptionsRecord, Origin, PlanFile};
use kiln_core::plan::{PlanMode, Planned};

use crate::cli::{ApplyArgs, ConfigArgs, OrderedInput, PlanArgs};

/// Writes `planned` to `--out`.
pub fn save(
    args: &PlanArgs,
    ws: &kiln_core::config::Workspace,
    parts: &super::engine::Parts,
    planned: &Planned,
    path: &Path,
) -> Result<(), Diagnostic> {
    let p = &args.planning;
    let file = PlanFile::new(
        planned,
        Origin {
            config_dir: args.config.dir.to_string_lossy().into_owned(),
            config_files: saved::config_digests(ws),
            options: OptionsRecord {
                mode: planned.plan.mode,
                refresh: p.refresh,
                targets: p.targets.clone(),
                excludes: p.excludes.clone(),
                replace: p.replace.clone(),
            },
            configuration: crate::render::json_plan::configuration_json(ws, &parts.schemas),
            variables: &planned.variables,
        },
    );
    file.write(path)
}

/// `kiln apply FILE`.
pub fn apply(args: ApplyArgs, mode: PlanMode) -> u8 {
    let path = args.config.dir.clone();
    let no_color = args.config.no_color;
    let early = |d: Diagnostics| {
        crate::ui::print_diagnostics(&kiln_core::source::SourceMap::new(), &d, no_color);
        1
    };
    if mode == PlanMode::Destroy {
        return early(Diagnostic::error(
            "kiln destroy takes no plan file",
            format!("{} is a file; kiln destroy plans its own destruction. To review a destroy first, run kiln plan --destroy --out FILE, then kiln apply FILE.", path.display()),
        ).into());
    }
    if let Some(flag) = planning_flags(&args) {
        return early(Diagnostic::error(
            "Options fixed by the plan file",
            format!("{flag} cannot be used with a saved plan: what to plan was decided when the plan was made. Make a new plan with the option instead."),
        ).into());
    }
    let file = match PlanFile::read(&path) {
        Ok(f) => f,
        Err(d) => return early(d.into()),
    };
    let config = match config_for(&args.config, &file) {
        Ok(c) => c,
        Err(d) => return early(d.into()),
    };
    let Ok((parts, ws)) = super::engine::start(&config, args.planning.json) else {
        return 1;
    };
    let fail = |d: &Diagnostics| {
        parts.report(&ws.sources, d, no_color);
        1
    };
    if let Err(d) = saved::check_config(&file, &saved::config_digests(&ws)) {
        return fail(&d.into());
    }
    let mut store = match super::engine::open_state(&ws, &args.state, "apply") {
        Ok(s) => s,
        Err(d) => return fail(&d),
    };
    if let Err(d) = saved::check_state(&file, store.state()) {
        return fail(&d.into());
    }
    let planned = match saved::resume(&parts.engine(), &ws, &file, store.state()) {
        Ok(p) => p,
        Err(d) => return fail(&d),
    };
    let run = super::apply::Run {
        parts: &parts,
        ws: &ws,
        no_color,
        mode: file.options.mode,
        // Applying a saved plan is the approval: it was reviewed as a file.
        ask: false,
        show_plan: false,
        applied_plan: Some(file.id.clone()),
        options: kiln_core::apply::ApplyOptions {
            parallelism: args.parallelism,
            on_error: args.on_error.into(),
        },
    };
    match super::apply::execute(&run, &mut store, planned) {
        Ok(_) => 0,
        Err(code) => code,
    }
}

/// The first option given that only a new plan can honour.
fn planning_flags(args: &ApplyArgs) -> Option<&'static str> {
    let p = &args.planning;
    [
        (!p.targets.is_empty(), "--target"),
        (!p.excludes.is_empty(), "--exclude"),
        (!p.replace.is_empty(), "--replace"),
        (!p.refresh, "--refresh=false"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// The configuration directory the plan was made from, with its recorded variables given
/// first and the user's own (sensitive variables again) after them.
fn config_for(args: &ConfigArgs, file: &PlanFile) -> Result<ConfigArgs, Diagnostic> {
    let mut config = args.clone();
    config.dir = file.config.dir.clone().into();
    if !config.dir.is_dir() {
        return Err(Diagnostic::error(
            "The plan's configuration is not here",
            format!(
                "The plan was made from the configuration in {}, which is not a directory here. Run kiln apply from the directory kiln plan ran in.",
                config.dir.display()
            ),
        ));
    }
    let mut inputs = Vec::new();
    for (name, encoded) in &file.variables {
        if encoded.get("sealed").is_some() {
            continue;
        }
        let value = saved::seal::decode(encoded, saved::seal::Unseal::Unknown).map_err(|e| {
            Diagnostic::error(
                "Cannot read the plan file",
                format!("The recorded value of var.{name} is damaged: {e}."),
            )
        })?;
        inputs.push(OrderedInput::Recorded(name.clone(), value));
    }
    inputs.extend(args.ordered_inputs.iter().cloned());
    config.ordered_inputs = inputs;
    Ok(config)
}

/// `kiln show FILE`: the plan file read, for rendering.
pub fn read_for_show(path: &Path) -> Result<(kiln_core::plan::Plan, PlanFile), Diagnostic> {
    let file = PlanFile::read(path)?;
    let plan = file.to_plan()?;
    Ok((plan, file))
}
