//! Character-level helpers for the lexer: identifier classes and heredoc extents,
//! both decided exactly as `hcl_edit`'s parser decides them, so the formatter's view of
//! where code ends and verbatim text begins agrees with the parser's.

/// HCL identifier start: Unicode XID start or `_`. ASCII is decided inline; anything
/// else is delegated to `hcl_edit`'s identifier validation.
pub(crate) fn is_id_start(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic() || c == '_';
    }
    hcl_edit::Ident::try_new(c.to_string()).is_ok()
}

/// HCL identifier continuation: Unicode XID continue or `-`.
pub(crate) fn is_id_continue(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_' || c == '-';
    }
    hcl_edit::Ident::try_new(format!("a{c}")).is_ok()
}

/// The length in chars of the heredoc starting at `chars[pos]` (`<<EOT` / `<<-EOT`, a
/// newline, the body, and the closing marker — not what follows the marker), or `None`
/// when `<<` does not start a heredoc there.
///
/// The end is found the way `hcl_edit` finds it: a newline, optional spaces/tabs, the
/// marker, then a character that cannot continue an identifier (the rest of that line,
/// such as `)` or a comment, is ordinary code again). Newlines inside `${ }`/`%{ }`
/// sequences do not count, so a marker-like line inside an interpolation is kept.
/// An unterminated heredoc (impossible after a successful parse) runs to the end.
pub(crate) fn heredoc_len(chars: &[char], pos: usize) -> Option<usize> {
    let peek = |i: usize| chars.get(pos + i).copied();
    let run = |from: usize, f: &dyn Fn(char) -> bool| (from..).find(|&i| !peek(i).is_some_and(f));
    if peek(0) != Some('<') || peek(1) != Some('<') {
        return None;
    }
    let name_start = if peek(2) == Some('-') { 3 } else { 2 };
    let name_end = run(name_start, &is_id_continue)?;
    if name_end == name_start || peek(name_end) != Some('\n') {
        return None;
    }
    let marker = chars.get(pos + name_start..pos + name_end)?;
    // `at` indexes (relative to `pos`) the char being examined; a newline there makes the
    // following line a candidate closing line.
    let mut at = name_end;
    let mut depth = 0usize;
    while let Some(c) = peek(at) {
        if c == '\n' && depth == 0 {
            let indent = run(at + 1, &|c| c == ' ' || c == '\t')?;
            let matches = marker
                .iter()
                .enumerate()
                .all(|(i, m)| peek(indent + i) == Some(*m));
            if matches && !peek(indent + marker.len()).is_some_and(is_id_continue) {
                return Some(indent + marker.len());
            }
        }
        match (c, peek(at + 1), peek(at + 2)) {
            // `$${` and `%%{` are escapes for literal `${` and `%{`.
            ('$' | '%', Some(d), Some('{')) if depth == 0 && d == c => at += 2,
            ('$' | '%', Some('{'), _) => {
                depth += 1;
                at += 1;
            }
            ('{', _, _) if depth > 0 => depth += 1,
            ('}', _, _) => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    Some(chars.len().saturating_sub(pos))
}
