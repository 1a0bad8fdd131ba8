//! `kiln state pull`: the state as JSON on standard output, exactly as Kiln writes it.

use std::io::Write;

use clap::Args;
use kiln_core::state::codec;

use super::StoreArgs;

#[derive(Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: PullArgs) -> u8 {
    let store = match args.store.open(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // No state yet prints nothing, so `kiln state pull > backup` stays an honest copy.
    if store.exists() || !store.state().is_empty() {
        let mut out = std::io::stdout().lock();
        if out.write_all(&codec::to_bytes(store.state())).is_err() {
            return 1;
        }
    }
    0
}
