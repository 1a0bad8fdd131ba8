//! The provider contract: how the engine reaches a platform. Every call is a request and
//! a response carrying diagnostics; the written contract (planned vs. new values, unknowns,
//! replacement) is `docs/provider-lifecycle.md`.
//!
//! Values crossing this boundary are whole objects of the resource type's schema
//! ([`crate::schema::Schema::value_type`]): every attribute present, null when unset.
//! Planned values may hold unknowns; values returned by `create`, `update`, `read` and
//! `import` must be wholly known.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use crate::addr::InstanceAddr;
use crate::diag::Diagnostics;
use crate::lang::Value;
use crate::schema::ProviderSchema;

/// A boxed future, so the trait stays object-safe (`Arc<dyn Provider>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An attribute path inside an object: `tags`, `network_interface[0].ip`. On disk (state,
/// plan files) a step is `{"attr": "tags"}`, `{"index": 0}` or `{"key": "k"}`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PathStep {
    Attr(String),
    Index(usize),
    Key(String),
}

pub type AttrPath = Vec<PathStep>;

/// Renders a path as users write it: `network_interface[0].ip`.
pub fn path_to_string(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Attr(a) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(a);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Key(k) => out.push_str(&format!("[{}]", crate::lang::display::quote(k))),
        }
    }
    out
}

/// How hard the engine may drive a provider. The engine never has more than
/// `max_concurrent` calls in flight to it, nor starts more than `calls_per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_concurrent: Option<usize>,
    pub calls_per_second: Option<f64>,
}

impl Limits {
    pub const NONE: Limits = Limits {
        max_concurrent: None,
        calls_per_second: None,
    };
}

/// Where a call comes from: the instance it is about and the directory relative paths in
/// its values resolve against — the working directory, as in Terraform (configurations
/// write `"${path.module}/…"` for paths inside a module).
#[derive(Debug, Clone)]
pub struct CallContext {
    pub addr: InstanceAddr,
    pub base_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    /// The evaluated `provider "name" { … }` block (an object of the provider's config
    /// schema; null attributes where unset). Wholly known.
    pub config: Value,
    /// The configuration's root directory.
    pub root_dir: PathBuf,
}

/// One object to refresh.
#[derive(Debug, Clone)]
pub struct ReadItem {
    pub cx: CallContext,
    /// The state last recorded for it.
    pub prior: Value,
}

#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub type_name: String,
    /// Many objects at once: a provider answers with as few API calls as its API allows.
    pub items: Vec<ReadItem>,
}

#[derive(Debug, Default)]
pub struct ReadResponse {
    /// One entry per request item, in order: the object as it is now, or `None` when it
    /// no longer exists.
    pub objects: Vec<Option<Value>>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub type_name: String,
    pub cx: CallContext,
    /// The current object; `None` when it is to be created.
    pub prior: Option<Value>,
    /// The evaluated configuration: settable attributes as written, computed ones null.
    pub config: Value,
    /// The engine's proposal: the configuration with computed attributes taken from
    /// `prior` where the configuration leaves them unset, unknown when there is no prior.
    pub proposed: Value,
    /// What the provider kept about the object last time ([`ApplyResponse::private`]).
    pub prior_private: Option<serde_json::Value>,
}

/// One reason for a planned change, in the provider's words: "file app/install.sh
/// modified", with a unified diff when the previous content is known. Images say why they
/// are rebuilt this way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cause {
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Cause {
    pub fn new(summary: impl Into<String>) -> Cause {
        Cause {
            summary: summary.into(),
            diff: None,
        }
    }
}

