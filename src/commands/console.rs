//! `kiln console`: evaluates expressions against the configuration, one per line, printing
//! results the way `terraform console` does (or as JSON with --json).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal, Write};

use kiln_core::config::MissingVars;
use kiln_core::diag::Diagnostics;
use kiln_core::lang::display::{render, to_json_redacted};
use kiln_core::lang::{parse_expr, EvalCtx, Functions};
use kiln_core::source::SourceMap;

use crate::cli::ConsoleArgs;
use crate::ui;

pub fn run(args: ConsoleArgs) -> u8 {
    let no_color = args.config.no_color;
    let mut loaded = match super::load::load(&args.config, MissingVars::Error, true) {
        Ok(l) => l,
        Err(d) => {
            ui::print_diagnostics(&SourceMap::new(), &d, no_color);
            return 1;
        }
    };
    ui::print_diagnostics(&loaded.sources, &loaded.diagnostics, no_color);
    let Some(root) = loaded
        .evaluated
        .take()
        .filter(|_| !loaded.diagnostics.has_errors())
    else {
        return 1;
    };
    let functions = Functions::standard();
    let files = RefCell::new(BTreeSet::new());
    let ctx = EvalCtx {
        scope: &root.scope,
        functions: &functions,
        base_dir: &root.dir,
        files_read: &files,
    };
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut failed = false;
    let mut n = 0;
    loop {
        if interactive {
            print!("> ");
            let _ = std::io::stdout().flush();
        }
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if text == "exit" {
            break;
        }
        n += 1;
        let file = loaded.sources.add(format!("<console input {n}>"), text);
        let result = parse_expr(text, file).and_then(|e| ctx.eval(&e));
        match result {
            Ok(v) if args.json => println!("{}", to_json_redacted(&v)),
            Ok(v) => println!("{}", render(&v)),
            Err(d) => {
                failed = true;
                ui::print_diagnostics(&loaded.sources, &Diagnostics::from(d), no_color);
            }
        }
    }
    u8::from(failed && !interactive)
}
