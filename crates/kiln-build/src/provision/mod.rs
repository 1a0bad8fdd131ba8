//! Running an image's provisioners, in order, against its build machine.
//!
//! | kind | runs | file |
//! | --- | --- | --- |
//! | `shell` | scripts on the machine, over SSH, with `sh` | [`shell`] |
//! | `file` | uploads files and trees, or downloads one file | [`file`] |
//! | `shell-local` | commands on the operator's machine | [`shell_local`] |
//! | `powershell` | scripts on a Windows machine, over SSH, without `sh` | [`powershell`] |
//! | `breakpoint` | waits for Enter, so a person can look at the machine | [`breakpoint`] |
//!
//! Every provisioner also takes `only` / `except` ([`crate::filter`]), `pause_before`
//! (wait first), `max_retries` (run again after a failure, up to this many times, with
//! a growing pause from 0.2 s to 30 s as Packer does) and `timeout` (fail an attempt that
//! takes longer). Before a provisioner runs, the `${build.*}` placeholders in all its
//! strings are replaced ([`BuildInfo::substitute`]).
//!
//! Provisioners are provider-independent: they get an optional SSH session (none with
//! `communicator "none"`), the working directory, the build's [`BuildInfo`] and its
//! [`BuildLog`], and stream every line of output there as it arrives.

pub mod breakpoint;
pub mod file;
pub mod powershell;
pub mod shell;
pub mod shell_local;

mod options;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;
use kiln_ssh::Session;

pub use breakpoint::{Console, Stdin};

use crate::build_info::BuildInfo;
use crate::duration::duration_attr;
use crate::filter::BuildName;
use crate::output::BuildLog;

/// How many lines of output a failure carries.
const TAIL_LINES: usize = 20;

/// What provisioners run with.
#[derive(Clone, Copy)]
pub struct Provisioning<'a> {
    /// `None` with `communicator "none"`: provisioners that need the machine fail.
    pub session: Option<&'a Session>,
    /// Relative paths (scripts, sources, `working_dir`) resolve against it.
    pub base_dir: &'a Path,
    pub build: &'a BuildInfo,
    /// For `only` / `except`.
    pub name: &'a BuildName,
    pub log: &'a BuildLog,
    /// Where `breakpoint` waits for Enter.
    pub console: &'a dyn Console,
}

impl<'a> Provisioning<'a> {
    /// The session, or the error a provisioner that needs one reports.
    pub(crate) fn session(&self, kind: &str) -> Result<&'a Session, Failure> {
        self.session.ok_or_else(|| {
            Failure::from(format!(
                "a {kind} provisioner needs a connection to the build machine, and the image's communicator is \"none\"; use communicator \"ssh\", or shell-local to run commands on this machine"
            ))
        })
    }
}

/// Why one provisioner failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionError {
    /// 1-based position in the image's provisioner list.
    pub index: usize,
    pub kind: String,
    pub message: String,
    /// The failing command's exit code, when one ended with a code.
    pub exit_code: Option<u32>,
    /// The last lines of the build's output.
    pub output: String,
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "provisioner {} ({}) failed: {}\nLast output:\n{}",
            self.index, self.kind, self.message, self.output
        )
    }
}

impl std::error::Error for ProvisionError {}

/// One attempt's failure, inside this module.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    message: String,
    exit_code: Option<u32>,
}

impl Failure {
    pub(crate) fn exit(message: String, code: u32) -> Failure {
        Failure {
            message,
            exit_code: Some(code),
        }
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            exit_code: None,
        }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::from(message.to_string())
    }
}

/// Runs every provisioner of `provisioners` (the image's `provisioners` value) in order;
/// stops at the first that fails after its retries.
pub async fn run_all(provisioners: &[Value], env: Provisioning<'_>) -> Result<(), ProvisionError> {
    for (i, raw) in provisioners.iter().enumerate() {
        let kind = str_attr(raw, "type").unwrap_or("shell").to_string();
        let error = |f: Failure| ProvisionError {
            index: i + 1,
            kind: kind.clone(),
            message: f.message,
            exit_code: f.exit_code,
            output: env.log.tail(TAIL_LINES),
        };
        let label = format!("provisioner {} ({kind})", i + 1);
        if let Some(why) = env.name.skips(raw) {
            env.log.note(&format!("{label}: skipped, {why}"));
            continue;
        }
        let p = env.build.substitute(raw);
        run_one(&label, &kind, &p, env).await.map_err(error)?;
    }
    Ok(())
}

/// One provisioner with its `pause_before`, `timeout` and `max_retries`.
async fn run_one(label: &str, kind: &str, p: &Value, env: Provisioning<'_>) -> Result<(), Failure> {
    if let Some(d) = duration_attr(p, "pause_before")? {
        env.log
            .note(&format!("{label}: pausing {} before it runs", show(d)));
        tokio::time::sleep(d).await;
    }
    let retries = attr(p, "max_retries")
        .and_then(Value::as_number)
        .map(|n| n.as_f64())
        .filter(|n| n.is_finite() && *n > 0.0)
        .map(|n| n as u32)
        .unwrap_or(0);
    let timeout = duration_attr(p, "timeout")?;
    let mut attempt = 0;
    let mut pause = Duration::from_millis(200);
    loop {
        env.log.note(label);
        let run = dispatch(kind, p, env);
        let r = match timeout {
            Some(t) => tokio::time::timeout(t, run)
                .await
                .unwrap_or_else(|_| Err(format!("timed out after {}", show(t)).into())),
            None => run.await,
        };
        match r {
            Ok(()) => return Ok(()),
            Err(e) if attempt < retries => {
                attempt += 1;
                env.log.note(&format!(
                    "{label} failed: {}; retry {attempt} of {retries} in {}",
                    e.message,
                    show(pause)
                ));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(30));
            }
            Err(e) => return Err(e),
        }
    }
}

async fn dispatch(kind: &str, p: &Value, env: Provisioning<'_>) -> Result<(), Failure> {
    match kind {
        "shell" => shell::run(p, env).await,
        "file" => file::run(p, env).await,
        "shell-local" => shell_local::run(p, env).await,
        "powershell" => powershell::run(p, env).await,
        "breakpoint" => breakpoint::run(p, env).await,
        other => Err(format!(
            "there is no \"{other}\" provisioner; the kinds are shell, file, shell-local, powershell and breakpoint"
        )
        .into()),
    }
}

/// A duration for people: "1.5 s", "250 ms".
fn show(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.1} s", d.as_secs_f64()).replace(".0 s", " s")
    }
}
