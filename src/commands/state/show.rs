//! `kiln state show ADDR`: one instance's attributes in HCL syntax, sensitive values
//! hidden. Deposed objects of the instance follow the current one.

use std::fmt::Write as _;

use clap::Args;
use kiln_core::addr::{InstanceAddr, InstanceKey, Mode, Target};
use kiln_core::diag::Diagnostic;
use kiln_core::lang::display::{quote, render};
use kiln_core::lang::{Kind, Value};
use kiln_core::state::{InstanceState, InstanceStatus, State};

use super::StoreArgs;

#[derive(Args)]
pub struct ShowArgs {
    /// The instance to show: local_file.x, local_file.x[0], module.a.local_file.x["k"].
    #[arg(value_name = "ADDR")]
    pub address: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: ShowArgs) -> u8 {
    let target = match super::parse_addresses(std::slice::from_ref(&args.address)) {
        Ok(mut t) => t.remove(0),
        Err(d) => return args.store.fail(d),
    };
    let store = match args.store.open(None) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let addr = match instance(store.state(), &target) {
        Ok(a) => a,
        Err(d) => return args.store.fail(d),
    };
    let mut out = String::new();
    for (a, deposed, _, inst) in store.state().objects().filter(|(a, ..)| *a == addr) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&block(&a, deposed, inst));
    }
    print!("{out}");
    0
}

/// The one instance `target` names; a resource address names its only instance.
fn instance(state: &State, target: &Target) -> Result<InstanceAddr, Diagnostic> {
    let addr = match target {
        Target::Instance(i) => i.clone(),
        Target::Resource(r) => r.instance(InstanceKey::None),
        Target::Module(m) => {
            return Err(Diagnostic::error(
                "Not an instance address",
                format!("{m} is a module; kiln state show shows one resource instance. Use kiln state list {m} to see what it holds."),
            ))
        }
    };
    if state.objects().any(|(a, ..)| a == addr) {
        return Ok(addr);
    }
    let keyed: Vec<String> = state
        .objects()
        .filter(|(a, ..)| a.resource == addr.resource)
        .map(|(a, ..)| a.to_string())
        .collect();
    let hint = if keyed.is_empty() {
        "Run kiln state list to see the addresses in the state.".to_string()
    } else {
        format!(
            "{} has instances with keys: give one, such as {}.",
            addr.resource, keyed[0]
        )
    };
    Err(Diagnostic::error(
        "No such instance",
        format!("No object in the state has the address {addr}. {hint}"),
    ))
}

pub(crate) fn block(addr: &InstanceAddr, deposed: &str, inst: &InstanceState) -> String {
    let mut out = format!("# {addr}:");
    match inst.status {
        Some(InstanceStatus::Tainted) => out.push_str(" (tainted)"),
        Some(InstanceStatus::Creating) => {
            out.push_str(" (create not confirmed: the object may not exist)")
        }
        None => {}
    }
    if !deposed.is_empty() {
        let _ = write!(out, " (deposed object {deposed})");
    }
    let r = &addr.resource;
    let kind = if r.mode == Mode::Data {
        "data"
    } else {
        "resource"
    };
    let _ = writeln!(
        out,
        "\n{kind} {} {} {{",
        quote(&r.type_name),
        quote(&r.name)
    );
    out.push_str(&body(&inst.value()));
    out.push_str("}\n");
    out
}

/// The attributes, one a line with the `=` aligned; nulls are left out as they say
/// nothing. Nested values are indented one level.
fn body(value: &Value) -> String {
    let attrs = match &value.kind {
        Kind::Object(m) | Kind::Map(m) if !value.sensitive => m,
        _ => return format!("  # {}\n", render(value)),
    };
    let shown: Vec<(String, &Value)> = attrs
        .iter()
        .filter(|(_, v)| !v.is_null() || v.sensitive)
        .map(|(k, v)| (key(k), v))
        .collect();
    let width = shown
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (k, v) in shown {
        // Indented heredocs become `<<-EOT`, whose indentation HCL strips again.
        let text = render(v).replace("<<EOT\n", "<<-EOT\n");
        let text = match text.strip_suffix("\nEOT") {
            // A multi-line string attribute: its text one level deeper than the marker.
            Some(heredoc) if !v.sensitive && v.as_str().is_some() => {
                format!("{}\n  EOT", heredoc.replace('\n', "\n    "))
            }
            _ => text.replace('\n', "\n  "),
        };
        let _ = writeln!(out, "  {k:width$} = {text}");
    }
    out
}

/// An attribute name as written in HCL: bare when it is an identifier.
fn key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        quote(k)
    }
}
