//! Shared by commands that read a configuration: turns `ConfigArgs` into load options.

use kiln_core::config::{load_configuration_with, CliInput, LoadOptions, Loaded, MissingVars};
use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::lang::Functions;

use crate::cli::{ConfigArgs, OrderedInput};

/// Loads and evaluates; `read_data` reads data sources (console) instead of leaving their
/// results unknown (validate).
pub fn load(
    args: &ConfigArgs,
    missing_vars: MissingVars,
    read_data: bool,
) -> Result<Loaded, Diagnostics> {
    let opts = load_options(args, missing_vars, read_data)?;
    let schemas = crate::providers::schemas();
    let reader = crate::providers::AllData;
    Ok(load_configuration_with(
        &opts,
        &schemas,
        &Functions::standard(),
        Some(&reader),
    ))
}

/// The load options `args` ask for; bad `--var` options and a missing directory are
/// errors here.
pub fn load_options(
    args: &ConfigArgs,
    missing_vars: MissingVars,
    read_data: bool,
) -> Result<LoadOptions, Diagnostics> {
    let mut bad = Diagnostics::new();
    let cli_inputs: Vec<CliInput> = args
        .ordered_inputs
        .iter()
        .map(|i| match i {
            OrderedInput::Var(text) => var_input(text, &mut bad),
            OrderedInput::File(path) => CliInput::File(path.clone()),
            OrderedInput::Recorded(name, value) => CliInput::Value(name.clone(), value.clone()),
        })
        .collect();
    if bad.has_errors() {
        return Err(bad);
    }
    if !args.dir.is_dir() {
        return Err(Diagnostic::error(
            "No configuration directory",
            format!(
                "{} is not a directory. Give the directory that holds your *.hcl files.",
                args.dir.display()
            ),
        )
        .into());
    }
    let opts = LoadOptions {
        dir: args.dir.clone(),
        cwd: std::env::current_dir().unwrap_or_default(),
        env: crate::ui::environment(),
        cli_inputs,
        missing_vars,
        read_data,
    };
    Ok(opts)
}

fn var_input(text: &str, bad: &mut Diagnostics) -> CliInput {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            CliInput::Var(name.trim().to_string(), value.to_string())
        }
        _ => {
            bad.push(Diagnostic::error(
                "Invalid --var option",
                format!("The option --var \"{text}\" is not of the form NAME=VALUE. Write, for example, --var region=eu-west-1."),
            ));
            CliInput::Var(String::new(), String::new())
        }
    }
}

/// A directory without a single configuration file is almost certainly the wrong one:
/// say so rather than call it valid (as `terraform validate` does).
pub fn no_files(dir: &std::path::Path) -> Option<Diagnostics> {
    let files = kiln_core::config::load::config_files(dir).ok()?;
    if !files.is_empty() {
        return None;
    }
    let what = if dir == std::path::Path::new(".") {
        "The current directory".to_string()
    } else {
        format!("The directory {}", dir.display())
    };
    Some(
        Diagnostic::error(
            "No configuration files",
            format!("{what} contains no configuration files (*.hcl, other than *.vars.hcl). Run kiln in the directory of your configuration, or give it as an argument."),
        )
        .into(),
    )
}
