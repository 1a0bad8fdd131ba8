//! Glob patterns for `fileset`, translated to regular expressions: `*` and `?` stay within
//! one path segment, `**` spans segments, `[abc]`/`[!abc]` are classes, `{a,b}` are
//! alternatives. The regex crate is already a dependency, so no glob crate is needed.

use regex::Regex;

/// Compiles a glob matching whole slash-separated relative paths.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    let mut re = String::from("^");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut braces = 0usize;
    while let Some(&c) = chars.get(i) {
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                if chars.get(i + 2) == Some(&'/') {
                    re.push_str("(?:[^/]*/)*");
                    i += 3;
                } else {
                    re.push_str(".*");
                    i += 2;
                }
                continue;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '[' => {
                let end = chars
                    .iter()
                    .skip(i + 1)
                    .position(|&c| c == ']')
                    .ok_or_else(|| {
                        format!("invalid pattern \"{pattern}\": unclosed character class")
                    })?;
                let body: String = chars
                    .get(i + 1..i + 1 + end)
                    .unwrap_or_default()
                    .iter()
                    .collect();
                let body = match body.strip_prefix(['!', '^']) {
                    Some(rest) => format!("^{}", rest.replace('\\', "\\\\")),
                    None => body.replace('\\', "\\\\"),
                };
                re.push('[');
                re.push_str(&body);
                re.push(']');
                i += end + 2;
                continue;
            }
            '{' => {
                braces += 1;
                re.push_str("(?:");
            }
            '}' if braces > 0 => {
                braces -= 1;
                re.push(')');
            }
            ',' if braces > 0 => re.push('|'),
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    re.push_str(&regex::escape(&next.to_string()));
                    i += 1;
                }
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
        i += 1;
    }
    if braces > 0 {
        return Err(format!("invalid pattern \"{pattern}\": unclosed '{{'"));
    }
    re.push('$');
    Regex::new(&re).map_err(|e| format!("invalid pattern \"{pattern}\": {e}"))
}
