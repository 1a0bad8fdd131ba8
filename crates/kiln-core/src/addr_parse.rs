//! Parsing addresses typed by users (`module.net["a"].local_file.x[0]`) into
//! [`crate::addr::Target`]s. A small hand parser: addresses are a tiny grammar and the
//! errors must talk about addresses, not expressions.

use crate::addr::{InstanceAddr, InstanceKey, Mode, ModulePath, ResourceAddr, Target};

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn done(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            return Err(format!(
                "expected a name at position {} of \"{}\"",
                self.pos + 1,
                self.text
            ));
        }
        self.pos += len;
        Ok(rest[..len].to_string())
    }

    /// `[0]` or `["key"]`, if present.
    fn key(&mut self) -> Result<InstanceKey, String> {
        if !self.eat("[") {
            return Ok(InstanceKey::None);
        }
        let key = if self.eat("\"") {
            let mut s = String::new();
            let mut chars = self.rest().char_indices();
            loop {
                match chars.next() {
                    Some((i, '"')) => {
                        self.pos += i + 1;
                        break;
                    }
                    Some((_, '\\')) => match chars.next() {
                        Some((_, c)) => s.push(c),
                        None => return Err(format!("unterminated key in \"{}\"", self.text)),
                    },
                    Some((_, c)) => s.push(c),
                    None => return Err(format!("unterminated key in \"{}\"", self.text)),
                }
            }
            InstanceKey::Str(s)
        } else {
            let rest = self.rest();
            let len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '-'))
                .unwrap_or(rest.len());
            let n: i64 = rest[..len].parse().map_err(|_| {
                format!(
                    "an instance key must be a number or a quoted string, in \"{}\"",
                    self.text
                )
            })?;
            self.pos += len;
            InstanceKey::Int(n)
        };
        if !self.eat("]") {
            return Err(format!("expected ] in \"{}\"", self.text));
        }
        Ok(key)
    }
}

pub fn parse_target(text: &str) -> Result<Target, String> {
    let text = text.trim();
    let mut c = Cursor { text, pos: 0 };
    let mut module = ModulePath::root();
    loop {
        let save = c.pos;
        if c.eat("module.") {
            let name = c.ident()?;
            let key = c.key()?;
            module = module.child(&name, key);
            if c.done() {
                return Ok(Target::Module(module));
            }
            if !c.eat(".") {
                return Err(format!("expected . after {module} in \"{text}\""));
            }
            continue;
        }
        c.pos = save;
        break;
    }
    let mode = if c.eat("data.") {
        Mode::Data
    } else {
        Mode::Managed
    };
    let type_name = c.ident()?;
    if !c.eat(".") {
        return Err(format!(
            "\"{text}\" is not a resource address: expected TYPE.NAME, such as local_file.config"
        ));
    }
    let name = c.ident()?;
    let resource = ResourceAddr {
        module,
        mode,
        type_name,
        name,
    };
    if c.done() {
        return Ok(Target::Resource(resource));
    }
    let key = c.key()?;
    if !c.done() || key == InstanceKey::None {
        return Err(format!(
            "unexpected \"{}\" at the end of the address \"{text}\"",
            c.rest()
        ));
    }
    Ok(Target::Instance(InstanceAddr { resource, key }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(s: &str) {
        let t = parse_target(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(t.to_string(), s);
    }

    #[test]
    fn addresses_round_trip() {
        round_trip("local_file.x");
        round_trip("local_file.x[0]");
        round_trip("data.local_command.facts");
        round_trip("module.net[\"a b\"].module.sub[2].local_file.x[\"k\"]");
        round_trip("module.net");
    }

    #[test]
    fn bad_addresses_say_why() {
        assert!(parse_target("local_file").is_err());
        assert!(parse_target("local_file.x[").is_err());
        assert!(parse_target("local_file.x[abc]").is_err());
        assert!(parse_target("local_file.x[0]junk").is_err());
    }
}
