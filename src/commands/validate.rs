//! `kiln validate [DIR]`: load and evaluate the configuration, report every problem.

use kiln_core::config::MissingVars;
use kiln_core::diag_render;
use kiln_core::source::SourceMap;

use crate::cli::ValidateArgs;
use crate::ui;

pub fn run(args: ValidateArgs) -> u8 {
    // Validation checks the configuration, not the inputs of one run: unset variables
    // are unknown here, as in `terraform validate`.
    let loaded = match super::load::load(&args.config, MissingVars::Unknown, false)
        .and_then(|l| super::load::no_files(&args.config.dir).map_or(Ok(l), Err))
    {
        Ok(l) => l,
        Err(diags) => {
            let sources = SourceMap::new();
            if args.json {
                println!("{:#}", diag_render::to_json(&sources, &diags));
            } else {
                ui::print_diagnostics(&sources, &diags, args.config.no_color);
            }
            return 1;
        }
    };
    let diags = &loaded.diagnostics;
    if args.json {
        println!("{:#}", diag_render::to_json(&loaded.sources, diags));
    } else {
        ui::print_diagnostics(&loaded.sources, diags, args.config.no_color);
        if !diags.has_errors() {
            println!("The configuration is valid.");
        }
    }
    u8::from(diags.has_errors())
}
