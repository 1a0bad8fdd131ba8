//! Copying files to and from the machine. The guest runs dropbear without an sftp-server,
//! so both directions run ordinary shell commands (`cat`, `mkdir`, `chmod`) over
//! [`Session::exec`], with every path quoted by [`crate::quote()`].

use crate::error::{Error, Result};
use crate::exec::{ExitStatus, Stream};
use crate::quote::quote;
use crate::session::Session;

impl Session {
    /// Writes `data` to `remote_path` with permission bits `mode` (e.g. `0o755`), creating
    /// missing parent directories. An existing file is replaced.
    pub async fn upload(&self, data: &[u8], remote_path: &str, mode: u32) -> Result<()> {
        check_path(remote_path)?;
        let path = quote(remote_path);
        let mut command = String::new();
        if let Some(parent) = parent_dir(remote_path) {
            command.push_str(&format!("mkdir -p -- {} && ", quote(parent)));
        }
        // The file is created owner-only and opened up by chmod after it is complete, so a
        // secret is never readable by others, not even while being written.
        command.push_str(&format!(
            "(umask 077 && cat > {path}) && chmod {:o} {path}",
            mode & 0o7777
        ));
        let mut stderr = Vec::new();
        let status = self
            .exec(&command, Some(data), &mut |stream, chunk| {
                if stream == Stream::Stderr {
                    stderr.extend_from_slice(chunk);
                }
            })
            .await?;
        ensure_success("uploading to", remote_path, status, &stderr)
    }

    /// Reads the whole file at `remote_path`.
    pub async fn download(&self, remote_path: &str) -> Result<Vec<u8>> {
        check_path(remote_path)?;
        // `<` instead of `cat -- path`: the shell opens the file, so the message for a missing
        // file is the shell's, and no option parsing is involved.
        let command = format!("cat < {}", quote(remote_path));
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let status = self
            .exec(&command, None, &mut |stream, chunk| match stream {
                Stream::Stdout => stdout.extend_from_slice(chunk),
                Stream::Stderr => stderr.extend_from_slice(chunk),
            })
            .await?;
        ensure_success("downloading", remote_path, status, &stderr)?;
        Ok(stdout)
    }
}

fn check_path(path: &str) -> Result<()> {
    let reason = if path.is_empty() {
        "it is empty"
    } else if path.contains('\0') {
        "it contains a NUL byte, which no shell command can carry"
    } else if path.ends_with('/') {
        "it names a directory, not a file"
    } else {
        return Ok(());
    };
    Err(Error::InvalidRemotePath {
        path: path.to_owned(),
        reason,
    })
}

/// The directory to create before writing `path`, if there is one worth creating.
fn parent_dir(path: &str) -> Option<&str> {
    match path.rsplit_once('/') {
        None | Some(("", _)) => None,
        Some((parent, _)) => Some(parent),
    }
}

fn ensure_success(
    action: &'static str,
    path: &str,
    status: ExitStatus,
    stderr: &[u8],
) -> Result<()> {
    if status.success() {
        return Ok(());
    }
    Err(Error::Transfer {
        action,
        path: path.to_owned(),
        status,
        stderr: String::from_utf8_lossy(stderr).trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents() {
        assert_eq!(parent_dir("/a/b/c"), Some("/a/b"));
        assert_eq!(parent_dir("/c"), None);
        assert_eq!(parent_dir("c"), None);
        assert_eq!(parent_dir("d/c"), Some("d"));
    }

    #[test]
    fn unusable_paths_are_refused() {
        assert!(check_path("").is_err());
        assert!(check_path("a\0b").is_err());
        assert!(check_path("/tmp/").is_err());
        assert!(check_path("/tmp/it's here").is_ok());
    }
}
