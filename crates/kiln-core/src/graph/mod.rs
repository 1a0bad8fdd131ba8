//! The configuration graph: a node per resource instance (after count / for_each),
//! data source instance, variable, local, output, module call and provider
//! configuration, with an edge from each object to what it depends on (references,
//! `depends_on`, provider use). Built from the evaluated configuration, it gives each
//! resource instance the instances it depends on — the order of apply and, reversed, of
//! destroy — and `kiln graph` draws it.

mod dot;

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::Direction;

use crate::addr::{InstanceAddr, ModulePath, ResourceAddr};
use crate::config::evaluate::{module_nodes, same_key_targets, EvaluatedModule, NodeKey};
use crate::config::model::{Mode, ModuleTree};
use crate::schema::Schemas;

pub use dot::{labelled_dot, to_dot};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Var(ModulePath, String),
    Local(ModulePath, String),
    Output(ModulePath, String),
    /// The `module "name"` block in the module at the path.
    ModuleCall(ModulePath, String),
    Instance(InstanceAddr),
    /// `provider["local"]`, `provider["aws.west"]`.
    Provider(String),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Var(p, n) => f.write_str(&p.join(format!("var.{n}"))),
            Node::Local(p, n) => f.write_str(&p.join(format!("local.{n}"))),
            Node::Output(p, n) => f.write_str(&p.join(format!("output.{n}"))),
            Node::ModuleCall(p, n) => f.write_str(&p.join(format!("module.{n}"))),
            Node::Instance(a) => a.fmt(f),
            Node::Provider(a) => write!(f, "provider[\"{a}\"]"),
        }
    }
}

pub struct ConfigGraph {
    pub graph: StableDiGraph<Node, ()>,
    index: HashMap<Node, NodeIndex>,
}

impl ConfigGraph {
    fn node(&mut self, n: Node) -> NodeIndex {
        if let Some(i) = self.index.get(&n) {
            return *i;
        }
        let i = self.graph.add_node(n.clone());
        self.index.insert(n, i);
        i
    }

    fn edge(&mut self, from: Node, to: Node) {
        let a = self.node(from);
        let b = self.node(to);
        self.edge_ix(a, b);
    }

    fn edge_ix(&mut self, a: NodeIndex, b: NodeIndex) {
        if a != b && self.graph.find_edge(a, b).is_none() {
            self.graph.add_edge(a, b, ());
        }
    }

    /// For every resource and data source instance, the instances it depends on,
    /// directly or through variables, locals, outputs and module calls.
    pub fn instance_dependencies(&self) -> HashMap<InstanceAddr, BTreeSet<InstanceAddr>> {
        let mut memo: HashMap<NodeIndex, BTreeSet<InstanceAddr>> = HashMap::new();
        let mut out = HashMap::new();
        for i in self.graph.node_indices() {
            if let Node::Instance(addr) = &self.graph[i] {
                let mut deps = BTreeSet::new();
                self.collect(i, &mut deps, &mut memo, &mut Vec::new());
                deps.remove(addr);
                out.insert(addr.clone(), deps);
            }
        }
        out
    }

    /// Adds to `into` the instances reachable from `i`'s neighbours without passing
    /// through another instance. Instance neighbours are added directly: with
    /// `count`, an instance refers to every instance of another resource, and a set
    /// per neighbour would be made and dropped for each of them.
    fn collect(
        &self,
        i: NodeIndex,
        into: &mut BTreeSet<InstanceAddr>,
        memo: &mut HashMap<NodeIndex, BTreeSet<InstanceAddr>>,
        stack: &mut Vec<NodeIndex>,
    ) {
        for d in self.graph.neighbors_directed(i, Direction::Outgoing) {
            match &self.graph[d] {
                Node::Instance(a) => {
                    into.insert(a.clone());
                }
                _ => {
                    self.reach(d, memo, stack);
                    if let Some(m) = memo.get(&d) {
                        into.extend(m.iter().cloned());
                    }
                }
            }
        }
    }

    /// Memoises the instances reachable from the non-instance node `i` without passing
    /// through another instance.
    fn reach(
        &self,
        i: NodeIndex,
        memo: &mut HashMap<NodeIndex, BTreeSet<InstanceAddr>>,
        stack: &mut Vec<NodeIndex>,
    ) {
        // A cycle among non-instance nodes was already reported by evaluation.
        if memo.contains_key(&i) || stack.contains(&i) {
            return;
        }
        stack.push(i);
        let mut set = BTreeSet::new();
        self.collect(i, &mut set, memo, stack);
        stack.pop();
        memo.insert(i, set);
    }
}

/// Builds the graph of an evaluated configuration.
pub fn build(tree: &ModuleTree, evaluated: &EvaluatedModule, schemas: &Schemas) -> ConfigGraph {
    let mut g = ConfigGraph {
        graph: StableDiGraph::new(),
        index: HashMap::new(),
    };
    add_module(&mut g, tree, evaluated, schemas, None);
    g
}

