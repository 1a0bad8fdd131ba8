//! One file per command.

pub mod apply;
pub mod backend;
pub mod build;
pub mod console;
pub mod engine;
pub mod fmt;
pub mod force_unlock;
pub mod graph;
pub mod load;
pub mod output;
pub mod plan;
pub mod saved_plan;
pub mod show;
pub mod state;
pub mod validate;
pub mod version;
