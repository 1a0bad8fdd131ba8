//! `kiln version`.

pub fn run() -> u8 {
    println!("Kiln v{}", kiln_core::config::version::KILN_VERSION);
    0
}
