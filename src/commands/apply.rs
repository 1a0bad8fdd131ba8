//! `kiln apply [DIR]` and `kiln destroy [DIR]` (a plan in destroy mode): plan, show the
//! plan, ask for approval, carry it out, and save the state.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use kiln_core::apply::{apply, ApplyOptions, ChangeLog};
use kiln_core::plan::{Action, Plan, PlanMode};
use kiln_core::state::Store;

use crate::cli::ApplyArgs;
use crate::render::{apply_summary, destroy_summary, plan_text, value_text, TextOptions};

pub fn run(args: ApplyArgs, mode: PlanMode) -> u8 {
    if args.config.dir.is_file() {
        return super::saved_plan::apply(args, mode);
    }
    let no_color = args.config.no_color;
    let Ok((parts, ws)) = super::engine::start(&args.config, args.planning.json) else {
        return 1;
    };
    let fail = |d: &kiln_core::diag::Diagnostics| {
        parts.report(&ws.sources, d, no_color);
        1
    };
    let opts = match super::engine::plan_options(&args.planning, mode) {
        Ok(o) => o,
        Err(d) => return fail(&d),
    };
    let operation = if mode == PlanMode::Destroy {
        "destroy"
    } else {
        "apply"
    };
    let mut store = match super::engine::open_state(&ws, &args.state, operation) {
        Ok(s) => s,
        Err(d) => return fail(&d),
    };
    let engine = parts.engine();
    let planned = match kiln_core::plan::plan(&engine, &ws, store.state(), &opts) {
        Ok(p) => p,
        Err(d) => return fail(&d),
    };
    let run = Run {
        parts: &parts,
        ws: &ws,
        no_color,
        mode,
        ask: !args.auto_approve,
        show_plan: true,
        applied_plan: None,
        options: ApplyOptions {
            parallelism: args.parallelism,
            on_error: args.on_error.into(),
        },
    };
    match execute(&run, &mut store, planned) {
        Ok(_) => 0,
        Err(code) => code,
    }
}

/// How to carry out a plan.
pub struct Run<'a> {
    pub parts: &'a super::engine::Parts,
    pub ws: &'a kiln_core::config::Workspace,
    pub no_color: bool,
    pub mode: PlanMode,
    /// Ask for approval first.
    pub ask: bool,
    /// Print the plan first (not when applying a saved plan: it was reviewed already).
    pub show_plan: bool,
    /// The id of the saved plan being applied, recorded in the state it writes.
    pub applied_plan: Option<String>,
    pub options: ApplyOptions,
}

/// Shows the plan, asks for approval when told to, applies it, saves the state and
/// prints the summary. `Ok` with what the apply did when it all succeeded (or there was
/// nothing to do); `Err` with the exit code otherwise.
pub fn execute(
    run: &Run<'_>,
    store: &mut Store,
    planned: kiln_core::plan::Planned,
) -> Result<Option<kiln_core::apply::Outcome>, u8> {
    let (parts, ws, no_color, mode) = (run.parts, run.ws, run.no_color, run.mode);
    let fail = |d: &kiln_core::diag::Diagnostics| {
        parts.report(&ws.sources, d, no_color);
        1
    };
    let engine = parts.engine();
    parts.report(&ws.sources, &planned.plan.diagnostics, no_color);
    if run.show_plan {
        if parts.json {
            print_json_plan(&planned.plan);
        } else {
            let text = plan_text(
                &planned.plan,
                &parts.schemas,
                &TextOptions {
                    color: parts.color,
                    summary_only: false,
                },
            );
            println!();
            print!("{text}");
        }
    }
    if !planned.plan.has_changes() {
        if !run.show_plan && !parts.json {
            println!("\nThe saved plan has no changes: nothing to do.");
        }
        // Refresh may still have learnt something (drift, an interrupted create found).
        let mut state = planned.plan.prior_state.clone();
        state.applied_plan = run.applied_plan.clone();
        if let Err(e) = store.save(state) {
            return Err(fail(&e.to_diagnostic().into()));
        }
        return Ok(None);
    }
    if run.ask {
        match approve(mode) {
            Ok(true) => {}
            Ok(false) => {
                println!(
                    "\n{} cancelled.",
                    if mode == PlanMode::Destroy {
                        "Destroy"
                    } else {
                        "Apply"
                    }
                );
                return Err(1);
            }
            Err(d) => return Err(fail(&d)),
        }
    }
    let journal = match store.journal() {
        Ok(j) => j,
        Err(e) => return Err(fail(&e.to_diagnostic().into())),
    };
    let log: Arc<dyn ChangeLog> = Arc::new(journal);
    let cancel = interrupt_watch(&parts.rt);
    println!();
    let mut outcome = apply(&engine, ws, planned, log, &run.options, cancel);
    outcome.state.applied_plan = run.applied_plan.clone();
    let saved = store.save(outcome.state.clone());
    parts.report(&ws.sources, &outcome.diagnostics, no_color);
    if let Err(e) = saved {
        return Err(fail(&e.to_diagnostic().into()));
    }
    let failed =
        !outcome.failed.is_empty() || outcome.interrupted || outcome.diagnostics.has_errors();
    if !parts.json {
        print_summary(&outcome, mode, failed);
        if !failed && mode == PlanMode::Normal {
            print_outputs(store);
        }
    }
    if failed {
        Err(1)
    } else {
        Ok(Some(outcome))
    }
}

