//! A small harness that runs the real `kiln` binary in a directory and returns what a
//! user would see, with temporary paths replaced by stable placeholders for snapshots.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Both streams, as a user reading the terminal would see them.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

pub fn kiln_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kiln"))
}

/// Runs `kiln ARGS` in `cwd` with `stdin` piped in, colour off, no KILN_VAR_* leaking in.
pub fn kiln_in(cwd: &Path, args: &[&str], stdin: &str) -> Run {
    kiln_env(cwd, args, stdin, &[])
}

/// Like [`kiln_in`], with `env` (name, value) set in the child's environment after the
/// inherited KILN_VAR_* are removed.
pub fn kiln_env(cwd: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(kiln_bin());
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("KILN_VAR_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("the kiln binary runs");
    if let Some(mut sin) = child.stdin.take() {
        let _ = sin.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("kiln finishes");
    let filter = |s: &[u8]| String::from_utf8_lossy(s).replace(&cwd.display().to_string(), "[DIR]");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: filter(&out.stdout),
        stderr: filter(&out.stderr),
    }
}

pub fn kiln(cwd: &Path, args: &[&str]) -> Run {
    kiln_in(cwd, args, "")
}

/// A fresh temporary directory holding `files` (path, content).
pub fn temp_config(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, content) in files {
        let p = dir.path().join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&p, content).expect("write file");
    }
    dir
}

/// The repository's fixture directory `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
