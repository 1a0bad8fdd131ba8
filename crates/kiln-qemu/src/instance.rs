//! `qemu_instance`: a long-running VM on an overlay of its image. QEMU runs as a daemon
//! that outlives Kiln; the store keeps its pid, QMP socket, console log and what it is
//! attached to (`InstanceMeta`), which refresh, firewalls and image deletion read.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use kiln_builtin::object::{attr, set_attr, str_attr};
use kiln_core::lang::Value;
use serde::{Deserialize, Serialize};

use crate::firewall::{self, Forward};
use crate::guest::GuestConfig;
use crate::network;
use crate::source;
use crate::store::{new_id, read_json, write_json, Store};
use crate::vm::{self, PrivateNic, VmSpec};
use crate::Settings;

/// What the store records of a running VM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceMeta {
    pub id: String,
    pub image: String,
    pub pid: u32,
    pub firewalls: Vec<String>,
    /// (network id, address) per private NIC, in order.
    pub nics: Vec<(String, String)>,
    pub forwards: Vec<Forward>,
    pub host_key: String,
}

pub fn meta_path(store: &Store, id: &str) -> std::path::PathBuf {
    store.instance_dir(id).join("meta.json")
}

/// How long a VM may take from start to `kiln: ready` on its console.
const BOOT_TIMEOUT: Duration = Duration::from_secs(180);
/// How long an ACPI power-down may take before QEMU is told to quit.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// Creates and boots the VM; returns its state value. On any failure nothing is left:
/// no process, no directory.
pub async fn create(
    settings: &Settings,
    config: &Value,
    default_hostname: &str,
) -> Result<Value, String> {
    let store = &settings.store;
    let image = str_attr(config, "image").ok_or("image is not set")?;
    let meta = source::image_meta(store, image)?;
    let id = new_id("vm");
    let dir = store.instance_dir(&id);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let result = boot(settings, config, default_hostname, &id, &meta).await;
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn boot(
    settings: &Settings,
    config: &Value,
    default_hostname: &str,
    id: &str,
    image: &source::ImageMeta,
) -> Result<Value, String> {
    let store = &settings.store;
    let dir = store.instance_dir(id);
    let disk = dir.join("disk.qcow2");
    let img = crate::qemu_img::binary(&settings.qemu);
    crate::qemu_img::create_overlay(&img, &format!("../../images/{}.qcow2", image.id), &disk)
        .await?;
    let firewalls = crate::values::strings(attr(config, "firewalls"));
    let host_key = kiln_ssh::generate_ed25519().map_err(|e| e.to_string())?;

    // Addresses and host ports are chosen under the store lock, and recorded before the
    // VM starts, so two instances created at once never get the same ones.
    let guard = store.lock().await;
    let rules = firewall::rules_of(store, &firewalls)?;
    let forwards = firewall::forwards_for(&rules, &[])?;
    let mut nics = Vec::new();
    for (i, n) in attr(config, "network_interface")
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let net = str_attr(n, "network").ok_or("network_interface needs network")?;
        let ip = network::allocate(store, net, str_attr(n, "ip"), id)?;
        nics.push((net.to_string(), ip, vm::mac_for(id, i)));
    }
    let mut meta = InstanceMeta {
        id: id.to_string(),
        image: image.id.clone(),
        pid: 0,
        firewalls: firewalls.clone(),
        nics: nics
            .iter()
            .map(|(n, ip, _)| (n.clone(), ip.clone()))
            .collect(),
        forwards: forwards.clone(),
        host_key: host_key.public_openssh.clone(),
    };
    write_json(&meta_path(store, id), &meta)?;
    drop(guard);

    let mut addresses = Vec::new();
    let mut private_nics = Vec::new();
    for (i, (net, ip, mac)) in nics.iter().enumerate() {
        let prefix = network::prefix_of(store, net)?;
        addresses.push((format!("eth{}", i + 1), format!("{ip}/{prefix}")));
        private_nics.push(PrivateNic {
            mac: mac.clone(),
            switch_socket: store.network_dir(net).join("switch.sock"),
            // The switch only talks to sockets inside its own directory.
            local_socket: store.network_dir(net).join(format!("{id}.sock")),
        });
    }
    let guest = GuestConfig {
        hostname: Some(
            str_attr(config, "hostname")
                .unwrap_or(default_hostname)
                .to_string(),
        ),
        authorized_keys: crate::values::strings(attr(config, "ssh_authorized_keys")),
        host_key: Some(host_key.private_openssh.to_string()),
        addresses,
        user_data: str_attr(config, "user_data").map(str::to_string),
    };
    let spec = VmSpec {
        qemu: settings.qemu.clone(),
        accel: settings.accel().await,
        memory_mb: crate::values::count(config, "memory", 256),
        cpus: crate::values::count(config, "cpus", 1),
        disk,
        kernel: image.kernel.as_ref().map(|k| store.images().join(k)),
        initrd: image.initrd.as_ref().map(|i| store.images().join(i)),
        kernel_args: image.kernel_args.clone(),
        fw_cfg: guest.write(&dir)?,
        forwards: forwards.iter().map(|f| (f.host, f.guest)).collect(),
        private_nics,
        run_dir: dir.clone(),
    };
    meta.pid = spec.spawn_daemon().await?;
    write_json(&meta_path(store, id), &meta)?;
    let pid = meta.pid;
    let booted = vm::wait_console(&spec.console_log(), "kiln: ready", BOOT_TIMEOUT, || {
        vm::is_running(pid, &dir)
    })
    .await;
    if let Err(e) = booted {
        vm::stop(pid, &dir, Duration::from_secs(1)).await;
        let _ = network::sync_all(settings, &nets_of(&meta));
        return Err(e);
    }
    if let Err(e) = network::sync_all(settings, &nets_of(&meta)) {
        // A VM the switch has no rules for must not keep running unrecorded: stop it,
        // as a failed boot is, and let the caller remove its directory.
        vm::stop(pid, &dir, Duration::from_secs(1)).await;
        let _ = network::sync_all(settings, &nets_of(&meta));
        return Err(e);
    }
    Ok(value_of(config, &meta, &spec.console_log(), "running"))
}

