//! Loads one directory into a [`Module`]: every `*.hcl` file in name order (variable files
//! `*.vars.hcl` excepted), parsed with `hcl-edit`, decoded block by block. Every problem is
//! collected; a file with a syntax error contributes nothing but its diagnostic.

use std::path::{Path, PathBuf};

use super::decode::{
    check_labels, literal_bool, literal_string, reference_list, reject_unknown, unsupported_block,
    Decoder,
};
use super::model::*;
use super::typeexpr::parse_type;
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::ast::ExprKind;
use crate::lang::lower::Lowerer;
use crate::lang::Type;
use crate::source::{SourceMap, Span};

const TOP_BLOCKS: [&str; 8] = [
    "kiln", "provider", "variable", "locals", "resource", "data", "output", "module",
];

/// The configuration files of a directory, in a stable order.
pub fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            p.is_file()
                && name.ends_with(".hcl")
                && !name.ends_with(".vars.hcl")
                && !name.starts_with('.')
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Loads the module in `dir`, adding its files to `sources`.
pub fn load_module(dir: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) -> Module {
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let files = match config_files(dir) {
        Ok(f) => f,
        Err(e) => {
            diags.push(Diagnostic::error(
                "Cannot read configuration directory",
                format!(
                    "Could not list {}: {e}. Check the path and its permissions.",
                    dir.display()
                ),
            ));
            module.incomplete = true;
            return module;
        }
    };
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Cannot read configuration file",
                    format!("Could not read {}: {e}.", path.display()),
                ));
                module.incomplete = true;
                continue;
            }
        };
        let file = sources.add(&path, text.as_str());
        load_file(&mut module, &text, file, diags);
    }
    module
}

/// Parses and decodes one file's text into `module`.
pub fn load_file(
    module: &mut Module,
    text: &str,
    file: crate::source::FileId,
    diags: &mut Diagnostics,
) {
    let body = match hcl_edit::parser::parse_body(text) {
        Ok(b) => b,
        Err(e) => {
            diags.push(crate::lang::parse_error(&e, text, file));
            module.incomplete = true;
            return;
        }
    };
    let decoder = Decoder {
        lower: Lowerer::new(file),
    };
    let whole = Span::new(file, 0..text.len());
    let body = decoder.body(&body, whole, diags);
    for a in &body.attributes {
        diags.push(
            Diagnostic::error(
                "Unsupported argument",
                format!("An argument named \"{}\" is not expected at the top level of a configuration file; arguments belong inside blocks such as resource or locals.", a.name),
            )
            .at(a.name_span),
        );
    }
    for block in body.blocks {
        match block.kind.as_str() {
            "kiln" => load_settings(module, block, diags),
            "provider" => load_provider(module, block, diags),
            "variable" => load_variable(module, block, diags),
            "locals" => load_locals(module, block, diags),
            "resource" => load_resource(module, block, Mode::Managed, diags),
            "data" => load_resource(module, block, Mode::Data, diags),
            "output" => load_output(module, block, diags),
            "module" => load_module_call(module, block, diags),
            "terraform" => diags.push(
                Diagnostic::error(
                    "Unsupported block type",
                    "Kiln's settings block is called \"kiln\", not \"terraform\": write kiln { required_version = \"…\" }.",
                )
                .at(block.header_span),
            ),
            _ => diags.push(unsupported_block(&block, &TOP_BLOCKS, &[], "a configuration file")),
        }
    }
}

fn load_settings(module: &mut Module, block: Block, diags: &mut Diagnostics) {
    if !check_labels(&block, &[], diags) {
        return;
    }
    reject_unknown(
        &block.body,
        &["required_version"],
        &["backend"],
        "the kiln block",
        diags,
    );
    if let Some(a) = block.body.attr("required_version") {
        if let Some(v) = literal_string(&a.expr, "required_version", diags) {
            if let Err(d) = super::version::check_required_version(&v, a.expr.span) {
                diags.push(d);
            }
            module.settings.required_version = Some((v, a.expr.span));
        }
    }
    for b in block
        .body
        .blocks
        .into_iter()
        .filter(|b| b.kind == "backend")
    {
        if !check_labels(&b, &["type"], diags) {
            continue;
        }
        let kind = b.labels[0].clone();
        if !["local", "s3", "azurerm"].contains(&kind.as_str()) {
            diags.push(
                Diagnostic::error(
                    "Unknown backend type",
                    format!("There is no backend named \"{kind}\". Kiln supports \"local\", \"s3\" and \"azurerm\".{}", crate::diag::did_you_mean(&kind, ["local", "s3", "azurerm"])),
                )
                .at(b.header_span),
            );
            continue;
        }
        if let Some(prev) = &module.settings.backend {
            diags.push(
                Diagnostic::error(
                    "Duplicate backend configuration",
                    "A configuration may have only one backend block.",
                )
                .at(b.header_span)
                .with_context(prev.span),
            );
            continue;
        }
        module.settings.backend = Some(Backend {
            kind,
            body: b.body,
            span: b.span,
        });
    }
}

