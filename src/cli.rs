//! Command-line arguments (clap). Options shared by several commands live in small
//! `Args` structs flattened into each command.

use std::path::PathBuf;

use clap::{ArgMatches, Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kiln",
    version,
    about = "Bake machine images and deploy the infrastructure that runs them, from one HCL graph."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check that the configuration in a directory is valid.
    Validate(ValidateArgs),
    /// Rewrite configuration files in the canonical format.
    Fmt(FmtArgs),
    /// Evaluate expressions against the configuration, one per line.
    Console(ConsoleArgs),
    /// Print Kiln's version.
    Version,
    /// Show what applying the configuration would change.
    Plan(PlanArgs),
    /// Plan, ask for approval, and make the changes.
    Apply(ApplyArgs),
    /// Destroy everything the state records.
    Destroy(ApplyArgs),
    /// Build only the images (and what they need), like `packer build`.
    Build(BuildArgs),
    /// Print output values from the state.
    Output(OutputArgs),
    /// Show a saved plan, or the current state, as text, Markdown or JSON.
    Show(ShowArgs),
    /// Print the dependency graph as Graphviz DOT.
    Graph(GraphArgs),
    /// Inspect and change the state by hand: list, show, rm, mv, pull, push.
    State(crate::commands::state::StateArgs),
    /// Remove a lock left on the state by a run that is gone.
    ForceUnlock(crate::commands::force_unlock::ForceUnlockArgs),
    /// Run a qemu network's switch (started by the qemu provider, not by people).
    #[command(hide = true)]
    QemuSwitch {
        /// The network's directory in the store.
        dir: PathBuf,
    },
}

/// Where the configuration is and what its variables are.
#[derive(Args, Clone)]
pub struct ConfigArgs {
    /// The configuration directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Set a root variable: --var name=value (repeatable; later wins).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read root variables from a file (repeatable; later wins).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Disable coloured output.
    #[arg(long)]
    pub no_color: bool,
    /// --var and --var-file in command-line order (later wins), filled after parsing.
    #[arg(skip)]
    pub ordered_inputs: Vec<OrderedInput>,
}

#[derive(Clone, Debug)]
pub enum OrderedInput {
    Var(String),
    File(PathBuf),
    /// A variable's value recorded in a saved plan.
    Recorded(String, kiln_core::lang::Value),
}

impl ConfigArgs {
    /// Restores the relative order of --var and --var-file, which clap keeps apart.
    pub fn order_inputs(&mut self, matches: &ArgMatches) {
        let mut all: Vec<(usize, OrderedInput)> = Vec::new();
        if let Some(idx) = matches.indices_of("vars") {
            all.extend(
                idx.zip(self.vars.iter())
                    .map(|(i, v)| (i, OrderedInput::Var(v.clone()))),
            );
        }
        if let Some(idx) = matches.indices_of("var_files") {
            all.extend(
                idx.zip(self.var_files.iter())
                    .map(|(i, f)| (i, OrderedInput::File(f.clone()))),
            );
        }
        all.sort_by_key(|(i, _)| *i);
        self.ordered_inputs = all.into_iter().map(|(_, o)| o).collect();
    }
}

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the result and diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct FmtArgs {
    /// Directory or file to format.
    #[arg(default_value = ".")]
    pub target: PathBuf,
    /// Don't write; exit 3 if any file would change.
    #[arg(long)]
    pub check: bool,
    /// Show a unified diff of the changes.
    #[arg(long)]
    pub diff: bool,
    /// Also format files in subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Disable coloured output.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print each result as one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// State and locking options of commands that run the engine.
#[derive(Args, Clone)]
pub struct StateArgs {
    /// Use this local state file instead of the configured backend.
    #[arg(long = "state", value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Take the state lock (--lock=false for read-only review jobs).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub lock: bool,
    /// How long to wait for a lock held by another run (e.g. 30s, 2m).
    #[arg(long = "lock-timeout", default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: String,
}

/// What to plan.
#[derive(Args, Clone)]
pub struct PlanningArgs {
    /// Read real objects before planning (--refresh=false skips it).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Limit the plan to these objects and what they depend on (repeatable).
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Leave these objects, and what depends on them, unchanged (repeatable).
    #[arg(long = "exclude", value_name = "ADDR")]
    pub excludes: Vec<String>,
    /// Replace this object even if nothing changed (repeatable).
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
    /// Emit one JSON event per line instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Plan to destroy everything.
    #[arg(long)]
    pub destroy: bool,
    /// Exit 0 with no changes, 1 on error, 2 when there are changes.
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// Print only the resource lines and the totals.
    #[arg(long)]
    pub summary: bool,
    /// Also save the plan to this file, for `kiln apply FILE` and `kiln show FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// How to print the plan: text for a terminal, markdown for a pull-request comment,
    /// json in Terraform's JSON plan format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

/// The renderings of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Args)]
pub struct ShowArgs {
    /// A plan file saved by `kiln plan --out`; the current state when left out.
    pub file: Option<PathBuf>,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// The configuration directory (for its state backend).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Use this local state file instead of the configured backend.
    #[arg(long = "state", value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Disable coloured output.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub state: StateArgs,
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Don't ask for approval.
    #[arg(long = "auto-approve")]
    pub auto_approve: bool,
    /// Operations in flight at once.
    #[arg(long, default_value_t = 64)]
    pub parallelism: usize,
    /// What a failed image build does: remove its build machine (cleanup), or keep it
    /// for debugging and print how to reach it (abort; the next run removes it).
    #[arg(long, value_enum, default_value_t = OnErrorArg::Cleanup)]
    pub on_error: OnErrorArg,
}

#[derive(Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Build only these images (addresses, comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "ADDR")]
    pub only: Vec<String>,
    /// Build every image but these (addresses, comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "ADDR")]
    pub except: Vec<String>,
    /// Rebuild the selected images even if their inputs are unchanged.
    #[arg(long)]
    pub force: bool,
    /// Builds at once (default: every independent build at once, within the
    /// providers' own limits).
    #[arg(long = "parallel-builds", value_name = "N")]
    pub parallel_builds: Option<usize>,
    /// Write a JSON manifest of the artifacts to this file.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// What a failed build does: remove its build machine (cleanup), or keep it for
    /// debugging and print how to reach it (abort; the next run removes it).
    #[arg(long, value_enum, default_value_t = OnErrorArg::Cleanup)]
    pub on_error: OnErrorArg,
    /// Read real objects before planning (--refresh=false skips it).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub refresh: bool,
    /// Emit one JSON event per line instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnErrorArg {
    Cleanup,
    Abort,
}

impl From<OnErrorArg> for kiln_core::run::OnError {
    fn from(a: OnErrorArg) -> Self {
        match a {
            OnErrorArg::Cleanup => kiln_core::run::OnError::Cleanup,
            OnErrorArg::Abort => kiln_core::run::OnError::Abort,
        }
    }
}

#[derive(Args)]
pub struct OutputArgs {
    /// The output to print; all of them when left out.
    pub name: Option<String>,
    /// The configuration directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Use this local state file instead of the configured backend.
    #[arg(long = "state", value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Print as JSON (sensitive values included).
    #[arg(long)]
    pub json: bool,
    /// Print a string output's raw text, for scripts.
    #[arg(long)]
    pub raw: bool,
    /// Disable coloured output.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub state: StateArgs,
    /// Draw the operations of a plan instead of the configuration.
    #[arg(long)]
    pub plan: bool,
}
