//! `kiln state push FILE`: replace the state with a file, e.g. one pulled and edited, or
//! moved from another backend. Refuses a state of another lineage or one that is not
//! newer than the current one, unless `--force`.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use kiln_core::diag::Diagnostic;
use kiln_core::state::{check_replace, codec};

use super::StoreArgs;

#[derive(Args)]
pub struct PushArgs {
    /// The state file to push; - reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Push even if the lineage differs or the serial is not newer.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: PushArgs) -> u8 {
    let bytes = if args.file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).map(|_| b)
    } else {
        std::fs::read(&args.file)
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            return args.store.fail(Diagnostic::error(
                "Cannot read the state to push",
                format!("Could not read {}: {e}.", args.file.display()),
            ))
        }
    };
    let incoming = match codec::from_bytes(&bytes, &args.file) {
        Ok(s) => s,
        Err(e) => return args.store.fail(e.to_diagnostic()),
    };
    let mut store = match args.store.open(Some("state push")) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if store.exists() && !args.force {
        if let Err(e) = check_replace(store.state(), &incoming) {
            return args.store.fail(e.to_diagnostic());
        }
    }
    if let Err(e) = store.save(incoming) {
        return args.store.fail(e.to_diagnostic());
    }
    let s = store.state();
    println!(
        "Pushed the state (serial {}, lineage {}) to the {}.",
        s.serial,
        s.lineage,
        store.backend().describe()
    );
    0
}
