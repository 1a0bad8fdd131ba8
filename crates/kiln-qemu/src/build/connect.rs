//! Step 3, "connect to the build machine" (the communicator: SSH to the forwarded port,
//! or with `communicator "none"` just waiting for the guest to finish booting), and
//! step 4, "run the provisioners".

use std::time::Duration;

use kiln_build::runner::{Step, StepFuture};
use kiln_build::{run_all, BuildInfo, Communicator, Machine, Provisioning, Stdin};
use kiln_builtin::object::attr;
use kiln_core::lang::Value;

use super::context::QemuBuild;
use crate::vm;

/// What the base image prints on its console when it has booted (docs/qemu-guest.md).
const READY_MARKER: &str = "kiln: ready";

pub struct Connect;

impl<'a> Step<QemuBuild<'a>> for Connect {
    fn name(&self) -> &str {
        "connect to the build machine"
    }

    fn run<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let (pid, port) = cx
                .vm
                .as_ref()
                .map(|v| (v.pid, v.port))
                .ok_or("no build machine to connect to (a bug in Kiln)")?;
            cx.info = BuildInfo {
                id: cx.build_id.clone(),
                name: cx.name.address.clone(),
                ..Default::default()
            };
            let dir = cx.dir.clone();
            let ssh = match &cx.communicator {
                Communicator::Ssh(ssh) => ssh.clone(),
                Communicator::None => {
                    cx.log.note(
                        "communicator \"none\": waiting for the machine to boot, not connecting",
                    );
                    let timeout = kiln_build::communicator::DEFAULT_TIMEOUT;
                    return vm::wait_console(&cx.console_log(), READY_MARKER, timeout, || {
                        vm::is_running(pid, &dir)
                    })
                    .await;
                }
            };
            let key = cx.key.as_ref().map(|k| k.private_key());
            let machine = Machine {
                host: "127.0.0.1".into(),
                port,
                default_user: "root",
                generated_key: key.as_ref(),
                host_key: cx.host_key.as_deref(),
            };
            let target = ssh.target(&machine)?;
            cx.info.host = machine.host.clone();
            cx.info.port = port;
            cx.info.user = target.user.clone();
            cx.info.password = ssh.password.clone().unwrap_or_default();
            cx.info.key_file = Some(
                ssh.private_key_file
                    .clone()
                    .unwrap_or_else(|| cx.key_file()),
            );
            let stopped = async {
                while vm::is_running(pid, &dir) {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            };
            let session = tokio::select! {
                s = kiln_ssh::connect(&target) => s.map_err(|e| format!(
                    "the build machine never answered SSH: {e}. Its console ended with:\n{}",
                    cx.console_tail()
                ))?,
                () = stopped => return Err(format!(
                    "the build machine stopped before SSH answered. Its console ended with:\n{}",
                    cx.console_tail()
                )),
            };
            cx.log
                .note(&format!("connected to {}@127.0.0.1:{port}", target.user));
            cx.session = Some(session);
            Ok(())
        })
    }

    fn cleanup<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            if let Some(s) = cx.session.take() {
                // The machine may be gone already; a failed goodbye changes nothing.
                let _ = s.close().await;
            }
            Ok(())
        })
    }
}

pub struct Provision;

impl<'a> Step<QemuBuild<'a>> for Provision {
    fn name(&self) -> &str {
        "run the provisioners"
    }

    fn run<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let provisioners = attr(cx.config, "provisioners")
                .and_then(Value::as_seq)
                .unwrap_or_default();
            let env = Provisioning {
                session: cx.session.as_ref(),
                base_dir: cx.base_dir,
                build: &cx.info,
                name: &cx.name,
                log: &cx.log,
                console: &Stdin,
            };
            run_all(provisioners, env).await.map_err(|e| e.to_string())
        })
    }
}
