//! `kiln state mv FROM TO`: give an instance, a resource or a module instance a new
//! address (after renaming a block or moving it into a module), so that Kiln keeps
//! managing the same objects instead of replacing them.

use clap::Args;
use kiln_core::diag::Diagnostic;
use kiln_core::state::edit;

use super::StoreArgs;

#[derive(Args)]
pub struct MvArgs {
    /// The current address.
    #[arg(value_name = "FROM")]
    pub from: String,
    /// The new address; nothing may exist there yet.
    #[arg(value_name = "TO")]
    pub to: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: MvArgs) -> u8 {
    let (from, to) = match super::parse_addresses(&[args.from.clone(), args.to.clone()]) {
        Ok(mut t) => {
            let to = t.remove(1);
            (t.remove(0), to)
        }
        Err(d) => return args.store.fail(d),
    };
    let mut store = match args.store.open(Some("state mv")) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut state = store.state().clone();
    let moved = match edit::move_to(&mut state, &from, &to) {
        Ok(m) => m,
        Err(msg) => {
            return args.store.fail(Diagnostic::error(
                "Cannot move",
                format!("{msg} Nothing was moved."),
            ))
        }
    };
    if let Err(e) = store.save(state) {
        return args.store.fail(e.to_diagnostic());
    }
    println!("Move \"{from}\" to \"{to}\"");
    println!("Successfully moved {} object(s).", moved.len());
    0
}
