//! `kiln graph [DIR]`: the configuration's dependency graph as Graphviz DOT, or with
//! `--plan` the operations of a plan and the order between them.

use kiln_core::config::evaluate::ResourceHook;
use kiln_core::plan::{PlanMode, PlanOptions};

use crate::cli::GraphArgs;

pub fn run(args: GraphArgs) -> u8 {
    let no_color = args.config.no_color;
    let Ok((mut parts, ws)) = super::engine::start(&args.config, false) else {
        return 1;
    };
    if !args.plan {
        let (evaluated, diags) =
            ws.evaluate(&parts.schemas, &parts.functions, None::<&dyn ResourceHook>);
        if diags.has_errors() {
            parts.report(&ws.sources, &diags, no_color);
            return 1;
        }
        let g = kiln_core::graph::build(&ws.tree, &evaluated, &parts.schemas);
        print!("{}", kiln_core::graph::to_dot(&g));
        return 0;
    }
    // stdout carries only the DOT text (`kiln graph --plan | dot -Tsvg`): no progress lines.
    parts.events = Box::new(kiln_core::event::NoEvents);
    let store = match super::engine::open_state(&ws, &args.state, "graph") {
        Ok(s) => s,
        Err(d) => {
            parts.report(&ws.sources, &d, no_color);
            return 1;
        }
    };
    let opts = kiln_core::plan::PlanOptions {
        mode: PlanMode::Normal,
        ..PlanOptions::default()
    };
    match kiln_core::plan::plan(&parts.engine(), &ws, store.state(), &opts) {
        Ok(planned) => {
            print!("{}", kiln_core::apply::operation_dot(&planned));
            0
        }
        Err(d) => {
            parts.report(&ws.sources, &d, no_color);
            1
        }
    }
}
