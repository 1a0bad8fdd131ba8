//! A small harness that runs the real `kiln` binary in a directory and returns what a
//! user would see, with temporary paths replaced by stable placeholders for snapshots.

#![allow(dead_code)]

pub mod vm;

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

/// A `kiln` run in the background. Its stdout is read line by line on a thread, so the
/// child never blocks on a full pipe, and the test can wait for a line to appear.
pub struct Background {
    pub child: std::process::Child,
    cwd: PathBuf,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

/// Starts `kiln ARGS` in `cwd` with no standard input and colour off.
pub fn kiln_spawn(cwd: &Path, args: &[&str]) -> Background {
    use std::io::{BufRead, Read};
    let mut child = Command::new(kiln_bin())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kiln binary runs");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    Background {
        child,
        cwd: cwd.to_path_buf(),
        lines,
        seen: Vec::new(),
        stderr,
    }
}

impl Background {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until a line of stdout contains `needle`; false if stdout closed first.
    pub fn wait_for_line(&mut self, needle: &str) -> bool {
        if self.seen.iter().any(|l| l.contains(needle)) {
            return true;
        }
        while let Ok(line) = self.lines.recv() {
            let found = line.contains(needle);
            self.seen.push(line);
            if found {
                return true;
            }
        }
        false
    }

    /// Sends SIGKILL (a no-op when the run has already ended).
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for the run to end. The code is -1 when a signal ended it.
    pub fn finish(mut self) -> Run {
        let status = self.child.wait().expect("kiln finishes");
        self.seen.extend(self.lines.iter());
        let dir = self.cwd.display().to_string();
        let mut stdout = self.seen.join("\n");
        if !stdout.is_empty() {
            stdout.push('\n');
        }
        Run {
            code: status.code().unwrap_or(-1),
            stdout: stdout.replace(&dir, "[DIR]"),
            stderr: self
                .stderr
                .join()
                .unwrap_or_default()
                .replace(&dir, "[DIR]"),
        }
    }
}

/// Sends `signal` (such as "INT") to process `pid` with the `kill` command.
pub fn send_signal(pid: u32, signal: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("the kill command runs")
        .success();
    assert!(ok, "kill -{signal} {pid} failed");
}

/// The state as `kiln state pull` prints it (the journal folded in); null when there is
/// no state yet.
pub fn state_pull(cwd: &Path) -> serde_json::Value {
    let run = kiln(cwd, &["state", "pull"]);
    assert_eq!(run.code, 0, "kiln state pull failed:\n{}", run.all());
    if run.stdout.trim().is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("state pull printed no JSON ({e}):\n{}", run.stdout))
}

/// The names of the visible files (not starting with '.') directly in `dir`, sorted; empty
/// when `dir` does not exist.
pub fn visible_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| {
                e.expect("dir entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|n| !n.starts_with('.'))
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}