#[derive(Debug)]
pub struct PlanResponse {
    /// What the object will look like after apply; may add unknowns (an attribute that
    /// the change will recompute) but must keep every configured value.
    pub planned: Value,
    /// Attributes whose change cannot be made in place, beyond those the schema marks
    /// force-new.
    pub requires_replace: Vec<AttrPath>,
    /// Why the object changes, beyond the attribute diff (empty when that says it all).
    pub causes: Vec<Cause>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ApplyRequest {
    pub type_name: String,
    pub cx: CallContext,
    /// `None` for create.
    pub prior: Option<Value>,
    /// The planned value, re-evaluated with everything the plan did not know yet.
    pub planned: Value,
    pub config: Value,
    pub prior_private: Option<serde_json::Value>,
    pub run: crate::run::RunContext,
}

#[derive(Debug, Default)]
pub struct ApplyResponse {
    /// The object as it now exists: wholly known. On failure after the object was
    /// created, the partial object, so the engine records it (tainted) and never orphans
    /// it; `None` when nothing exists.
    pub new_state: Option<Value>,
    /// The provider's own record of the object, kept in state beside it and handed back
    /// in the next [`PlanRequest::prior_private`] (an image keeps the digest of each of
    /// its build inputs there). `None` keeps what was there.
    pub private: Option<serde_json::Value>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct DeleteRequest {
    pub type_name: String,
    pub cx: CallContext,
    pub prior: Value,
}

/// A temporary resource a run that died left behind (see [`crate::run::Temporary`]).
#[derive(Debug, Clone)]
pub struct DeleteTemporaryRequest {
    /// The object whose build made it.
    pub owner: InstanceAddr,
    pub base_dir: PathBuf,
    pub kind: String,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub type_name: String,
    pub cx: CallContext,
    /// The provider's own identifier for the object (a path, an instance id).
    pub id: String,
}

#[derive(Debug, Default)]
pub struct ImportResponse {
    pub object: Option<Value>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ReadDataRequest {
    pub type_name: String,
    pub cx: CallContext,
    /// The data source's configuration, wholly known.
    pub config: Value,
}

#[derive(Debug, Default)]
pub struct ReadDataResponse {
    pub state: Option<Value>,
    pub diagnostics: Diagnostics,
}

/// A platform Kiln can manage. One value per configured provider block; calls may run
/// concurrently (up to [`Limits`]), so implementations are `Send + Sync`.
pub trait Provider: Send + Sync {
    fn schema(&self) -> &ProviderSchema;

    fn limits(&self) -> Limits {
        Limits::NONE
    }

    /// Called once, before any other call, with the provider block's values.
    fn configure(&self, _req: ConfigureRequest) -> BoxFuture<'_, Diagnostics> {
        Box::pin(async { Diagnostics::new() })
    }

    /// Refreshes many objects of one type.
    fn read(&self, req: ReadRequest) -> BoxFuture<'_, ReadResponse>;

    /// Adjusts a planned change. Pure: no side effects, no slow calls. The default
    /// accepts the engine's proposal.
    fn plan(&self, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned: req.proposed,
            requires_replace: Vec::new(),
            causes: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }

    fn create(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse>;

    fn update(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse>;

    fn delete(&self, req: DeleteRequest) -> BoxFuture<'_, Diagnostics>;

    /// Removes a temporary resource that an interrupted run left; succeeds when it is
    /// already gone.
    fn delete_temporary(&self, req: DeleteTemporaryRequest) -> BoxFuture<'_, Diagnostics> {
        let summary = format!("Cannot remove {} left by {}", req.kind, req.owner);
        Box::pin(async move {
            let mut d = Diagnostics::new();
            d.push(crate::diag::Diagnostic::error(
                summary,
                "This provider does not make temporary resources, so it cannot remove one.",
            ));
            d
        })
    }

    fn import(&self, req: ImportRequest) -> BoxFuture<'_, ImportResponse> {
        let summary = format!("{} cannot be imported", req.type_name);
        Box::pin(async move {
            let mut d = Diagnostics::new();
            d.push(crate::diag::Diagnostic::error(
                summary,
                "This resource type does not support import.",
            ));
            ImportResponse {
                object: None,
                diagnostics: d,
            }
        })
    }

    fn read_data(&self, req: ReadDataRequest) -> BoxFuture<'_, ReadDataResponse> {
        let summary = format!("Unknown data source {}", req.type_name);
        Box::pin(async move {
            let mut d = Diagnostics::new();
            d.push(crate::diag::Diagnostic::error(
                summary,
                "This provider has no such data source.",
            ));
            ReadDataResponse {
                state: None,
                diagnostics: d,
            }
        })
    }
}

/// What the evaluator needs from providers: reading data sources whose configuration is
/// known, so facts can be read at plan (and console) time. Synchronous because evaluation
/// is; the engine adapts [`Provider::read_data`] to it.
pub trait DataReader {
    /// Reads data source `type_name` with its evaluated configuration `config` (an object
    /// of the schema's settable attributes, all known). Returns the complete value, computed
    /// attributes included, or a message saying what went wrong. `base_dir` (the working
    /// directory) is the
    /// directory relative paths resolve against.
    fn read_data(
        &self,
        type_name: &str,
        config: &Value,
        base_dir: &std::path::Path,
    ) -> Result<Value, String>;
}
