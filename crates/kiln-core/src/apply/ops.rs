//! The operations of an apply and the order between them. A change becomes one or two
//! operations (a replacement is a delete and a create, ordered by create_before_destroy);
//! an operation waits for:
//!
//! - the creates, updates and reads of the instances its object depends on;
//! - for a delete: the deletes of everything that depends on its object (reverse order),
//!   and under create_before_destroy the creates and updates of those dependents, which
//!   must point at the new object before the old one goes.

use std::collections::{BTreeSet, HashMap};

use crate::addr::InstanceAddr;
use crate::plan::{Action, Plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Create,
    Update,
    Delete,
    Read,
}

#[derive(Debug, Clone)]
pub struct Op {
    pub kind: OpKind,
    /// Index into `plan.changes`.
    pub change: usize,
    /// The deposed key of the object deleted; for the create of a create-before-destroy
    /// replacement, the key the current object is deposed under first.
    pub deposed: String,
    /// Operations that must finish first (indexes into the op list).
    pub after: BTreeSet<usize>,
}

/// Turns the plan's changes into ordered operations.
pub fn build(plan: &Plan, deps: &HashMap<InstanceAddr, BTreeSet<InstanceAddr>>) -> Vec<Op> {
    let mut ops: Vec<Op> = Vec::new();
    let mut producer: HashMap<&InstanceAddr, usize> = HashMap::new();
    let mut deleter: HashMap<&InstanceAddr, Vec<usize>> = HashMap::new();
    let push = |ops: &mut Vec<Op>, kind, change, deposed: String| {
        ops.push(Op {
            kind,
            change,
            deposed,
            after: BTreeSet::new(),
        });
        ops.len() - 1
    };
    for (i, c) in plan.changes.iter().enumerate() {
        match c.action {
            Action::NoOp => {}
            Action::Create => {
                producer.insert(&c.addr, push(&mut ops, OpKind::Create, i, String::new()));
            }
            Action::Update => {
                producer.insert(&c.addr, push(&mut ops, OpKind::Update, i, String::new()));
            }
            Action::Read => {
                producer.insert(&c.addr, push(&mut ops, OpKind::Read, i, String::new()));
            }
            Action::Delete => {
                let d = push(&mut ops, OpKind::Delete, i, c.deposed.clone());
                deleter.entry(&c.addr).or_default().push(d);
            }
            Action::DeleteThenCreate => {
                let d = push(&mut ops, OpKind::Delete, i, String::new());
                let cr = push(&mut ops, OpKind::Create, i, String::new());
                ops[cr].after.insert(d);
                deleter.entry(&c.addr).or_default().push(d);
                producer.insert(&c.addr, cr);
            }
            Action::CreateThenDelete if c.keep_old => {
                let key = new_deposed_key();
                producer.insert(&c.addr, push(&mut ops, OpKind::Create, i, key));
            }
            Action::CreateThenDelete => {
                let key = new_deposed_key();
                let cr = push(&mut ops, OpKind::Create, i, key.clone());
                let d = push(&mut ops, OpKind::Delete, i, key);
                ops[d].after.insert(cr);
                deleter.entry(&c.addr).or_default().push(d);
                producer.insert(&c.addr, cr);
            }
        }
    }
    // Who depends on whom, among the objects of this plan.
    let mut dependents: HashMap<&InstanceAddr, Vec<&InstanceAddr>> = HashMap::new();
    for (a, ds) in deps {
        for d in ds {
            dependents.entry(d).or_default().push(a);
        }
    }
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for (addr, &p) in &producer {
        for d in deps.get(*addr).into_iter().flatten() {
            if let Some(&q) = producer.get(d) {
                edges.push((p, q));
            }
        }
    }
    for (addr, dels) in &deleter {
        for &del in dels {
            let cbd = !ops[del].deposed.is_empty();
            for dep in dependents.get(*addr).into_iter().flatten() {
                for &other in deleter.get(*dep).into_iter().flatten() {
                    edges.push((del, other));
                }
                if cbd {
                    if let Some(&q) = producer.get(*dep) {
                        edges.push((del, q));
                    }
                }
            }
        }
    }
    for (a, b) in edges {
        if a != b {
            ops[a].after.insert(b);
        }
    }
    ops
}

/// A short random key naming a deposed object in state.
fn new_deposed_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}
