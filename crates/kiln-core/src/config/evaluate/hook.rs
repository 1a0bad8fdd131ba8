//! The seam between evaluation and the engine. Evaluation alone (`kiln validate`,
//! `kiln console`) leaves computed attributes unknown; a plan or apply evaluates the same
//! configuration with a [`ResourceHook`] that decides what each resource instance's value
//! is — the planned value during a plan, the applied value during apply — so that every
//! reference downstream sees it.

use std::path::Path;

use crate::addr::InstanceAddr;
use crate::config::model::Resource;
use crate::diag::Diagnostics;
use crate::lang::{EvalCtx, Value};
use crate::schema::ResourceSchema;

/// One evaluated resource instance, as the hook sees it.
pub struct InstanceEval<'a> {
    pub addr: InstanceAddr,
    pub resource: &'a Resource,
    pub schema: &'a ResourceSchema,
    /// Relative paths resolve against it: the working directory.
    pub base_dir: &'a Path,
    /// The instance's evaluation context (with `count.index` / `each.*`), for lifecycle
    /// expressions such as `replace_triggered_by`.
    pub ctx: &'a EvalCtx<'a>,
}

pub trait ResourceHook {
    /// A managed resource instance evaluated to `config` (settable attributes as written,
    /// computed ones unknown). Returns the value other objects see.
    fn managed(&self, inst: &InstanceEval<'_>, config: Value, diags: &mut Diagnostics) -> Value;

    /// A data source instance evaluated to `config`. Returns its value: read now when the
    /// configuration is known, or left unknown to be read during apply.
    fn data(&self, inst: &InstanceEval<'_>, config: Value, diags: &mut Diagnostics) -> Value;

    /// The instance's value when the hook already knows it and needs nothing from its
    /// configuration: evaluation then skips the body. Apply uses this to evaluate again
    /// only what is about to run.
    fn settled(&self, _addr: &InstanceAddr) -> Option<Value> {
        None
    }
}
