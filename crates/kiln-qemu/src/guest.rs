//! The per-boot data a guest reads through fw_cfg (`docs/qemu-guest.md`): hostname,
//! authorized keys, a host key (so Kiln can pin it), static addresses and user data.
//! Written as files in the VM's run directory and passed with `-fw_cfg`.

use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct GuestConfig {
    pub hostname: Option<String>,
    pub authorized_keys: Vec<String>,
    /// OpenSSH private key text.
    pub host_key: Option<String>,
    /// (interface, "address/prefix").
    pub addresses: Vec<(String, String)>,
    pub user_data: Option<String>,
}

impl GuestConfig {
    /// Writes the files into `dir`; returns the fw_cfg entries (name → file).
    pub fn write(&self, dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
        let mut entries = Vec::new();
        let mut put = |name: &str, text: String, private: bool| -> Result<(), String> {
            let path = dir.join(format!("fw-{name}"));
            write_file(&path, text.as_bytes(), private)?;
            entries.push((name.to_string(), path));
            Ok(())
        };
        if let Some(h) = &self.hostname {
            put("hostname", format!("{h}\n"), false)?;
        }
        if !self.authorized_keys.is_empty() {
            put(
                "authorized_keys",
                self.authorized_keys.join("\n") + "\n",
                false,
            )?;
        }
        if let Some(k) = &self.host_key {
            put("host_key", k.clone(), true)?;
        }
        if !self.addresses.is_empty() {
            let lines: String = self
                .addresses
                .iter()
                .map(|(i, a)| format!("{i} {a}\n"))
                .collect();
            put("network", lines, false)?;
        }
        if let Some(u) = &self.user_data {
            put("user_data", u.clone(), true)?;
        }
        Ok(entries)
    }
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(if private { 0o600 } else { 0o644 })
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
