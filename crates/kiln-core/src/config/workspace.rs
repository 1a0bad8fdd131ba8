//! A configuration ready for the engine: loaded once, evaluated as often as plan and apply
//! need (the plan evaluates it with a hook deciding each resource's value; apply evaluates
//! it again as values become known).

use std::path::PathBuf;

use super::evaluate::{EvaluatedModule, Evaluator, MissingVars, ResourceHook};
use super::inputs::RootInputs;
use super::model::ModuleTree;
use super::{tree, LoadOptions};
use crate::diag::Diagnostics;
use crate::lang::Functions;
use crate::schema::Schemas;
use crate::source::SourceMap;

pub struct Workspace {
    pub sources: SourceMap,
    pub tree: ModuleTree,
    pub inputs: RootInputs,
    pub root_dir: PathBuf,
    pub cwd: PathBuf,
    pub missing_vars: MissingVars,
}

/// Loads the module tree and the root inputs. The caller checks the diagnostics for
/// errors before evaluating.
pub fn load_workspace(opts: &LoadOptions) -> (Workspace, Diagnostics) {
    let (ws, diags, _) = load_parts(opts);
    (ws, diags)
}

/// Loads the tree and the inputs; the flag says whether gathering the inputs failed (a
/// configuration with bad inputs is not worth evaluating).
pub(crate) fn load_parts(opts: &LoadOptions) -> (Workspace, Diagnostics, bool) {
    let mut sources = SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let tree = tree::load_tree(&opts.dir, &mut sources, &mut diagnostics);
    let before_inputs = diagnostics.len();
    let inputs = RootInputs::gather(
        &opts.dir,
        &opts.env,
        &opts.cli_inputs,
        &mut sources,
        &mut diagnostics,
    );
    let inputs_failed = diagnostics.iter().skip(before_inputs).any(|d| d.is_error());
    let ws = Workspace {
        sources,
        tree,
        inputs,
        root_dir: opts.dir.clone(),
        cwd: opts.cwd.clone(),
        missing_vars: opts.missing_vars,
    };
    (ws, diagnostics, inputs_failed)
}

impl Workspace {
    /// Evaluates the whole configuration; `hook` decides resource values (plan, apply).
    pub fn evaluate(
        &self,
        schemas: &Schemas,
        functions: &Functions,
        hook: Option<&dyn ResourceHook>,
    ) -> (EvaluatedModule, Diagnostics) {
        let mut ev = Evaluator::new(
            schemas,
            functions,
            &self.sources,
            self.root_dir.clone(),
            self.cwd.clone(),
        );
        ev.missing_vars = self.missing_vars;
        ev.hook = hook;
        let evaluated = ev.evaluate(&self.tree, &self.inputs);
        (evaluated, ev.diags)
    }

    /// Whether any module configures a provider with a `provider` block.
    pub fn has_provider_blocks(&self) -> bool {
        fn walk(t: &ModuleTree) -> bool {
            !t.module.providers.is_empty() || t.children.values().any(walk)
        }
        walk(&self.tree)
    }
}
