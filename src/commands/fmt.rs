//! `kiln fmt [DIR|FILE] [--check] [--diff] [--recursive]`: rewrites configuration and
//! variable files in the canonical format. Like `terraform fmt`, it lists the files it
//! changed (or would change), and `--check` exits 3 when any file is not formatted.

use std::path::{Path, PathBuf};

use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::fmt::format_source;
use kiln_core::source::{SourceMap, Span};

use crate::cli::FmtArgs;
use crate::ui;

pub fn run(args: FmtArgs) -> u8 {
    let files = match collect(&args.target, args.recursive) {
        Ok(f) => f,
        Err(e) => {
            let d = Diagnostic::error(
                "Cannot read the files to format",
                format!("{}: {e}.", args.target.display()),
            );
            ui::print_diagnostics(&SourceMap::new(), &d.into(), args.no_color);
            return 1;
        }
    };
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let mut unformatted = false;
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Cannot read file",
                    format!("{}: {e}.", path.display()),
                ));
                continue;
            }
        };
        let formatted = match format_source(&text) {
            Ok(f) => f,
            Err(e) => {
                let normalised = text.replace("\r\n", "\n");
                let file = sources.add(&path, normalised.as_str());
                let end = (e.offset + 1).min(normalised.len());
                diags.push(
                    Diagnostic::error(
                        "Invalid syntax",
                        format!(
                            "{}. Fix the syntax error; the file was left unchanged.",
                            e.message.trim_end_matches('.')
                        ),
                    )
                    .at(Span::new(file, e.offset.min(end)..end)),
                );
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        unformatted = true;
        println!("{}", path.display());
        if args.diff {
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            print!(
                "{}",
                diff.unified_diff()
                    .header(&format!("old/{name}"), &format!("new/{name}"))
            );
        }
        if !args.check {
            if let Err(e) = write_atomically(&path, &formatted) {
                diags.push(Diagnostic::error(
                    "Cannot write file",
                    format!("{}: {e}.", path.display()),
                ));
            }
        }
    }
    ui::print_diagnostics(&sources, &diags, args.no_color);
    if diags.has_errors() {
        1
    } else if args.check && unformatted {
        3
    } else {
        0
    }
}

/// The `*.hcl` files (configuration and variable files) of a directory, or one file.
fn collect(target: &Path, recursive: bool) -> std::io::Result<Vec<PathBuf>> {
    if target.is_file() {
        return Ok(vec![target.to_path_buf()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(target)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() && recursive {
            out.extend(collect(&path, true)?);
        } else if path.is_file() && name.ends_with(".hcl") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Replaces the file's content without a window where it is half-written, keeping its
/// permissions.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("hcl.kiln-fmt-tmp");
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(&tmp, meta.permissions())?;
    }
    std::fs::rename(&tmp, path)
}
