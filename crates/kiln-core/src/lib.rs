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

pub mod addr;
pub mod config;
pub mod diag;
pub mod diag_render;
pub mod fmt;
pub mod lang;
pub mod provider;
pub mod schema;
pub mod source;
