//! What the qemu builder cannot provision. The provisioners themselves are
//! provider-independent and live in [`kiln_build::provision`].

/// The provisioner types this builder cannot run, with why; checked at plan time.
///
/// `powershell` is refused: qemu builds boot guests that follow `docs/qemu-guest.md`
/// (Linux with a direct kernel boot and fw_cfg), and Windows cannot follow that contract;
/// a Linux guest's PowerShell would be `pwsh`, not the `powershell` the provisioner runs.
/// Refusing at plan time beats a build that boots a machine only to fail.
pub fn unsupported(kind: &str) -> Option<&'static str> {
    match kind {
        "powershell" => {
            Some("qemu images are Linux guests without Windows PowerShell; use a shell provisioner")
        }
        _ => None,
    }
}
