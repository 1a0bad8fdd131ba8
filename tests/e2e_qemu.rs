//! The qemu provider end to end, with real VMs under QEMU: the quickstart example applied,
//! its page fetched from the published ports, a provisioner script edited (image rebuilt,
//! instances replaced), a VM killed behind Kiln's back (drift, replacement), a firewall
//! rule added in place, a taken host port refused, and destroy leaving nothing running.
//!
//! One scenario shares one base image (made once by `scripts/make-base-image`, cached in
//! the target directory) and boots small guests, so the file takes about a minute or two.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use support::vm::{alive, base_dir, qemu_pids, KillOnDrop};
use support::{kiln, state_pull};

/// A copy of examples/quickstart in a fresh directory.
fn quickstart() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    for f in ["main.hcl", "app/install.sh"] {
        let to = dir.path().join(f);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(src.join(f), &to).expect("copy the example");
    }
    dir
}

fn base_var() -> String {
    format!("base_dir={}", base_dir().display())
}

fn http_get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the published port");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

/// The instance objects in the state, by index key.
fn instances(dir: &Path) -> Vec<serde_json::Value> {
    let state = state_pull(dir);
    let mut out = Vec::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["type"] == "qemu_instance" && r["name"] == "web" {
            for i in r["instances"].as_array().into_iter().flatten() {
                if i["deposed"].is_null() || i["deposed"] == "" {
                    out.push(i["attributes"].clone());
                }
            }
        }
    }
    out
}

fn host_port(inst: &serde_json::Value, guest: &str) -> Option<u16> {
    inst["host_ports"][guest].as_u64().map(|p| p as u16)
}

fn pages(dir: &Path) -> Vec<String> {
    instances(dir)
        .iter()
        .map(|i| http_get(host_port(i, "80").expect("port 80 is published")))
        .collect()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write");
}

