//! `kiln fmt` — placeholder until the formatter lands.

use crate::cli::FmtArgs;

pub fn run(_args: FmtArgs) -> u8 {
    eprintln!("kiln fmt is not available in this build yet");
    1
}
