//! Lexical path handling with Terraform's (Go's) rules, used by `dirname`, `basename` and
//! `abspath`: forward slashes, `.` and `..` resolved without touching the filesystem.

/// Go's `path.Clean`: the shortest equivalent path.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                // `..` above the root is the root; above a relative start it is kept.
                _ if rooted => {}
                _ => parts.push(".."),
            },
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Everything before the last element, cleaned ("." when there is no directory part).
pub fn dirname(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(path.get(..=i).unwrap_or("/")),
        None => ".".into(),
    }
}

/// The last element, ignoring trailing slashes ("." for "", "/" for the root).
pub fn basename(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Uses forward slashes whatever the platform, as Terraform's results do.
pub fn slashed(p: &std::path::Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}
