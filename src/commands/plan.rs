//! `kiln plan [DIR]`: refresh, plan, and show what applying would do.

use kiln_core::plan::PlanMode;

use kiln_core::plan::Plan;
use kiln_core::schema::Schemas;

use crate::cli::{PlanArgs, PlanFormat};
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
    if let Some(out) = &args.out {
        if let Err(d) = super::saved_plan::save(&args, &ws, &parts, &planned, out) {
            parts.report(&ws.sources, &d.into(), args.config.no_color);
            return 1;
        }
    }
    let plan = &planned.plan;
    parts.report(&ws.sources, &plan.diagnostics, args.config.no_color);
    if parts.json {
        super::apply::print_json_plan(plan);
    } else {
        print!(
            "{}",
            render_plan(
                plan,
                &parts.schemas,
                args.format,
                &RenderInputs {
                    color: parts.color,
                    summary_only: args.summary,
                    configuration: &|| crate::render::json_plan::configuration_json(
                        &ws,
                        &parts.schemas
                    ),
                }
            )
        );
    }
    if let (Some(out), false) = (&args.out, parts.json || args.format != PlanFormat::Text) {
        println!(
            "\nSaved the plan to: {}\n\nTo perform exactly these actions, run:\n    kiln apply {}",
            out.display(),
            out.display()
        );
    }
    if args.detailed_exitcode && plan.has_changes() {
        2
    } else {
        0
    }
}

/// What a rendering may need besides the plan.
pub struct RenderInputs<'a> {
    pub color: bool,
    pub summary_only: bool,
    /// The configuration section of the JSON rendering, made only when asked for.
    pub configuration: &'a dyn Fn() -> serde_json::Value,
}

/// The plan in the asked-for format, ready to print; shared by `plan` and `show`.
pub fn render_plan(
    plan: &Plan,
    schemas: &Schemas,
    format: PlanFormat,
    inputs: &RenderInputs<'_>,
) -> String {
    match format {
        PlanFormat::Text => {
            let text = plan_text(
                plan,
                schemas,
                &TextOptions {
                    color: inputs.color,
                    summary_only: inputs.summary_only,
                },
            );
            format!("\n{text}")
        }
        PlanFormat::Markdown => crate::render::markdown::plan_markdown(plan, schemas),
        PlanFormat::Json => {
            let doc = crate::render::json_plan::plan_json(plan, schemas, &(inputs.configuration)());
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
    }
}
