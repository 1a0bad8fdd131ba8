//! `file`: copies files to the build machine, or one file back.
//!
//! Upload (the default): `content` is written to `destination`; or `source`, a file or a
//! directory, is copied with its permission bits. As in Packer, a directory `source`
//! ending in `/` uploads its contents into `destination`, and one without uploads the
//! directory itself into `destination` (`app` → `destination/app/...`).
//! `direction = "download"` copies the machine's file `source` to the local path
//! `destination` (relative to the working directory; its directory is created).

use std::path::{Path, PathBuf};

use kiln_builtin::object::str_attr;
use kiln_core::lang::Value;

use super::{Failure, Provisioning};

pub(crate) async fn run(p: &Value, env: Provisioning<'_>) -> Result<(), Failure> {
    let session = env.session("file")?;
    let dest = str_attr(p, "destination").ok_or("a file provisioner needs destination")?;
    match str_attr(p, "direction").unwrap_or("upload") {
        "upload" => {}
        "download" => {
            let src = str_attr(p, "source").ok_or("a download needs source")?;
            let local = env.base_dir.join(dest);
            env.log
                .note(&format!("download {src} -> {}", local.display()));
            let bytes = session
                .download(src)
                .await
                .map_err(|e| format!("downloading {src}: {e}"))?;
            if let Some(dir) = local.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            return std::fs::write(&local, bytes)
                .map_err(|e| format!("cannot write {}: {e}", local.display()).into());
        }
        other => {
            return Err(
                format!("direction = \"{other}\" must be \"upload\" or \"download\"").into(),
            )
        }
    }
    if let Some(content) = str_attr(p, "content") {
        env.log.note(&format!("upload content -> {dest}"));
        return session
            .upload(content.as_bytes(), dest, 0o644)
            .await
            .map_err(|e| format!("uploading to {dest}: {e}").into());
    }
    let src = str_attr(p, "source").ok_or("a file provisioner needs source or content")?;
    // `join` drops a trailing slash's meaning, so it is looked at in `src` itself.
    let contents_only = src.ends_with('/');
    for (from, to, mode) in uploads(&env.base_dir.join(src), contents_only, dest)? {
        let bytes =
            std::fs::read(&from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        env.log.note(&format!("upload {} -> {to}", from.display()));
        session
            .upload(&bytes, &to, mode)
            .await
            .map_err(|e| format!("uploading {} to {to}: {e}", from.display()))?;
    }
    Ok(())
}

/// The files to upload for `source` → `dest`, as (local file, remote path, mode).
pub fn uploads(
    source: &Path,
    contents_only: bool,
    dest: &str,
) -> Result<Vec<(PathBuf, String, u32)>, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    if meta.is_file() {
        return Ok(vec![(
            source.to_path_buf(),
            dest.to_string(),
            meta.permissions().mode() & 0o7777,
        )]);
    }
    let root = if contents_only {
        dest.trim_end_matches('/').to_string()
    } else {
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{}/{name}", dest.trim_end_matches('/'))
    };
    let mut out = Vec::new();
    // The fingerprint's own listing: what a build uploads is exactly what it digests.
    for e in crate::fingerprint::walk(source).map_err(|e| e.to_string())? {
        let mode = e.meta.permissions().mode() & 0o7777;
        out.push((e.path, format!("{root}/{}", e.rel), mode));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_slash_uploads_the_contents() {
        let dir = tempfile::tempdir().expect("temp dir");
        let app = dir.path().join("app");
        std::fs::create_dir_all(app.join("bin")).expect("mkdir");
        std::fs::write(app.join("a.txt"), "a").expect("write");
        std::fs::write(app.join("bin/run"), "r").expect("write");
        let remote = |contents_only| -> Vec<String> {
            uploads(&app, contents_only, "/opt/")
                .expect("uploads")
                .into_iter()
                .map(|(_, to, _)| to)
                .collect()
        };
        assert_eq!(remote(true), ["/opt/a.txt", "/opt/bin/run"]);
        assert_eq!(remote(false), ["/opt/app/a.txt", "/opt/app/bin/run"]);
    }
}
