//! Graphviz DOT text of a graph, sorted so the output is stable between runs.

use std::fmt::Write as _;

use petgraph::visit::{EdgeRef, IntoEdgeReferences};

use super::{ConfigGraph, Node};

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn shape(n: &Node) -> &'static str {
    match n {
        Node::Instance(_) => "box",
        Node::Provider(_) => "diamond",
        Node::ModuleCall(..) => "folder",
        _ => "note",
    }
}

/// The configuration graph as DOT: an edge points from an object to what it depends on.
pub fn to_dot(g: &ConfigGraph) -> String {
    let mut nodes: Vec<&Node> = g.graph.node_weights().collect();
    nodes.sort();
    let mut edges: Vec<(String, String)> = (&g.graph)
        .edge_references()
        .map(|e| {
            (
                g.graph[e.source()].to_string(),
                g.graph[e.target()].to_string(),
            )
        })
        .collect();
    edges.sort();
    let mut out = String::from(
        "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  rankdir = \"RL\"\n",
    );
    for n in nodes {
        let _ = writeln!(out, "  {} [shape = {}]", quote(&n.to_string()), shape(n));
    }
    for (a, b) in edges {
        let _ = writeln!(out, "  {} -> {}", quote(&a), quote(&b));
    }
    out.push_str("}\n");
    out
}

/// Any labelled graph as DOT, for the graph of planned actions.
pub fn labelled_dot(nodes: &[(String, &str)], edges: &[(String, String)]) -> String {
    let mut out = String::from("digraph {\n  rankdir = \"RL\"\n");
    for (n, style) in nodes {
        let _ = writeln!(out, "  {} [shape = box{style}]", quote(n));
    }
    for (a, b) in edges {
        let _ = writeln!(out, "  {} -> {}", quote(a), quote(b));
    }
    out.push_str("}\n");
    out
}
