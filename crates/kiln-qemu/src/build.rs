//! Building a `qemu_image`: an overlay on the source is booted as a build machine with a
//! per-build SSH key, the provisioners run over SSH, the guest powers itself off cleanly,
//! and the disk is kept in the store under its content digest.
//!
//! The build machine is a child of this process (`kill_on_drop`), never a daemon, and
//! every temporary file lives in one `.build-*` directory that [`Build`]'s drop removes:
//! a build that fails or is cancelled leaves nothing behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;
use tokio::process::Child;

use crate::guest::GuestConfig;
use crate::provision::{self, BuildInfo, Log};
use crate::source::{self, ImageMeta};
use crate::store::{new_id, write_json, Store};
use crate::vm::{self, VmSpec};
use crate::Settings;

/// What a finished build produced.
pub struct Built {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
    pub log: PathBuf,
}

/// The temporary files of one build; removed on drop, whatever happened.
struct Build {
    dir: PathBuf,
    overlay: PathBuf,
    child: Option<Child>,
}

impl Drop for Build {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(&self.overlay);
    }
}

/// Runs the whole build of the image `name` (its address, for messages) with `config`.
pub async fn build(
    settings: &Settings,
    name: &str,
    config: &Value,
    base_dir: &Path,
    fingerprint: &str,
) -> Result<Built, String> {
    let store = &settings.store;
    std::fs::create_dir_all(store.images())
        .map_err(|e| format!("cannot create {}: {e}", store.images().display()))?;
    let source = str_attr(config, "source").ok_or("source is not set")?;
    let resolved = source::resolve(
        store,
        base_dir,
        source,
        str_attr(config, "source_checksum"),
        str_attr(config, "kernel"),
        str_attr(config, "initrd"),
        str_attr(config, "kernel_args"),
    )?;
    let build_id = new_id("build");
    let mut b = Build {
        dir: store.images().join(format!(".{build_id}")),
        overlay: store.images().join(format!(".{build_id}.qcow2")),
        child: None,
    };
    std::fs::create_dir_all(&b.dir)
        .map_err(|e| format!("cannot create {}: {e}", b.dir.display()))?;
    let img = crate::qemu_img::binary(&settings.qemu);
    crate::qemu_img::create_overlay(&img, &resolved.disk, &b.overlay).await?;

    let key = kiln_ssh::generate_ed25519().map_err(|e| e.to_string())?;
    let key_file = b.dir.join("id_ed25519");
    key.write_private(&key_file).map_err(|e| e.to_string())?;
    let host_key = kiln_ssh::generate_ed25519().map_err(|e| e.to_string())?;
    let guest = GuestConfig {
        hostname: Some("kiln-build".into()),
        authorized_keys: vec![key.public_openssh.clone()],
        host_key: Some(host_key.private_openssh.to_string()),
        ..Default::default()
    };
    let fw_cfg = guest.write(&b.dir)?;
    let mut log = Log::create(&b.dir.join("build.log"))?;
    log.note(&format!("building {name} from {source}"));

    let port = vm::free_port()?;
    let spec = VmSpec {
        qemu: settings.qemu.clone(),
        accel: settings.accel().await,
        memory_mb: crate::values::count(config, "memory", 256),
        cpus: crate::values::count(config, "cpus", 1),
        disk: b.overlay.clone(),
        kernel: resolved.kernel.as_ref().map(|k| store.images().join(k)),
        initrd: resolved.initrd.as_ref().map(|i| store.images().join(i)),
        kernel_args: resolved.kernel_args.clone(),
        fw_cfg,
        forwards: vec![(port, 22)],
        private_nics: Vec::new(),
        run_dir: b.dir.clone(),
    };
    b.child = Some(spec.spawn_child()?);

    let comm = attr(config, "communicator")
        .cloned()
        .unwrap_or(Value::null());
    let user = str_attr(&comm, "username").unwrap_or("root").to_string();
    let timeout = match str_attr(&comm, "timeout") {
        Some(t) => provision::parse_duration(t)
            .ok_or_else(|| format!("communicator timeout \"{t}\" is not a duration"))?,
        None => Duration::from_secs(300),
    };
    let mut target = kiln_ssh::Target::new(
        "127.0.0.1",
        port,
        user.clone(),
        kiln_ssh::Auth::Key(key.private_key()),
    );
    target.host_key = Some(host_key.public_openssh.clone());
    target.connect_timeout = timeout;
    let session = tokio::select! {
        s = kiln_ssh::connect(&target) => s.map_err(|e| format!(
            "the build machine never answered SSH: {e}. Its console ended with:\n{}",
            console_tail(&spec)
        ))?,
        exit = wait_child(&mut b) => return Err(format!(
            "the build machine stopped before SSH answered ({exit}). Its console ended with:\n{}",
            console_tail(&spec)
        )),
    };
    log.note(&format!("connected to {user}@127.0.0.1:{port}"));
    let info = BuildInfo {
        host: "127.0.0.1".into(),
        port,
        user,
        key_file: key_file.clone(),
        id: build_id.clone(),
        name: name.to_string(),
    };
    let provisioners = attr(config, "provisioners")
        .and_then(Value::as_seq)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    provision::run_all(&session, &provisioners, base_dir, &info, &mut log).await?;

    log.note("powering off");
    let mut ignore = |_: kiln_ssh::Stream, _: &[u8]| {};
    // The connection drops as the machine goes down: no exit status is expected.
    let _ = session.exec("/sbin/kiln-poweroff", None, &mut ignore).await;
    let _ = session.close().await;
    let stopped = tokio::time::timeout(Duration::from_secs(60), wait_child(&mut b)).await;
    if stopped.is_err() {
        return Err(format!(
            "the build machine did not power off within 60 s after /sbin/kiln-poweroff, so its disk may not be clean. Its console ended with:\n{}",
            console_tail(&spec)
        ));
    }
    b.child = None;

    let flatten = attr(config, "flatten")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let disk = if flatten {
        let flat = b.dir.join("flat.qcow2");
        crate::qemu_img::flatten(&img, &b.overlay, &flat).await?;
        flat
    } else {
        b.overlay.clone()
    };
    let digest = source::file_digest(&disk)?;
    let id = format!("qimg-{}", &digest[..16]);
    let path = store.image_disk(&id);
    std::fs::rename(&disk, &path)
        .map_err(|e| format!("cannot move the image to {}: {e}", path.display()))?;
    let meta = ImageMeta {
        id: id.clone(),
        backing: (!flatten).then(|| resolved.disk.clone()),
        source: resolved.id.clone(),
        kernel: resolved.kernel.clone(),
        initrd: resolved.initrd.clone(),
        kernel_args: resolved.kernel_args.clone(),
        fingerprint: fingerprint.to_string(),
    };
    write_json(&store.image_meta(&id), &meta)?;
    log.note(&format!("built {id}"));
    drop(log);
    let log_path = store.image_log(&id);
    let _ = std::fs::rename(b.dir.join("build.log"), &log_path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok(Built {
        id,
        path,
        size,
        log: log_path,
    })
}

async fn wait_child(b: &mut Build) -> String {
    match &mut b.child {
        Some(c) => match c.wait().await {
            Ok(s) => {
                let mut stderr = String::new();
                if let Some(mut e) = c.stderr.take() {
                    use tokio::io::AsyncReadExt;
                    let _ = e.read_to_string(&mut stderr).await;
                }
                if stderr.trim().is_empty() {
                    format!("QEMU exited with {s}")
                } else {
                    vm::qemu_error(&stderr)
                }
            }
            Err(e) => format!("cannot wait for QEMU: {e}"),
        },
        None => std::future::pending().await,
    }
}

fn console_tail(spec: &VmSpec) -> String {
    vm::tail(&std::fs::read(spec.console_log()).unwrap_or_default(), 15)
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
