//! Values for the root module's input variables, from every place a user can give them,
//! in Terraform's precedence order (later wins): declared defaults (applied during
//! evaluation), `KILN_VAR_name` environment variables, `kiln.vars.hcl`, `*.auto.vars.hcl`
//! in name order, then `--var-file` and `--var` in the order given on the command line.
//!
//! The core never reads the environment itself: the CLI passes the variables in.

use std::path::{Path, PathBuf};

use super::decode::Decoder;
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::lower::Lowerer;
use crate::lang::Expr;
use crate::source::{SourceMap, Span};

/// Where a value came from, for messages ("set by --var", "in prod.vars.hcl").
#[derive(Debug, Clone, PartialEq)]
pub enum InputSource {
    Environment,
    File(PathBuf),
    CommandLine,
    /// A value recorded in a saved plan, given back when that plan is applied.
    PlanFile,
}

/// A value before its variable's type is known: text from the environment or command line
/// (taken literally for primitive types, parsed as HCL otherwise) or an expression from a
/// variable file.
#[derive(Debug, Clone)]
pub enum RawInput {
    Text {
        text: String,
        span: Span,
    },
    Expr(Expr),
    /// Already a value of the variable's type (from a saved plan).
    Value(crate::lang::Value),
}

#[derive(Debug, Clone)]
pub struct InputValue {
    pub name: String,
    pub raw: RawInput,
    pub source: InputSource,
}

/// A `--var` or `--var-file` argument, in command-line order.
#[derive(Debug, Clone, PartialEq)]
pub enum CliInput {
    Var(String, String),
    File(PathBuf),
    /// A variable's value recorded in a saved plan.
    Value(String, crate::lang::Value),
}

/// All root inputs, lowest precedence first.
#[derive(Debug, Clone, Default)]
pub struct RootInputs {
    pub values: Vec<InputValue>,
}

impl RootInputs {
    /// Gathers inputs for the configuration in `dir`. `env` holds the process environment
    /// (only `KILN_VAR_*` entries are used).
    pub fn gather(
        dir: &Path,
        env: &[(String, String)],
        cli: &[CliInput],
        sources: &mut SourceMap,
        diags: &mut Diagnostics,
    ) -> RootInputs {
        let mut inputs = RootInputs::default();
        let mut env_vars: Vec<&(String, String)> = env
            .iter()
            .filter(|(k, _)| k.starts_with("KILN_VAR_"))
            .collect();
        env_vars.sort();
        for (k, v) in env_vars {
            let name = &k["KILN_VAR_".len()..];
            let file = sources.add(format!("<environment variable {k}>"), v.as_str());
            inputs.values.push(InputValue {
                name: name.to_string(),
                raw: RawInput::Text {
                    text: v.clone(),
                    span: Span::new(file, 0..v.len()),
                },
                source: InputSource::Environment,
            });
        }
        let default_file = dir.join("kiln.vars.hcl");
        if default_file.is_file() {
            inputs.load_file(&default_file, sources, diags);
        }
        let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.ends_with(".auto.vars.hcl"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        auto.sort();
        for f in auto {
            inputs.load_file(&f, sources, diags);
        }
        for c in cli {
            match c {
                CliInput::File(path) => inputs.load_file(path, sources, diags),
                CliInput::Value(name, value) => inputs.values.push(InputValue {
                    name: name.clone(),
                    raw: RawInput::Value(value.clone()),
                    source: InputSource::PlanFile,
                }),
                CliInput::Var(name, text) => {
                    let file = sources.add(format!("<value for var.{name}>"), text.as_str());
                    inputs.values.push(InputValue {
                        name: name.clone(),
                        raw: RawInput::Text {
                            text: text.clone(),
                            span: Span::new(file, 0..text.len()),
                        },
                        source: InputSource::CommandLine,
                    });
                }
            }
        }
        inputs
    }

    /// Reads a variable file: `name = value` lines, nothing else.
    pub fn load_file(&mut self, path: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Failed to read variables file",
                    format!("Could not read {}: {e}.", path.display()),
                ));
                return;
            }
        };
        let file = sources.add(path, text.as_str());
        let body = match hcl_edit::parser::parse_body(&text) {
            Ok(b) => b,
            Err(e) => {
                diags.push(crate::lang::parse_error(&e, &text, file));
                return;
            }
        };
        let decoder = Decoder {
            lower: Lowerer::new(file),
        };
        let body = decoder.body(&body, Span::new(file, 0..text.len()), diags);
        for b in &body.blocks {
            diags.push(
                Diagnostic::error("Unexpected block in variables file", "A variables file holds only name = value assignments; blocks belong in configuration files.")
                    .at(b.header_span),
            );
        }
        for a in body.attributes {
            if let Some(r) = a.expr.references().first() {
                diags.push(
                    Diagnostic::error("Variables not allowed", "Values in a variables file must be constants: references to other values are not allowed here.")
                        .at(r.span),
                );
                continue;
            }
            self.values.push(InputValue {
                name: a.name.clone(),
                raw: RawInput::Expr(a.expr),
                source: InputSource::File(path.to_path_buf()),
            });
        }
    }

    /// The highest-precedence value given for `name`.
    pub fn get(&self, name: &str) -> Option<&InputValue> {
        self.values.iter().rev().find(|v| v.name == name)
    }
}
