//! Rendering for people: plans as Terraform-style terminal text, values for
//! `kiln output`, and the one-line summaries after apply and destroy.
//!
//! A plan is rendered in two steps (see `tree`): the before and after values of each
//! object are diffed into a tree guided by the resource schema, then `draw` prints the
//! tree with one small renderer per kind of node. Nothing here decides what to do; it
//! only shows what the plan decided. Sensitive values never reach the text.

// The plan and apply commands that call this are being written in parallel.
#![allow(dead_code)]

mod diff;
mod diff_block;
mod draw;
mod draw_body;
mod draw_collections;
mod json_address;
mod json_change;
mod json_config;
mod json_expr;
pub mod json_plan;
mod json_state;
mod json_values;
pub mod markdown;
mod markdown_budget;
mod markdown_callouts;
mod markdown_reason;
mod markdown_secrets;
mod markdown_sections;
mod markdown_text;
mod plan_text;
mod seq;
mod strings;
pub mod style;
mod summary;
mod tree;
mod value_text;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_json;
#[cfg(test)]
mod tests_markdown;

// Also for the commands in progress; drop the allow once they call these.
#[allow(unused_imports)]
pub use plan_text::{plan_text, TextOptions};
#[allow(unused_imports)]
pub use value_text::value_text;

/// `Apply complete! Resources: 1 added, 0 changed, 0 destroyed.`
pub fn apply_summary(added: usize, changed: usize, destroyed: usize) -> String {
    format!("Apply complete! Resources: {added} added, {changed} changed, {destroyed} destroyed.")
}

/// `Destroy complete! Resources: 2 destroyed.`, for a plan made in destroy mode.
pub fn destroy_summary(destroyed: usize) -> String {
    format!("Destroy complete! Resources: {destroyed} destroyed.")
}
