//! `qemu-img`: overlays on a backing file, and flattening. Every call's failure carries
//! `qemu-img`'s own words.

use std::path::Path;

use tokio::process::Command;

/// The `qemu-img` beside the configured `qemu-system-*` binary when there is one (a
/// custom build usually has both), otherwise the one on `PATH`.
pub fn binary(qemu: &Path) -> std::path::PathBuf {
    if let Some(dir) = qemu.parent().filter(|d| !d.as_os_str().is_empty()) {
        let beside = dir.join("qemu-img");
        if beside.exists() {
            return beside;
        }
    }
    "qemu-img".into()
}

async fn run(img: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(img).args(args).output().await.map_err(|e| {
        format!(
            "cannot run {}: {e}. Install QEMU's tools (Debian/Ubuntu: apt-get install qemu-utils).",
            img.display()
        )
    })?;
    if !out.status.success() {
        return Err(format!(
            "qemu-img {} failed: {}",
            args.first().copied().unwrap_or(""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Creates `overlay` as a qcow2 whose backing file is `backing`, named as given (relative
/// names resolve from the overlay's directory).
pub async fn create_overlay(img: &Path, backing: &str, overlay: &Path) -> Result<(), String> {
    let overlay = overlay.to_string_lossy();
    run(
        img,
        &[
            "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backing, &overlay,
        ],
    )
    .await
    .map(|_| ())
}

/// Writes `src` and its whole backing chain into one standalone qcow2 at `dst`.
pub async fn flatten(img: &Path, src: &Path, dst: &Path) -> Result<(), String> {
    run(
        img,
        &[
            "convert",
            "-O",
            "qcow2",
            &src.to_string_lossy(),
            &dst.to_string_lossy(),
        ],
    )
    .await
    .map(|_| ())
}
