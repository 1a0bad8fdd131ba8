//! `kiln state …`: look at and change the state by hand. One file per subcommand; this
//! file holds what they share: the options that find the state and the error printing.

pub mod list;
pub mod mv;
pub mod pull;
pub mod push;
pub mod rm;
pub mod show;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use kiln_core::addr::Target;
use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::source::SourceMap;
use kiln_core::state::Store;

use crate::ui;

#[derive(Args)]
pub struct StateArgs {
    #[command(subcommand)]
    pub command: StateCommand,
}

#[derive(Subcommand)]
pub enum StateCommand {
    /// List the resource instances in the state, optionally only those under ADDRs.
    List(list::ListArgs),
    /// Show one resource instance's attributes.
    Show(show::ShowArgs),
    /// Forget resource instances: they stay where they are, unmanaged.
    Rm(rm::RmArgs),
    /// Give an instance, a resource or a module instance a new address.
    Mv(mv::MvArgs),
    /// Print the state as JSON.
    Pull(pull::PullArgs),
    /// Replace the state with a file (refuses another lineage or an older serial).
    Push(push::PushArgs),
}

/// Where the state is and how long to wait for its lock.
#[derive(Args, Clone)]
pub struct StoreArgs {
    /// The configuration directory, whose kiln { backend … } block says where the state is.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Use this local state file (relative to the current directory) instead of the
    /// configured backend.
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// How long to wait for another run's lock: 0s (the default), 30s, 2m.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = super::backend::parse_duration)]
    pub lock_timeout: Duration,
    /// Disable coloured output.
    #[arg(long)]
    pub no_color: bool,
}

impl StoreArgs {
    /// Opens the store, locked for `operation` when given; on failure prints why.
    pub fn open(&self, operation: Option<&str>) -> Result<Store, u8> {
        let mut sources = SourceMap::new();
        super::backend::open_store(
            &mut sources,
            &self.dir,
            self.state.as_deref(),
            operation,
            self.lock_timeout,
        )
        .map_err(|d| {
            ui::print_diagnostics(&sources, &d, self.no_color);
            1
        })
    }

    /// Prints one diagnostic (no source positions) and returns the failure exit code.
    pub fn fail(&self, d: Diagnostic) -> u8 {
        ui::print_diagnostics(&SourceMap::new(), &Diagnostics::from(d), self.no_color);
        1
    }
}

pub fn run(args: StateArgs) -> u8 {
    match args.command {
        StateCommand::List(a) => list::run(a),
        StateCommand::Show(a) => show::run(a),
        StateCommand::Rm(a) => rm::run(a),
        StateCommand::Mv(a) => mv::run(a),
        StateCommand::Pull(a) => pull::run(a),
        StateCommand::Push(a) => push::run(a),
    }
}

/// Parses addresses typed on the command line.
pub fn parse_addresses(texts: &[String]) -> Result<Vec<Target>, Diagnostic> {
    texts
        .iter()
        .map(|t| {
            Target::parse(t).map_err(|e| {
                Diagnostic::error(
                    "Invalid address",
                    format!("{e}. Write an address as it appears in kiln state list, such as local_file.x, local_file.x[0] or module.net."),
                )
            })
        })
        .collect()
}
