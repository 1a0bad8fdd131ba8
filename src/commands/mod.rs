//! One file per command.

pub mod console;
pub mod fmt;
pub mod load;
pub mod validate;
pub mod version;