#[test]
fn quickstart_builds_serves_replaces_and_cleans_up() {
    let tmp = quickstart();
    let dir = tmp.path();
    let _cleanup = KillOnDrop(dir.to_path_buf());
    // A key to log in with once port 22 is published (step 5).
    let key = dir.join("id_ed25519");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .expect("ssh-keygen runs (openssh-client)");
    assert!(made.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("public key");
    std::fs::write(
        dir.join("test.auto.vars.hcl"),
        format!("ssh_authorized_keys = [\"{}\"]\n", public.trim()),
    )
    .expect("write vars");
    let var = base_var();
    let v = ["--var", var.as_str()];
    let with = |args: &[&str]| -> Vec<String> {
        args.iter().chain(v.iter()).map(|s| s.to_string()).collect()
    };
    let args = |a: &[&str]| with(a);
    let call = |a: &[&str]| {
        let a = args(a);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        kiln(dir, &a)
    };
    let apply_ok = || {
        let r = call(&["apply", "--auto-approve"]);
        assert_eq!(r.code, 0, "apply:\n{}", r.all());
    };

    // 1. Build the chained image, boot two instances, reach their published port.
    let r = call(&["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "first apply:\n{}", r.all());
    for page in pages(dir) {
        assert!(page.contains("version 1.0"), "page: {page}");
        assert!(page.contains("environment dev"), "page: {page}");
    }
    let first = qemu_pids(dir);
    assert_eq!(first.len(), 2, "two VMs run");
    let images: Vec<String> = std::fs::read_dir(dir.join(".kiln/images"))
        .expect("image store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        images
            .iter()
            .filter(|n| n.starts_with("qimg-") && n.ends_with(".qcow2"))
            .count()
            == 2,
        "base and app images in the store: {images:?}"
    );

    // The base was flattened (standalone); the app is an overlay backed by the base.
    let state = state_pull(dir);
    let image_attr = |name: &str, key: &str| -> String {
        state["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["type"] == "qemu_image" && r["name"] == name)
            .and_then(|r| r["instances"][0]["attributes"][key].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let backing = |path: &str| -> Option<String> {
        let out = std::process::Command::new("qemu-img")
            .args(["info", "-U", "--output=json", path])
            .output()
            .expect("qemu-img runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "qemu-img info {path}: {e}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        v["backing-filename"].as_str().map(str::to_string)
    };
    // (The harness shows the directory as [DIR]: the store path is rebuilt from the id.)
    let disk = |name: &str| {
        dir.join(format!(".kiln/images/{}.qcow2", image_attr(name, "id")))
            .display()
            .to_string()
    };
    assert_eq!(backing(&disk("base")), None, "base is standalone");
    assert_eq!(
        backing(&disk("app")),
        Some(format!("{}.qcow2", image_attr("base", "id"))),
        "app is chained on base"
    );

    // 2. No change: exit 0, and no VM is started or stopped.
    let r = call(&["plan", "--detailed-exitcode"]);
    assert_eq!(r.code, 0, "no-change plan:\n{}", r.all());
    assert_eq!(qemu_pids(dir), first);

    // 3. Edit the app's provisioner script: the image is rebuilt, both instances replaced.
    edit(
        &dir.join("app/install.sh"),
        "VERSION=\"1.0\"",
        "VERSION=\"2.0\"",
    );
    let r = call(&["plan", "--detailed-exitcode"]);
    assert_eq!(r.code, 2, "plan after the edit:\n{}", r.all());
    let out = r.all();
    assert!(out.contains("# qemu_image.app must be replaced"), "{out}");
    assert!(out.contains("fingerprint"), "{out}");
    assert!(
        out.contains("# qemu_instance.web[0] must be replaced"),
        "{out}"
    );
    assert!(
        out.contains("# qemu_instance.web[1] must be replaced"),
        "{out}"
    );
    assert!(!out.contains("qemu_image.base must be replaced"), "{out}");
    apply_ok();
    for page in pages(dir) {
        assert!(page.contains("version 2.0"), "new page: {page}");
    }
    for pid in &first {
        assert!(!alive(*pid), "the old VM {pid} is gone");
    }

    // 4. Kill a VM behind Kiln's back: the plan reports drift and replaces it.
    let victim = instances(dir)[0]["id"].as_str().expect("id").to_string();
    let pid: u32 = std::fs::read_to_string(dir.join(format!(".kiln/instances/{victim}/qemu.pid")))
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    support::send_signal(pid, "KILL");
    let r = call(&["plan"]);
    let out = r.all();
    assert!(
        out.contains("Objects have changed outside of Kiln"),
        "{out}"
    );
    assert!(out.contains("\"stopped\""), "{out}");
    assert!(out.contains("must be replaced"), "{out}");
    assert!(
        out.contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{out}"
    );
    let r = call(&["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "apply after the kill:\n{}", r.all());
    assert_eq!(pages(dir).len(), 2);
    assert_eq!(qemu_pids(dir).len(), 2);

    // 5. Firewall: port 22 has no rule, so nothing publishes it. Adding the rule changes the
    // firewall in place; the instances stay and the port becomes reachable.
    let before: Vec<String> = instances(dir)
        .iter()
        .map(|i| i["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(instances(dir).iter().all(|i| host_port(i, "22").is_none()));
    edit(
        &dir.join("main.hcl"),
        "resource \"qemu_firewall\" \"web\" {",
        "resource \"qemu_firewall\" \"web\" {\n  ingress {\n    port = 22\n    from = \"host\"\n  }",
    );
    let r = call(&["plan"]);
    let out = r.all();
    assert!(
        out.contains("qemu_firewall.web will be updated in-place"),
        "{out}"
    );
    assert!(
        out.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{out}"
    );
    apply_ok();
    // The next refresh records the newly published port.
    apply_ok();
    let after = instances(dir);
    let ids: Vec<String> = after
        .iter()
        .map(|i| i["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, before, "no instance was replaced");
    for i in &after {
        let port = host_port(i, "22").expect("port 22 is published now");
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to ssh");
        s.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut banner = [0u8; 4];
        s.read_exact(&mut banner).expect("a banner");
        assert_eq!(&banner, b"SSH-");
    }

    // Between VMs, the switch admits only what the firewall allows: port 80 from the
    // network's cidr, not port 22.
    let peer_ip = after[1]["ip"].as_str().expect("private ip").to_string();
    let ssh_port = host_port(&after[0], "22").expect("port 22");
    let in_vm = |command: &str| -> String {
        let out = std::process::Command::new("ssh")
            .args([
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
            ])
            .args(["-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-i"])
            .arg(&key)
            .args(["-p", &ssh_port.to_string(), "root@127.0.0.1", command])
            .output()
            .expect("ssh runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let allowed = in_vm(&format!(
        "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 10 nc {peer_ip} 80"
    ));
    assert!(
        allowed.contains("Hello from Kiln"),
        "port 80 between VMs: {allowed:?}"
    );
    let blocked = in_vm(&format!("timeout 5 nc {peer_ip} 22 </dev/null; echo done"));
    assert!(
        !blocked.contains("SSH-"),
        "port 22 between VMs must be blocked: {blocked:?}"
    );
    assert!(blocked.contains("done"), "the ssh command ran: {blocked:?}");

    // 6. A host port already taken is a clear error, and leaves no VM or directory behind.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let main = dir.join("main.hcl");
    let original = std::fs::read_to_string(&main).expect("read");
    std::fs::write(
        &main,
        format!(
            "{original}\nresource \"qemu_firewall\" \"taken\" {{\n  ingress {{\n    port = 80\n    from = \"host\"\n    host_port = {port}\n  }}\n}}\n\nresource \"qemu_instance\" \"extra\" {{\n  image     = qemu_image.app.id\n  firewalls = [qemu_firewall.taken.id]\n}}\n"
        ),
    )
    .expect("write");
    let vms_before = std::fs::read_dir(dir.join(".kiln/instances"))
        .expect("ls")
        .count();
    let r = call(&["apply", "--auto-approve"]);
    assert_eq!(r.code, 1, "apply with a taken port:\n{}", r.all());
    assert!(
        r.all().contains(&format!("host port {port}")),
        "{}",
        r.all()
    );
    assert!(r.all().contains("already taken"), "{}", r.all());
    assert_eq!(qemu_pids(dir).len(), 2, "no third VM");
    assert_eq!(
        std::fs::read_dir(dir.join(".kiln/instances"))
            .expect("ls")
            .count(),
        vms_before,
        "no directory left by the failed instance"
    );
    drop(taken);
    std::fs::write(&main, original).expect("write");

    // 7. Destroy: no qemu process, overlay, socket or pid file left; only the imported base
    // stays in the image store.
    let r = call(&["destroy", "--auto-approve"]);
    assert_eq!(r.code, 0, "destroy:\n{}", r.all());
    assert!(qemu_pids(dir).is_empty(), "no VM runs");
    for sub in ["instances", "networks", "firewalls"] {
        let left: Vec<_> = std::fs::read_dir(dir.join(".kiln").join(sub))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{sub} left behind: {left:?}");
    }
    let left: Vec<String> = std::fs::read_dir(dir.join(".kiln/images"))
        .expect("image store")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("base-"))
        .collect();
    assert!(left.is_empty(), "only the imported base stays: {left:?}");
}

#[test]
fn bad_input_fails_at_plan_and_starts_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    std::fs::write(
        dir.join("main.hcl"),
        "resource \"qemu_instance\" \"vm\" {\n  image = \"qimg-0000000000000000\"\n}\n",
    )
    .expect("write");
    let r = kiln(dir, &["plan"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.all().contains("Unknown image"), "{}", r.all());
    assert!(
        r.all()
            .contains("There is no image \"qimg-0000000000000000\""),
        "{}",
        r.all()
    );

    let base = base_dir().display().to_string();
    std::fs::write(
        dir.join("main.hcl"),
        format!(
            "provider \"qemu\" {{\n  qemu_binary = \"/nonexistent/qemu-system-x86_64\"\n}}\n\nresource \"qemu_image\" \"base\" {{\n  source = \"{base}/base.qcow2\"\n  kernel = \"{base}/vmlinuz\"\n  initrd = \"{base}/initrd.img\"\n}}\n"
        ),
    )
    .expect("write");
    let r = kiln(dir, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.all().contains("QEMU not found"), "{}", r.all());
    assert!(
        r.all().contains("/nonexistent/qemu-system-x86_64"),
        "{}",
        r.all()
    );
    assert!(qemu_pids(dir).is_empty());
    assert!(
        !dir.join(".kiln/images").exists()
            || std::fs::read_dir(dir.join(".kiln/images"))
                .map(|d| d.count())
                .unwrap_or(0)
                == 0
    );
}
