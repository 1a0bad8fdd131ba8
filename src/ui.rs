//! Terminal output: colour decisions and diagnostic printing.

use std::io::IsTerminal;

use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use kiln_core::diag::Diagnostics;
use kiln_core::diag_render;
use kiln_core::source::SourceMap;

/// Colour only on a terminal, and never with --no-color or NO_COLOR set.
pub fn use_color(no_color: bool, stream_is_tty: bool) -> bool {
    !no_color && stream_is_tty && std::env::var_os("NO_COLOR").is_none()
}

/// Prints diagnostics to stderr.
pub fn print_diagnostics(sources: &SourceMap, diags: &Diagnostics, no_color: bool) {
    let choice = if use_color(no_color, std::io::stderr().is_terminal()) {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let mut out = StandardStream::stderr(choice);
    let _ = diag_render::render_terminal(&mut out, sources, diags);
}

/// The process environment as the core wants it.
pub fn environment() -> Vec<(String, String)> {
    std::env::vars().collect()
}