fn load_provider(module: &mut Module, block: Block, diags: &mut Diagnostics) {
    if !check_labels(&block, &["name"], diags) {
        return;
    }
    let mut body = block.body;
    let alias = body
        .attributes
        .iter()
        .position(|a| a.name == "alias")
        .and_then(|i| {
            let a = body.attributes.remove(i);
            literal_string(&a.expr, "provider alias", diags)
        });
    let cfg = ProviderConfig {
        name: block.labels[0].clone(),
        alias,
        body,
        span: block.header_span,
    };
    if let Some(prev) = module
        .providers
        .iter()
        .find(|p| p.address() == cfg.address())
    {
        diags.push(
            Diagnostic::error(
                "Duplicate provider configuration",
                format!("A provider configuration for \"{}\" was already given. Give additional configurations a distinct alias = \"…\".", cfg.address()),
            )
            .at(cfg.span)
            .with_context(prev.span),
        );
        return;
    }
    module.providers.push(cfg);
}

fn load_variable(module: &mut Module, block: Block, diags: &mut Diagnostics) {
    if !check_labels(&block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].clone();
    if let Some(prev) = module.variables.get(&name) {
        diags.push(duplicate(
            "variable",
            &format!("var.{name}"),
            block.header_span,
            prev.span,
        ));
        return;
    }
    if [
        "count",
        "for_each",
        "source",
        "version",
        "providers",
        "depends_on",
        "lifecycle",
        "locals",
    ]
    .contains(&name.as_str())
    {
        diags.push(
            Diagnostic::error(
                "Invalid variable name",
                format!("The variable name \"{name}\" is reserved because module blocks use it as a meta-argument. Choose another name."),
            )
            .at(block.header_span),
        );
        return;
    }
    let body = &block.body;
    reject_unknown(
        body,
        &["type", "default", "description", "sensitive", "nullable"],
        &["validation"],
        "a variable block",
        diags,
    );
    let ty = match body.attr("type") {
        Some(a) => parse_type(&a.expr).unwrap_or_else(|d| {
            diags.push(d);
            Type::Any
        }),
        None => Type::Any,
    };
    let description = body
        .attr("description")
        .and_then(|a| literal_string(&a.expr, "description", diags));
    let sensitive = body
        .attr("sensitive")
        .and_then(|a| literal_bool(&a.expr, "sensitive argument", diags))
        .unwrap_or(false);
    let nullable = body
        .attr("nullable")
        .and_then(|a| literal_bool(&a.expr, "nullable argument", diags))
        .unwrap_or(true);
    let mut validations = Vec::new();
    for v in body.blocks.iter().filter(|b| b.kind == "validation") {
        if !check_labels(v, &[], diags) {
            continue;
        }
        reject_unknown(
            &v.body,
            &["condition", "error_message"],
            &[],
            "a validation block",
            diags,
        );
        let (Some(cond), Some(msg)) = (v.body.attr("condition"), v.body.attr("error_message"))
        else {
            let missing = if v.body.attr("condition").is_none() {
                "condition"
            } else {
                "error_message"
            };
            diags.push(missing_arg(missing, "validation", v.header_span));
            continue;
        };
        let refs_self = cond.expr.references().iter().any(|r| {
            r.root == "var"
                && matches!(r.steps.first(), Some(crate::lang::ast::RefStep::Attr(n)) if *n == name)
        });
        if !refs_self {
            diags.push(
                Diagnostic::error(
                    "Invalid variable validation condition",
                    format!("The condition for variable \"{name}\" must refer to var.{name} in order to test incoming values."),
                )
                .at(cond.expr.span),
            );
            continue;
        }
        validations.push(Validation {
            condition: cond.expr.clone(),
            error_message: msg.expr.clone(),
            span: v.span,
        });
    }
    module.variables.insert(
        name.clone(),
        Variable {
            name,
            ty,
            default: body.attr("default").map(|a| a.expr.clone()),
            description,
            sensitive,
            nullable,
            validations,
            span: block.header_span,
        },
    );
}

