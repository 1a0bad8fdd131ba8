//! (doc to come)
pub mod filter;
pub mod flows;
pub mod frame;
pub mod rules;
