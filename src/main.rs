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
    restore_sigpipe();
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
        cli::Command::Output(args) => commands::output::run(args),
        cli::Command::Graph(mut args) => {
            args.config.order_inputs(&sub);
            commands::graph::run(args)
        }
        cli::Command::State(args) => commands::state::run(args),
        cli::Command::ForceUnlock(args) => commands::force_unlock::run(args),
    };
    ExitCode::from(code)
}

/// Rust ignores SIGPIPE, so `kiln plan --json | head` would panic on the first write after
/// `head` exits; behave like other command-line tools and end quietly instead.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
