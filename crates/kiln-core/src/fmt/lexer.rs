//! A whitespace-aware HCL tokenizer for the formatter.
//!
//! The formatter only ever changes the whitespace *between* tokens, so all it needs is
//! a flat token stream with kinds precise enough for the spacing rules: brackets,
//! template delimiters, string parts, comments, newlines and operators. The input has
//! already been accepted by `hcl_edit`'s parser, but this lexer is still total — it
//! never panics and always makes progress — so that odd input cannot hang or crash it.
//!
//! Two deliberate simplifications keep the output safe:
//! - a heredoc (from `<<EOT` through its closing marker) is ONE opaque token, so its
//!   body and closing line are reproduced byte for byte;
//! - a line comment's token excludes its newline; the newline is its own token.

use super::scan::{heredoc_len, is_id_continue, is_id_start};
use super::token::{Kind, Token};

/// The lexer's nesting context: inside a quoted string, an interpolation/directive
/// (closed by `}`), or an ordinary brace pair.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Quoted,
    Template,
    Brace,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    stack: Vec<Ctx>,
    out: Vec<Token>,
}

/// Tokenizes `src` (already LF-normalised). Whitespace other than newlines is dropped.
pub(crate) fn lex(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        chars: src.chars().collect(),
        pos: 0,
        stack: Vec::new(),
        out: Vec::new(),
    };
    while lx.pos < lx.chars.len() {
        let before = lx.pos;
        if lx.stack.last() == Some(&Ctx::Quoted) {
            lx.quoted();
        } else {
            lx.normal();
        }
        // Every step must consume input; this guards against a logic slip looping forever.
        if lx.pos == before {
            lx.pos += 1;
        }
    }
    lx.out
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek(i) == Some(c))
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars
            .get(from..to.min(self.chars.len()))
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn push(&mut self, kind: Kind, len: usize) {
        let start = self.pos;
        self.pos = (self.pos + len).min(self.chars.len());
        let text = self.text(start, self.pos);
        self.out.push(Token {
            kind,
            text,
            spaces: 0,
        });
    }

    /// Literal text of a quoted string, up to the closing quote or a template opener.
    /// A raw newline stays inside the literal: `hcl_edit` accepts it, and the text of a
    /// string must never change.
    fn quoted(&mut self) {
        let start = self.pos;
        let flush = |lx: &mut Lexer| {
            if lx.pos > start {
                let text = lx.text(start, lx.pos);
                lx.out.push(Token {
                    kind: Kind::QuotedLit,
                    text,
                    spaces: 0,
                });
            }
        };
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    flush(self);
                    self.stack.pop();
                    self.push(Kind::CQuote, 1);
                    return;
                }
                '\\' => self.pos += 2,
                '$' | '%' if self.peek(1) == Some(c) && self.peek(2) == Some('{') => self.pos += 3,
                '$' | '%' if self.peek(1) == Some('{') => {
                    flush(self);
                    self.template_open(if c == '$' {
                        Kind::Interp
                    } else {
                        Kind::Control
                    });
                    return;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.pos.min(self.chars.len());
        flush(self);
    }

    fn template_open(&mut self, kind: Kind) {
        let len = if self.peek(2) == Some('~') { 3 } else { 2 };
        self.stack.push(Ctx::Template);
        self.push(kind, len);
    }

    fn normal(&mut self) {
        let Some(c) = self.peek(0) else { return };
        if let Some(len) = heredoc_len(&self.chars, self.pos) {
            self.push(Kind::Heredoc, len);
            return;
        }
        match c {
            '\n' => self.push(Kind::Newline, 1),
            ' ' | '\t' | '\r' => self.pos += 1,
            '#' => self.line_comment(),
            '/' if self.peek(1) == Some('/') => self.line_comment(),
            '/' if self.peek(1) == Some('*') => {
                let start = self.pos;
                self.pos += 2;
                while self.pos < self.chars.len() && !self.starts_with("*/") {
                    self.pos += 1;
                }
                self.pos = (self.pos + 2).min(self.chars.len());
                let text = self.text(start, self.pos);
                self.out.push(Token {
                    kind: Kind::Comment,
                    text,
                    spaces: 0,
                });
            }
            '"' => {
                self.stack.push(Ctx::Quoted);
                self.push(Kind::OQuote, 1);
            }
            '$' | '%' if self.peek(1) == Some('{') => self.template_open(if c == '$' {
                Kind::Interp
            } else {
                Kind::Control
            }),
            '~' if self.peek(1) == Some('}') && self.stack.last() == Some(&Ctx::Template) => {
                self.stack.pop();
                self.push(Kind::SeqEnd, 2);
            }
            '{' => {
                self.stack.push(Ctx::Brace);
                self.push(Kind::OBrace, 1);
            }
            '}' => match self.stack.pop() {
                Some(Ctx::Template) => self.push(Kind::SeqEnd, 1),
                _ => self.push(Kind::CBrace, 1),
            },
            c if c.is_ascii_digit() => self.number(),
            c if is_id_start(c) => {
                let len = self.run(0, is_id_continue);
                self.push(Kind::Ident, len);
            }
            _ => self.punct(),
        }
    }

    /// Length of the run of chars matching `f`, starting `from` chars ahead.
    fn run(&self, from: usize, f: impl Fn(char) -> bool) -> usize {
        let mut n = from;
        while self.peek(n).is_some_and(&f) {
            n += 1;
        }
        n
    }

    fn line_comment(&mut self) {
        let len = self.run(0, |c| c != '\n');
        let start = self.pos;
        self.pos += len;
        // Trailing whitespace inside a line comment is still trailing whitespace.
        let text = self.text(start, self.pos).trim_end().to_string();
        self.out.push(Token {
            kind: Kind::Comment,
            text,
            spaces: 0,
        });
    }

    fn number(&mut self) {
        let mut n = self.run(0, |c| c.is_ascii_digit());
        if self.peek(n) == Some('.') && self.peek(n + 1).is_some_and(|c| c.is_ascii_digit()) {
            n = self.run(n + 1, |c| c.is_ascii_digit());
        }
        if matches!(self.peek(n), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek(n + 1), Some('+' | '-')));
            if self.peek(n + 1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                n = self.run(n + 1 + sign, |c| c.is_ascii_digit());
            }
        }
        self.push(Kind::Number, n);
    }

    fn punct(&mut self) {
        const TABLE: &[(&str, Kind)] = &[
            ("...", Kind::Ellipsis),
            ("::", Kind::DoubleColon),
            ("==", Kind::Compare),
            ("!=", Kind::Compare),
            ("<=", Kind::Compare),
            (">=", Kind::Compare),
            ("&&", Kind::Logic),
            ("||", Kind::Logic),
            ("=>", Kind::Other),
            ("<", Kind::Compare),
            (">", Kind::Compare),
            ("=", Kind::Equal),
            ("!", Kind::Bang),
            ("+", Kind::Arith),
            ("*", Kind::Arith),
            ("/", Kind::Arith),
            ("%", Kind::Arith),
            ("-", Kind::Minus),
            ("[", Kind::OBrack),
            ("]", Kind::CBrack),
            ("(", Kind::OParen),
            (")", Kind::CParen),
            (",", Kind::Comma),
            (".", Kind::Dot),
            (":", Kind::Colon),
            ("?", Kind::Question),
        ];
        for (s, kind) in TABLE {
            if self.starts_with(s) {
                self.push(*kind, s.chars().count());
                return;
            }
        }
        self.push(Kind::Other, 1);
    }
}
