//! The walk itself: a loop that starts every ready operation, waits for the next one to
//! finish, records it and releases what waited for it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::log::ChangeLog;
use super::ops::{self, Op, OpKind};
use super::reeval::reevaluate;
use super::task::{self, OpInput, OpOutput};
use super::{ApplyOptions, Outcome};
use crate::config::Workspace;
use crate::diag::{Diagnostic, Diagnostics};
use crate::event::Event;
use crate::lang::Value;
use crate::plan::{Action, Engine, PlanMode, Planned, TRIGGERS_KEY};
use crate::provider_set::provider_addr;
use crate::state::OutputState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    Done,
    Failed,
    Skipped,
}

fn action_of(kind: OpKind) -> Action {
    match kind {
        OpKind::Create => Action::Create,
        OpKind::Update => Action::Update,
        OpKind::Delete => Action::Delete,
        OpKind::Read => Action::Read,
    }
}

/// Applies `planned`. `cancel` turning true means Ctrl-C: nothing new starts, what runs
/// finishes and is recorded.
pub fn apply(
    engine: &Engine<'_>,
    ws: &Workspace,
    planned: Planned,
    log: Arc<dyn ChangeLog>,
    opts: &ApplyOptions,
    cancel: watch::Receiver<bool>,
) -> Outcome {
    let mut walk = Walk::new(engine, ws, planned, log, opts, cancel.clone());
    engine.rt.block_on(walk.clean_leftovers());
    engine.rt.block_on(walk.run(cancel));
    walk.finish()
}

struct Walk<'a> {
    engine: &'a Engine<'a>,
    ws: &'a Workspace,
    planned: Planned,
    log: Arc<dyn ChangeLog>,
    parallelism: usize,
    ops: Vec<Op>,
    status: Vec<Status>,
    waiting_on: Vec<usize>,
    dependents: Vec<Vec<usize>>,
    ready: VecDeque<usize>,
    /// Operations made ready since the last start whose configurations have not been
    /// looked at yet (each is looked at once: the ready queue can be long).
    unchecked: Vec<usize>,
    /// Each instance's value now: applied in this run, or as planned.
    current: HashMap<crate::addr::InstanceAddr, Value>,
    data: HashMap<crate::addr::InstanceAddr, Value>,
    started: HashMap<usize, Instant>,
    outcome: Outcome,
    /// Operations' live output comes back on this channel to reach the event sink,
    /// which the walk borrows and tasks cannot.
    events_tx: mpsc::UnboundedSender<Event>,
    events_rx: Option<mpsc::UnboundedReceiver<Event>>,
    cancel: watch::Receiver<bool>,
    on_error: crate::run::OnError,
}

