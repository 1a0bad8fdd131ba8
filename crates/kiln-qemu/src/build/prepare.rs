//! Step 1, "prepare the build files": resolve the source (importing a file into the
//! store's cache if needed), then — recorded first — the build directory with a
//! per-build SSH key and host key and the guest's fw_cfg files, and the disk overlay on
//! the source.

use kiln_build::runner::{Step, StepFuture};
use kiln_builtin::object::str_attr;

use super::context::QemuBuild;
use super::temporaries;
use crate::guest::GuestConfig;
use crate::source;

pub struct Prepare;

impl<'a> Step<QemuBuild<'a>> for Prepare {
    fn name(&self) -> &str {
        "prepare the build files"
    }

    fn run<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let store = &cx.settings.store;
            let images = store.images();
            std::fs::create_dir_all(&images)
                .map_err(|e| format!("cannot create {}: {e}", images.display()))?;
            let config = cx.config;
            let source = str_attr(config, "source").ok_or("source is not set")?;
            cx.log
                .note(&format!("building {} from {source}", cx.name.address));
            let resolved = source::resolve(
                store,
                cx.base_dir,
                source,
                str_attr(config, "source_checksum"),
                str_attr(config, "kernel"),
                str_attr(config, "initrd"),
                str_attr(config, "kernel_args"),
            )?;

            let t = temporaries::build_dir(&cx.build_id, &cx.dir, &cx.overlay);
            cx.record(t).await?;
            std::fs::create_dir_all(&cx.dir)
                .map_err(|e| format!("cannot create {}: {e}", cx.dir.display()))?;
            let img = crate::qemu_img::binary(&cx.settings.qemu);
            crate::qemu_img::create_overlay(&img, &resolved.disk, &cx.overlay).await?;
            cx.resolved = Some(resolved);

            let key = kiln_ssh::generate_ed25519().map_err(|e| e.to_string())?;
            key.write_private(cx.key_file())
                .map_err(|e| e.to_string())?;
            let host_key = kiln_ssh::generate_ed25519().map_err(|e| e.to_string())?;
            let guest = GuestConfig {
                hostname: Some("kiln-build".into()),
                authorized_keys: vec![key.public_openssh.clone()],
                host_key: Some(host_key.private_openssh.to_string()),
                ..Default::default()
            };
            cx.fw_cfg = guest.write(&cx.dir)?;
            cx.host_key = Some(host_key.public_openssh.clone());
            cx.key = Some(key);
            Ok(())
        })
    }

    fn cleanup<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            temporaries::remove_files(&cx.dir, &cx.overlay)?;
            cx.forget(temporaries::dir_id(&cx.build_id)).await
        })
    }
}
