//! Which accelerator VMs run with: KVM when it really works, TCG otherwise.
//!
//! `/dev/kvm` existing proves little: without nested virtualisation it opens fine and
//! guests then hang. So KVM is *tried*: a 512-byte boot sector that writes to QEMU's
//! `isa-debug-exit` port is booted under KVM; QEMU exiting with the code it wrote within a
//! few seconds means KVM runs guests. The answer is cached per QEMU binary and kernel in
//! the store, so only the first command on a machine pays for the probe.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::process::Command;

use crate::store::{read_json, write_json, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    /// The `-accel` argument. TCG's translation cache is capped: the default takes a
    /// quarter of guest memory on top of it.
    pub fn arg(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg,tb-size=64",
        }
    }

    pub fn parse(s: &str) -> Option<Option<Accel>> {
        match s {
            "auto" => Some(None),
            "kvm" => Some(Some(Accel::Kvm)),
            "tcg" => Some(Some(Accel::Tcg)),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize, PartialEq)]
struct Probe {
    qemu: String,
    qemu_size: u64,
    qemu_modified: u64,
    kernel: String,
    accel: Accel,
}

/// The value `out al, 0xf4` writes; QEMU exits with `(value << 1) | 1`.
const EXIT_VALUE: u8 = 0x31;

fn boot_sector() -> Vec<u8> {
    let mut s = vec![0u8; 512];
    // mov al, 0x31 ; out 0xf4, al ; hlt ; jmp back to hlt
    s[..7].copy_from_slice(&[0xB0, EXIT_VALUE, 0xE6, 0xF4, 0xF4, 0xEB, 0xFD]);
    s[510] = 0x55;
    s[511] = 0xAA;
    s
}

fn identity(qemu: &Path) -> (String, u64, u64, String) {
    let meta = std::fs::metadata(qemu).ok();
    let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
    let modified = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    (qemu.display().to_string(), size, modified, kernel)
}

/// The accelerator to use with `qemu` (already resolved to a path).
pub async fn detect(qemu: &Path, store: &Store) -> Accel {
    if std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_err()
    {
        return Accel::Tcg;
    }
    let (q, size, modified, kernel) = identity(qemu);
    let cache = store.root.join("accel.json");
    if let Ok(Some(p)) = read_json::<Probe>(&cache) {
        if p.qemu == q && p.qemu_size == size && p.qemu_modified == modified && p.kernel == kernel {
            return p.accel;
        }
    }
    let accel = if kvm_runs_guests(qemu).await {
        Accel::Kvm
    } else {
        Accel::Tcg
    };
    // A failed write only means probing again next time.
    let _ = write_json(
        &cache,
        &Probe {
            qemu: q,
            qemu_size: size,
            qemu_modified: modified,
            kernel,
            accel,
        },
    );
    accel
}

async fn kvm_runs_guests(qemu: &Path) -> bool {
    let Ok(dir) = tempdir() else { return false };
    let disk = dir.join("probe.img");
    if std::fs::write(&disk, boot_sector()).is_err() {
        return false;
    }
    // Under coreutils' `timeout`, which outlives us: where KVM hangs instead of failing,
    // a Kiln killed during the probe (kill -9 drops no child) must not leave the probe
    // QEMU running for ever. `timeout` passes the guest's exit status through, and it is
    // `timeout` that ends a hung probe: killing it instead would orphan the QEMU.
    let child = Command::new("timeout")
        .args(["--signal=KILL", "5"])
        .arg(qemu)
        .args([
            "-accel",
            "kvm",
            "-machine",
            "q35",
            "-nodefaults",
            "-display",
            "none",
        ])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
        .arg("-drive")
        .arg(format!("file={},format=raw,if=ide", disk.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let ok = match child {
        Ok(mut c) => matches!(
            tokio::time::timeout(Duration::from_secs(15), c.wait()).await,
            Ok(Ok(status)) if status.code() == Some(i32::from(EXIT_VALUE) << 1 | 1)
        ),
        Err(_) => false,
    };
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

fn tempdir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(crate::store::new_id("kiln-kvm-probe"));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
