//! `kiln output [NAME]`: output values from the state. Sensitive outputs are hidden in
//! the list, and shown when asked for by name or as JSON (as Terraform does).

use kiln_core::diag::Diagnostic;
use kiln_core::lang::Value;
use kiln_core::source::SourceMap;

use crate::cli::OutputArgs;
use crate::render::value_text;

pub fn run(args: OutputArgs) -> u8 {
    let Ok(store) = super::backend::open_to_read(&args.dir, args.state.as_deref(), args.no_color)
    else {
        return 1;
    };
    let outputs = &store.state().outputs;
    let Some(name) = &args.name else {
        if args.json {
            let all: serde_json::Map<String, serde_json::Value> = outputs
                .iter()
                .map(|(k, o)| {
                    (
                        k.clone(),
                        serde_json::json!({"sensitive": o.sensitive, "value": o.value}),
                    )
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        } else if outputs.is_empty() {
            eprintln!("No outputs found: the state has no output values. Declare output blocks in the root module and run kiln apply.");
        } else {
            for (k, o) in outputs {
                if o.sensitive {
                    println!("{k} = <sensitive>");
                } else {
                    println!("{k} = {}", value_text(&Value::from_json(&o.value), 0));
                }
            }
        }
        return 0;
    };
    let Some(o) = outputs.get(name) else {
        let names: Vec<&str> = outputs.keys().map(String::as_str).collect();
        let d = Diagnostic::error(
            "Output not found",
            format!(
                "The output \"{name}\" is not in the state.{} Outputs appear after kiln apply of a root module that declares them.",
                kiln_core::diag::did_you_mean(name, names.iter().copied())
            ),
        );
        crate::ui::print_diagnostics(&SourceMap::new(), &d.into(), args.no_color);
        return 1;
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&o.value).unwrap_or_default()
        );
    } else if args.raw {
        match &o.value {
            serde_json::Value::String(s) => print!("{s}"),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => print!("{}", o.value),
            _ => {
                let d = Diagnostic::error(
                    "Unsupported value for raw output",
                    format!("The output \"{name}\" is not a string, number or bool; --raw prints only those. Use --json for other values."),
                );
                crate::ui::print_diagnostics(&SourceMap::new(), &d.into(), args.no_color);
                return 1;
            }
        }
    } else {
        println!("{}", value_text(&Value::from_json(&o.value), 0));
    }
    0
}
