//! qemu provider benchmarks, with real VMs and the real `kiln` binary:
//!
//! 1. making the base image (`scripts/make-base-image`, packages already downloaded);
//! 2. building an image with a trivial provisioner (`inline = ["true"]`);
//! 3. booting an instance until it is ready (SSH up, `kiln: ready` on its console);
//! 4. the quickstart's full apply from zero (two images, network, firewall, two VMs);
//! 5. a second apply with no changes (must start no VM).
//!
//! Run: `cargo bench --bench qemu` (figures go to docs/benchmarks.md). Needs QEMU; under
//! `cargo test` (no --bench argument) it does nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn kiln(dir: &Path, args: &[&str]) -> f64 {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("kiln runs: {e}"));
    let secs = t.elapsed().as_secs_f64();
    if !out.status.success() {
        panic!(
            "kiln {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    secs
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn make_base(out: &Path) -> f64 {
    let t = Instant::now();
    let ok = Command::new("bash")
        .arg(repo().join("scripts/make-base-image"))
        .arg(out)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "make-base-image failed");
    t.elapsed().as_secs_f64()
}

fn qemu_count(dir: &Path) -> usize {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    let c = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
                    let c = String::from_utf8_lossy(&c);
                    c.contains("qemu-system") && c.contains(&needle)
                })
                .count()
        })
        .unwrap_or(0)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let work = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let base = work.path().join("base");
    // Reuse downloaded packages, as a second run on a machine does.
    if let Some(cached) = std::env::var_os("KILN_BASE_DIR") {
        let debs = Path::new(&cached).join(".debs");
        if debs.is_dir() {
            let _ = Command::new("cp")
                .arg("-r")
                .arg(&debs)
                .arg(base.join(".debs"))
                .args(["-T"])
                .status();
        }
    }
    let _ = std::fs::create_dir_all(&base);
    let t_base = make_base(&base);
    println!("1. base image (packages cached): {t_base:.1} s");

    let var = format!("base_dir={}", base.display());
    let one = work.path().join("one");
    let _ = std::fs::create_dir_all(&one);
    let image = r#"variable "base_dir" {
  type = string
}

resource "qemu_image" "trivial" {
  source = "${var.base_dir}/base.qcow2"
  kernel = "${var.base_dir}/vmlinuz"
  initrd = "${var.base_dir}/initrd.img"
  provisioner "shell" {
    inline = ["true"]
  }
}
"#;
    std::fs::write(one.join("main.hcl"), image).unwrap_or_else(|e| panic!("write: {e}"));
    let t_image = kiln(&one, &["apply", "--auto-approve", "--var", &var]);
    println!("2. image build, trivial provisioner (kiln apply): {t_image:.1} s");

    let with_vm = format!(
        "{image}\nresource \"qemu_firewall\" \"ssh\" {{\n  ingress {{\n    port = 22\n    from = \"host\"\n  }}\n}}\n\nresource \"qemu_instance\" \"vm\" {{\n  image     = qemu_image.trivial.id\n  firewalls = [qemu_firewall.ssh.id]\n}}\n"
    );
    std::fs::write(one.join("main.hcl"), with_vm).unwrap_or_else(|e| panic!("write: {e}"));
    let t_boot = kiln(&one, &["apply", "--auto-approve", "--var", &var]);
    println!("3. instance boot to ready, SSH up (kiln apply): {t_boot:.1} s");
    kiln(&one, &["destroy", "--auto-approve", "--var", &var]);

    let qs = work.path().join("quickstart");
    for f in ["main.hcl", "app/install.sh"] {
        let to = qs.join(f);
        let _ = std::fs::create_dir_all(to.parent().unwrap_or(&qs));
        std::fs::copy(repo().join("examples/quickstart").join(f), &to)
            .unwrap_or_else(|e| panic!("copy: {e}"));
    }
    let t_full = kiln(&qs, &["apply", "--auto-approve", "--var", &var]);
    println!("4. quickstart apply from zero: {t_full:.1} s");
    let before = qemu_count(&qs);
    let mut again = Vec::new();
    for _ in 0..5 {
        again.push(kiln(&qs, &["apply", "--auto-approve", "--var", &var]));
    }
    again.sort_by(f64::total_cmp);
    assert_eq!(qemu_count(&qs), before, "a no-change apply started no VM");
    println!(
        "5. second apply, no changes: median {:.3} s (min {:.3}, max {:.3}, 5 runs); VMs running before/after: {before}/{before}",
        again[2], again[0], again[4]
    );
    kiln(&qs, &["destroy", "--auto-approve", "--var", &var]);
}
