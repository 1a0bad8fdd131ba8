//! Digests of the configuration's files, to tell at apply whether it is the one planned.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{ModuleTree, Workspace};

/// BLAKE3 of every configuration file of every module, by path relative to the root
/// module's directory (`modules/net/main.hcl`, `../shared/vpc/main.hcl`).
pub fn config_digests(ws: &Workspace) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(&ws.tree, &ws.root_dir, &mut out);
    out
}

fn walk(tree: &ModuleTree, root: &Path, out: &mut BTreeMap<String, String>) {
    let dir = &tree.module.dir;
    for file in crate::config::load::config_files(dir).unwrap_or_default() {
        let digest = match std::fs::read(&file) {
            Ok(bytes) => blake3::hash(&bytes).to_hex().to_string(),
            Err(e) => format!("unreadable: {e}"),
        };
        out.insert(relative(&file, root), digest);
    }
    for child in tree.children.values() {
        walk(child, root, out);
    }
}

/// `file` relative to `root`, with `..` where it lies outside.
fn relative(file: &Path, root: &Path) -> String {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (file, root) = (canon(file), canon(root));
    if let Ok(rest) = file.strip_prefix(&root) {
        return rest.to_string_lossy().into_owned();
    }
    let mut up = String::new();
    let mut base = root.as_path();
    while let Some(parent) = base.parent() {
        up.push_str("../");
        base = parent;
        if let Ok(rest) = file.strip_prefix(base) {
            return format!("{up}{}", rest.to_string_lossy());
        }
    }
    file.to_string_lossy().into_owned()
}