fn nets_of(meta: &InstanceMeta) -> Vec<String> {
    meta.nics.iter().map(|(n, _)| n.clone()).collect()
}

/// The state value: the configuration with every computed attribute filled in.
fn value_of(config: &Value, meta: &InstanceMeta, console: &Path, status: &str) -> Value {
    let mut v = config.clone();
    let ports: BTreeMap<String, Value> = meta
        .forwards
        .iter()
        .map(|f| (f.guest.to_string(), Value::int(i64::from(f.host))))
        .collect();
    let ssh = meta
        .forwards
        .iter()
        .find(|f| f.guest == 22)
        .map(|f| {
            Value::object_from([
                ("host", Value::string("127.0.0.1")),
                ("port", Value::int(i64::from(f.host))),
                ("user", Value::string("root")),
                ("host_key", Value::string(meta.host_key.clone())),
            ])
        })
        .unwrap_or(Value::null());
    if let Some(nics) = attr(config, "network_interface").and_then(Value::as_seq) {
        let filled: Vec<Value> = nics
            .iter()
            .zip(&meta.nics)
            .map(|(n, (_, ip))| set_attr(n.clone(), "ip", Value::string(ip.clone())))
            .collect();
        v = set_attr(v, "network_interface", Value::list(filled));
    }
    v = set_attr(v, "id", Value::string(meta.id.clone()));
    v = set_attr(
        v,
        "ip",
        meta.nics
            .first()
            .map(|(_, ip)| Value::string(ip.clone()))
            .unwrap_or(Value::null()),
    );
    v = set_attr(v, "host_ports", Value::map(ports));
    v = set_attr(v, "ssh", ssh);
    v = set_attr(
        v,
        "console_log",
        Value::string(console.display().to_string()),
    );
    set_attr(v, "status", Value::string(status))
}

/// Refresh: the VM as it is. `None` when its record is gone; otherwise `status` says
/// whether it still runs ("running") or died or lost its disk, which the plan answers
/// with a replacement.
pub fn read(store: &Store, prior: &Value) -> Result<Option<Value>, String> {
    let Some(id) = str_attr(prior, "id") else {
        return Ok(None);
    };
    let Some(meta) = read_json::<InstanceMeta>(&meta_path(store, id))? else {
        return Ok(None);
    };
    let dir = store.instance_dir(id);
    let status = if !dir.join("disk.qcow2").exists() {
        "disk missing"
    } else if !vm::is_running(meta.pid, &dir) {
        "stopped"
    } else {
        "running"
    };
    Ok(Some(value_of(
        prior,
        &meta,
        &dir.join("console.log"),
        status,
    )))
}

/// Stops the VM (ACPI power-down, then quit, then kill) and removes everything of it.
pub async fn delete(settings: &Settings, prior: &Value) -> Result<(), String> {
    let store = &settings.store;
    let Some(id) = str_attr(prior, "id") else {
        return Ok(());
    };
    let dir = store.instance_dir(id);
    let meta = read_json::<InstanceMeta>(&meta_path(store, id))?;
    if let Some(m) = &meta {
        vm::stop(m.pid, &dir, STOP_GRACE).await;
    }
    std::fs::remove_dir_all(&dir)
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    if let Some(m) = meta {
        for net in nets_of(&m) {
            let _ = std::fs::remove_file(store.network_dir(&net).join(format!("{id}.sock")));
        }
        network::sync_all(settings, &nets_of(&m))?;
    }
    Ok(())
}

/// Applies a firewall's new rules to a running VM: adds and removes host forwards through
/// QMP and records them.
pub async fn apply_firewalls(store: &Store, meta: &mut InstanceMeta) -> Result<(), String> {
    let rules = firewall::rules_of(store, &meta.firewalls)?;
    let wanted = firewall::forwards_for(&rules, &meta.forwards)?;
    let dir = store.instance_dir(&meta.id);
    if vm::is_running(meta.pid, &dir) {
        let mut qmp = crate::qmp::Qmp::connect(&dir.join("qmp.sock")).await?;
        for old in meta.forwards.iter().filter(|f| !wanted.contains(f)) {
            qmp.hmp(&format!("hostfwd_remove net0 tcp:127.0.0.1:{}", old.host))
                .await?;
        }
        for new in wanted.iter().filter(|f| !meta.forwards.contains(f)) {
            qmp.hmp(&format!(
                "hostfwd_add net0 tcp:127.0.0.1:{}-:{}",
                new.host, new.guest
            ))
            .await
            .map_err(|e| {
                format!(
                    "publishing port {} on host port {}: {e}",
                    new.guest, new.host
                )
            })?;
        }
    }
    meta.forwards = wanted;
    write_json(&meta_path(store, &meta.id), meta)
}

/// The default hostname for an instance address: `web[0]` → `web-0`.
pub fn hostname_for(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    cleaned.trim_matches('-').to_string()
}
