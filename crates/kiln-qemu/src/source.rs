//! An image's source: another `qemu_image` of the store, or a qcow2 file (or URL) that is
//! imported into the store under its content digest, with the kernel and initrd it boots.
//!
//! Paths from the configuration resolve against the working directory with
//! `base_dir.join(path)`, as `local_file` does: joining an absolute path yields it as is.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::{read_json, Store};

/// What the store records of every built image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageMeta {
    pub id: String,
    /// The backing file's name in the images directory (`None` when flattened).
    pub backing: Option<String>,
    /// The image id or imported file this image was built from.
    pub source: String,
    /// Names in the images directory.
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub kernel_args: String,
    pub fingerprint: String,
}

/// A resolved source: the file the new overlay is backed by and how to boot it.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The backing file's name in the images directory.
    pub disk: String,
    /// The source id recorded in the new image's metadata.
    pub id: String,
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub kernel_args: String,
}

pub const DEFAULT_KERNEL_ARGS: &str =
    "console=ttyS0 root=/dev/vda rw quiet panic=-1 cryptomgr.notests=1";

pub fn is_image_id(s: &str) -> bool {
    s.starts_with("qimg-")
}

pub fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// The metadata of a built image, or a clear error when the store has no such image.
pub fn image_meta(store: &Store, id: &str) -> Result<ImageMeta, String> {
    match read_json::<ImageMeta>(&store.image_meta(id))? {
        Some(m) if store.image_disk(id).exists() => Ok(m),
        _ => Err(format!(
            "There is no image \"{id}\" in the image store {}. Refer to a qemu_image resource's id (qemu_image.NAME.id), and build it first.",
            store.images().display()
        )),
    }
}

/// Digest of a file's bytes (blake3, hex).
pub fn file_digest(path: &Path) -> Result<String, String> {
    let mut h = blake3::Hasher::new();
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    h.update_reader(f)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(h.finalize().to_hex().to_string())
}

/// Checks `checksum` ("sha256:HEX" or "blake3:HEX") against a file.
pub fn verify_checksum(path: &Path, checksum: &str) -> Result<(), String> {
    let (algo, want) = checksum.split_once(':').ok_or_else(|| {
        format!("source_checksum \"{checksum}\" must look like \"sha256:HEX\" or \"blake3:HEX\"")
    })?;
    let got = match algo {
        "blake3" => file_digest(path)?,
        "sha256" => {
            use sha2::Digest;
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let d = sha2::Sha256::digest(&bytes);
            d.iter().map(|b| format!("{b:02x}")).collect()
        }
        other => {
            return Err(format!(
                "source_checksum uses \"{other}\"; use sha256 or blake3"
            ))
        }
    };
    if got.eq_ignore_ascii_case(want) {
        Ok(())
    } else {
        Err(format!(
            "{} does not match source_checksum: expected {algo}:{want}, got {algo}:{got}",
            path.display()
        ))
    }
}

/// Copies `path` into the images directory as `base-<digest>.<ext>` unless it is there
/// already; returns the name.
fn import(store: &Store, path: &Path, ext: &str) -> Result<String, String> {
    if !path.is_file() {
        return Err(format!(
            "{} does not exist or is not a file",
            path.display()
        ));
    }
    let digest = file_digest(path)?;
    let name = format!("base-{}.{ext}", &digest[..16]);
    let dest = store.images().join(&name);
    if !dest.exists() {
        std::fs::create_dir_all(store.images())
            .map_err(|e| format!("cannot create {}: {e}", store.images().display()))?;
        let tmp = store
            .images()
            .join(format!(".{name}.tmp-{}", std::process::id()));
        std::fs::copy(path, &tmp)
            .map_err(|e| format!("cannot copy {} into the image store: {e}", path.display()))?;
        std::fs::rename(&tmp, &dest)
            .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    }
    Ok(name)
}

/// Downloads a URL into the store's download cache (with `curl`, which every machine that
/// has internet has), verifying the checksum. Returns the local file.
fn download(store: &Store, url: &str, checksum: Option<&str>) -> Result<PathBuf, String> {
    let checksum = checksum.ok_or_else(|| {
        format!("source \"{url}\" is a URL: set source_checksum (\"sha256:HEX\") so the download can be verified")
    })?;
    let dir = store.root.join("downloads");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = dir.join(&blake3::hash(url.as_bytes()).to_hex()[..16]);
    if file.exists() && verify_checksum(&file, checksum).is_ok() {
        return Ok(file);
    }
    let status = std::process::Command::new("curl")
        .args(["-fsSL", "--retry", "3", "-o"])
        .arg(&file)
        .arg(url)
        .status()
        .map_err(|e| format!("cannot run curl to download {url}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "downloading {url} failed (curl exited with {status})"
        ));
    }
    verify_checksum(&file, checksum)?;
    Ok(file)
}

/// Resolves an image's source for a build, importing files into the store.
pub fn resolve(
    store: &Store,
    base_dir: &Path,
    source: &str,
    checksum: Option<&str>,
    kernel: Option<&str>,
    initrd: Option<&str>,
    kernel_args: Option<&str>,
) -> Result<Resolved, String> {
    let boot = |name: Option<&str>, ext: &str| -> Result<Option<String>, String> {
        name.map(|k| import(store, &base_dir.join(k), ext))
            .transpose()
    };
    if is_image_id(source) {
        let meta = image_meta(store, source)?;
        return Ok(Resolved {
            disk: format!("{source}.qcow2"),
            id: source.to_string(),
            kernel: boot(kernel, "kernel")?.or(meta.kernel),
            initrd: boot(initrd, "initrd")?.or(meta.initrd),
            kernel_args: kernel_args.map(str::to_string).unwrap_or(meta.kernel_args),
        });
    }
    let file = if is_url(source) {
        download(store, source, checksum)?
    } else {
        let f = base_dir.join(source);
        if let Some(c) = checksum {
            verify_checksum(&f, c)?;
        }
        f
    };
    let disk = import(store, &file, "qcow2")?;
    Ok(Resolved {
        id: disk.trim_end_matches(".qcow2").to_string(),
        disk,
        kernel: boot(kernel, "kernel")?,
        initrd: boot(initrd, "initrd")?,
        kernel_args: kernel_args.unwrap_or(DEFAULT_KERNEL_ARGS).to_string(),
    })
}
