//! `kiln plan [DIR]`: refresh, plan, and show what applying would do.

use kiln_core::plan::PlanMode;

use crate::cli::PlanArgs;
use crate::render::{plan_text, TextOptions};

pub fn run(args: PlanArgs) -> u8 {
    let Ok((parts, ws)) = super::engine::start(&args.config, args.planning.json) else {
        return 1;
    };
    let mode = if args.destroy {
        PlanMode::Destroy
    } else {
        PlanMode::Normal
    };
    let opts = match super::engine::plan_options(&args.planning, mode) {
        Ok(o) => o,
        Err(d) => {
            parts.report(&ws.sources, &d, args.config.no_color);
            return 1;
        }
    };
    let store = match super::engine::open_state(&ws, &args.state, "plan") {
        Ok(s) => s,
        Err(d) => {
            parts.report(&ws.sources, &d, args.config.no_color);
            return 1;
        }
    };
    let planned = match kiln_core::plan::plan(&parts.engine(), &ws, store.state(), &opts) {
        Ok(p) => p,
        Err(d) => {
            parts.report(&ws.sources, &d, args.config.no_color);
            return 1;
        }
    };
    drop(store);
    let plan = &planned.plan;
    parts.report(&ws.sources, &plan.diagnostics, args.config.no_color);
    if parts.json {
        super::apply::print_json_plan(plan);
    } else {
        let text = plan_text(
            plan,
            &parts.schemas,
            &TextOptions {
                color: parts.color,
                summary_only: args.summary,
            },
        );
        println!();
        print!("{text}");
    }
    if args.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    }
}
