//! `kiln show [FILE]`: a saved plan as text, Markdown or JSON; without a file, the
//! current state.

use kiln_core::lang::Value;
use kiln_core::source::SourceMap;

use crate::cli::{PlanFormat, ShowArgs};
use crate::render::value_text;

pub fn run(args: ShowArgs) -> u8 {
    let format = if args.json {
        PlanFormat::Json
    } else {
        args.format
    };
    if let Some(path) = &args.file {
        return show_plan(&args, path, format);
    }
    let Ok(store) = super::backend::open_to_read(&args.dir, args.state.as_deref(), args.no_color)
    else {
        return 1;
    };
    let state = store.state();
    match format {
        PlanFormat::Json => {
            let schemas = crate::providers::schemas();
            let doc = crate::render::json_plan::state_json(state, &schemas);
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        PlanFormat::Text | PlanFormat::Markdown => print!("{}", state_text(state)),
    }
    0
}

/// Every object in the state, then the outputs, as `kiln state show` prints one.
fn state_text(state: &kiln_core::state::State) -> String {
    if state.resources.is_empty() && state.outputs.is_empty() {
        return "The state is empty: nothing has been applied yet.\n".into();
    }
    let mut out = String::new();
    for (addr, deposed, _, inst) in state.objects() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&super::state::show::block(&addr, deposed, inst));
    }
    if !state.outputs.is_empty() {
        out.push_str("\n\nOutputs:\n\n");
        for (name, o) in &state.outputs {
            let shown = if o.sensitive {
                "(sensitive value)".to_string()
            } else {
                value_text(&Value::from_json(&o.value), 0)
            };
            out.push_str(&format!("{name} = {shown}\n"));
        }
    }
    out
}

fn show_plan(args: &ShowArgs, path: &std::path::Path, format: PlanFormat) -> u8 {
    let (plan, file) = match super::saved_plan::read_for_show(path) {
        Ok(p) => p,
        Err(d) => {
            crate::ui::print_diagnostics(&SourceMap::new(), &d.into(), args.no_color);
            return 1;
        }
    };
    let schemas = crate::providers::schemas();
    let color = crate::ui::use_color(
        args.no_color,
        std::io::IsTerminal::is_terminal(&std::io::stdout()),
    );
    let text = super::plan::render_plan(
        &plan,
        &schemas,
        format,
        &super::plan::RenderInputs {
            color,
            summary_only: false,
            configuration: &|| file.configuration.clone(),
        },
    );
    print!("{text}");
    0
}