fn load_locals(module: &mut Module, block: Block, diags: &mut Diagnostics) {
    if !check_labels(&block, &[], diags) {
        return;
    }
    for b in &block.body.blocks {
        diags.push(unsupported_block(b, &[], &[], "a locals block"));
    }
    for a in block.body.attributes {
        if let Some(prev) = module.locals.get(&a.name) {
            diags.push(duplicate(
                "local value",
                &format!("local.{}", a.name),
                a.name_span,
                prev.span,
            ));
            continue;
        }
        module.locals.insert(
            a.name.clone(),
            Local {
                name: a.name,
                expr: a.expr,
                span: a.name_span,
            },
        );
    }
}

fn load_resource(module: &mut Module, block: Block, mode: Mode, diags: &mut Diagnostics) {
    if !check_labels(&block, &["type", "name"], diags) {
        return;
    }
    let mut r = Resource {
        mode,
        type_name: block.labels[0].clone(),
        name: block.labels[1].clone(),
        provider: None,
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        lifecycle: Lifecycle::default(),
        communicator: None,
        provisioners: Vec::new(),
        body: Body::default(),
        span: block.span,
        header_span: block.header_span,
    };
    if let Some(prev) = module.resource(mode, &r.type_name, &r.name) {
        diags.push(duplicate(
            if mode == Mode::Data {
                "data source"
            } else {
                "resource"
            },
            &r.address(),
            r.header_span,
            prev.header_span,
        ));
        return;
    }
    for a in block.body.attributes {
        match a.name.as_str() {
            "count" => r.count = Some(a.expr),
            "for_each" => r.for_each = Some(a.expr),
            "depends_on" => r.depends_on = reference_list(&a.expr, "depends_on", diags),
            "provider" => match a.expr.as_static_path() {
                Some(path) if path.len() <= 2 => r.provider = Some((path.join("."), a.expr.span)),
                _ => diags.push(
                    Diagnostic::error("Invalid provider reference", "The provider argument takes a provider name, optionally with an alias: provider = aws.west (no quotes).")
                        .at(a.expr.span),
                ),
            },
            _ => r.body.attributes.push(a),
        }
    }
    if let (Some(c), Some(_)) = (&r.count, &r.for_each) {
        diags.push(
            Diagnostic::error("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually exclusive; only one may be used to create multiple instances.")
                .at(c.span),
        );
    }
    for b in block.body.blocks {
        match b.kind.as_str() {
            "lifecycle" if mode == Mode::Managed => load_lifecycle(&mut r.lifecycle, b, diags),
            "provisioner" if mode == Mode::Managed => {
                if check_labels(&b, &["type"], diags) {
                    r.provisioners.push(Provisioner {
                        kind: b.labels[0].clone(),
                        body: b.body,
                        span: b.header_span,
                    });
                }
            }
            "communicator" if mode == Mode::Managed => {
                if !check_labels(&b, &["type"], diags) {
                    continue;
                }
                if r.communicator.is_some() {
                    diags.push(
                        Diagnostic::error(
                            "Duplicate communicator block",
                            "An image has at most one communicator block.",
                        )
                        .at(b.header_span),
                    );
                    continue;
                }
                r.communicator = Some(Communicator {
                    kind: b.labels[0].clone(),
                    body: b.body,
                    span: b.header_span,
                });
            }
            _ => r.body.blocks.push(b),
        }
    }
    module.add_resource(r);
}

fn load_lifecycle(lc: &mut Lifecycle, block: Block, diags: &mut Diagnostics) {
    if !check_labels(&block, &[], diags) {
        return;
    }
    let attrs = [
        "create_before_destroy",
        "prevent_destroy",
        "ignore_changes",
        "replace_triggered_by",
    ];
    reject_unknown(&block.body, &attrs, &[], "a lifecycle block", diags);
    for a in block.body.attributes {
        match a.name.as_str() {
            "create_before_destroy" => lc.create_before_destroy = Some(a.expr),
            "prevent_destroy" => lc.prevent_destroy = Some(a.expr),
            "ignore_changes" => match &a.expr.kind {
                ExprKind::Variable(v) if v == "all" => lc.ignore_all_changes = true,
                ExprKind::Tuple(items) => lc.ignore_changes = items.clone(),
                _ => diags.push(
                    Diagnostic::error("Invalid ignore_changes", "ignore_changes takes a list of attribute names, such as [tags, user_data], or the keyword all.").at(a.expr.span),
                ),
            },
            "replace_triggered_by" => lc.replace_triggered_by = reference_list(&a.expr, "replace_triggered_by", diags),
            _ => {}
        }
    }
}

