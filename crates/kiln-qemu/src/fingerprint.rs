//! An image's fingerprint: a blake3 digest of its configuration (labels aside), its
//! source (the image id, or the bytes of a source file), its kernel and initrd, and the
//! bytes of every file its provisioners read — scripts and uploaded trees, with paths and
//! modes. A different fingerprint means a rebuild.

use std::path::{Path, PathBuf};

use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;

use crate::source::{is_image_id, is_url};

/// The attributes that are outputs of a build, not inputs to it.
const OUTPUTS: [&str; 6] = ["id", "path", "size", "fingerprint", "build_log", "labels"];

/// Every regular file under `dir`, as (path relative to `dir` with `/`, full path),
/// sorted so the digest does not depend on directory order.
pub fn walk(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot list {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", d.display()))?;
            let path = entry.path();
            let ft = entry
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .map(|r| r.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push((rel, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn add_file(h: &mut blake3::Hasher, label: &str, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_dir() {
        for (rel, full) in walk(path)? {
            add_file(h, &format!("{label}/{rel}"), &full)?;
        }
        return Ok(());
    }
    h.update(label.as_bytes());
    h.update(&[0]);
    h.update(&(meta.permissions().mode() & 0o7777).to_le_bytes());
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    h.update_reader(f)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    h.update(&[0]);
    Ok(())
}

/// The fingerprint of an image configuration whose values are all known.
pub fn of(config: &Value, base_dir: &Path) -> Result<String, String> {
    let mut h = blake3::Hasher::new();
    let mut inputs = config.unmarked_deep().to_json();
    if let Some(m) = inputs.as_object_mut() {
        for k in OUTPUTS {
            m.remove(k);
        }
    }
    h.update(inputs.to_string().as_bytes());
    if let Some(src) = str_attr(config, "source") {
        if !is_image_id(src) && !is_url(src) {
            add_file(&mut h, "source", &base_dir.join(src))?;
        }
    }
    for k in ["kernel", "initrd"] {
        if let Some(p) = str_attr(config, k) {
            add_file(&mut h, k, &base_dir.join(p))?;
        }
    }
    for p in attr(config, "provisioners")
        .and_then(Value::as_seq)
        .unwrap_or_default()
    {
        let kind = str_attr(p, "type").unwrap_or("");
        let direction = str_attr(p, "direction").unwrap_or("upload");
        let mut files = crate::values::strings(attr(p, "scripts"));
        if let Some(s) = str_attr(p, "script") {
            files.push(s.to_string());
        }
        if kind == "file" && direction != "download" {
            if let Some(s) = str_attr(p, "source") {
                files.push(s.to_string());
            }
        }
        for f in files {
            add_file(&mut h, &f, &base_dir.join(&f))?;
        }
    }
    Ok(h.finalize().to_hex()[..32].to_string())
}
