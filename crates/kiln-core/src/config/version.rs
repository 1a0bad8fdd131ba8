//! `required_version` constraints, in Terraform's syntax: comma-separated clauses of
//! `=`, `!=`, `>`, `>=`, `<`, `<=` and the pessimistic `~>` ("this version, increasing
//! only its last given component").

use crate::diag::Diagnostic;
use crate::source::Span;

/// The version of this Kiln build.
pub const KILN_VERSION: &str = env!("CARGO_PKG_VERSION");

fn parse_version(s: &str) -> Option<Vec<u64>> {
    let core = s.trim().trim_start_matches('v');
    let core = core.split(['-', '+']).next()?;
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 3)
}

fn padded(v: &[u64]) -> [u64; 3] {
    [
        v.first().copied().unwrap_or(0),
        v.get(1).copied().unwrap_or(0),
        v.get(2).copied().unwrap_or(0),
    ]
}

/// Whether `version` satisfies `constraint`; `Err` with a message when it cannot be read.
pub fn satisfies(constraint: &str, version: &str) -> Result<bool, String> {
    let have =
        padded(&parse_version(version).ok_or_else(|| format!("\"{version}\" is not a version"))?);
    for clause in constraint.split(',') {
        let clause = clause.trim();
        let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| clause.strip_prefix(op).map(|r| (*op, r)))
            .unwrap_or(("=", clause));
        let want_parts = parse_version(rest).ok_or_else(|| format!("\"{clause}\" is not a valid version constraint; write e.g. \">= 0.1\" or \"~> 0.1.2\""))?;
        let want = padded(&want_parts);
        let ok = match op {
            "=" => have == want,
            "!=" => have != want,
            ">" => have > want,
            ">=" => have >= want,
            "<" => have < want,
            "<=" => have <= want,
            _ => {
                // ~> 1.2 allows >= 1.2, < 2.0; ~> 1.2.3 allows >= 1.2.3, < 1.3.0.
                let keep = want_parts.len().saturating_sub(1).max(1);
                let mut upper = want;
                upper[keep - 1] += 1;
                for u in upper.iter_mut().skip(keep) {
                    *u = 0;
                }
                have >= want && have < upper
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

pub fn check_required_version(constraint: &str, span: Span) -> Result<(), Diagnostic> {
    match satisfies(constraint, KILN_VERSION) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Diagnostic::error(
            "Unsupported Kiln version",
            format!("This configuration requires Kiln {constraint}, but this is Kiln {KILN_VERSION}. Use a Kiln version that matches, or change required_version."),
        )
        .at(span)),
        Err(msg) => Err(Diagnostic::error("Invalid required_version", format!("{msg}.")).at(span)),
    }
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn constraints() {
        assert_eq!(satisfies(">= 0.1", "0.1.0"), Ok(true));
        assert_eq!(satisfies(">= 0.2, < 1.0", "0.1.0"), Ok(false));
        assert_eq!(satisfies("~> 0.1", "0.9.3"), Ok(true));
        assert_eq!(satisfies("~> 0.1", "1.0.0"), Ok(false));
        assert_eq!(satisfies("~> 0.1.2", "0.1.9"), Ok(true));
        assert_eq!(satisfies("~> 0.1.2", "0.2.0"), Ok(false));
        assert!(satisfies("banana", "0.1.0").is_err());
    }
}
