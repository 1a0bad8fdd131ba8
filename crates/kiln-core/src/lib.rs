//! # kiln-core
//!
//! Kiln's engine, without a terminal, a cloud SDK or a provider: it reports through
//! diagnostics and events, and reaches platforms only through the provider trait.
//!
//! | module | owns |
//! | --- | --- |
//! | [`source`] | loaded source text and positions |
//! | [`diag`], [`diag_render`] | diagnostics as data; their terminal and JSON renderings |
//! | [`lang`] | values, types, expressions, evaluation, functions |
//! | [`config`] | loading a directory of `*.hcl` files into a module tree, evaluating and validating it |
//! | [`addr`] | addresses of modules, resources and instances; parsing what users type |
//! | [`provider`] | the provider trait: requests and responses |
//! | [`run`] | what a create or update may use while it runs: output, Ctrl-C, temporary resources |
//! | [`state`] | the state model, backends, the write-ahead journal and the lock |
//! | [`plan`] | refresh, diff and the actions of a plan |
//! | [`event`] | what the engine reports while it works |

pub mod addr;
mod addr_parse;
pub mod apply;
pub mod config;
pub mod diag;
pub mod diag_render;
pub mod event;
pub mod fmt;
pub mod graph;
pub mod lang;
pub mod plan;
pub mod provider;
pub mod provider_set;
pub mod run;
pub mod schema;
pub mod source;
pub mod state;
