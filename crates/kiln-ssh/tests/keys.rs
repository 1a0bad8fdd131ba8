//! Key loading against keys made by OpenSSH's own `ssh-keygen`, where that is installed.

use std::path::Path;
use std::process::Command;

use kiln_ssh::private_key_file;

/// Makes a key with ssh-keygen; `false` (after printing why) when ssh-keygen is missing.
fn keygen(kind: &str, path: &Path) -> bool {
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", "fixture", "-f"])
        .arg(path)
        .status();
    if made.is_ok_and(|status| status.success()) {
        return true;
    }
    eprintln!("SKIPPED: ssh-keygen not available");
    false
}

#[test]
fn openssh_ed25519_and_ecdsa_keys_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    for kind in ["ed25519", "ecdsa"] {
        let path = dir.path().join(kind);
        if !keygen(kind, &path) {
            return;
        }
        let key = private_key_file(&path).expect("load");
        let public = std::fs::read_to_string(path.with_extension("pub")).expect("read .pub");
        assert_eq!(key.public_openssh().expect("public"), public.trim());
    }
}

/// RSA keys must be refused when loaded, not fail later at every connection attempt.
#[test]
fn rsa_keys_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("id_rsa");
    if !keygen("rsa", &path) {
        return;
    }
    let msg = private_key_file(&path)
        .map(|_| ())
        .expect_err("rsa")
        .to_string();
    assert!(
        msg.starts_with(&format!("the private key file {} is not", path.display())),
        "{msg}"
    );
    assert!(
        msg.ends_with("ssh-rsa keys are not supported; use an ed25519 or ECDSA key"),
        "{msg}"
    );
}
