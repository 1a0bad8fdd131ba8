//! The build machine's life: step 2, "boot the build machine", starts QEMU on the
//! overlay — recorded before it starts, and again with its pid — as a daemon of its own,
//! so it outlives Kiln when `--on-error=abort` keeps it; its cleanup kills it. Step 5,
//! "power off the build machine", shuts the guest down cleanly so its disk can be kept.

use std::time::Duration;

use kiln_build::runner::{Step, StepFuture};

use super::context::{BuildVm, QemuBuild};
use super::temporaries;
use crate::vm::{self, VmSpec};

/// How long a guest may take to power off after being asked.
const POWER_OFF_GRACE: Duration = Duration::from_secs(60);

pub struct Boot;

impl<'a> Step<QemuBuild<'a>> for Boot {
    fn name(&self) -> &str {
        "boot the build machine"
    }

    fn run<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let resolved = cx
                .resolved
                .clone()
                .ok_or("the source was not resolved before booting (a bug in Kiln)")?;
            let images = cx.settings.store.images();
            let port = vm::free_port()?;
            let guest_port = cx.communicator.ssh().map(|s| s.port).unwrap_or(22);
            let spec = VmSpec {
                qemu: cx.settings.qemu.clone(),
                accel: cx.settings.accel().await,
                memory_mb: crate::values::count(cx.config, "memory", 256),
                cpus: crate::values::count(cx.config, "cpus", 1),
                disk: cx.overlay.clone(),
                kernel: resolved.kernel.as_ref().map(|k| images.join(k)),
                initrd: resolved.initrd.as_ref().map(|i| images.join(i)),
                kernel_args: resolved.kernel_args.clone(),
                fw_cfg: cx.fw_cfg.clone(),
                forwards: vec![(port, guest_port)],
                private_nics: Vec::new(),
                run_dir: cx.dir.clone(),
            };
            cx.record(temporaries::build_vm(&cx.build_id, &cx.dir, None))
                .await?;
            // A daemon (QEMU's -daemonize: its own session, re-parented to init), not a
            // child: a kept machine must survive Kiln's exit, and a killed Kiln's
            // machine is found again through the state.
            let pid = spec.spawn_daemon().await?;
            cx.vm = Some(BuildVm { pid, port });
            cx.record(temporaries::build_vm(&cx.build_id, &cx.dir, Some(pid)))
                .await?;
            cx.log.note(&format!(
                "build machine started: QEMU pid {pid}, guest port {guest_port} on 127.0.0.1:{port}, console {}",
                cx.console_log().display()
            ));
            Ok(())
        })
    }

    fn cleanup<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let pid = cx.vm.as_ref().map(|v| v.pid);
            // Also finds a QEMU whose start was cancelled before its pid was known.
            temporaries::stop_vms(&cx.dir, pid, &cx.settings.qemu).await?;
            cx.vm = None;
            cx.forget(temporaries::vm_id(&cx.build_id)).await
        })
    }
}

pub struct PowerOff;

impl<'a> Step<QemuBuild<'a>> for PowerOff {
    fn name(&self) -> &str {
        "power off the build machine"
    }

    fn run<'s>(&'s self, cx: &'s mut QemuBuild<'a>) -> StepFuture<'s> {
        Box::pin(async move {
            let pid = cx
                .vm
                .as_ref()
                .map(|v| v.pid)
                .ok_or("no build machine to power off (a bug in Kiln)")?;
            if let Some(session) = cx.session.take() {
                let mut ignore = |_: kiln_ssh::Stream, _: &[u8]| {};
                // The connection drops as the machine goes down: no exit status comes,
                // and keep-alives notice the loss; the timeout only bounds a stuck guest.
                let poweroff = session.exec("/sbin/kiln-poweroff", None, &mut ignore);
                let _ = tokio::time::timeout(POWER_OFF_GRACE, poweroff).await;
                let _ = session.close().await;
            } else {
                // No connection (communicator "none"): the ACPI power button.
                let socket = cx.dir.join("qmp.sock");
                let mut qmp = crate::qmp::Qmp::connect(&socket).await?;
                qmp.execute("system_powerdown", None).await?;
            }
            if !vm::wait_exit(pid, &cx.dir, POWER_OFF_GRACE).await {
                return Err(format!(
                    "the build machine did not power off within {} s, so its disk may not be clean. Its console ended with:\n{}",
                    POWER_OFF_GRACE.as_secs(),
                    cx.console_tail()
                ));
            }
            cx.vm = None;
            cx.forget(temporaries::vm_id(&cx.build_id)).await
        })
    }
}