fn print_summary(outcome: &kiln_core::apply::Outcome, mode: PlanMode, failed: bool) {
    if !outcome.build_logs.is_empty() {
        println!("\nBuild logs:");
        for (addr, path) in &outcome.build_logs {
            println!("  {addr}: {}", path.display());
        }
    }
    if failed {
        println!(
            "\nApply incomplete: {} succeeded, {} failed, {} not started{}.",
            outcome.done.len(),
            outcome.failed.len(),
            outcome.skipped.len(),
            if outcome.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        );
        for (addr, _) in &outcome.failed {
            println!("  failed:      {addr}");
        }
        for (addr, _) in &outcome.skipped {
            println!("  not started: {addr}");
        }
        println!(
            "Every completed change is recorded in the state; run kiln apply again to finish."
        );
    } else if mode == PlanMode::Destroy {
        println!("\n{}", destroy_summary(outcome.destroyed));
    } else {
        println!(
            "\n{}",
            apply_summary(outcome.added, outcome.changed, outcome.destroyed)
        );
    }
}

fn print_outputs(store: &Store) {
    let outputs = &store.state().outputs;
    if outputs.is_empty() {
        return;
    }
    println!("\nOutputs:\n");
    for (name, o) in outputs {
        if o.sensitive {
            println!("{name} = <sensitive>");
        } else {
            let v = kiln_core::lang::Value::from_json(&o.value);
            println!("{name} = {}", value_text(&v, 0));
        }
    }
}

/// Asks for "yes" on the terminal; refuses to guess without one.
fn approve(mode: PlanMode) -> Result<bool, kiln_core::diag::Diagnostics> {
    if !std::io::stdin().is_terminal() {
        return Err(kiln_core::diag::Diagnostic::error(
            "No terminal to ask for approval",
            "Kiln asks for approval before changing anything, but standard input is not a terminal. Review the plan and run again with --auto-approve to apply without asking.",
        )
        .into());
    }
    let (question, what) = if mode == PlanMode::Destroy {
        ("Do you really want to destroy all resources?", "Kiln will destroy all your managed infrastructure, as shown above.\n  There is no undo.")
    } else {
        (
            "Do you want to perform these actions?",
            "Kiln will perform the actions described above.",
        )
    };
    print!(
        "\n{question}\n  {what}\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    Ok(line.trim() == "yes")
}

/// The first Ctrl-C asks the walk to start nothing new; a second one exits at once
/// (the journal already holds every completed change).
fn interrupt_watch(rt: &tokio::runtime::Runtime) -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(true);
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nTwo interrupts received: exiting immediately. Every completed change is in the state journal; the next kiln command folds it into the state.");
            std::process::exit(130);
        }
    });
    rx
}

/// `--json`: one line per planned change and a summary line.
pub fn print_json_plan(plan: &Plan) {
    for c in &plan.drift {
        println!(
            "{}",
            crate::events::json_line(
                "resource_drift",
                &format!(
                    "{}: Drift detected ({})",
                    c.addr,
                    crate::events::action_name(c.action)
                ),
                "info",
                serde_json::json!({"change": {"resource": {"addr": c.addr.to_string()}, "action": crate::events::action_name(c.action)}}),
            )
        );
    }
    for l in &plan.leftovers {
        let t = &l.temporary;
        println!(
            "{}",
            crate::events::json_line(
                "planned_cleanup",
                &format!(
                    "{}: leftover from an interrupted build of {}: will be deleted",
                    t.description, t.owner
                ),
                "info",
                serde_json::json!({"temporary": {"id": l.id, "owner": t.owner, "kind": t.kind, "description": t.description}}),
            )
        );
    }
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        println!(
            "{}",
            crate::events::json_line(
                "planned_change",
                &format!(
                    "{}: Plan to {}",
                    c.addr,
                    crate::events::action_name(c.action)
                ),
                "info",
                serde_json::json!({"change": {
                    "resource": {"addr": c.addr.to_string()},
                    "action": crate::events::action_name(c.action),
                    "deposed": c.deposed,
                    "replace_paths": c.replace_paths.iter().map(|p| kiln_core::provider::path_to_string(p)).collect::<Vec<_>>(),
                    "causes": c.causes,
                    "keep_old": c.keep_old,
                }}),
            )
        );
    }
    let t = plan.totals();
    println!(
        "{}",
        crate::events::json_line(
            "change_summary",
            &format!(
                "Plan: {} to add, {} to change, {} to destroy.",
                t.add, t.change, t.destroy
            ),
            "info",
            serde_json::json!({"changes": {"add": t.add, "change": t.change, "remove": t.destroy, "operation": if plan.mode == PlanMode::Destroy { "destroy" } else { "plan" }}}),
        )
    );
}
