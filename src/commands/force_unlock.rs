//! `kiln force-unlock ID`: remove a lock left on the state. With the local backend's OS
//! lock there is rarely anything to remove (a dead holder's lock is gone with it); this
//! clears the stale lock file, and explains when the holder is still running.

use std::io::{BufRead, Write};

use clap::Args;
use kiln_core::diag::Diagnostic;
use kiln_core::source::SourceMap;

use super::state::StoreArgs;

#[derive(Args)]
pub struct ForceUnlockArgs {
    /// The lock's ID, as shown in the "State locked" error.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Don't ask for confirmation.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: ForceUnlockArgs) -> u8 {
    let mut sources = SourceMap::new();
    let backend = match super::backend::backend_for(
        &mut sources,
        &args.store.dir,
        args.store.state.as_deref(),
    ) {
        Ok(b) => b,
        Err(d) => {
            crate::ui::print_diagnostics(&sources, &d, args.store.no_color);
            return 1;
        }
    };
    if !args.force && !confirmed(&args.id) {
        return args.store.fail(Diagnostic::error(
            "Force-unlock cancelled",
            "Only \"yes\" confirms; the lock was left as it is.",
        ));
    }
    match backend.force_unlock(&args.id) {
        Ok(()) => {
            println!("The state is unlocked: lock {} was removed.", args.id);
            0
        }
        Err(e) => args.store.fail(e.to_diagnostic()),
    }
}

fn confirmed(id: &str) -> bool {
    print!(
        "Remove the lock {id}?\n  Only do this if the run that held it is gone: two runs changing the same\n  infrastructure at once can corrupt the state.\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
    );
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    println!();
    line.trim() == "yes"
}