impl<'a> Walk<'a> {
    fn new(
        engine: &'a Engine<'a>,
        ws: &'a Workspace,
        mut planned: Planned,
        log: Arc<dyn ChangeLog>,
        opts: &ApplyOptions,
        cancel: watch::Receiver<bool>,
    ) -> Walk<'a> {
        let ops = ops::build(&planned.plan, &planned.deps);
        let mut dependents = vec![Vec::new(); ops.len()];
        let mut waiting_on = vec![0; ops.len()];
        for (i, op) in ops.iter().enumerate() {
            waiting_on[i] = op.after.len();
            for &a in &op.after {
                dependents[a].push(i);
            }
        }
        let ready: VecDeque<usize> = (0..ops.len()).filter(|i| waiting_on[*i] == 0).collect();
        let current = planned
            .plan
            .changes
            .iter()
            .filter_map(|c| Some((c.addr.clone(), c.after.clone().or(c.before.clone())?)))
            .collect();
        let data = std::mem::take(&mut planned.recorded.data);
        let state = planned.plan.prior_state.clone();
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        Walk {
            events_tx,
            events_rx: Some(events_rx),
            cancel,
            on_error: opts.on_error,
            engine,
            ws,
            log,
            parallelism: opts.parallelism.max(1),
            status: vec![Status::Waiting; ops.len()],
            unchecked: ready.iter().copied().collect(),
            ops,
            waiting_on,
            dependents,
            ready,
            current,
            data,
            started: HashMap::new(),
            planned,
            outcome: Outcome {
                state,
                done: Vec::new(),
                failed: Vec::new(),
                skipped: Vec::new(),
                interrupted: false,
                build_logs: Vec::new(),
                creates: HashMap::new(),
                diagnostics: Diagnostics::new(),
                added: 0,
                changed: 0,
                destroyed: 0,
            },
        }
    }

    /// Removes what interrupted builds left, before anything else runs: a build about to
    /// start may want the same names, ports or quotas.
    async fn clean_leftovers(&mut self) {
        if self.planned.plan.leftovers.is_empty() {
            return;
        }
        let (entries, diags) = super::leftovers::clean(
            &self.planned.plan.leftovers,
            &self.planned.providers,
            &self.log,
            self.engine.events,
            &self.ws.cwd,
        )
        .await;
        for e in entries {
            e.apply_to(&mut self.outcome.state);
        }
        self.outcome.diagnostics.extend(diags);
    }

    async fn run(&mut self, mut cancel: watch::Receiver<bool>) {
        let mut tasks: JoinSet<(usize, OpOutput)> = JoinSet::new();
        let Some(mut output) = self.events_rx.take() else {
            return;
        };
        let mut ticker = tokio::time::interval(Duration::from_secs(10));
        ticker.tick().await;
        loop {
            if *cancel.borrow() && !self.outcome.interrupted {
                self.outcome.interrupted = true;
                self.engine.events.event(Event::Interrupted);
            }
            if !self.outcome.interrupted {
                self.start_ready(&mut tasks);
            }
            if tasks.is_empty() {
                break;
            }
            tokio::select! {
                joined = tasks.join_next() => {
                    let Some(first) = joined else { break };
                    self.joined(first);
                    // Take every other finished operation too before starting more, so
                    // that one re-evaluation serves all that they make ready.
                    while let Some(more) = tasks.try_join_next() {
                        self.joined(more);
                    }
                }
                changed = cancel.changed(), if !self.outcome.interrupted => {
                    if changed.is_err() {
                        // The sender is gone: nobody can interrupt any more.
                        continue;
                    }
                }
                Some(e) = output.recv() => self.forward(e),
                _ = ticker.tick() => self.progress(),
            }
        }
        while let Ok(e) = output.try_recv() {
            self.forward(e);
        }
        let because = if self.outcome.interrupted {
            "the run was interrupted"
        } else {
            "it waits on an operation that could not run"
        };
        for i in 0..self.ops.len() {
            if self.status[i] == Status::Waiting {
                self.skip(i, because);
            }
        }
    }

    /// Hands an operation's event to the sink, keeping build log paths for the summary.
    fn forward(&mut self, e: Event) {
        if let Event::BuildLog { addr, path } = &e {
            self.outcome.build_logs.push((addr.clone(), path.clone()));
        }
        self.engine.events.event(e);
    }

    fn joined(&mut self, r: Result<(usize, OpOutput), tokio::task::JoinError>) {
        match r {
            Ok((i, out)) => self.completed(i, out),
            Err(e) => self.outcome.diagnostics.push(Diagnostic::error(
                "Internal error in an apply task",
                format!("An operation stopped unexpectedly: {e}. The state journal holds every change completed before it."),
            )),
        }
    }

    /// Starts ready operations, up to the parallelism. The configurations that were not
    /// known at plan time are evaluated again in one batch — for every ready operation,
    /// not only those that fit in the parallelism now: one evaluation of the whole
    /// configuration serves all of them, where evaluating per start would repeat it for
    /// each operation that a completion lets in.
    fn start_ready(&mut self, tasks: &mut JoinSet<(usize, OpOutput)>) {
        let room = self.parallelism.saturating_sub(tasks.len());
        let batch: Vec<usize> = (0..room.min(self.ready.len()))
            .filter_map(|_| self.ready.pop_front())
            .collect();
        if batch.is_empty() {
            return;
        }
        // Every operation in the batch and the ready queue is either here or was looked
        // at by an earlier start.
        let candidates: Vec<usize> = std::mem::take(&mut self.unchecked)
            .into_iter()
            .filter(|&i| {
                matches!(
                    self.ops[i].kind,
                    OpKind::Create | OpKind::Update | OpKind::Read
                )
            })
            .collect();
        // The instances to evaluate again, and the index of each one's change.
        let mut needs_eval = HashMap::new();
        let mut change_of = HashMap::new();
        for i in candidates {
            let c = &self.planned.plan.changes[self.ops[i].change];
            let Some(config) = self.planned.recorded.configs.get(&c.addr) else {
                continue;
            };
            if config.is_wholly_known() {
                continue;
            }
            let prior = match self.ops[i].kind {
                OpKind::Update => c.before.clone(),
                _ => None,
            };
            // Looked at once: a configuration still unknown after this evaluation is an
            // error when its operation starts, not a reason to evaluate again.
            change_of.insert(c.addr.clone(), self.ops[i].change);
            needs_eval.insert(c.addr.clone(), prior);
        }
        if !needs_eval.is_empty() {
            let r = self.evaluate_again(&needs_eval);
            match r {
                Some(r) => {
                    for (addr, (config, planned)) in r.configs {
                        // A saved plan's sensitive parts must come out as planned; a
                        // configuration left unknown fails its operation when it starts.
                        if let Some(Err(e)) = self
                            .planned
                            .sealed
                            .as_ref()
                            .map(|s| s.check(&addr, &config))
                        {
                            self.outcome.diagnostics.push(Diagnostic::error(
                                "The configuration differs from the saved plan",
                                e,
                            ));
                            continue;
                        }
                        self.planned
                            .recorded
                            .configs
                            .insert(addr.clone(), config.clone());
                        if let Some(&ci) = change_of.get(&addr) {
                            let c = &mut self.planned.plan.changes[ci];
                            c.after = Some(if c.action == Action::Read {
                                config
                            } else {
                                planned
                            });
                        }
                    }
                    self.outcome.diagnostics.extend(r.diagnostics);
                }
                None => self.outcome.diagnostics.push(Diagnostic::error(
                    "Internal error while evaluating",
                    "Evaluating the configuration again during apply failed unexpectedly.",
                )),
            }
        }
        for i in batch {
            self.spawn(i, tasks);
        }
    }

    fn spawn(&mut self, i: usize, tasks: &mut JoinSet<(usize, OpOutput)>) {
        let op = self.ops[i].clone();
        let c = &self.planned.plan.changes[op.change];
        let addr = c.addr.clone();
        let provider_name = c.provider.clone();
        let handle = self
            .planned
            .providers
            .get(provider_addr(&provider_name))
            .cloned();
        let config = self
            .planned
            .recorded
            .configs
            .get(&addr)
            .cloned()
            .unwrap_or_else(Value::null);
        let planned = c.after.clone().unwrap_or_else(Value::null);
        let problem = match (&handle, op.kind) {
            (None, _) => Some(format!("The provider {provider_name} is not available.")),
            (_, OpKind::Create | OpKind::Update | OpKind::Read) if !config.is_wholly_known() => Some(
                "Its configuration refers to values that are still not known; something it depends on did not complete.".to_string(),
            ),
            _ => None,
        };
        let action = action_of(op.kind);
        self.engine.events.event(Event::ApplyStart {
            addr: addr.clone(),
            deposed: op.deposed.clone(),
            action,
        });
        self.status[i] = Status::Running;
        self.started.insert(i, Instant::now());
        if let Some(msg) = problem {
            let out = OpOutput {
                entries: Vec::new(),
                value: None,
                diagnostics: Diagnostic::error(format!("Cannot {} {addr}", verb(op.kind)), msg)
                    .into(),
            };
            self.completed(i, out);
            return;
        }
        let Some(handle) = handle else { return };
        let prior_state = self.outcome.state.instance(&addr).cloned();
        let input = OpInput {
            kind: op.kind,
            addr: addr.clone(),
            deposed: op.deposed.clone(),
            provider: provider_name,
            base_dir: self.ws.cwd.clone(),
            schema: self
                .engine
                .schemas
                .resource(&addr.resource.type_name)
                .cloned(),
            prior: c.before.clone(),
            prior_state,
            planned,
            config,
            dependencies: c.dependencies.clone(),
            create_before_destroy: c.create_before_destroy,
            trigger: self.planned.recorded.triggers.get(&addr).cloned(),
            events: self.events_tx.clone(),
            cancel: self.cancel.clone(),
            on_error: self.on_error,
        };
        let log = self.log.clone();
        tasks.spawn(async move { (i, task::run(handle, log, input).await) });
    }

    fn completed(&mut self, i: usize, out: OpOutput) {
        let op = self.ops[i].clone();
        let addr = self.planned.plan.changes[op.change].addr.clone();
        let elapsed = self
            .started
            .remove(&i)
            .map(|t| t.elapsed())
            .unwrap_or_default();
        for e in &out.entries {
            e.apply_to(&mut self.outcome.state);
        }
        if let Some(v) = &out.value {
            if op.kind == OpKind::Read {
                self.data.insert(addr.clone(), v.clone());
            }
            self.current.insert(addr.clone(), v.clone());
        }
        let action = action_of(op.kind);
        if out.diagnostics.has_errors() {
            self.status[i] = Status::Failed;
            self.outcome.failed.push((addr.clone(), op.kind));
            for d in out.diagnostics.0 {
                let d = if d.address.is_none() {
                    d.with_address(addr.to_string())
                } else {
                    d
                };
                if d.is_error() {
                    self.engine.events.event(Event::ApplyFailed {
                        addr: addr.clone(),
                        action,
                        elapsed,
                        diagnostic: d.clone(),
                    });
                }
                self.outcome.diagnostics.push(d);
            }
            self.skip_dependents(i, &addr.to_string());
            return;
        }
        self.outcome.diagnostics.extend(out.diagnostics);
        self.status[i] = Status::Done;
        match op.kind {
            OpKind::Create => {
                self.outcome.added += 1;
                self.outcome
                    .creates
                    .insert(addr.clone(), (std::time::SystemTime::now(), elapsed));
            }
            OpKind::Update => self.outcome.changed += 1,
            OpKind::Delete => self.outcome.destroyed += 1,
            OpKind::Read => {}
        }
        self.outcome.done.push((addr.clone(), op.kind));
        let id = out
            .value
            .as_ref()
            .and_then(|v| v.as_map()?.get("id")?.as_str().map(str::to_string));
        self.engine.events.event(Event::ApplyDone {
            addr,
            action,
            elapsed,
            id,
        });
        for d in self.dependents[i].clone() {
            self.waiting_on[d] -= 1;
            if self.waiting_on[d] == 0 && self.status[d] == Status::Waiting {
                self.ready.push_back(d);
                self.unchecked.push(d);
            }
        }
    }

    fn skip_dependents(&mut self, i: usize, failed: &str) {
        let mut stack = self.dependents[i].clone();
        while let Some(d) = stack.pop() {
            if self.status[d] != Status::Waiting {
                continue;
            }
            self.skip(d, &format!("{failed} failed"));
            stack.extend(self.dependents[d].iter().copied());
        }
    }

    fn skip(&mut self, i: usize, because: &str) {
        self.status[i] = Status::Skipped;
        let op = &self.ops[i];
        let addr = self.planned.plan.changes[op.change].addr.clone();
        self.engine.events.event(Event::ApplySkipped {
            addr: addr.clone(),
            action: action_of(op.kind),
            because: because.to_string(),
        });
        self.outcome.skipped.push((addr, op.kind));
    }

    fn progress(&self) {
        for (i, t) in &self.started {
            let op = &self.ops[*i];
            self.engine.events.event(Event::ApplyProgress {
                addr: self.planned.plan.changes[op.change].addr.clone(),
                action: action_of(op.kind),
                elapsed: t.elapsed(),
            });
        }
    }

    /// Evaluates the configuration with the values known now, on a thread of its own
    /// (data sources are read with `Handle::block_on`, which must not run inside the
    /// runtime). `None` if that thread panicked.
    fn evaluate_again(
        &mut self,
        wanted: &HashMap<crate::addr::InstanceAddr, Option<Value>>,
    ) -> Option<super::reeval::Reevaluated> {
        std::thread::scope(|s| {
            s.spawn(|| {
                reevaluate(
                    self.engine,
                    self.ws,
                    &self.planned.providers,
                    &self.current,
                    wanted,
                    &self.outcome.state,
                    &mut self.data,
                )
            })
            .join()
            .ok()
        })
    }

    /// Outputs and replace_triggered_by digests, from one last evaluation with every
    /// value now known.
    fn finish(mut self) -> Outcome {
        if self.planned.plan.mode == PlanMode::Destroy {
            if self.outcome.state.resources.is_empty() {
                self.outcome.state.outputs.clear();
            }
            return self.outcome;
        }
        let Some(r) = self.evaluate_again(&HashMap::new()) else {
            return self.outcome;
        };
        let mut outputs = BTreeMap::new();
        for (name, v) in &r.evaluated.outputs {
            if v.is_wholly_known() {
                outputs.insert(
                    name.clone(),
                    OutputState {
                        value: v.to_json(),
                        sensitive: v.contains_sensitive(),
                    },
                );
            } else if let Some(old) = self.outcome.state.outputs.get(name) {
                outputs.insert(name.clone(), old.clone());
            }
        }
        self.outcome.state.outputs = outputs;
        for (addr, digest) in r.triggers {
            let Some(rs) = self.outcome.state.resources.get_mut(&addr.resource) else {
                continue;
            };
            if let Some(inst) = rs.instances.get_mut(&(addr.key.clone(), String::new())) {
                inst.extra
                    .insert(TRIGGERS_KEY.to_string(), serde_json::Value::from(digest));
            }
        }
        self.outcome
    }
}

fn verb(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Create => "create",
        OpKind::Update => "update",
        OpKind::Delete => "destroy",
        OpKind::Read => "read",
    }
}
