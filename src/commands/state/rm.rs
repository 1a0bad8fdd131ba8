//! `kiln state rm ADDR…`: forget instances. The objects themselves are untouched; Kiln
//! just stops managing them (and a later plan would create new ones).

use clap::Args;
use kiln_core::diag::Diagnostic;
use kiln_core::state::edit;

use super::StoreArgs;

#[derive(Args)]
pub struct RmArgs {
    /// Instances, resources or modules to forget.
    #[arg(value_name = "ADDR", required = true)]
    pub addresses: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: RmArgs) -> u8 {
    let targets = match super::parse_addresses(&args.addresses) {
        Ok(t) => t,
        Err(d) => return args.store.fail(d),
    };
    let mut store = match args.store.open(Some("state rm")) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut state = store.state().clone();
    let removed = match edit::remove(&mut state, &targets) {
        Ok(r) => r,
        Err(msg) => {
            return args.store.fail(Diagnostic::error(
                "No matching objects",
                format!(
                "{msg} Nothing was removed. Run kiln state list to see the addresses in the state."
            ),
            ))
        }
    };
    if let Err(e) = store.save(state) {
        return args.store.fail(e.to_diagnostic());
    }
    for addr in &removed {
        println!("Removed {addr}");
    }
    println!(
        "Successfully removed {} resource instance(s).",
        removed.len()
    );
    0
}
