//! Step 6, "capture the disk" (the overlay as it is, or flattened into a standalone
//! image), and step 7, "store the image" under its content digest (qimg-<digest>) with
//! its record.

use kiln_build::runner::{Step, StepFuture};
use kiln_builtin::object::attr;
use kiln_core::lang::Value;

use super::context::{Built, QemuBuild};
use crate::source::{self, ImageMeta};
use crate::store::write_json;

pub struct Capture;

impl<'a> Step<QemuBuild<'a>> for Capture {
    fn name(&self) -> &str {
        "capture the disk"
    }

    fn run<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let flatten = attr(cx.config, "flatten")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let disk = if flatten {
                let flat = cx.dir.join("flat.qcow2");
                let img = crate::qemu_img::binary(&cx.settings.qemu);
                crate::qemu_img::flatten(&img, &cx.overlay, &flat).await?;
                flat
            } else {
                cx.overlay.clone()
            };
            cx.disk = Some(disk);
            Ok(())
        })
    }
}

pub struct StoreImage;

impl<'a> Step<QemuBuild<'a>> for StoreImage {
    fn name(&self) -> &str {
        "store the image"
    }

    fn run<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let disk = cx
                .disk
                .clone()
                .ok_or("no disk was captured (a bug in Kiln)")?;
            let resolved = cx
                .resolved
                .clone()
                .ok_or("the source was not resolved (a bug in Kiln)")?;
            let store = &cx.settings.store;
            let flattened = disk != cx.overlay;
            let digest = source::file_digest(&disk)?;
            let id = format!("qimg-{}", &digest[..16]);
            let path = store.image_disk(&id);
            std::fs::rename(&disk, &path)
                .map_err(|e| format!("cannot move the image to {}: {e}", path.display()))?;
            let meta = ImageMeta {
                id: id.clone(),
                backing: (!flattened).then(|| resolved.disk.clone()),
                source: resolved.id.clone(),
                kernel: resolved.kernel.clone(),
                initrd: resolved.initrd.clone(),
                kernel_args: resolved.kernel_args.clone(),
                fingerprint: cx.fingerprint.to_string(),
            };
            write_json(&store.image_meta(&id), &meta)?;
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            cx.log.note(&format!("built {id}"));
            cx.built = Some(Built {
                log: store.image_log(&id),
                id,
                path,
                size,
                warnings: Vec::new(),
            });
            Ok(())
        })
    }
}
