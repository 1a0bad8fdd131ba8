//! The step runner with fake steps that write what they do into the context: the order
//! of runs and cleanups on success, failure and cancellation, `--on-error=abort`, and a
//! failing cleanup that does not stop the others.

use std::time::Duration;

use kiln_build::runner::{CleanupFailure, Cleanups, Ending, Runner, Step, StepContext, StepFuture};
use kiln_core::run::{OnError, RunContext};

#[derive(Default)]
struct Cx {
    events: Vec<String>,
    notes: Vec<String>,
}

impl StepContext for Cx {
    fn note(&mut self, line: &str) {
        self.notes.push(line.to_string());
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Act {
    Pass,
    Fail,
    /// Never finishes: only cancellation ends it.
    Hang,
}

struct Fake {
    name: &'static str,
    act: Act,
    cleanup_fails: bool,
}

fn step(name: &'static str, act: Act) -> Fake {
    Fake {
        name,
        act,
        cleanup_fails: false,
    }
}

impl Step<Cx> for Fake {
    fn name(&self) -> &str {
        self.name
    }

    fn run<'a>(&'a self, cx: &'a mut Cx) -> StepFuture<'a> {
        Box::pin(async move {
            cx.events.push(format!("run {}", self.name));
            match self.act {
                Act::Pass => Ok(()),
                Act::Fail => Err(format!("{} broke", self.name)),
                Act::Hang => {
                    std::future::pending::<()>().await;
                    cx.events.push(format!("{} went past its hang", self.name));
                    Ok(())
                }
            }
        })
    }

    fn cleanup<'a>(&'a self, cx: &'a mut Cx) -> StepFuture<'a> {
        Box::pin(async move {
            // A cleanup that awaits must still finish after a cancellation.
            tokio::time::sleep(Duration::from_millis(5)).await;
            cx.events.push(format!("cleanup {}", self.name));
            if self.cleanup_fails {
                Err(format!("{} cleanup broke", self.name))
            } else {
                Ok(())
            }
        })
    }
}

fn events(cx: &Cx) -> Vec<&str> {
    cx.events.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn on_success_every_cleanup_runs_in_reverse_order() {
    let (run, _) = RunContext::detached();
    let runner = Runner::new()
        .step(step("a", Act::Pass))
        .step(step("b", Act::Pass))
        .step(step("c", Act::Pass));
    let mut cx = Cx::default();
    let out = runner.run(&mut cx, run.cancel, OnError::Cleanup).await;
    assert!(out.succeeded());
    assert_eq!(out.error(), None);
    assert_eq!(
        events(&cx),
        [
            "run a",
            "run b",
            "run c",
            "cleanup c",
            "cleanup b",
            "cleanup a"
        ]
    );
    assert_eq!(cx.notes, ["a", "b", "c"], "each step is announced");
}

#[tokio::test]
async fn a_failure_stops_the_steps_and_cleans_up_what_started() {
    let (run, _) = RunContext::detached();
    let runner = Runner::new()
        .step(step("a", Act::Pass))
        .step(step("b", Act::Fail))
        .step(step("c", Act::Pass));
    let mut cx = Cx::default();
    let out = runner.run(&mut cx, run.cancel, OnError::Cleanup).await;
    assert_eq!(
        out.ending,
        Ending::Failed {
            step: "b".into(),
            error: "b broke".into()
        }
    );
    assert_eq!(out.cleanups, Cleanups::Ran { failed: vec![] });
    assert_eq!(events(&cx), ["run a", "run b", "cleanup b", "cleanup a"]);
    assert_eq!(out.error().as_deref(), Some("b: b broke"));
}

#[tokio::test]
async fn cancel_drops_the_running_step_at_once_and_cleans_up() {
    let (run, rec) = RunContext::detached();
    let runner = Runner::new()
        .step(step("a", Act::Pass))
        .step(step("b", Act::Hang))
        .step(step("c", Act::Pass));
    let mut cx = Cx::default();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        rec.cancel();
    });
    let started = std::time::Instant::now();
    let out = tokio::time::timeout(
        Duration::from_secs(5),
        runner.run(&mut cx, run.cancel, OnError::Cleanup),
    )
    .await
    .expect("cancellation ends the hanging step");
    canceller.await.expect("canceller");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(out.ending, Ending::Cancelled { step: "b".into() });
    assert_eq!(events(&cx), ["run a", "run b", "cleanup b", "cleanup a"]);
    assert_eq!(out.error().as_deref(), Some("cancelled during \"b\""));
}

#[tokio::test]
async fn cancel_before_the_start_runs_nothing() {
    let (run, rec) = RunContext::detached();
    rec.cancel();
    let runner = Runner::new().step(step("a", Act::Pass));
    let mut cx = Cx::default();
    let out = runner.run(&mut cx, run.cancel, OnError::Cleanup).await;
    assert_eq!(
        out.ending,
        Ending::Cancelled {
            step: String::new()
        }
    );
    assert!(cx.events.is_empty());
}

#[tokio::test]
async fn abort_keeps_everything_after_a_failure() {
    let (run, _) = RunContext::detached();
    let runner = Runner::new()
        .step(step("a", Act::Pass))
        .step(step("b", Act::Fail))
        .step(step("c", Act::Pass));
    let mut cx = Cx::default();
    let out = runner.run(&mut cx, run.cancel, OnError::Abort).await;
    assert!(out.kept());
    assert_eq!(
        out.cleanups,
        Cleanups::Kept {
            steps: vec!["a".into(), "b".into()]
        }
    );
    assert_eq!(events(&cx), ["run a", "run b"], "no cleanup ran");
    let msg = out.error().expect("an error");
    assert!(
        msg.contains("--on-error=abort nothing was cleaned up"),
        "{msg}"
    );
}

#[tokio::test]
async fn abort_still_cleans_up_after_success_and_after_cancel() {
    let (run, rec) = RunContext::detached();
    let ok = Runner::new().step(step("a", Act::Pass));
    let mut cx = Cx::default();
    assert!(ok
        .run(&mut cx, run.cancel.clone(), OnError::Abort)
        .await
        .succeeded());
    assert_eq!(events(&cx), ["run a", "cleanup a"]);

    let hang = Runner::new().step(step("a", Act::Hang));
    let mut cx = Cx::default();
    let cancel = run.cancel.clone();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        rec.cancel();
    });
    let out = hang.run(&mut cx, cancel, OnError::Abort).await;
    canceller.await.expect("canceller");
    assert!(!out.kept(), "Ctrl-C always cleans up");
    assert_eq!(events(&cx), ["run a", "cleanup a"]);
}

