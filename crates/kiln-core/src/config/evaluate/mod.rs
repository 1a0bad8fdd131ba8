//! Evaluates a loaded [`ModuleTree`]: checks every reference, orders each module's objects
//! by their dependencies (reporting cycles), and evaluates variables, locals, resources,
//! data sources, module calls and outputs into values, checking resource bodies against
//! their provider's schema. Values the configuration cannot know (attributes providers
//! compute) are unknown; this is the same evaluation a plan starts from.

mod body;
mod expand;
mod hook;
mod module;
mod order;
mod refs;
mod resource;
mod scope;
mod variables;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub use body::{eval_body, unset_computed_as_null};
pub use hook::{InstanceEval, ResourceHook};
pub use module::{module_nodes, Evaluator};
pub use refs::{same_key_targets, NodeKey};
pub use scope::ModuleScope;
pub use variables::MissingVars;

use crate::addr::{InstanceKey, ModulePath};
use crate::config::model::Mode;
use crate::lang::Value;

/// The instances of one resource or data source block in one module instance.
#[derive(Debug, Clone)]
pub struct ResourceInstances {
    pub module: ModulePath,
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    /// False when count / for_each is not known yet.
    pub expanded: bool,
    /// The instance keys; their values are in the module scope (kept once: evaluating
    /// again during apply copies nothing it need not).
    pub keys: Vec<InstanceKey>,
    /// Files read by functions while evaluating it (for image fingerprints).
    pub files_read: BTreeSet<PathBuf>,
}

impl ResourceInstances {
    /// `module.x.local_file.y` (without an instance key).
    pub fn address(&self) -> String {
        let local = match self.mode {
            Mode::Managed => format!("{}.{}", self.type_name, self.name),
            Mode::Data => format!("data.{}.{}", self.type_name, self.name),
        };
        self.module.join(local)
    }
}

/// One evaluated module instance and, recursively, its children.
#[derive(Debug, Clone)]
pub struct EvaluatedModule {
    pub path: ModulePath,
    pub dir: PathBuf,
    /// Every name visible in the module, for the console and later evaluations.
    pub scope: ModuleScope,
    pub resources: Vec<ResourceInstances>,
    pub outputs: BTreeMap<String, Value>,
    /// Evaluated `provider` blocks by address (`aws`, `aws.west`).
    pub providers: BTreeMap<String, Value>,
    pub children: Vec<EvaluatedModule>,
}

impl EvaluatedModule {
    /// All resource instance groups in this module and below.
    pub fn all_resources(&self) -> Vec<&ResourceInstances> {
        let mut out: Vec<&ResourceInstances> = self.resources.iter().collect();
        for c in &self.children {
            out.extend(c.all_resources());
        }
        out
    }
}
