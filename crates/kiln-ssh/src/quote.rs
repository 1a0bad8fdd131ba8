//! Quoting for POSIX `sh`: the guest has no sftp-server, so file transfer builds shell
//! command lines, and every path in them must reach the remote shell as one literal word.

/// Quotes `word` so that `sh` reads it back as exactly one word with the same bytes.
///
/// Words made only of characters that no shell treats specially are left bare, so
/// commands stay readable in logs and error messages; everything else is wrapped in single
/// quotes, inside which only `'` itself needs care (it is written as `'\''`).
/// NUL cannot be passed through a shell at all; callers reject it before quoting.
pub fn quote(word: &str) -> String {
    let bare = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./,:@%+".contains(&b));
    if bare {
        return word.to_owned();
    }
    let mut quoted = String::with_capacity(word.len() + 2);
    quoted.push('\'');
    for c in word.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(quote("/etc/hosts"), "/etc/hosts");
        assert_eq!(quote("a-b_c.d,e:f@g%h+i"), "a-b_c.d,e:f@g%h+i");
    }

    #[test]
    fn empty_word_is_quoted_so_it_stays_a_word() {
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn specials_are_single_quoted() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote("~"), "'~'");
        assert_eq!(quote("a*b"), "'a*b'");
        assert_eq!(quote("x;rm -rf /"), "'x;rm -rf /'");
        assert_eq!(quote("line\nbreak"), "'line\nbreak'");
        assert_eq!(quote("é"), "'é'");
    }

    #[test]
    fn single_quotes_are_closed_escaped_and_reopened() {
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("'"), "''\\'''");
    }

    /// The real check: a shell must read each quoted word back unchanged.
    #[test]
    fn sh_reads_quoted_words_back_unchanged() {
        let words = [
            "",
            "plain",
            "with space",
            "it's",
            "''",
            "\"double\"",
            "$(echo no)",
            "`echo no`",
            "back\\slash",
            "new\nline",
            "tab\there",
            "*?[a]",
            "-n",
            "~root",
            "é ü",
        ];
        let script: String = words
            .iter()
            .map(|w| format!("printf '%s\\0' {}\n", quote(w)))
            .collect();
        let out = match std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .output()
        {
            Ok(out) => out,
            Err(e) => panic!("could not run sh: {e}"),
        };
        assert!(out.status.success(), "sh failed: {out:?}");
        let expected: Vec<u8> = words
            .iter()
            .flat_map(|w| w.bytes().chain(std::iter::once(0)))
            .collect();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&expected)
        );
    }
}
