//! The diff tree: what changed, node by node, before anything is drawn. Built by
//! [`super::diff`] and [`super::diff_block`]; printed by [`super::draw`] and
//! [`super::strings`], one small renderer per [`Node`] kind (as OpenTofu's `jsonformat`).
//!
//! A node holds no sensitive content: [`Node::Sensitive`] says only which sides were
//! marked and whether the value changed, so nothing downstream can print a secret.

use std::collections::BTreeMap;

use kiln_core::provider::{AttrPath, PathStep};

/// What happened to one node of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    NoOp,
    Create,
    Update,
    Delete,
}

impl Change {
    /// A parent's change given a child's (Terraform's `CompareActions`): an unchanged
    /// child leaves it be; a child changing differently from the parent so far makes it
    /// an update (an element added to an existing list updates the list).
    pub fn and(self, child: Change) -> Change {
        if child == Change::NoOp || child == self {
            self
        } else {
            Change::Update
        }
    }

    /// The change a collection starts from before its elements are looked at.
    pub(super) fn of_sides(before: bool, after: bool) -> Change {
        match (before, after) {
            (false, true) => Change::Create,
            (true, false) => Change::Delete,
            _ => Change::NoOp,
        }
    }
}

/// One node: its change, whether it forces replacement, and what it holds.
#[derive(Debug, Clone)]
pub struct Diff {
    pub change: Change,
    /// This node's change is why the object must be replaced (`# forces replacement`).
    pub replace: bool,
    pub node: Node,
}

/// A null, bool, number or string on one side.
#[derive(Debug, Clone, PartialEq)]
pub enum Leaf {
    Null,
    Bool(bool),
    Number(kiln_core::lang::Number),
    Text(String),
}

#[derive(Debug, Clone)]
pub enum Node {
    /// Primitives (or null) on both sides; strings are drawn by [`super::strings`].
    Leaf {
        before: Leaf,
        after: Leaf,
    },
    /// A string holding JSON, diffed structurally and drawn as `jsonencode(…)`.
    /// `whitespace_only` when the texts differ but the JSON does not.
    Json {
        inner: Box<Diff>,
        whitespace_only: bool,
    },
    /// The new value is not known until apply; `before` is the old value drawn as removed.
    Unknown {
        before: Option<Box<Diff>>,
    },
    /// A sensitive value: which sides were marked, and whether the value itself changed.
    /// Holds no content on purpose.
    Sensitive {
        before: bool,
        after: bool,
        value_changed: bool,
    },
    /// A nested block whose value is sensitive as a whole.
    SensitiveBlock,
    /// The value changes kind (a string becomes a list): old drawn removed, new created.
    TypeChange {
        before: Box<Diff>,
        after: Box<Diff>,
    },
    /// Ordered: elements as the alignment of the two sequences produced them.
    List(Vec<Diff>),
    Set(Vec<Diff>),
    Map(BTreeMap<String, Diff>),
    Object(BTreeMap<String, Diff>),
    /// A resource body or nested block: attributes, then nested blocks by type name.
    Block {
        attrs: BTreeMap<String, Diff>,
        blocks: BTreeMap<String, Vec<Diff>>,
    },
}

/// What the differ needs to know besides the two values.
#[derive(Debug, Clone, Copy)]
pub struct DiffCx<'a> {
    /// Paths the plan says force replacement.
    pub replace_paths: &'a [AttrPath],
    /// The object is being replaced: attributes and blocks the schema marks force-new
    /// that changed are marked too, even if the plan did not list them.
    pub replacing: bool,
}

impl DiffCx<'_> {
    /// Whether `path` forces replacement: listed exactly, or (for a node with no children
    /// to carry the mark, like a sensitive value) some listed path lies inside it.
    pub(super) fn marks(&self, path: &[PathStep], leaf: bool) -> bool {
        !path.is_empty()
            && self
                .replace_paths
                .iter()
                .any(|p| p.as_slice() == path || (leaf && p.starts_with(path)))
    }
}
