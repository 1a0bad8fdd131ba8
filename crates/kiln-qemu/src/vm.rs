//! Starting and stopping QEMU virtual machines. Every QEMU command line Kiln runs is
//! built here, from a [`VmSpec`]; `docs/qemu-guest.md` says what the guest expects of it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::accel::Accel;
use crate::qmp::Qmp;

/// A NIC on a private network: a datagram socket to that network's switch.
#[derive(Debug, Clone)]
pub struct PrivateNic {
    pub mac: String,
    pub switch_socket: PathBuf,
    pub local_socket: PathBuf,
}

#[derive(Debug, Clone)]
pub struct VmSpec {
    pub qemu: PathBuf,
    pub accel: Accel,
    pub memory_mb: u64,
    pub cpus: u64,
    pub disk: PathBuf,
    pub kernel: Option<PathBuf>,
    pub initrd: Option<PathBuf>,
    pub kernel_args: String,
    /// `opt/kiln/<name>` → file, read by the guest at boot.
    pub fw_cfg: Vec<(String, PathBuf)>,
    /// Host port on 127.0.0.1 → guest TCP port.
    pub forwards: Vec<(u16, u16)>,
    pub private_nics: Vec<PrivateNic>,
    /// Holds `qmp.sock`, `qemu.pid` and `console.log`.
    pub run_dir: PathBuf,
}

impl VmSpec {
    pub fn qmp_socket(&self) -> PathBuf {
        self.run_dir.join("qmp.sock")
    }
    pub fn pid_file(&self) -> PathBuf {
        self.run_dir.join("qemu.pid")
    }
    pub fn console_log(&self) -> PathBuf {
        self.run_dir.join("console.log")
    }

    /// The user-mode netdev: outbound NAT for the guest, inbound only through forwards.
    fn user_netdev(&self) -> String {
        let mut s = "user,id=net0".to_string();
        for (host, guest) in &self.forwards {
            s.push_str(&format!(",hostfwd=tcp:127.0.0.1:{host}-:{guest}"));
        }
        s
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.qemu);
        c.args(["-machine", "q35", "-accel", self.accel.arg()])
            .args(["-m", &self.memory_mb.to_string()])
            .args(["-smp", &self.cpus.to_string()])
            .args(["-nodefaults", "-display", "none", "-no-reboot"])
            // Without an entropy source, key generation in the guest stalls for seconds.
            .args(["-device", "virtio-rng-pci"])
            .arg("-drive")
            .arg(format!(
                "file={},format=qcow2,if=virtio,cache=unsafe",
                self.disk.display()
            ))
            .args(["-netdev", &self.user_netdev()])
            .args(["-device", "virtio-net-pci,netdev=net0"])
            .arg("-qmp")
            .arg(format!(
                "unix:{},server=on,wait=off",
                self.qmp_socket().display()
            ))
            .arg("-serial")
            .arg(format!("file:{}", self.console_log().display()));
        if let Some(k) = &self.kernel {
            c.arg("-kernel").arg(k);
            if let Some(i) = &self.initrd {
                c.arg("-initrd").arg(i);
            }
            c.args(["-append", &self.kernel_args]);
        }
        for (name, file) in &self.fw_cfg {
            c.arg("-fw_cfg")
                .arg(format!("name=opt/kiln/{name},file={}", file.display()));
        }
        for (i, nic) in self.private_nics.iter().enumerate() {
            let id = format!("priv{i}");
            c.arg("-netdev").arg(format!(
                "dgram,id={id},local.type=unix,local.path={},remote.type=unix,remote.path={}",
                nic.local_socket.display(),
                nic.switch_socket.display()
            ));
            c.arg("-device")
                .arg(format!("virtio-net-pci,netdev={id},mac={}", nic.mac));
        }
        c.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        c
    }

    /// Starts a VM as a daemon that outlives Kiln (a long-running instance, or a build
    /// machine that `--on-error=abort` may keep); returns its pid.
    pub async fn spawn_daemon(&self) -> Result<u32, String> {
        let mut c = self.command();
        c.arg("-daemonize").arg("-pidfile").arg(self.pid_file());
        let out = c.output().await.map_err(|e| spawn_error(&self.qemu, e))?;
        if !out.status.success() {
            return Err(qemu_error(&String::from_utf8_lossy(&out.stderr)));
        }
        let pid = crate::process::read_pid_file(&self.pid_file())
            .ok_or_else(|| "QEMU started but wrote no pid file".to_string())?;
        Ok(pid)
    }
}

