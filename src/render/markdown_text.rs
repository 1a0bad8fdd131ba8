//! The Markdown building blocks of a plan comment: fenced `diff` blocks GitHub colours,
//! and text from the plan made safe to embed in Markdown or HTML.

use super::style::Style;

/// The terminal rendering's change markers, as painted, with what column 0 of a ```diff
/// line gets for each. The replacement symbols come first: they start with a painted `-`
/// or `+` themselves.
fn markers() -> [(String, &'static str); 5] {
    let s = Style::new(true);
    [
        (format!("{}/{}", s.red("-"), s.green("+")), "-/+"),
        (format!("{}/{}", s.green("+"), s.red("-")), "+/-"),
        (s.green("+"), "+"),
        (s.red("-"), "-"),
        // GitHub shows `!` lines as changed; `~` would be plain.
        (s.yellow("~"), "!"),
    ]
}

/// Turns a coloured terminal rendering into the lines of a ```diff block: GitHub colours
/// a line by its first character, so each line's change marker moves to column 0, the
/// indentation that stood before it now after it (columns stay aligned). Every other
/// line starts with a space, so it stays plain.
///
/// The markers are found by their paint, not their position: a line of a multi-line
/// string can itself start with `- ` at the same column, but only markers are painted.
pub(super) fn diff_lines(painted: &str) -> String {
    let markers = markers();
    let mut out = String::new();
    for line in painted.lines() {
        out.push_str(&diff_line(line, &markers));
        out.push('\n');
    }
    out
}

fn diff_line(line: &str, markers: &[(String, &'static str)]) -> String {
    let rest = line.trim_start_matches(' ');
    let indent = &line[..line.len() - rest.len()];
    for (painted, column0) in markers {
        if let Some(after) = rest.strip_prefix(painted.as_str()) {
            // A three-column symbol has no indentation before it: it stays as it is.
            return format!("{column0}{indent}{}", strip_ansi(after));
        }
    }
    let plain = strip_ansi(line);
    if plain.is_empty() || plain.starts_with(' ') {
        plain
    } else {
        format!(" {plain}")
    }
}

/// Removes the escape codes [`Style`] writes (`ESC [ digits/semicolons m`), and nothing
/// else.
pub(super) fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find("\x1b[") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        let code_len = tail
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(tail.len());
        if tail[code_len..].starts_with('m') {
            rest = &tail[code_len + 1..];
        } else {
            out.push_str("\x1b[");
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// `text` in a fenced code block of `lang`, the fence longer than any run of backticks
/// inside so the content cannot close it. `text` ends with a newline or is empty.
pub(super) fn fenced(lang: &str, text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{fence}{lang}\n{text}{fence}\n")
}

fn longest_run(text: &str, ch: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == ch { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// Text for an HTML context (`<summary>`, `<code>`): GitHub does not read Markdown in an
/// HTML block line, so escaping the HTML characters is enough.
pub(super) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// `<code>text</code>` for an HTML context.
pub(super) fn html_code(text: &str) -> String {
    format!("<code>{}</code>", html(text))
}

/// A Markdown code span holding `text` literally: its backtick fence is longer than any
/// run inside, and padded when the text starts or ends with a backtick. (Not for table
/// cells, where a pipe would still split the cell.)
pub(super) fn code(text: &str) -> String {
    let one_line = text.replace(['\n', '\r'], " ");
    let fence = "`".repeat(longest_run(&one_line, '`') + 1);
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{one_line}{pad}{fence}")
}

/// Prose from the plan (cause summaries, descriptions) in Markdown: every character that
/// could start emphasis, a link, code, HTML or a table cell is backslash-escaped, and
/// line breaks become spaces so a list item stays one line.
pub(super) fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_move_to_column_zero_and_content_stays_plain() {
        let s = Style::new(true);
        let painted = format!(
            "  {} resource \"t\" \"a\" {{\n      {} size = 1 -> 2\n            - item\n{}/{} resource\n    }}",
            s.green("+"),
            s.yellow("~"),
            s.red("-"),
            s.green("+"),
        );
        assert_eq!(
            diff_lines(&painted),
            "+   resource \"t\" \"a\" {\n!       size = 1 -> 2\n            - item\n-/+ resource\n    }\n"
        );
    }

    #[test]
    fn fences_outgrow_backticks_and_text_is_escaped() {
        assert_eq!(fenced("diff", "a ``` b\n"), "````diff\na ``` b\n````\n");
        assert_eq!(fenced("diff", "plain\n"), "```diff\nplain\n```\n");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(html("<b> & \"q\""), "&lt;b&gt; &amp; &quot;q&quot;");
        assert_eq!(
            prose("*a* <b> [c](d) `e`"),
            "\\*a\\* \\<b\\> \\[c\\](d) \\`e\\`"
        );
        assert_eq!(strip_ansi("\x1b[1;31mred\x1b[0m \x1b[x"), "red \x1b[x");
    }
}