/// The provider configuration a resource uses: `provider = x.alias`, or the one its
/// type name implies.
pub fn provider_of(r: &crate::config::model::Resource, schemas: &Schemas) -> String {
    match &r.provider {
        Some((addr, _)) => addr.clone(),
        None => schemas
            .provider_for_type(&r.type_name)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| {
                r.type_name
                    .split('_')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            }),
    }
}

fn add_module(
    g: &mut ConfigGraph,
    tree: &ModuleTree,
    m: &EvaluatedModule,
    schemas: &Schemas,
    parent_call: Option<Node>,
) {
    let path = &m.path;
    let instances_of = |mode: Mode, t: &str, n: &str| -> Vec<Node> {
        m.resources
            .iter()
            .filter(|r| r.mode == mode && r.type_name == t && r.name == n)
            .flat_map(|r| {
                let ra = ResourceAddr::new(path.clone(), mode, t, n);
                r.keys
                    .iter()
                    .map(move |k| Node::Instance(ra.instance(k.clone())))
            })
            .collect()
    };
    let child_outputs = |name: &str| -> Vec<Node> {
        m.children
            .iter()
            .filter(|c| c.path.0.last().is_some_and(|(n, _)| n == name))
            .flat_map(|c| {
                c.outputs
                    .keys()
                    .map(|o| Node::Output(c.path.clone(), o.clone()))
            })
            .collect()
    };
    let resolve = |k: &NodeKey| -> Vec<Node> {
        match k {
            NodeKey::Var(n) => vec![Node::Var(path.clone(), n.clone())],
            NodeKey::Local(n) => vec![Node::Local(path.clone(), n.clone())],
            NodeKey::Output(n) => vec![Node::Output(path.clone(), n.clone())],
            NodeKey::Module(n) => {
                let mut v = child_outputs(n);
                v.push(Node::ModuleCall(path.clone(), n.clone()));
                v
            }
            NodeKey::Resource(mode, t, n) => instances_of(*mode, t, n),
        }
    };
    for (key, _, deps) in module_nodes(&tree.module, &mut |_, _| {}) {
        // Resources referred to only as `x[count.index]` / `x[each.key]`: instance to
        // instance, so one slow instance holds up only its own partner downstream.
        let same: Vec<NodeKey> = match &key {
            NodeKey::Resource(mode, t, n) => tree
                .module
                .resource(*mode, t, n)
                .map(|r| same_key_targets(r, &tree.module))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for s in &same {
            let (NodeKey::Resource(from_mode, ft, fn_), NodeKey::Resource(to_mode, tt, tn)) =
                (&key, s)
            else {
                continue;
            };
            let to: std::collections::HashSet<Node> =
                instances_of(*to_mode, tt, tn).into_iter().collect();
            for from in instances_of(*from_mode, ft, fn_) {
                let Node::Instance(a) = &from else { continue };
                let partner = Node::Instance(
                    ResourceAddr::new(path.clone(), *to_mode, tt, tn).instance(a.key.clone()),
                );
                if to.contains(&partner) {
                    g.edge(from, partner);
                }
            }
        }
        let targets: Vec<Node> = deps
            .iter()
            .filter(|d| !same.contains(d))
            .flat_map(&resolve)
            .collect();
        let froms: Vec<Node> = match &key {
            NodeKey::Resource(mode, t, n) => {
                let nodes = instances_of(*mode, t, n);
                if let Some(r) = tree.module.resource(*mode, t, n) {
                    let p = Node::Provider(provider_of(r, schemas));
                    for node in &nodes {
                        g.edge(node.clone(), p.clone());
                    }
                }
                nodes
            }
            NodeKey::Var(n) => {
                let v = Node::Var(path.clone(), n.clone());
                if let Some(call) = &parent_call {
                    g.edge(v.clone(), call.clone());
                }
                vec![v]
            }
            other => resolve(other)
                .into_iter()
                .filter(|n| !matches!(n, Node::Output(p, _) if p != path))
                .collect(),
        };
        if froms.is_empty() {
            continue;
        }
        // By index: with `count`, every instance of a resource refers to every instance
        // of another, and cloning and hashing both nodes per edge dominated.
        let targets: Vec<NodeIndex> = targets.into_iter().map(|t| g.node(t)).collect();
        for f in froms {
            let a = g.node(f);
            for &b in &targets {
                g.edge_ix(a, b);
            }
        }
    }
    for child in &m.children {
        let Some((name, _)) = child.path.0.last() else {
            continue;
        };
        let Some(child_tree) = tree.children.get(name) else {
            continue;
        };
        let call = Node::ModuleCall(path.clone(), name.clone());
        add_module(g, child_tree, child, schemas, Some(call));
    }
}
