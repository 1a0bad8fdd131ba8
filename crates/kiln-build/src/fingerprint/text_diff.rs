//! The unified diff under a "file … modified" cause.

use std::time::Duration;

/// A plan stays readable when a script was rewritten wholesale: beyond this many lines
/// the diff says how many it left out.
const MAX_LINES: usize = 200;

/// Lines from `old` to `new` as a unified diff without file headers (the cause names the
/// file), three lines of context.
pub(crate) fn unified(old: &str, new: &str) -> String {
    // A plan must stay fast: past the timeout the diff is approximate, never wrong.
    let diff = similar::TextDiff::configure()
        .timeout(Duration::from_millis(100))
        .diff_lines(old, new);
    let text = diff.unified_diff().context_radius(3).to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= MAX_LINES {
        return text;
    }
    let mut out = lines[..MAX_LINES].join("\n");
    out.push_str(&format!(
        "\n… ({} more lines of diff)\n",
        lines.len() - MAX_LINES
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_changed_line_with_context() {
        let d = unified("a\nb\nVERSION=1\nc\n", "a\nb\nVERSION=2\nc\n");
        assert!(d.starts_with("@@ -1,4 +1,4 @@"), "{d}");
        assert!(d.contains("\n-VERSION=1\n+VERSION=2\n"), "{d}");
    }

    #[test]
    fn long_diffs_are_cut() {
        let old: String = (0..500).map(|i| format!("old {i}\n")).collect();
        let new: String = (0..500).map(|i| format!("new {i}\n")).collect();
        let d = unified(&old, &new);
        assert_eq!(d.lines().count(), MAX_LINES + 1);
        assert!(d.contains("more lines of diff"), "{d}");
    }
}
