//! `kiln state list [ADDR…]`: the instances in the state, one address a line.

use clap::Args;
use kiln_core::state::edit;

use super::StoreArgs;

#[derive(Args)]
pub struct ListArgs {
    /// Only instances that are, or are inside, these addresses.
    #[arg(value_name = "ADDR")]
    pub addresses: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: ListArgs) -> u8 {
    let targets = match super::parse_addresses(&args.addresses) {
        Ok(t) => t,
        Err(d) => return args.store.fail(d),
    };
    let store = match args.store.open(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    for addr in edit::select(store.state(), &targets) {
        println!("{addr}");
    }
    0
}
