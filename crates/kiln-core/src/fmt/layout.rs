//! Line layout: indentation, spacing between tokens, and vertical alignment.
//!
//! This follows the model `terraform fmt` uses (hclwrite's formatter): split the token
//! stream into lines, and each line into up to three cells —
//! - `lead`: everything before an attribute's `=` (or the whole line),
//! - `assign`: from `=` to the end of the value, only when the value closes on this line,
//! - `comment`: a trailing comment after other tokens.
//!
//! Then (1) indent each line by two spaces per open bracket level, (2) set the spaces
//! between tokens within a cell by the pairwise rules in [`space_after`], and (3) pad
//! runs of consecutive lines so their `assign` cells, then their `comment` cells, start
//! in the same column. Only whitespace changes, so the result re-lexes to the same
//! tokens and formatting again is a no-op.

use super::token::{Kind, Token};

#[derive(Default)]
struct Line {
    lead: Vec<Token>,
    assign: Vec<Token>,
    comment: Vec<Token>,
}

/// Lays out `tokens` and renders the formatted text (LF line endings, no trailing
/// whitespace, blank-line runs collapsed, exactly one final newline).
pub(crate) fn render(tokens: Vec<Token>) -> String {
    let mut lines = split_lines(tokens);
    indent(&mut lines);
    for line in &mut lines {
        space_cell(&mut line.lead, true);
        space_cell(&mut line.assign, false);
    }
    align(&mut lines, |l| &mut l.assign, |l| columns(&l.lead));
    align(
        &mut lines,
        |l| &mut l.comment,
        |l| columns(&l.lead) + columns(&l.assign),
    );
    write(&lines)
}

fn split_lines(tokens: Vec<Token>) -> Vec<Line> {
    let mut lines = vec![Line::default()];
    for tok in tokens {
        if tok.kind == Kind::Newline {
            lines.push(Line::default());
        } else if let Some(line) = lines.last_mut() {
            line.lead.push(tok);
        }
    }
    for line in &mut lines {
        if line.lead.len() > 1 && line.lead.last().is_some_and(|t| t.kind == Kind::Comment) {
            line.comment = line.lead.split_off(line.lead.len() - 1);
        }
        // Only the first `=` counts, and only when the value is complete on this line:
        // a value that opens a bracket continues below and must not join the alignment.
        if let Some(eq) = line
            .lead
            .iter()
            .skip(1)
            .position(|t| t.kind == Kind::Equal)
            .map(|i| i + 1)
        {
            if line.lead[eq..].iter().map(bracket_change).sum::<i32>() == 0 {
                line.assign = line.lead.split_off(eq);
            }
        }
    }
    lines
}

/// +1 for tokens that open a nesting level, -1 for those that close one.
fn bracket_change(tok: &Token) -> i32 {
    match tok.kind {
        Kind::OBrace | Kind::OBrack | Kind::OParen | Kind::Interp | Kind::Control => 1,
        Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::SeqEnd => -1,
        _ => 0,
    }
}

/// Indentation by net bracket count per line, with a stack of "how many openers this
/// level stands for" so that lines like `foo({` indent once, not twice, and unbalanced
/// lines cannot push the indentation negative.
fn indent(lines: &mut [Line]) {
    let mut stack: Vec<i32> = Vec::new();
    for line in lines.iter_mut() {
        let net: i32 = line
            .lead
            .iter()
            .chain(&line.assign)
            .map(bracket_change)
            .sum();
        let mut closed = -net;
        while closed > 0 {
            let Some(top) = stack.last_mut() else { break };
            if closed >= *top {
                closed -= *top;
                stack.pop();
            } else {
                *top -= closed;
                closed = 0;
            }
        }
        if let Some(first) = line.lead.first_mut() {
            first.spaces = 2 * stack.len();
        }
        if net > 0 {
            stack.push(net);
        }
    }
}

/// Sets `spaces` on every token of a cell after its first. The first token of a lead
/// keeps its indentation; the first of an assign (`=`) gets one space.
fn space_cell(cell: &mut [Token], is_lead: bool) {
    if !is_lead {
        if let Some(first) = cell.first_mut() {
            first.spaces = 1;
        }
    }
    for i in 1..cell.len() {
        let before = if i >= 2 {
            cell.get(i - 2).map(|t| t.kind)
        } else {
            None
        };
        let spaced = space_after(&cell[i - 1], before, &cell[i]);
        cell[i].spaces = usize::from(spaced);
    }
}

/// Whether `subject` is followed by a space when `after` comes next (`before` is the
/// token preceding `subject` in the cell, if any). Rules are checked in order.
fn space_after(subject: &Token, before: Option<Kind>, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    match () {
        _ if s == Ident && a == OParen => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        // No extra spaces inside templates.
        _ if matches!(s, QuotedLit | OQuote) || matches!(a, QuotedLit | CQuote) => false,
        // `for x in [a]`: `in` is a keyword here, not something being indexed.
        _ if s == Ident && subject.text == "in" && before == Some(Ident) => true,
        _ if a == OBrack && (matches!(s, Ident | Number) || bracket_change(subject) < 0) => false,
        _ if s == Bang => false,
        // A minus after something that cannot end an operand is a negation: `-1`, `= -x`.
        _ if s == Minus => !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Arith
                    | Minus
                    | Compare
                    | Logic
                    | Bang
            )
        ),
        // Braces are spaced on both sides (`{ a = 1 }`), except an empty `{}`.
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if matches!(s, Interp | Control) && a == OBrace => true,
        _ if s == CBrace && a == SeqEnd => true,
        _ if s == SeqEnd && matches!(a, Interp | Control) => false,
        _ if bracket_change(subject) > 0 => false,
        _ if bracket_change(after) < 0 => false,
        _ => true,
    }
}

/// Display width of a cell including each token's leading spaces.
fn columns(cell: &[Token]) -> usize {
    cell.iter().map(|t| t.spaces + t.text.chars().count()).sum()
}

/// Pads the first token of `cell` on each run of consecutive lines that have one, so
/// that all of them start one column after the widest `width` in the run.
fn align(lines: &mut [Line], cell: fn(&mut Line) -> &mut Vec<Token>, width: fn(&Line) -> usize) {
    let mut start = 0;
    while start < lines.len() {
        let mut end = start;
        while end < lines.len() && !cell(&mut lines[end]).is_empty() {
            end += 1;
        }
        if end == start {
            start += 1;
            continue;
        }
        let max = lines[start..end].iter().map(width).max().unwrap_or(0);
        for line in &mut lines[start..end] {
            let w = width(line);
            if let Some(first) = cell(line).first_mut() {
                first.spaces = max - w + 1;
            }
        }
        start = end;
    }
}

/// Renders lines, collapsing runs of blank lines and trimming blank lines at both ends.
fn write(lines: &[Line]) -> String {
    let mut out = String::new();
    let mut pending_blank = false;
    for line in lines {
        let toks = line.lead.iter().chain(&line.assign).chain(&line.comment);
        if line.lead.is_empty() {
            pending_blank = !out.is_empty();
            continue;
        }
        if pending_blank {
            out.push('\n');
            pending_blank = false;
        }
        for tok in toks {
            out.extend(std::iter::repeat_n(' ', tok.spaces));
            out.push_str(&tok.text);
        }
        out.push('\n');
    }
    out
}