fn load_output(module: &mut Module, block: Block, diags: &mut Diagnostics) {
    if !check_labels(&block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].clone();
    if let Some(prev) = module.outputs.get(&name) {
        diags.push(duplicate(
            "output",
            &format!("output.{name}"),
            block.header_span,
            prev.span,
        ));
        return;
    }
    let body = &block.body;
    reject_unknown(
        body,
        &["value", "description", "sensitive", "depends_on"],
        &[],
        "an output block",
        diags,
    );
    let Some(value) = body.attr("value") else {
        diags.push(missing_arg("value", "output", block.header_span));
        return;
    };
    module.outputs.insert(
        name.clone(),
        Output {
            name,
            value: value.expr.clone(),
            description: body
                .attr("description")
                .and_then(|a| literal_string(&a.expr, "description", diags)),
            sensitive: body
                .attr("sensitive")
                .and_then(|a| literal_bool(&a.expr, "sensitive argument", diags))
                .unwrap_or(false),
            depends_on: body
                .attr("depends_on")
                .map(|a| reference_list(&a.expr, "depends_on", diags))
                .unwrap_or_default(),
            span: block.header_span,
        },
    );
}

fn load_module_call(module: &mut Module, block: Block, diags: &mut Diagnostics) {
    if !check_labels(&block, &["name"], diags) {
        return;
    }
    let name = block.labels[0].clone();
    if let Some(prev) = module.module_calls.get(&name) {
        diags.push(duplicate(
            "module call",
            &format!("module.{name}"),
            block.header_span,
            prev.header_span,
        ));
        return;
    }
    for b in &block.body.blocks {
        diags.push(unsupported_block(b, &[], &[], "a module block"));
    }
    let mut call = ModuleCall {
        name: name.clone(),
        source: ModuleSource::Local(String::new()),
        source_span: block.header_span,
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        providers: None,
        inputs: Vec::new(),
        span: block.span,
        header_span: block.header_span,
    };
    let mut has_source = false;
    for a in block.body.attributes {
        match a.name.as_str() {
            "source" => {
                has_source = true;
                call.source_span = a.expr.span;
                if let Some(s) = literal_string(&a.expr, "module source", diags) {
                    call.source = if s.starts_with("./") || s.starts_with("../") || s == "." || s == ".." {
                        ModuleSource::Local(s)
                    } else {
                        ModuleSource::Remote(s)
                    };
                }
            }
            "count" => call.count = Some(a.expr),
            "for_each" => call.for_each = Some(a.expr),
            "depends_on" => call.depends_on = reference_list(&a.expr, "depends_on", diags),
            "providers" => call.providers = Some(a.expr),
            "version" => diags.push(
                Diagnostic::error("Unsupported argument", "Module versions apply to registry modules, which Kiln does not load yet; use a local path source.").at(a.name_span),
            ),
            _ => call.inputs.push(a),
        }
    }
    if !has_source {
        diags.push(missing_arg("source", "module", block.header_span));
        return;
    }
    module.module_calls.insert(name, call);
}

pub fn duplicate(what: &str, addr: &str, at: Span, prev: Span) -> Diagnostic {
    Diagnostic::error(
        format!("Duplicate {what} declaration"),
        format!("{} {what} named {addr} was already declared where it is marked. Names must be unique within a module; rename or remove one of them.", if starts_with_vowel(what) { "An" } else { "A" }),
    )
    .at(at)
    .with_context(prev)
}

pub fn missing_arg(name: &str, block: &str, at: Span) -> Diagnostic {
    Diagnostic::error(
        "Missing required argument",
        format!("The argument \"{name}\" is required in {} {block} block, but no definition was found. Add {name} = ….", if starts_with_vowel(block) { "an" } else { "a" }),
    )
    .at(at)
}

fn starts_with_vowel(word: &str) -> bool {
    word.starts_with(['a', 'e', 'i', 'o', 'u'])
}
