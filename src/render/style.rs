//! Colour for rendered text: plain ANSI escape codes, or nothing at all.
//!
//! Every renderer paints through a [`Style`], so switching colour off removes every escape
//! code (tests assert that) without the renderers knowing.

/// Whether to colour, and the few paints plans use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

const RESET: &str = "\x1b[0m";

impl Style {
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    fn paint(self, codes: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{codes}m{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn cyan(self, text: &str) -> String {
        self.paint("36", text)
    }
    /// Terraform's "dark gray", for `-> null` and the hidden-element counts.
    pub fn dim(self, text: &str) -> String {
        self.paint("90", text)
    }
    pub fn bold_red(self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn bold_green(self, text: &str) -> String {
        self.paint("1;32", text)
    }
    pub fn bold_cyan(self, text: &str) -> String {
        self.paint("1;36", text)
    }
}
