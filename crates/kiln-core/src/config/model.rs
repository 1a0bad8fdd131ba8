//! The loaded, not yet evaluated, configuration of one module (one directory).
//!
//! Everything keeps its source span. Expressions stay unevaluated here: evaluation needs
//! variable values, other modules and (later) state, and happens in [`super::evaluate`].

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::lang::{Expr, Type};
use crate::source::Span;

/// An argument `name = expr`.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub expr: Expr,
    /// The whole `name = expr`.
    pub span: Span,
    pub name_span: Span,
}

/// A nested block inside a resource, provider or other body, kept generic: its meaning
/// comes from the schema it is validated against.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: String,
    pub labels: Vec<String>,
    pub body: Body,
    pub span: Span,
    /// The block type and labels, where "missing argument" errors point.
    pub header_span: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// `kiln { … }`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub required_version: Option<(String, Span)>,
    pub backend: Option<Backend>,
}

#[derive(Debug, Clone)]
pub struct Backend {
    pub kind: String,
    pub body: Body,
    pub span: Span,
}

/// `provider "name" { alias = "x" … }`.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub body: Body,
    pub span: Span,
}

impl ProviderConfig {
    /// `aws` or `aws.west`.
    pub fn address(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub ty: Type,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    Managed,
    Data,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub create_before_destroy: Option<Expr>,
    pub prevent_destroy: Option<Expr>,
    /// Attribute paths (`tags`, `tags["x"]`), or `all`.
    pub ignore_changes: Vec<Expr>,
    pub ignore_all_changes: bool,
    pub replace_triggered_by: Vec<Expr>,
}

/// `provisioner "shell" { … }` inside an image resource; validated here, run by a build.
#[derive(Debug, Clone)]
pub struct Provisioner {
    pub kind: String,
    pub body: Body,
    /// The header (`provisioner "shell"`), where diagnostics about the block point.
    pub span: Span,
}

/// `communicator "ssh" { … }` inside an image resource.
#[derive(Debug, Clone)]
pub struct Communicator {
    pub kind: String,
    pub body: Body,
    /// The header (`communicator "ssh"`), where diagnostics about the block point.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub mode: Mode,
    pub type_name: String,
    pub name: String,
    /// `provider = aws.west`: the provider address, if given.
    pub provider: Option<(String, Span)>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub lifecycle: Lifecycle,
    pub communicator: Option<Communicator>,
    pub provisioners: Vec<Provisioner>,
    /// Everything that is not a meta-argument: checked against the type's schema.
    pub body: Body,
    pub span: Span,
    pub header_span: Span,
}

impl Resource {
    /// `local_file.x` or `data.local_command.y`.
    pub fn address(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.type_name, self.name),
            Mode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<Expr>,
    pub span: Span,
}

/// Where a module's code comes from. Only local paths load today; the variant for
/// remote sources keeps the door open for git sources.
#[derive(Debug, Clone, PartialEq)]
pub enum ModuleSource {
    Local(String),
    Remote(String),
}

#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    pub source: ModuleSource,
    pub source_span: Span,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// `providers = { aws = aws.west }`.
    pub providers: Option<Expr>,
    /// Input variables for the child module.
    pub inputs: Vec<Attribute>,
    pub span: Span,
    pub header_span: Span,
}

/// One directory of configuration.
#[derive(Debug, Clone, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub settings: Settings,
    pub providers: Vec<ProviderConfig>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Local>,
    pub resources: Vec<Resource>,
    /// (mode, type, name) → index into `resources`; kept by [`Module::add_resource`] so that
    /// lookups stay O(1) in configurations with thousands of resources.
    pub resource_index: HashMap<(Mode, String, String), usize>,
    pub outputs: BTreeMap<String, Output>,
    pub module_calls: BTreeMap<String, ModuleCall>,
    /// A file could not be read or parsed, so some of the module is missing.
    pub incomplete: bool,
}

impl Module {
    pub fn resource(&self, mode: Mode, type_name: &str, name: &str) -> Option<&Resource> {
        let i = self
            .resource_index
            .get(&(mode, type_name.to_string(), name.to_string()))?;
        self.resources.get(*i)
    }

    /// Adds a resource; the caller has checked it is not a duplicate.
    pub fn add_resource(&mut self, r: Resource) {
        self.resource_index.insert(
            (r.mode, r.type_name.clone(), r.name.clone()),
            self.resources.len(),
        );
        self.resources.push(r);
    }
}

/// A module and, recursively, the modules it calls.
#[derive(Debug, Clone, Default)]
pub struct ModuleTree {
    pub module: Module,
    pub children: BTreeMap<String, ModuleTree>,
}

impl ModuleTree {
    /// Number of modules in the tree, this one included.
    pub fn len(&self) -> usize {
        1 + self.children.values().map(ModuleTree::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Whether a file of this module or of a module below could not be read or parsed.
    pub fn is_incomplete(&self) -> bool {
        self.module.incomplete || self.children.values().any(ModuleTree::is_incomplete)
    }
}
