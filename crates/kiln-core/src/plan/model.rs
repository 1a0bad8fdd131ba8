//! A plan: what Kiln intends to do to each object, and why. Produced by
//! [`crate::plan::plan`], rendered by the CLI, carried out by [`crate::apply`].

use std::fmt;

use crate::addr::InstanceAddr;
use crate::diag::Diagnostics;
use crate::lang::Value;
use crate::provider::{AttrPath, Cause};
use crate::state::State;

/// What happens to one object.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    NoOp,
    Create,
    /// A data source read during apply, because its configuration is not known yet.
    Read,
    Update,
    /// `-/+`: the old object goes first.
    DeleteThenCreate,
    /// `+/-`: under create_before_destroy the new object exists before the old one goes.
    CreateThenDelete,
    Delete,
}

impl Action {
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The symbol Terraform users know: `+`, `-`, `~`, `-/+`, `+/-`, `<=`.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
        }
    }
}

/// Why an action was chosen, when it is not simply "the configuration says so".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    None,
    /// The object was tainted (a create that failed part way).
    Tainted,
    /// `--replace ADDR`.
    Requested,
    /// `replace_triggered_by`: the expressions that changed.
    Triggered(Vec<String>),
    /// The attributes in `replace_paths` cannot be updated in place.
    CannotUpdate,
    /// The resource block is gone from the configuration.
    NoConfig,
    /// The instance key is no longer produced by count / for_each.
    NoInstance,
    /// The whole resource block's module is gone.
    NoModule,
    /// `kiln destroy` / `--destroy`.
    DestroyMode,
    /// A deposed object left by an interrupted create_before_destroy.
    Deposed,
    /// A data source read at apply because its configuration refers to unknown values.
    ConfigUnknown,
}

/// The planned change of one object.
#[derive(Debug, Clone)]
pub struct ResourceChange {
    pub addr: InstanceAddr,
    /// Non-empty for a deposed object (only ever deleted).
    pub deposed: String,
    /// `provider.local`.
    pub provider: String,
    pub action: Action,
    pub reason: Reason,
    /// The object now (after refresh); `None` when it does not exist.
    pub before: Option<Value>,
    /// The object after apply, unknowns where not known yet; `None` when deleted.
    pub after: Option<Value>,
    /// The attributes that force replacement.
    pub replace_paths: Vec<AttrPath>,
    /// Why, in the provider's and the engine's words, beyond the attribute diff: an
    /// image's changed build inputs, what a rebuilt image's replacement takes with it.
    pub causes: Vec<Cause>,
    /// Resource addresses it depends on (for ordering apply and recording in state).
    pub dependencies: Vec<String>,
    pub create_before_destroy: bool,
    /// For a create-then-delete replacement: keep the old object (deposed) instead of
    /// deleting it, because objects outside this run still use it (`kiln build` rebuilds
    /// an image that running machines were made from; the next apply replaces them, then
    /// deletes it).
    pub keep_old: bool,
}

/// A change to an output value.
#[derive(Debug, Clone)]
pub struct OutputChange {
    pub name: String,
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanMode {
    Normal,
    Destroy,
}

impl fmt::Display for PlanMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PlanMode::Normal => "normal",
            PlanMode::Destroy => "destroy",
        })
    }
}

/// A temporary resource an interrupted build left in state: the apply deletes it first.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Leftover {
    pub id: String,
    pub temporary: crate::state::TemporaryState,
}

/// Everything a plan decided.
#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: PlanMode,
    /// Objects whose refresh found them changed or gone outside Kiln: `Update` (with
    /// before/after) or `Delete`. Reported, never applied.
    pub drift: Vec<ResourceChange>,
    /// One entry per object in configuration or state, in address order; no-ops included.
    pub changes: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    /// Temporary resources of interrupted builds, deleted before anything else.
    pub leftovers: Vec<Leftover>,
    /// The refreshed state the plan was made against.
    pub prior_state: State,
    pub diagnostics: Diagnostics,
}

/// Counts for `Plan: X to add, Y to change, Z to destroy.`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for c in &self.changes {
            match c.action {
                Action::Create => t.add += 1,
                Action::Update => t.change += 1,
                Action::Delete => t.destroy += 1,
                Action::CreateThenDelete if c.keep_old => t.add += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    t.add += 1;
                    t.destroy += 1;
                }
                Action::NoOp | Action::Read => {}
            }
        }
        t
    }

    /// Whether applying would change anything (objects or outputs).
    pub fn has_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| !matches!(c.action, Action::NoOp | Action::Read))
            || self.outputs.iter().any(|o| o.action != Action::NoOp)
            || !self.leftovers.is_empty()
    }
}
