//! The `kiln` command line. This is the only place that knows every concrete provider;
//! each command is a thin file under `commands/` that parses its options, calls one
//! library verb and renders the result.

mod cli;
mod commands;
mod events;
mod providers;
mod render;
mod ui;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let matches = cli::Cli::command().get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let sub = matches
        .subcommand()
        .map(|(_, m)| m.clone())
        .unwrap_or_default();
    let code = match cli.command {
        cli::Command::Validate(mut args) => {
            args.config.order_inputs(&sub);
            commands::validate::run(args)
        }
        cli::Command::Fmt(args) => commands::fmt::run(args),
        cli::Command::Console(mut args) => {
            args.config.order_inputs(&sub);
            commands::console::run(args)
        }
        cli::Command::Version => commands::version::run(),
        cli::Command::Plan(mut args) => {
            args.config.order_inputs(&sub);
            commands::plan::run(args)
        }
        cli::Command::Apply(mut args) => {
            args.config.order_inputs(&sub);
            commands::apply::run(args, kiln_core::plan::PlanMode::Normal)
        }
        cli::Command::Destroy(mut args) => {
            args.config.order_inputs(&sub);
            commands::apply::run(args, kiln_core::plan::PlanMode::Destroy)
        }
        cli::Command::Build(mut args) => {
            args.config.order_inputs(&sub);
            commands::build::run(args)
        }
        cli::Command::Output(args) => commands::output::run(args),
        cli::Command::Show(args) => commands::show::run(args),
        cli::Command::Graph(mut args) => {
            args.config.order_inputs(&sub);
            commands::graph::run(args)
        }
        cli::Command::State(args) => commands::state::run(args),
        cli::Command::ForceUnlock(args) => commands::force_unlock::run(args),
        cli::Command::QemuSwitch { dir } => match kiln_qemu::switch::run(&dir) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("kiln qemu-switch: {e}");
                1
            }
        },
    };
    ExitCode::from(code)
}

/// `kiln plan --json | head` closes stdout early, and Rust's print macros panic when a
/// write fails. Like other command-line tools, end quietly then (exit 141, as if killed by
/// SIGPIPE). SIGPIPE itself stays ignored: Kiln writes to the stdin of programs it runs
/// (`local_command`), which may exit without reading it.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
