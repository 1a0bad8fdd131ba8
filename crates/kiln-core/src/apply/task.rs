//! Carrying out one operation against its provider, recording each step in the change
//! log before reporting it. A create is logged as `creating` *before* the provider is
//! called, so an object whose create was cut short by a crash is still found by the next
//! refresh and never orphaned.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};

use super::log::{ChangeLog, LogEntry};
use super::ops::OpKind;
use crate::addr::InstanceAddr;
use crate::diag::{Diagnostic, Diagnostics};
use crate::event::Event;
use crate::lang::Value;
use crate::plan::values::{copy_marks, mark_schema_sensitive, to_state};
use crate::plan::{PRIVATE_KEY, TRIGGERS_KEY};
use crate::provider::{ApplyRequest, BoxFuture, CallContext, DeleteRequest, ReadDataRequest};
use crate::provider_set::Handle;
use crate::run::{OnError, OutputSink, RunContext, Temporary, TemporaryLedger};
use crate::schema::ResourceSchema;
use crate::state::TemporaryState;
use crate::state::{InstanceState, InstanceStatus};

/// Everything one operation needs, owned, so it can run as its own task.
pub struct OpInput {
    pub kind: OpKind,
    pub addr: InstanceAddr,
    /// The deposed key: of the object to delete, or (create under create_before_destroy)
    /// the key to depose the current object under first.
    pub deposed: String,
    /// `provider.local`.
    pub provider: String,
    pub base_dir: PathBuf,
    pub schema: Option<ResourceSchema>,
    pub prior: Option<Value>,
    /// The prior object as recorded, for deposing it.
    pub prior_state: Option<InstanceState>,
    pub planned: Value,
    pub config: Value,
    pub dependencies: Vec<String>,
    pub create_before_destroy: bool,
    pub trigger: Option<String>,
    /// Where the call's live output and build-log notices go (the walk forwards them).
    pub events: mpsc::UnboundedSender<Event>,
    pub cancel: watch::Receiver<bool>,
    pub on_error: OnError,
}

pub struct OpOutput {
    /// What was recorded, in order; the walk applies them to its state.
    pub entries: Vec<LogEntry>,
    /// The object's value now (for references evaluated later), if it exists.
    pub value: Option<Value>,
    pub diagnostics: Diagnostics,
}

pub async fn run(handle: Handle, log: Arc<dyn ChangeLog>, input: OpInput) -> OpOutput {
    let mut out = OpOutput {
        entries: Vec::new(),
        value: None,
        diagnostics: Diagnostics::new(),
    };
    let cx = CallContext {
        addr: input.addr.clone(),
        base_dir: input.base_dir.clone(),
    };
    let type_name = input.addr.resource.type_name.clone();
    match input.kind {
        OpKind::Read => {
            let resp = {
                let _permit = handle.permit().await;
                handle
                    .provider
                    .read_data(ReadDataRequest {
                        type_name,
                        cx,
                        config: input.config.clone(),
                    })
                    .await
            };
            out.diagnostics.extend(resp.diagnostics);
            out.value = resp.state;
        }
        OpKind::Delete => {
            let Some(prior) = input.prior.clone() else {
                return out;
            };
            let diags = {
                let _permit = handle.permit().await;
                handle
                    .provider
                    .delete(DeleteRequest {
                        type_name,
                        cx,
                        prior,
                    })
                    .await
            };
            let failed = diags.has_errors();
            out.diagnostics.extend(diags);
            if !failed {
                let e = LogEntry::Remove {
                    addr: input.addr.clone(),
                    deposed: input.deposed.clone(),
                };
                record(&*log, e, &mut out).await;
            }
        }
        OpKind::Create => {
            if !input.deposed.is_empty() {
                if let Some(old) = &input.prior_state {
                    let depose = LogEntry::Set {
                        addr: input.addr.clone(),
                        deposed: input.deposed.clone(),
                        provider: input.provider.clone(),
                        instance: old.clone(),
                    };
                    if !record(&*log, depose, &mut out).await {
                        return out;
                    }
                }
            }
            let (attributes, sensitive_attributes) = to_state(&input.planned);
            let pending = LogEntry::Set {
                addr: input.addr.clone(),
                deposed: String::new(),
                provider: input.provider.clone(),
                instance: InstanceState {
                    status: Some(InstanceStatus::Creating),
                    attributes,
                    sensitive_attributes,
                    dependencies: input.dependencies.clone(),
                    create_before_destroy: input.create_before_destroy,
                    extra: Default::default(),
                },
            };
            if !record(&*log, pending, &mut out).await {
                return out;
            }
            let ledger = Arc::new(OpLedger::new(&input, log.clone()));
            let resp = {
                let _permit = handle.permit().await;
                handle
                    .provider
                    .create(request(&input, cx, None, ledger.clone()))
                    .await
            };
            ledger.drain_into(&mut out);
            finish_write(&input, resp, &*log, &mut out).await;
        }
        OpKind::Update => {
            let ledger = Arc::new(OpLedger::new(&input, log.clone()));
            let resp = {
                let _permit = handle.permit().await;
                handle
                    .provider
                    .update(request(&input, cx, input.prior.clone(), ledger.clone()))
                    .await
            };
            ledger.drain_into(&mut out);
            finish_write(&input, resp, &*log, &mut out).await;
        }
    }
    out
}

