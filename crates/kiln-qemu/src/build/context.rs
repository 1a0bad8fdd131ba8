//! The typed context the qemu build's steps share: what the build was asked for, and
//! what each step has made so far. A step sets a field as soon as the thing exists, so
//! the cleanups (which may run after any await point was cancelled) see exactly what to
//! undo.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_build::runner::StepContext;
use kiln_build::{BuildInfo, BuildLog, BuildName, Communicator};
use kiln_core::lang::Value;
use kiln_core::run::{RunContext, Temporary};
use kiln_ssh::{KeyPair, Session};

use crate::source::Resolved;
use crate::Settings;

/// What a finished build produced.
pub struct Built {
    pub id: String,
    pub path: PathBuf,
    pub size: u64,
    pub log: PathBuf,
    /// Cleanups that failed after the image was stored; its temporaries stay recorded,
    /// and the next run removes them.
    pub warnings: Vec<String>,
}

/// The build machine while it runs.
pub struct BuildVm {
    pub pid: u32,
    /// The host port forwarded to the guest's SSH port.
    pub port: u16,
}

pub struct QemuBuild<'a> {
    // What the build was asked for.
    pub settings: &'a Settings,
    pub run: &'a RunContext,
    pub config: &'a Value,
    pub base_dir: &'a Path,
    pub fingerprint: &'a str,
    pub name: BuildName,
    pub communicator: Communicator,
    pub log: BuildLog,
    pub build_id: String,
    /// `.kiln/images/.build-<id>/`: keys, fw_cfg files, QEMU's pid, socket and console.
    pub dir: PathBuf,
    /// `.kiln/images/.build-<id>.qcow2`, beside the images it is backed by.
    pub overlay: PathBuf,

    // What the steps made, in order.
    pub resolved: Option<Resolved>,
    pub key: Option<KeyPair>,
    /// The host key's public line, pinned when connecting.
    pub host_key: Option<String>,
    pub fw_cfg: Vec<(String, PathBuf)>,
    pub vm: Option<BuildVm>,
    pub session: Option<Session>,
    pub info: BuildInfo,
    /// The finished disk, ready to be stored.
    pub disk: Option<PathBuf>,
    pub built: Option<Built>,
    /// Ids of the temporaries recorded and not yet forgotten.
    pub recorded: BTreeSet<String>,
}

impl StepContext for QemuBuild<'_> {
    fn note(&mut self, line: &str) {
        self.log.note(line);
    }
}

impl QemuBuild<'_> {
    /// The per-build private key, which stays in the build directory.
    pub fn key_file(&self) -> PathBuf {
        self.dir.join("id_ed25519")
    }

    pub fn console_log(&self) -> PathBuf {
        self.dir.join("console.log")
    }

    /// The last lines of the build machine's console, for errors.
    pub fn console_tail(&self) -> String {
        crate::vm::tail(&std::fs::read(self.console_log()).unwrap_or_default(), 15)
    }

    /// Records `t` durably before what it describes is made (again, to update it).
    pub async fn record(&mut self, t: Temporary) -> Result<(), String> {
        let what = t.description.clone();
        let id = t.id.clone();
        self.run
            .temporaries
            .record(t)
            .await
            .map_err(|e| format!("cannot record {what} in the state before making it: {e}"))?;
        self.recorded.insert(id);
        Ok(())
    }

    /// Forgets a temporary that is gone; nothing to do if it was never recorded.
    pub async fn forget(&mut self, id: String) -> Result<(), String> {
        if !self.recorded.contains(&id) {
            return Ok(());
        }
        self.run
            .temporaries
            .forget(id.clone())
            .await
            .map_err(|e| format!("{id} is gone, but the state could not be updated: {e}"))?;
        self.recorded.remove(&id);
        Ok(())
    }

    /// How to reach the kept build machine, for `--on-error=abort`.
    pub fn how_to_reach(&self) -> Option<String> {
        let vm = self.vm.as_ref()?;
        let mut text = format!(
            "The build machine is still running (QEMU pid {}, console log {}).",
            vm.pid,
            self.console_log().display()
        );
        if let Some(ssh) = self.communicator.ssh() {
            let key = ssh
                .private_key_file
                .clone()
                .unwrap_or_else(|| self.key_file());
            let user = self.info.user.clone();
            let user = if user.is_empty() { "root".into() } else { user };
            text.push_str(&format!(
                " Reach it with:\n\n    ssh -i {} -p {} {user}@127.0.0.1\n",
                key.display(),
                vm.port
            ));
        }
        text.push_str(
            "\nThe next kiln apply stops it and removes its files, as it removes everything a failed build left.",
        );
        Some(text)
    }
}
