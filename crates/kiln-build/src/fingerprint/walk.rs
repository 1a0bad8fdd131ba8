//! Listing a directory input: every regular file under it, with its metadata, in a stable
//! order. Uploads must use the same listing, so that what a build copies is exactly what
//! its fingerprint covers.

use std::fs::Metadata;
use std::path::{Path, PathBuf};

use super::FingerprintError;

/// One regular file found under a directory.
#[derive(Debug)]
pub struct WalkEntry {
    /// The path relative to the directory, with `/` between components.
    pub rel: String,
    pub path: PathBuf,
    /// Its metadata (a link's target's, for a link to a file).
    pub meta: Metadata,
}

/// Every regular file under `dir`, sorted by relative path so that a digest does not
/// depend on the order the file system lists entries in. As the `file` provisioner
/// uploads them: a link to a file counts as that file (with its metadata), links to
/// directories are not followed (a link cycle cannot make the walk endless), a dangling
/// link is an error, and special files are left out.
pub fn walk(dir: &Path) -> Result<Vec<WalkEntry>, FingerprintError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| FingerprintError::new("list", d.clone(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| FingerprintError::new("list", d.clone(), e))?;
            let path = entry.path();
            let inspect = |e| FingerprintError::new("inspect", path.clone(), e);
            let mut meta = entry.metadata().map_err(inspect)?;
            if meta.is_dir() {
                stack.push(path);
                continue;
            }
            if meta.file_type().is_symlink() {
                meta = std::fs::metadata(&path).map_err(inspect)?;
            }
            if meta.is_file() {
                let rel = relative(dir, &path);
                out.push(WalkEntry { rel, path, meta });
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// `path` below `dir`, spelled with `/` whatever the platform.
fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_files_sorted_with_links_to_files_but_not_to_directories(
    ) -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("b/c"))?;
        std::fs::write(dir.path().join("b/c/z.txt"), "z")?;
        std::fs::write(dir.path().join("a.txt"), "a")?;
        std::fs::write(dir.path().join("b/y.txt"), "yy")?;
        std::os::unix::fs::symlink("b/y.txt", dir.path().join("link"))?;
        std::os::unix::fs::symlink("..", dir.path().join("b/up"))?;
        let entries = walk(dir.path())?;
        let rels: Vec<&str> = entries.iter().map(|e| e.rel.as_str()).collect();
        assert_eq!(rels, ["a.txt", "b/c/z.txt", "b/y.txt", "link"]);
        assert_eq!(entries[3].meta.len(), 2, "a link has its target's metadata");
        Ok(())
    }

    #[test]
    fn a_dangling_link_names_its_path() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::os::unix::fs::symlink("missing", dir.path().join("gone"))?;
        let msg = walk(dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let want = format!("cannot inspect {}", dir.path().join("gone").display());
        assert!(msg.starts_with(&want), "{msg}");
        Ok(())
    }

    #[test]
    fn a_missing_directory_names_its_path() {
        let err = walk(Path::new("/nonexistent/kiln-walk")).err();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.starts_with("cannot list /nonexistent/kiln-walk:"),
            "{msg}"
        );
    }
}