fn request(
    input: &OpInput,
    cx: CallContext,
    prior: Option<Value>,
    ledger: Arc<OpLedger>,
) -> ApplyRequest {
    ApplyRequest {
        type_name: input.addr.resource.type_name.clone(),
        cx,
        prior,
        planned: input.planned.clone(),
        config: input.config.clone(),
        // A replacement gets the record of the object it replaces too: an image's
        // input digests let the new build skip hashing unchanged files.
        prior_private: input
            .prior_state
            .as_ref()
            .and_then(|p| p.extra.get(PRIVATE_KEY))
            .cloned(),
        run: RunContext {
            output: Arc::new(OpOutputSink {
                addr: input.addr.clone(),
                events: input.events.clone(),
            }),
            cancel: input.cancel.clone(),
            temporaries: ledger,
            on_error: input.on_error,
        },
    }
}

/// Sends a call's output to the walk, which hands it to the event sink.
struct OpOutputSink {
    addr: InstanceAddr,
    events: mpsc::UnboundedSender<Event>,
}

impl OutputSink for OpOutputSink {
    fn line(&self, line: &str) {
        let _ = self.events.send(Event::Output {
            addr: self.addr.clone(),
            line: line.to_string(),
        });
    }

    fn log_file(&self, path: &Path) {
        let _ = self.events.send(Event::BuildLog {
            addr: self.addr.clone(),
            path: path.to_path_buf(),
        });
    }
}

/// Records an operation's temporary resources in the change log, durably, before the
/// provider creates them; the entries also go back to the walk with the operation's
/// other entries, so the state it writes at the end holds what is still left.
struct OpLedger {
    owner: String,
    provider: String,
    log: Arc<dyn ChangeLog>,
    entries: Mutex<Vec<LogEntry>>,
}

impl OpLedger {
    fn new(input: &OpInput, log: Arc<dyn ChangeLog>) -> OpLedger {
        OpLedger {
            owner: input.addr.to_string(),
            provider: input.provider.clone(),
            log,
            entries: Mutex::new(Vec::new()),
        }
    }

    async fn write(&self, e: LogEntry) -> Result<(), String> {
        self.log.record(e.clone()).await?;
        if let Ok(mut l) = self.entries.lock() {
            l.push(e);
        }
        Ok(())
    }

    fn drain_into(&self, out: &mut OpOutput) {
        if let Ok(mut l) = self.entries.lock() {
            out.entries.append(&mut l);
        }
    }
}

impl TemporaryLedger for OpLedger {
    fn record(&self, t: Temporary) -> BoxFuture<'_, Result<(), String>> {
        let e = LogEntry::TemporarySet {
            id: t.id,
            temporary: TemporaryState {
                owner: self.owner.clone(),
                provider: self.provider.clone(),
                kind: t.kind,
                description: t.description,
                data: t.data,
            },
        };
        Box::pin(self.write(e))
    }

    fn forget(&self, id: String) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(self.write(LogEntry::TemporaryRemove { id }))
    }
}

/// Records the object a create or update left: tainted when the call failed after
/// the object came into being; forgotten when a create made nothing.
async fn finish_write(
    input: &OpInput,
    resp: crate::provider::ApplyResponse,
    log: &dyn ChangeLog,
    out: &mut OpOutput,
) {
    let failed = resp.diagnostics.has_errors();
    out.diagnostics.extend(resp.diagnostics);
    let entry = match resp.new_state {
        Some(mut v) => {
            copy_marks(&input.planned, &mut v);
            if let Some(s) = &input.schema {
                mark_schema_sensitive(&mut v, s);
            }
            let (attributes, sensitive_attributes) = to_state(&v);
            let mut extra = input
                .prior_state
                .as_ref()
                .filter(|_| input.kind == OpKind::Update)
                .map(|p| p.extra.clone())
                .unwrap_or_default();
            if let Some(p) = resp.private {
                extra.insert(PRIVATE_KEY.to_string(), p);
            }
            if let Some(t) = &input.trigger {
                extra.insert(TRIGGERS_KEY.to_string(), serde_json::Value::from(t.clone()));
            }
            out.value = Some(v);
            LogEntry::Set {
                addr: input.addr.clone(),
                deposed: String::new(),
                provider: input.provider.clone(),
                instance: InstanceState {
                    status: failed.then_some(InstanceStatus::Tainted),
                    attributes,
                    sensitive_attributes,
                    dependencies: input.dependencies.clone(),
                    create_before_destroy: input.create_before_destroy,
                    extra,
                },
            }
        }
        None if input.kind == OpKind::Create => LogEntry::Remove {
            addr: input.addr.clone(),
            deposed: String::new(),
        },
        None => return,
    };
    record(log, entry, out).await;
}

/// Records one entry; a failure to make it durable is an error of the operation.
async fn record(log: &dyn ChangeLog, e: LogEntry, out: &mut OpOutput) -> bool {
    match log.record(e.clone()).await {
        Ok(()) => {
            out.entries.push(e);
            true
        }
        Err(msg) => {
            out.diagnostics.push(Diagnostic::error(
                "Could not record the change in state",
                format!("Writing the state journal failed: {msg}. The change to {} was made but may not be recorded; check the object by hand before the next apply.", e_addr(&e)),
            ));
            false
        }
    }
}

fn e_addr(e: &LogEntry) -> String {
    match e {
        LogEntry::Set { addr, .. } | LogEntry::Remove { addr, .. } => addr.to_string(),
        LogEntry::Outputs(_) => "the outputs".to_string(),
        LogEntry::TemporarySet { id, .. } | LogEntry::TemporaryRemove { id } => {
            format!("the temporary resource {id}")
        }
    }
}
