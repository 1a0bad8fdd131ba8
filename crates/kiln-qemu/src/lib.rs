//! Kiln's `qemu` provider: qcow2 images built by booting a machine and running
//! provisioners (`qemu_image`), long-running VMs (`qemu_instance`), private networks
//! between them (`qemu_network`) and inbound rules (`qemu_firewall`), all on the
//! operator's machine with no cloud account.
//!
//! Module map: [`schema`] (what users write); [`build`] (image builds, as steps on
//! `kiln_build`'s runner, with the provisioners of `kiln_build::provision`) and
//! [`provision`] (which provisioners this builder refuses);
//! [`instance`], [`network`] with [`switch`], and [`firewall`] (the resources); [`vm`],
//! [`qmp`], [`qemu_img`] and [`accel`] (QEMU itself); [`store`] (where everything lives on
//! disk); [`source`] and [`fingerprint`] (what an image is built from).

#![deny(clippy::print_stdout)]

pub mod accel;
pub mod build;
pub mod fingerprint;
pub mod firewall;
pub mod guest;
pub mod instance;
pub mod network;
pub mod process;
pub mod provision;
pub mod qemu_img;
pub mod qmp;
pub mod schema;
pub mod source;
pub mod store;
pub mod switch;
pub mod values;
pub mod vm;

mod provider;

use std::path::PathBuf;

use tokio::sync::OnceCell;

pub use provider::QemuProvider;

/// The provider block's settings, resolved at configure time.
#[derive(Debug)]
pub struct Settings {
    pub qemu: PathBuf,
    /// Whether `qemu` was found; creating VMs without it is a plan-time error.
    pub qemu_found: bool,
    pub store: store::Store,
    /// The `kiln` executable, which runs network switches (`kiln qemu-switch DIR`).
    pub kiln_exe: PathBuf,
    accel_choice: Option<accel::Accel>,
    accel: OnceCell<accel::Accel>,
}

impl Settings {
    /// The accelerator: as configured, or detected once per process.
    pub async fn accel(&self) -> accel::Accel {
        if let Some(a) = self.accel_choice {
            return a;
        }
        *self
            .accel
            .get_or_init(|| accel::detect(&self.qemu, &self.store))
            .await
    }
}

/// Finds `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}
