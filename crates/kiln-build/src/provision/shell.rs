//! `shell`: scripts run on the build machine with `sh`, over SSH.
//!
//! Each script (`inline` as one script starting `#!/bin/sh` + `set -e`, or each of
//! `script` / `scripts`) is uploaded to `/tmp/kiln-script-<build id>-<n>.sh` and run as
//! `{{.Vars}}/bin/sh {{.Path}}`, or as `execute_command` with `{{.Vars}}` (the
//! `environment` as `NAME='value' ` words) and `{{.Path}}` replaced, as in Packer. The
//! script is removed afterwards. An exit code outside `valid_exit_codes` (default `[0]`)
//! fails the provisioner with that code; with `expect_disconnect = true` a connection
//! that drops without an exit status (a reboot) counts as success.

use kiln_builtin::object::str_attr;
use kiln_core::lang::Value;
use kiln_ssh::{quote, ExitStatus, Session, Stream};

use super::options::{environment, flag, scripts, valid_exit_codes};
use super::{Failure, Provisioning};
use crate::output::BuildLog;

pub(crate) async fn run(p: &Value, env: Provisioning<'_>) -> Result<(), Failure> {
    let session = env.session("shell")?;
    let valid = valid_exit_codes(p);
    let expect_disconnect = flag(p, "expect_disconnect");
    let vars: String = environment(p)
        .iter()
        .map(|(k, v)| format!("{k}={} ", quote(v)))
        .collect();
    for (n, (name, body)) in scripts(p, env.base_dir, "#!/bin/sh\nset -e\n")?
        .into_iter()
        .enumerate()
    {
        let remote = format!("/tmp/kiln-script-{}-{n}.sh", env.build.id);
        session
            .upload(&body, &remote, 0o755)
            .await
            .map_err(|e| format!("uploading {name}: {e}"))?;
        let command = match str_attr(p, "execute_command") {
            Some(t) => t.replace("{{.Vars}}", &vars).replace("{{.Path}}", &remote),
            None => format!("{vars}/bin/sh {remote}"),
        };
        let status = exec_logged(session, &command, None, env.log)
            .await
            .map_err(|e| format!("running {name}: {e}"))?;
        check_status(&name, &status, &valid, expect_disconnect)?;
        if status != ExitStatus::ClosedWithoutStatus {
            // Best effort: a leftover script in /tmp of a machine about to be captured is
            // untidy, not wrong.
            let rm = format!("rm -f {}", quote(&remote));
            let _ = session.exec(&rm, None, &mut |_, _| {}).await;
        }
    }
    Ok(())
}

/// Runs `command`, every line of its output going to `log` as it arrives.
pub(crate) async fn exec_logged(
    session: &Session,
    command: &str,
    stdin: Option<&[u8]>,
    log: &BuildLog,
) -> Result<ExitStatus, kiln_ssh::Error> {
    let mut out = log.splitter();
    let mut err = log.splitter();
    let mut each = |stream: Stream, bytes: &[u8]| match stream {
        Stream::Stdout => out.push(bytes),
        Stream::Stderr => err.push(bytes),
    };
    session.exec(command, stdin, &mut each).await
}

/// Whether a script's end is a success; the failure names the script and the code.
pub(crate) fn check_status(
    name: &str,
    status: &ExitStatus,
    valid: &[u32],
    expect_disconnect: bool,
) -> Result<(), Failure> {
    match status {
        ExitStatus::Code(c) if valid.contains(c) => Ok(()),
        ExitStatus::ClosedWithoutStatus if expect_disconnect => Ok(()),
        ExitStatus::Code(c) => Err(Failure::exit(
            format!(
                "{name} exited with status {c}{}",
                if valid == [0] {
                    String::new()
                } else {
                    format!(" (valid_exit_codes = {valid:?})")
                }
            ),
            *c,
        )),
        ExitStatus::Signal { name: sig, .. } => {
            Err(format!("{name} was killed by SIG{sig}").into())
        }
        ExitStatus::ClosedWithoutStatus => Err(format!(
            "the connection closed while {name} ran; set expect_disconnect = true if it reboots the machine"
        )
        .into()),
    }
}
