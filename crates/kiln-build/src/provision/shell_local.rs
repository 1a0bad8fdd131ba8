//! `shell-local`: commands run on the operator's machine, e.g. to drive Ansible against
//! the build machine.
//!
//! `command`, then `inline` (its lines as one script), then each of `script` / `scripts`
//! run with `/bin/sh -ec` in `working_dir` (default: the working directory), with
//! `environment` plus the build machine as `KILN_BUILD_HOST`, `KILN_BUILD_PORT`,
//! `KILN_BUILD_USER`, `KILN_BUILD_SSH_KEY_FILE`, `KILN_BUILD_PASSWORD`, `KILN_BUILD_ID`
//! and `KILN_BUILD_NAME`. Output streams line by line. Each command runs in its own
//! process group, killed as a whole when the shell exits, when the provisioner is cancelled
//! or when it times out: a build leaves no stray local processes (a background helper a
//! command starts lives only as long as that command).

use std::process::Stdio;
use std::time::Duration;

use kiln_builtin::object::str_attr;
use kiln_core::lang::Value;
use kiln_ssh::quote;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::options::{environment, script_files, strings};
use super::{Failure, Provisioning};
use crate::output::BuildLog;

/// How long output is still read after the shell exits.
const OUTPUT_GRACE: Duration = Duration::from_secs(2);

pub(crate) async fn run(p: &Value, env: Provisioning<'_>) -> Result<(), Failure> {
    let mut commands: Vec<String> = Vec::new();
    if let Some(c) = str_attr(p, "command") {
        commands.push(c.to_string());
    }
    let inline = strings(p, "inline");
    if !inline.is_empty() {
        commands.push(inline.join("\n"));
    }
    for s in script_files(p) {
        commands.push(quote(&env.base_dir.join(&s).to_string_lossy()));
    }
    if commands.is_empty() {
        return Err("set command, inline, script or scripts".into());
    }
    let dir = str_attr(p, "working_dir")
        .map(|d| env.base_dir.join(d))
        .unwrap_or_else(|| env.base_dir.to_path_buf());
    let vars = environment(p);
    for command in commands {
        let mut child = tokio::process::Command::new("/bin/sh")
            .args(["-ec", &command])
            .current_dir(&dir)
            .envs(env.build.env())
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run /bin/sh in {}: {e}", dir.display()))?;
        let group = Group(child.id());
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let pumps = async { tokio::join!(pump(stdout, env.log), pump(stderr, env.log)) };
        tokio::pin!(pumps);
        let mut pumped = false;
        let status = loop {
            tokio::select! {
                _ = &mut pumps, if !pumped => pumped = true,
                s = child.wait() => break s,
            }
        };
        if !pumped {
            // Something the command started in the background still holds its output
            // open: take what it writes for a moment, then end it with the group.
            let _ = tokio::time::timeout(OUTPUT_GRACE, &mut pumps).await;
        }
        drop(group);
        let status = status.map_err(|e| format!("cannot wait for /bin/sh: {e}"))?;
        if !status.success() {
            let what = "the local command";
            return Err(match status.code() {
                Some(c) => Failure::exit(format!("{what} exited with status {c}"), c as u32),
                None => format!("{what} ended with {status}").into(),
            });
        }
    }
    Ok(())
}

/// Streams one pipe into the log, line by line, until it closes.
async fn pump(pipe: Option<impl AsyncRead + Unpin>, log: &BuildLog) {
    let Some(mut pipe) = pipe else {
        return;
    };
    let mut lines = log.splitter();
    let mut buf = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut buf).await {
        if n == 0 {
            break;
        }
        lines.push(&buf[..n]);
    }
}

/// A process group started by this module; killed when dropped, which is also what
/// happens when the provisioner's future is dropped (cancel, timeout).
struct Group(Option<u32>);

impl Drop for Group {
    fn drop(&mut self) {
        let Some(pgid) = self.0.and_then(|p| libc::pid_t::try_from(p).ok()) else {
            return;
        };
        // SAFETY: kill(2) has no memory-safety preconditions. The negative pid names the
        // process group this module created with process_group(0), whose id is the
        // shell's pid; a group id is not reused while any member is alive.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}
