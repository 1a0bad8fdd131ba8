//! Token kinds shared by the formatter's lexer and layout passes.

/// What a token is, as far as the formatting rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Newline,
    Comment,
    Ident,
    Number,
    /// `"` opening a quoted template.
    OQuote,
    /// `"` closing a quoted template.
    CQuote,
    /// Literal text inside a quoted template (escapes included verbatim).
    QuotedLit,
    /// A whole heredoc, opener to closing marker, kept verbatim.
    Heredoc,
    /// `${` or `${~`.
    Interp,
    /// `%{` or `%{~`.
    Control,
    /// `}` or `~}` closing an interpolation or directive.
    SeqEnd,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Comma,
    Dot,
    Colon,
    Question,
    Equal,
    Minus,
    /// `+ * / %`.
    Arith,
    /// `== != < <= > >=`.
    Compare,
    /// `&& ||`.
    Logic,
    Bang,
    Ellipsis,
    DoubleColon,
    /// `=>` and anything unrecognised: spaced like an ordinary token.
    Other,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: Kind,
    pub text: String,
    /// Spaces the formatter puts before this token (indentation for a line's first).
    pub spaces: usize,
}
