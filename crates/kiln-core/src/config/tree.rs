//! Loads a module and every module it calls, recursively, into a [`ModuleTree`]. Local
//! sources resolve against the calling module's directory; a module that (directly or
//! not) calls itself is an error naming the chain.

use std::path::{Component, Path, PathBuf};

use super::load::load_module;
use super::model::{ModuleSource, ModuleTree};
use crate::diag::{Diagnostic, Diagnostics};
use crate::source::SourceMap;

/// Deeper than this is certainly a mistake (and would exhaust the stack).
const MAX_DEPTH: usize = 64;

pub fn load_tree(root: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) -> ModuleTree {
    let mut chain = Vec::new();
    load_rec(root, sources, diags, &mut chain)
}

fn load_rec(
    dir: &Path,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    chain: &mut Vec<PathBuf>,
) -> ModuleTree {
    let module = load_module(dir, sources, diags);
    let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    chain.push(key);
    let mut tree = ModuleTree {
        module,
        children: Default::default(),
    };
    let calls: Vec<_> = tree.module.module_calls.values().cloned().collect();
    for call in calls {
        let source = match &call.source {
            ModuleSource::Local(s) => s,
            ModuleSource::Remote(s) => {
                diags.push(
                    Diagnostic::error(
                        "Unsupported module source",
                        format!("The module source \"{s}\" is not a local path. This version of Kiln loads modules from local directories only: use a path starting with ./ or ../."),
                    )
                    .at(call.source_span),
                );
                continue;
            }
        };
        let child_dir = clean_path(&dir.join(source));
        if !child_dir.is_dir() {
            diags.push(
                Diagnostic::error(
                    "Module not found",
                    format!("The module directory {} does not exist. Check the source path; it is relative to the directory of the calling module.", child_dir.display()),
                )
                .at(call.source_span),
            );
            continue;
        }
        let canon = std::fs::canonicalize(&child_dir).unwrap_or_else(|_| child_dir.clone());
        if chain.contains(&canon) || chain.len() >= MAX_DEPTH {
            let names: Vec<String> = chain
                .iter()
                .chain(std::iter::once(&canon))
                .map(|p| p.display().to_string())
                .collect();
            diags.push(
                Diagnostic::error(
                    "Module source cycle",
                    format!("Module \"{}\" would load a module that is already being loaded, forming a cycle: {}. A module cannot call itself, directly or through other modules.", call.name, names.join(" -> ")),
                )
                .at(call.source_span),
            );
            continue;
        }
        let child = load_rec(&child_dir, sources, diags, chain);
        tree.children.insert(call.name.clone(), child);
    }
    chain.pop();
    tree
}

/// Removes `.` and resolves `..` lexically, as Terraform's `filepath.Clean` does, so that
/// `path.module` reads `modules/disk` rather than `././modules/region/../disk`.
fn clean_path(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::ParentDir
                if matches!(
                    out.components().next_back(),
                    Some(Component::RootDir | Component::Prefix(_))
                ) => {}
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean_path;
    use std::path::Path;

    #[test]
    fn cleans_module_paths() {
        assert_eq!(
            clean_path(Path::new("././modules/a/../b")),
            Path::new("modules/b")
        );
        assert_eq!(clean_path(Path::new("./a/..")), Path::new("."));
        assert_eq!(clean_path(Path::new("../x/./y")), Path::new("../x/y"));
        assert_eq!(clean_path(Path::new("/r/a/../../..")), Path::new("/"));
        assert_eq!(clean_path(Path::new("/r/./m/")), Path::new("/r/m"));
    }
}
