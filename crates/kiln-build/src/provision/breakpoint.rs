//! `breakpoint`: stops the build until a person presses Enter, so they can look at the
//! build machine (Packer's breakpoint provisioner).
//!
//! It prints its `note` and "press Enter to continue" through the build's output, then
//! waits for one line on Kiln's standard input. When standard input is not a terminal
//! (CI, a pipe) or is at its end, nobody can answer: it says so and continues at once.
//! Cancelling the build (Ctrl-C) ends the wait.

use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};

use kiln_builtin::object::str_attr;
use kiln_core::lang::Value;
use kiln_core::provider::BoxFuture;
use tokio::sync::mpsc;

use super::{Failure, Provisioning};

/// Where a breakpoint waits for its answer; [`Stdin`] in a real run.
pub trait Console: Send + Sync {
    /// Whether a person can answer at all.
    fn interactive(&self) -> bool;
    /// The next line a person types; `None` at the end of the input.
    fn read_line(&self) -> BoxFuture<'_, Option<String>>;
}

pub(crate) async fn run(p: &Value, env: Provisioning<'_>) -> Result<(), Failure> {
    let note = str_attr(p, "note").unwrap_or("");
    if !note.is_empty() {
        env.log.line(note);
    }
    if !env.console.interactive() {
        env.log.note(
            "breakpoint: standard input is not a terminal, so nobody can press Enter; continuing",
        );
        return Ok(());
    }
    env.log.note(&format!(
        "breakpoint: the build machine is reachable as {}; press Enter to continue",
        reach(env)
    ));
    match env.console.read_line().await {
        Some(_) => env.log.note("breakpoint: continuing"),
        None => env.log.note("breakpoint: standard input ended; continuing"),
    }
    Ok(())
}

/// How a person can reach the build machine, for the prompt.
fn reach(env: Provisioning<'_>) -> String {
    let b = env.build;
    if b.host.is_empty() {
        return "nothing (communicator \"none\")".into();
    }
    match &b.key_file {
        Some(k) => format!("ssh -i {} -p {} {}@{}", k.display(), b.port, b.user, b.host),
        None => format!("ssh -p {} {}@{}", b.port, b.user, b.host),
    }
}

/// Kiln's standard input.
///
/// One thread, started at the first breakpoint, reads lines and hands them over a
/// channel. A plain thread rather than `spawn_blocking`: a read of a terminal cannot be
/// interrupted, and a blocking-pool task still waiting for Enter after Ctrl-C would
/// hold up the runtime's shutdown, where a detached thread ends with the process.
pub struct Stdin;

/// The reader thread's lines; `None` once it has seen the end of the input.
fn lines() -> &'static tokio::sync::Mutex<LineSource> {
    static LINES: OnceLock<tokio::sync::Mutex<LineSource>> = OnceLock::new();
    LINES.get_or_init(|| tokio::sync::Mutex::new(LineSource::start()))
}

struct LineSource {
    rx: mpsc::UnboundedReceiver<Option<String>>,
    ended: bool,
}

impl LineSource {
    fn start() -> LineSource {
        let (tx, rx) = mpsc::unbounded_channel();
        let started = std::thread::Builder::new()
            .name("kiln-stdin".into())
            .spawn(move || loop {
                let mut line = String::new();
                match std::io::stdin().read_line(&mut line) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(None);
                        return;
                    }
                    Ok(_) => {
                        if tx.send(Some(line)).is_err() {
                            return;
                        }
                    }
                }
            });
        LineSource {
            rx,
            // Without a reader, nobody can answer: behave as at the end of the input.
            ended: started.is_err(),
        }
    }
}

impl Console for Stdin {
    fn interactive(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn read_line(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async {
            // One breakpoint at a time: with images building in parallel, each Enter
            // answers one of them.
            let mut src = lines().lock().await;
            // Lines typed while no breakpoint waited answer nothing.
            while let Ok(line) = src.rx.try_recv() {
                src.ended |= line.is_none();
            }
            if src.ended {
                return None;
            }
            match src.rx.recv().await {
                Some(Some(line)) => Some(line),
                _ => {
                    src.ended = true;
                    None
                }
            }
        })
    }
}

/// A console answering from a script, for tests: `lines` are given one per read, after
/// `delay`; then the input ends.
pub struct Scripted {
    pub interactive: bool,
    pub lines: Mutex<Vec<String>>,
    pub delay: std::time::Duration,
}

impl Console for Scripted {
    fn interactive(&self) -> bool {
        self.interactive
    }

    fn read_line(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            let mut lines = self.lines.lock().ok()?;
            (!lines.is_empty()).then(|| lines.remove(0))
        })
    }
}