#[tokio::test]
async fn a_failing_cleanup_is_reported_and_the_others_still_run() {
    let (run, _) = RunContext::detached();
    let mut b = step("b", Act::Pass);
    b.cleanup_fails = true;
    let runner = Runner::new()
        .step(step("a", Act::Pass))
        .step(b)
        .step(step("c", Act::Fail));
    let mut cx = Cx::default();
    let out = runner.run(&mut cx, run.cancel, OnError::Cleanup).await;
    assert_eq!(
        events(&cx),
        [
            "run a",
            "run b",
            "run c",
            "cleanup c",
            "cleanup b",
            "cleanup a"
        ]
    );
    assert_eq!(
        out.cleanup_failures(),
        [CleanupFailure {
            step: "b".into(),
            error: "b cleanup broke".into()
        }]
    );
    let msg = out.error().expect("an error");
    assert!(msg.starts_with("c: c broke"), "{msg}");
    assert!(
        msg.contains("Cleaning up after \"b\" failed too: b cleanup broke"),
        "{msg}"
    );

    // After a success, a failed cleanup is a warning, not a failure.
    let mut b = step("b", Act::Pass);
    b.cleanup_fails = true;
    let runner = Runner::new().step(b);
    let mut cx = Cx::default();
    let (run, _) = RunContext::detached();
    let out = runner.run(&mut cx, run.cancel, OnError::Cleanup).await;
    assert!(out.succeeded());
    assert_eq!(
        out.cleanup_warning().as_deref(),
        Some("Cleaning up after \"b\" failed: b cleanup broke")
    );
}
