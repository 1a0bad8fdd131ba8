//! Orders a module's objects by their references (petgraph), and reports cycles: each
//! cycle once, naming every member and where it is declared.

use std::collections::HashMap;

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::stable_graph::{NodeIndex, StableDiGraph};

use super::refs::NodeKey;
use crate::diag::Diagnostic;
use crate::source::{SourceMap, Span};

pub struct Ordered {
    /// Evaluation order: every object after the objects it refers to.
    pub order: Vec<NodeKey>,
    /// Objects on a cycle; they are not evaluated (their values are unknown).
    pub cyclic: Vec<NodeKey>,
    pub diagnostics: Vec<Diagnostic>,
}

/// `nodes`: each object, where it is declared, and what it refers to.
pub fn order(nodes: &[(NodeKey, Span, Vec<NodeKey>)], sources: Option<&SourceMap>) -> Ordered {
    let mut graph: StableDiGraph<usize, ()> =
        StableDiGraph::with_capacity(nodes.len(), nodes.len());
    let index: HashMap<&NodeKey, NodeIndex> = nodes
        .iter()
        .enumerate()
        .map(|(i, (k, _, _))| (k, graph.add_node(i)))
        .collect();
    for (key, _, deps) in nodes {
        let to = index[key];
        // Deduplicate here: `update_edge` would scan the edge list of popular nodes
        // (a variable used by thousands of resources) on every insert.
        let mut froms: Vec<NodeIndex> = deps.iter().filter_map(|d| index.get(d).copied()).collect();
        froms.sort_unstable();
        froms.dedup();
        for from in froms {
            graph.add_edge(from, to, ());
        }
    }
    let mut cyclic = Vec::new();
    let mut diagnostics = Vec::new();
    for scc in tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| graph[*n]).collect();
        members.sort();
        let names: Vec<String> = members
            .iter()
            .map(|&i| {
                let (key, span, _) = &nodes[i];
                match sources.and_then(|s| s.get(span.file)) {
                    Some(f) => {
                        let p = f.position(span.start);
                        format!("{key} ({}:{}:{})", f.path.display(), p.line, p.column)
                    }
                    None => key.to_string(),
                }
            })
            .collect();
        let (first_key, first_span, _) = &nodes[members[0]];
        let detail = if self_loop {
            format!("{first_key} refers to itself. An object cannot use its own value; refer to another object or use a local value.")
        } else {
            format!(
                "These objects refer to each other, so none of them can be evaluated first: {}. Break the cycle by removing one of the references.",
                names.join(" -> ")
            )
        };
        let summary = if self_loop {
            "Self-referential object"
        } else {
            "Cycle between objects"
        };
        diagnostics.push(
            Diagnostic::error(summary, detail)
                .at(*first_span)
                .with_address(first_key.to_string()),
        );
        // Cut every edge inside the cycle so the rest can still be ordered.
        for &n in &scc {
            cyclic.push(nodes[graph[n]].0.clone());
            let inner: Vec<_> = graph
                .edges_directed(n, petgraph::Direction::Outgoing)
                .filter(|e| scc.contains(&petgraph::visit::EdgeRef::target(e)))
                .map(|e| petgraph::visit::EdgeRef::id(&e))
                .collect();
            for e in inner {
                graph.remove_edge(e);
            }
        }
    }
    let order = match toposort(&graph, None) {
        Ok(o) => o.into_iter().map(|n| nodes[graph[n]].0.clone()).collect(),
        Err(_) => nodes.iter().map(|(k, _, _)| k.clone()).collect(),
    };
    Ordered {
        order,
        cyclic,
        diagnostics,
    }
}
