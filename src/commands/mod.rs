//! One file per command.

pub mod backend;
pub mod console;
pub mod fmt;
pub mod force_unlock;
pub mod load;
pub mod state;
pub mod validate;
pub mod version;
