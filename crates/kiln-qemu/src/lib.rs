//! placeholder
pub mod switch;