fn spawn_error(qemu: &Path, e: std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        format!(
            "QEMU was not found at \"{}\". Install it (Debian/Ubuntu: apt-get install qemu-system-x86 qemu-utils) or set qemu_binary in the provider \"qemu\" block.",
            qemu.display()
        )
    } else {
        format!("cannot start {}: {e}", qemu.display())
    }
}

/// QEMU's complaint, made actionable where Kiln knows the cause.
pub fn qemu_error(stderr: &str) -> String {
    let text = stderr.trim();
    if text.contains("Could not set up host forwarding rule") {
        return format!("A host port is already taken by another program: {text}. Choose another host_port, or free it.");
    }
    if text.is_empty() {
        "QEMU exited without saying why".into()
    } else {
        format!("QEMU failed: {text}")
    }
}

/// Whether `pid` is a live QEMU process running in `run_dir` (a zombie or a recycled pid
/// is not).
pub fn is_running(pid: u32, run_dir: &Path) -> bool {
    if crate::process::is_gone(pid) {
        return false;
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let needle = run_dir.to_string_lossy();
    String::from_utf8_lossy(&cmdline).contains(needle.as_ref())
}

/// Stops a daemonized VM: ACPI power-down (the guest shuts down cleanly), then `quit`
/// after `grace`, then SIGKILL. Returns how it ended, for messages.
pub async fn stop(pid: u32, run_dir: &Path, grace: Duration) -> &'static str {
    if !is_running(pid, run_dir) {
        return "was not running";
    }
    let socket = run_dir.join("qmp.sock");
    if let Ok(mut qmp) = Qmp::connect(&socket).await {
        if qmp.execute("system_powerdown", None).await.is_ok()
            && wait_exit(pid, run_dir, grace).await
        {
            return "powered off";
        }
        let _ = qmp.execute("quit", None).await;
        if wait_exit(pid, run_dir, Duration::from_secs(5)).await {
            return "quit";
        }
    }
    crate::process::signal(pid, libc::SIGKILL);
    wait_exit(pid, run_dir, Duration::from_secs(5)).await;
    "killed"
}

/// Waits until the process is gone (or a zombie), polling.
pub async fn wait_exit(pid: u32, run_dir: &Path, timeout: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if !is_running(pid, run_dir) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    !is_running(pid, run_dir)
}

/// Waits for `marker` in the console log while `alive` says the VM runs. On failure, the
/// error carries the console's last lines.
pub async fn wait_console(
    log: &Path,
    marker: &str,
    timeout: Duration,
    mut alive: impl FnMut() -> bool,
) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let text = std::fs::read(log).unwrap_or_default();
        if String::from_utf8_lossy(&text).contains(marker) {
            return Ok(());
        }
        if !alive() {
            return Err(format!(
                "the VM stopped while booting. Its console ended with:\n{}",
                tail(&text, 15)
            ));
        }
        if start.elapsed() > timeout {
            return Err(format!(
                "the VM did not finish booting within {} s. Its console ended with:\n{}",
                timeout.as_secs(),
                tail(&text, 15)
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The last `n` lines of some output, for error messages.
pub fn tail(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let from = lines.len().saturating_sub(n);
    let out = lines[from..].join("\n");
    if out.trim().is_empty() {
        "(nothing)".into()
    } else {
        out
    }
}

/// A locally administered MAC derived from an id, so a VM keeps its MAC across restarts.
pub fn mac_for(id: &str, nic: usize) -> String {
    let h = blake3::hash(format!("{id}/{nic}").as_bytes());
    let b = h.as_bytes();
    format!("52:54:00:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2])
}

/// A free TCP port on 127.0.0.1, chosen by the kernel.
pub fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))
}

/// Whether something already listens on 127.0.0.1:`port`.
pub fn port_taken(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
}
