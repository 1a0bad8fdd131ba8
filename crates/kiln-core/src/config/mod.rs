//! Configuration: loading a directory of `*.hcl` files (and the modules it calls) into a
//! [`ModuleTree`], gathering root variable values, and evaluating it all into values with
//! every problem reported ([`load_configuration`] does the three in order).

pub mod decode;
pub mod evaluate;
pub mod image_blocks;
pub mod inputs;
pub mod load;
pub mod model;
pub mod tree;
pub mod typeexpr;
pub mod version;
pub mod workspace;

use std::path::PathBuf;

pub use evaluate::{EvaluatedModule, MissingVars};
pub use inputs::{CliInput, RootInputs};
pub use model::{Module, ModuleTree};
pub use workspace::{load_workspace, Workspace};

use crate::diag::Diagnostics;
use crate::lang::Functions;
use crate::schema::Schemas;
use crate::source::SourceMap;

/// What to load and with which inputs.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub dir: PathBuf,
    /// The current directory (`path.cwd`).
    pub cwd: PathBuf,
    /// The process environment; only `KILN_VAR_*` entries are read.
    pub env: Vec<(String, String)>,
    pub cli_inputs: Vec<CliInput>,
    pub missing_vars: MissingVars,
    /// Whether data sources are read (plan, console) or left unknown (validate).
    pub read_data: bool,
}

/// A loaded and evaluated configuration with all its diagnostics.
pub struct Loaded {
    pub sources: SourceMap,
    pub tree: ModuleTree,
    /// `None` when loading failed (syntax errors, unreadable files): evaluating a partial
    /// configuration would only add confusing follow-on errors.
    pub evaluated: Option<EvaluatedModule>,
    pub diagnostics: Diagnostics,
}

pub fn load_configuration(opts: &LoadOptions, schemas: &Schemas, functions: &Functions) -> Loaded {
    load_configuration_with(opts, schemas, functions, None)
}

/// Like [`load_configuration`], reading data sources through `data_reader` when
/// `opts.read_data` is set.
pub fn load_configuration_with(
    opts: &LoadOptions,
    schemas: &Schemas,
    functions: &Functions,
    data_reader: Option<&dyn crate::provider::DataReader>,
) -> Loaded {
    let (ws, mut diagnostics, inputs_failed) = workspace::load_parts(opts);
    let Workspace {
        sources,
        tree,
        inputs,
        ..
    } = ws;
    if tree.is_incomplete() || inputs_failed {
        return Loaded {
            sources,
            tree,
            evaluated: None,
            diagnostics,
        };
    }
    let mut ev = evaluate::Evaluator::new(
        schemas,
        functions,
        &sources,
        opts.dir.clone(),
        opts.cwd.clone(),
    );
    ev.missing_vars = opts.missing_vars;
    ev.data_reader = data_reader.filter(|_| opts.read_data);
    let evaluated = ev.evaluate(&tree, &inputs);
    diagnostics.extend(ev.diags);
    Loaded {
        sources,
        tree,
        evaluated: Some(evaluated),
        diagnostics,
    }
}
