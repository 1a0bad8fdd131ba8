//! Building a `qemu_image` as a list of steps on the shared runner ([`kiln_build::runner`]):
//!
//! 1. prepare the build files — [`prepare`]: source, `.build-<id>/` with keys, overlay
//! 2. boot the build machine — [`machine`]: QEMU as a daemon, SSH forwarded to a host port
//! 3. connect to the build machine — [`connect`]: the communicator
//! 4. run the provisioners — [`connect`]: [`kiln_build::provision`]
//! 5. power off the build machine — [`machine`]: a clean shutdown, so the disk is whole
//! 6. capture the disk — [`capture`]: the overlay, or flattened
//! 7. store the image — [`capture`]: `qimg-<digest>.qcow2` and `.json`
//!
//! Every temporary (the build files, the build machine) is recorded in the state before
//! it is made and forgotten once its cleanup removed it ([`temporaries`]); a build that
//! fails, is cancelled or is killed leaves nothing behind that the next run does not
//! remove. With `--on-error=abort`, a failed build keeps its machine running and says
//! how to reach it. The build's output streams to the run's output and to its log,
//! `.kiln/logs/<build id>.log` while it runs, moved beside the image when it succeeds.

mod capture;
mod connect;
mod context;
mod machine;
mod prepare;
pub mod temporaries;

use std::path::Path;

use kiln_build::runner::Runner;
use kiln_build::{BuildLog, BuildName, Communicator};
use kiln_builtin::object::attr;
use kiln_core::lang::Value;
use kiln_core::run::RunContext;

pub use context::Built;

use crate::source::ImageMeta;
use crate::store::{new_id, Store};
use crate::Settings;

/// Runs the whole build of the image `name` with `config`, reporting through `run`.
pub async fn build(
    settings: &Settings,
    name: BuildName,
    config: &Value,
    base_dir: &Path,
    fingerprint: &str,
    run: &RunContext,
) -> Result<Built, String> {
    let store = &settings.store;
    let communicator = Communicator::from_config(attr(config, "communicator"), base_dir)
        .map_err(|e| format!("communicator: {e}"))?;
    let build_id = new_id("build");
    let log = BuildLog::create(&store.build_log(&build_id), run.output.clone())?;
    let images = store.images();
    let mut cx = context::QemuBuild {
        settings,
        run,
        config,
        base_dir,
        fingerprint,
        name,
        communicator,
        log,
        dir: images.join(format!(".{build_id}")),
        overlay: images.join(format!(".{build_id}.qcow2")),
        build_id,
        resolved: None,
        key: None,
        host_key: None,
        fw_cfg: Vec::new(),
        vm: None,
        session: None,
        info: Default::default(),
        disk: None,
        built: None,
        recorded: Default::default(),
    };
    let runner = Runner::new()
        .step(prepare::Prepare)
        .step(machine::Boot)
        .step(connect::Connect)
        .step(connect::Provision)
        .step(machine::PowerOff)
        .step(capture::Capture)
        .step(capture::StoreImage);
    let outcome = runner.run(&mut cx, run.cancel.clone(), run.on_error).await;

    let Some(mut error) = outcome.error() else {
        let mut built = cx
            .built
            .take()
            .ok_or("the build ended without an image (a bug in Kiln)")?;
        built.warnings.extend(outcome.cleanup_warning());
        built.log = cx.log.finish(Some(&built.log));
        return Ok(built);
    };
    if outcome.kept() {
        error.push_str(
            "

",
        );
        match cx.how_to_reach() {
            Some(how) => error.push_str(&how),
            None => error.push_str("The next kiln apply removes what the build left."),
        }
    }
    let log = cx.log.finish(None);
    error.push_str(&format!(
        "

The whole output is in {}.",
        log.display()
    ));
    Err(error)
}

/// Whether anything still uses the image `id`: a VM's disk or another image built on it.
pub fn users_of(store: &Store, id: &str) -> Vec<String> {
    let mut users = Vec::new();
    let images: Vec<ImageMeta> = crate::store::read_all(&store.images(), false).unwrap_or_default();
    for m in images {
        if m.source == id && store.image_disk(&m.id).exists() {
            users.push(format!("image {}", m.id));
        }
    }
    let vms: Vec<crate::instance::InstanceMeta> =
        crate::store::read_all(&store.instances(), true).unwrap_or_default();
    for v in vms {
        if v.image == id {
            users.push(format!("instance {}", v.id));
        }
    }
    users
}

/// Removes a built image, unless VMs or other images still use it.
pub fn delete(store: &Store, id: &str) -> Result<(), String> {
    let users = users_of(store, id);
    if !users.is_empty() {
        return Err(format!(
            "The image {id} is still in use by {}. Destroy or replace those first.",
            users.join(", ")
        ));
    }
    for f in [
        store.image_disk(id),
        store.image_meta(id),
        store.image_log(id),
    ] {
        match std::fs::remove_file(&f) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(format!("cannot remove {}: {e}", f.display()))
            }
            _ => {}
        }
    }
    Ok(())
}
