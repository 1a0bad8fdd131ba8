//! The step runner: a build is an ordered list of named steps over a typed build context,
//! each with a cleanup (Packer's multistep, with a struct instead of a string map).
//!
//! The contract:
//! - Steps run in order until one fails or the run is cancelled.
//! - Every step that *started* has its cleanup run, in reverse order, whether the build
//!   succeeded, failed or was cancelled. A started step's cleanup therefore runs after a
//!   failure or cancellation in the middle of that step, and must undo only what the
//!   context says exists.
//! - Cancellation (the run's cancel watch turning true) drops the running step's future at
//!   once; its cleanup and those before it still run, to completion: a cleanup is never
//!   cancelled.
//! - With [`OnError::Abort`], a *failed* build skips every cleanup and says so, so the
//!   build machine stays for debugging (the provider leaves its temporaries recorded, and
//!   the next run removes them). Cancellation always cleans up: Ctrl-C means "stop and
//!   tidy", never "keep".
//! - A failing cleanup is reported and the remaining cleanups still run.
//!
//! The runner knows nothing of machines or providers; it does not print, and reports only
//! through [`StepContext::note`] and its [`Outcome`].

use std::future::Future;
use std::pin::Pin;

use kiln_core::run::OnError;
use tokio::sync::watch;

/// What a step's run or cleanup returns: a message saying what went wrong, with context.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// The build context a runner's steps share. `note` receives the runner's own lines
/// (step started, cleanup failed) for the build's output.
pub trait StepContext: Send {
    fn note(&mut self, _line: &str) {}
}

/// One step of a build.
pub trait Step<C>: Send + Sync {
    /// Short and lower-case, for output and errors: "boot the build machine".
    fn name(&self) -> &str;

    /// Does the step's work. It may be dropped at any await point (cancellation), so it
    /// records in `cx` what it made as soon as it exists.
    fn run<'a>(&'a self, cx: &'a mut C) -> StepFuture<'a>;

    /// Undoes what `run` made, as far as `cx` says it got. Runs after success, failure
    /// and cancellation alike; the default has nothing to undo.
    fn cleanup<'a>(&'a self, _cx: &'a mut C) -> StepFuture<'a> {
        Box::pin(async { Ok(()) })
    }
}

/// How the steps ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Succeeded,
    Failed {
        step: String,
        error: String,
    },
    /// Cancelled while `step` ran (or before the first step, when `step` is empty).
    Cancelled {
        step: String,
    },
}

/// What happened to the cleanups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleanups {
    /// Every started step's cleanup ran; these failed.
    Ran { failed: Vec<CleanupFailure> },
    /// Skipped because of [`OnError::Abort`]: these steps' work is left as it is.
    Kept { steps: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupFailure {
    pub step: String,
    pub error: String,
}

/// The result of [`Runner::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ending: Ending,
    pub cleanups: Cleanups,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.ending == Ending::Succeeded
    }

    /// Whether the cleanups were skipped ([`OnError::Abort`] after a failure).
    pub fn kept(&self) -> bool {
        matches!(self.cleanups, Cleanups::Kept { .. })
    }

    /// The failed cleanups (empty when none failed or none ran).
    pub fn cleanup_failures(&self) -> &[CleanupFailure] {
        match &self.cleanups {
            Cleanups::Ran { failed } => failed,
            Cleanups::Kept { .. } => &[],
        }
    }

    /// Why the build did not succeed, with what its cleanups did, in sentences; `None`
    /// on success.
    pub fn error(&self) -> Option<String> {
        let mut text = match &self.ending {
            Ending::Succeeded => return None,
            Ending::Failed { step, error } => format!("{step}: {error}"),
            Ending::Cancelled { step } if step.is_empty() => {
                "cancelled before the build started".to_string()
            }
            Ending::Cancelled { step } => format!("cancelled during \"{step}\""),
        };
        match &self.cleanups {
            Cleanups::Kept { .. } => {
                text.push_str("\n\nWith --on-error=abort nothing was cleaned up.");
            }
            Cleanups::Ran { failed } => text.push_str(&cleanup_text(failed, " too")),
        }
        Some(text)
    }

    /// The cleanups' failures after a success, for a warning; `None` when all went well.
    pub fn cleanup_warning(&self) -> Option<String> {
        let failed = self.cleanup_failures();
        (self.succeeded() && !failed.is_empty())
            .then(|| cleanup_text(failed, "").trim().to_string())
    }
}

fn cleanup_text(failed: &[CleanupFailure], too: &str) -> String {
    failed
        .iter()
        .map(|f| {
            format!(
                "\nCleaning up after \"{}\" failed{too}: {}",
                f.step, f.error
            )
        })
        .collect()
}

/// An ordered list of steps over the context `C`.
pub struct Runner<C> {
    steps: Vec<Box<dyn Step<C>>>,
}

impl<C: StepContext> Default for Runner<C> {
    fn default() -> Self {
        Runner::new()
    }
}

impl<C: StepContext> Runner<C> {
    pub fn new() -> Runner<C> {
        Runner { steps: Vec::new() }
    }

    /// Appends a step.
    pub fn step(mut self, step: impl Step<C> + 'static) -> Runner<C> {
        self.steps.push(Box::new(step));
        self
    }

    /// Runs the steps over `cx` (see the module documentation for the contract).
    pub async fn run(
        &self,
        cx: &mut C,
        mut cancel: watch::Receiver<bool>,
        on_error: OnError,
    ) -> Outcome {
        let mut started = 0;
        let mut ending = Ending::Succeeded;
        for step in &self.steps {
            if *cancel.borrow() {
                ending = Ending::Cancelled {
                    step: String::new(),
                };
                break;
            }
            started += 1;
            cx.note(step.name());
            let result = tokio::select! {
                // Biased: once cancelled, no further progress of the step counts.
                biased;
                _ = cancelled(&mut cancel) => None,
                r = step.run(cx) => Some(r),
            };
            match result {
                Some(Ok(())) => {}
                Some(Err(error)) => {
                    cx.note(&format!("{} failed: {error}", step.name()));
                    ending = Ending::Failed {
                        step: step.name().to_string(),
                        error,
                    };
                    break;
                }
                None => {
                    cx.note(&format!("cancelled while {}", step.name()));
                    ending = Ending::Cancelled {
                        step: step.name().to_string(),
                    };
                    break;
                }
            }
        }
        let ran = &self.steps[..started];
        if on_error == OnError::Abort && matches!(ending, Ending::Failed { .. }) {
            cx.note("--on-error=abort: skipping cleanup");
            return Outcome {
                ending,
                cleanups: Cleanups::Kept {
                    steps: ran.iter().map(|s| s.name().to_string()).collect(),
                },
            };
        }
        let mut failed = Vec::new();
        for step in ran.iter().rev() {
            if let Err(error) = step.cleanup(cx).await {
                cx.note(&format!(
                    "cleaning up after {} failed: {error}",
                    step.name()
                ));
                failed.push(CleanupFailure {
                    step: step.name().to_string(),
                    error,
                });
            }
        }
        Outcome {
            ending,
            cleanups: Cleanups::Ran { failed },
        }
    }
}

/// Resolves when the watch turns true; never when its sender is gone without having
/// cancelled (nothing can cancel any more).
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}
