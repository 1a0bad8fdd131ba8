//! Robustness: the loader, the expression parser and the evaluator must never panic,
//! whatever they are fed. Inputs are arbitrary bytes (read as lossy UTF-8) and random
//! mutations of valid configurations and expressions; diagnostics are fine, panics are
//! not. Every diagnostic produced is also rendered, since rendering slices source text by
//! the diagnostic's spans.
//!
//! Failing inputs found so far are kept as regression cases at the bottom.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use kiln_core::config::{load_configuration, CliInput, LoadOptions, MissingVars};
use kiln_core::diag::Diagnostics;
use kiln_core::diag_render;
use kiln_core::lang::{parse_expr, EvalCtx, Functions, MapScope, Type, Value};
use kiln_core::schema::{
    AttrSchema, ProviderSchema, ResourceKind, ResourceSchema, Schema, Schemas,
};
use kiln_core::source::SourceMap;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// The built-in providers' schemas, restated here: kiln-builtin depends on kiln-core, so
/// it cannot be a dev-dependency of it.
fn schemas() -> Schemas {
    let strings = || Type::List(Box::new(Type::String));
    let mut local = ProviderSchema {
        name: "local".into(),
        ..Default::default()
    };
    local.resources.insert(
        "local_file".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "",
            body: Schema::new()
                .attr("filename", AttrSchema::required(Type::String).force_new())
                .attr("content", AttrSchema::optional(Type::String).force_new())
                .attr(
                    "file_permission",
                    AttrSchema::optional_computed(Type::String).force_new(),
                )
                .attr("id", AttrSchema::computed(Type::String))
                .attr("content_sha256", AttrSchema::computed(Type::String)),
        },
    );
    local.data_sources.insert(
        "local_command".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "",
            body: Schema::new()
                .attr("program", AttrSchema::required(strings()))
                .attr(
                    "query",
                    AttrSchema::optional(Type::Map(Box::new(Type::String))),
                )
                .attr("result", AttrSchema::computed(Type::Any))
                .attr("id", AttrSchema::computed(Type::String)),
        },
    );
    let mut kiln = ProviderSchema {
        name: "kiln".into(),
        ..Default::default()
    };
    kiln.resources.insert(
        "kiln_data".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "",
            body: Schema::new()
                .attr("input", AttrSchema::optional(Type::Any))
                .attr(
                    "triggers_replace",
                    AttrSchema::optional(Type::Any).force_new(),
                )
                .attr("output", AttrSchema::computed(Type::Any))
                .attr("id", AttrSchema::computed(Type::String)),
        },
    );
    let mut s = Schemas::new();
    s.add(local);
    s.add(kiln);
    s
}

const SEED_CONFIGS: &[&str] = &[
    r#"
variable "names" {
  type    = list(string)
  default = ["web", "db"]
  validation {
    condition     = length(var.names) > 0
    error_message = "Give at least one name."
  }
}

variable "settings" {
  type = object({
    size = optional(number, 10)
    tags = optional(map(string), {})
  })
  default = {}
}

variable "secret" {
  type      = string
  sensitive = true
  default   = "pw"
}

locals {
  by_name = { for n in var.names : n => upper(n) }
  doc     = <<-EOT
    %{ for n in var.names ~}
    - ${n}
    %{ endfor ~}
    secret: ${var.secret}
  EOT
  first   = try(var.names[0], "none")
  size    = var.settings.size * 2 + (1 - 3) % 2
}

resource "kiln_data" "d" {
  count = length(var.names)
  input = "${var.names[count.index]}-${count.index}"
}

resource "local_file" "f" {
  for_each = local.by_name
  filename = "${path.module}/${each.key}.txt"
  content  = each.value
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [content]
  }
}

output "ids" {
  value = [for k, f in local_file.f : f.id]
}

output "secret_doc" {
  value     = local.doc
  sensitive = true
}
"#,
    r#"
kiln {
  required_version = ">= 0.1"
}

variable "regions" {
  type = map(object({ replicas = number }))
  default = {
    eu = { replicas = 2 }
  }
}

module "a" {
  source   = "./child"
  for_each = var.regions
  name     = each.key
  replicas = each.value.replicas
}

data "local_command" "c" {
  program = ["echo", "{}"]
  query   = { a = "b" }
}

output "names" {
  value = { for k, m in module.a : k => m.hosts }
}

output "result" {
  value = data.local_command.c.result
}
"#,
    r#"
locals {
  a = [1, 2, 3]
  b = local.a[*]
  c = [for i, x in local.a : x * i if x != 2]
  d = { for x in local.a : (x > 1 ? "big" : "small") => x... }
  e = !true || false && 1 < 2 == true
  f = "%{if local.e}yes%{else}no%{endif}"
  g = local.c[0] + -local.a[1] / 2
  h = { "key with space" = 1, other = local.d.big }
  i = [{ n = 1 }, { n = 2 }].*.n
}

resource "kiln_data" "x" {
  input            = local.h
  triggers_replace = [local.g, local.f]
  depends_on       = [kiln_data.y]
}

resource "kiln_data" "y" {
  input = local.i
}
"#,
];

const CHILD_CONFIG: &str = r#"
variable "name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
}

resource "kiln_data" "h" {
  count = var.replicas
  input = "${var.name}-${count.index}"
}

output "hosts" {
  value = kiln_data.h[*].input
}
"#;

const VARS_SEED: &str = r#"
names    = ["a", "b", "c"]
settings = { size = 3, tags = { env = "prod" } }
secret   = "x"
"#;

const SEED_EXPRS: &[&str] = &[
    r#"[for i, x in var.list : "${i}:${x}" if x != "b"]"#,
    r#"{ for k, v in var.map : upper(k) => v... }"#,
    r#"var.objs[*].name"#,
    r#"var.objs.*.tags.env"#,
    r#"var.n > 2 ? "many" : var.n == 1 ? "one" : "few""#,
    r#""%{ for x in var.list ~} ${x} %{~ endfor }%{if var.flag}!%{endif}""#,
    r#"1 + 2 * 3 - 4 / 2 % 3 >= -1 && !false || var.flag"#,
    r#"try(var.map["missing"], length(var.list), can(var.nope))"#,
    r#""x-${var.unknown}-${upper(var.secret)}""#,
    r#"{ a = var.secret, b = [var.unknown, 1], "c" = { d = var.objs[0] } }"#,
    r#"lower(upper("AbC"))"#,
    r#"var.list[1]"#,
    r#"var.map.a"#,
    r#"(-9223372036854775807 - 1) / -1 + 9223372036854775807 * 2 % -1 - 0.5"#,
];

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "~}",
    "}",
    "<<EOT\n",
    "<<-EOT\n",
    "\nEOT\n",
    "=",
    "==",
    ":",
    "=>",
    "...",
    "?",
    ",",
    ".",
    "[*]",
    ".*",
    "0",
    "-1",
    "1e400",
    "9223372036854775807",
    "0.5",
    "x",
    "var",
    "local",
    "count.index",
    "each.key",
    "for",
    "in",
    "if",
    "endif",
    "endfor",
    "else",
    "null",
    "true",
    "\n",
    " ",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "é",
    "\u{1F600}",
    "\t",
    "resource",
    "module",
    "variable",
    "output",
    "locals",
    "%{ for x in [1] }",
    "%{ if true }",
    "%{ endif }",
    "%{ endfor }",
    "!",
    "-",
    "*",
    "/",
    "%",
    "&&",
    "||",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize, to: usize },
    Swap { a: usize, b: usize, len: usize },
    Insert { at: usize, token: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 1usize..60, any::<usize>())
            .prop_map(|(at, len, to)| Mutation::Duplicate { at, len, to }),
        (any::<usize>(), any::<usize>(), 1usize..30).prop_map(|(a, b, len)| Mutation::Swap {
            a,
            b,
            len
        }),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
    ]
}

/// Applies mutations on bytes (so that they may split UTF-8 sequences), then reads the
/// result back lossily.
fn mutate(seed: &str, muts: &[Mutation]) -> String {
    let mut b = seed.as_bytes().to_vec();
    for m in muts {
        let n = b.len().max(1);
        match *m {
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(b.len());
                if at < end {
                    b.drain(at..end);
                }
            }
            Mutation::Duplicate { at, len, to } => {
                let at = at % n;
                let end = (at + len).min(b.len());
                let piece: Vec<u8> = b.get(at..end).unwrap_or_default().to_vec();
                let to = to % (b.len() + 1);
                b.splice(to..to, piece);
            }
            Mutation::Swap { a, b: bb, len } => {
                let (mut x, mut y) = (a % n, bb % n);
                if x > y {
                    std::mem::swap(&mut x, &mut y);
                }
                let len = len.min(y - x).min(b.len().saturating_sub(y));
                if len > 0 {
                    for i in 0..len {
                        b.swap(x + i, y + i);
                    }
                }
            }
            Mutation::Insert { at, token } => {
                let at = at % (b.len() + 1);
                b.splice(at..at, TOKENS[token].bytes());
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Loads `dir` with every kind of input in play; panics propagate to proptest.
fn load(dir: &Path) {
    let opts = LoadOptions {
        dir: dir.to_path_buf(),
        cwd: dir.to_path_buf(),
        env: vec![
            ("KILN_VAR_names".into(), "[\"e\"]".into()),
            ("KILN_VAR_secret".into(), "env".into()),
        ],
        cli_inputs: vec![CliInput::Var("settings".into(), "{ size = 4 }".into())],
        missing_vars: MissingVars::Error,
        read_data: false,
    };
    let loaded = load_configuration(&opts, &schemas(), &Functions::standard());
    let _ = diag_render::render_plain(&loaded.sources, &loaded.diagnostics);
    let _ = diag_render::to_json(&loaded.sources, &loaded.diagnostics);
}

/// A directory with a valid child module, and `main.hcl` (plus `kiln.vars.hcl` when
/// given) holding the case's text.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("child")).unwrap();
        std::fs::write(dir.path().join("child/main.hcl"), CHILD_CONFIG).unwrap();
        Workspace { dir }
    }

    fn run(&self, main: &str, vars: Option<&str>) {
        std::fs::write(self.dir.path().join("main.hcl"), main).unwrap();
        let vars_path = self.dir.path().join("kiln.vars.hcl");
        match vars {
            Some(v) => std::fs::write(&vars_path, v).unwrap(),
            None => {
                let _ = std::fs::remove_file(&vars_path);
            }
        }
        load(self.dir.path());
    }
}

thread_local! {
    static WS: Workspace = Workspace::new();
}

fn with_workspace(f: impl FnOnce(&Workspace)) {
    WS.with(f)
}

/// Parses and evaluates `text` in a scope holding known, unknown and sensitive values;
/// returns the console rendering of the result, if there is one.
fn eval_text(text: &str) -> Option<String> {
    let mut sources = SourceMap::new();
    let file = sources.add("<fuzz>", text);
    let expr = match parse_expr(text, file) {
        Ok(e) => e,
        Err(d) => {
            let _ = diag_render::render_plain(&sources, &Diagnostics::from(d));
            return None;
        }
    };
    let var = Value::object_from([
        (
            "list",
            Value::tuple(vec![
                Value::string("a"),
                Value::string("b"),
                Value::string("c"),
            ]),
        ),
        (
            "map",
            Value::object_from([("a", Value::int(1)), ("b", Value::int(2))]),
        ),
        (
            "objs",
            Value::tuple(vec![
                Value::object_from([
                    ("name", Value::string("x")),
                    ("tags", Value::object_from([("env", Value::string("prod"))])),
                ]),
                Value::object_from([
                    ("name", Value::unknown(Type::String)),
                    ("tags", Value::unknown(Type::Any)),
                ]),
            ]),
        ),
        ("n", Value::int(3)),
        ("flag", Value::bool(true)),
        ("secret", Value::string("hunter2").with_sensitive(true)),
        ("unknown", Value::unknown(Type::Any)),
        ("nothing", Value::null()),
    ]);
    let scope = MapScope::new().with("var", var);
    let functions = Functions::standard();
    let files = RefCell::new(BTreeSet::new());
    let ctx = EvalCtx {
        scope: &scope,
        functions: &functions,
        base_dir: Path::new("/nonexistent-kiln-fuzz"),
        files_read: &files,
    };
    match ctx.eval(&expr) {
        Ok(v) => {
            let _ = kiln_core::lang::display::to_json_redacted(&v);
            Some(kiln_core::lang::display::render(&v))
        }
        Err(d) => {
            let _ = diag_render::render_plain(&sources, &Diagnostics::from(d));
            None
        }
    }
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn loader_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300), as_vars in any::<bool>()) {
        let text = String::from_utf8_lossy(&bytes);
        with_workspace(|ws| if as_vars { ws.run(SEED_CONFIGS[0], Some(&text)) } else { ws.run(&text, None) });
    }

    #[test]
    fn parser_and_evaluator_survive_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        eval_text(&String::from_utf8_lossy(&bytes));
    }
}

proptest! {
    #![proptest_config(config(1500))]

    #[test]
    fn loader_survives_mutated_configurations(
        seed in 0..SEED_CONFIGS.len(),
        muts in prop::collection::vec(mutation(), 1..6),
        mutate_vars in any::<bool>(),
    ) {
        with_workspace(|ws| {
            if mutate_vars {
                ws.run(SEED_CONFIGS[0], Some(&mutate(VARS_SEED, &muts)));
            } else {
                ws.run(&mutate(SEED_CONFIGS[seed], &muts), Some(VARS_SEED));
            }
        });
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn evaluator_survives_mutated_expressions(seed in 0..SEED_EXPRS.len(), muts in prop::collection::vec(mutation(), 0..5)) {
        eval_text(&mutate(SEED_EXPRS[seed], &muts));
    }
}

#[test]
fn seeds_are_valid() {
    // The mutations start from valid inputs: check they are (otherwise the fuzzing would
    // only ever exercise the syntax-error path).
    for (i, seed) in SEED_CONFIGS.iter().enumerate() {
        let ws = Workspace::new();
        std::fs::write(ws.dir.path().join("main.hcl"), seed).unwrap();
        let opts = LoadOptions {
            dir: ws.dir.path().to_path_buf(),
            cwd: ws.dir.path().to_path_buf(),
            ..Default::default()
        };
        let loaded = load_configuration(&opts, &schemas(), &Functions::standard());
        assert!(
            !loaded.diagnostics.has_errors(),
            "seed {i}: {}",
            diag_render::render_plain(&loaded.sources, &loaded.diagnostics)
        );
    }
    for seed in SEED_EXPRS {
        let mut sources = SourceMap::new();
        let file = sources.add("<seed>", *seed);
        assert!(parse_expr(seed, file).is_ok(), "{seed}");
    }
}

/// Inputs that once made the core panic.
#[test]
fn regressions() {
    let configs: &[&str] = &["locals {\n  a = \"\u{FFFD}\n}\n", "x = \"\u{e9}"];
    for c in configs {
        with_workspace(|ws| ws.run(c, None));
    }
    let exprs: &[&str] = &[
        // A syntax error inside a multi-byte character: the error position was sliced
        // out of the text mid-character.
        "\"\u{FFFD}",
        "\"s&\u{FFFD}i\u{FFFD}\u{FFFD}",
    ];
    for e in exprs {
        eval_text(e);
    }
    // Integer overflow in division and remainder: i64::MIN / -1 panicked, and
    // i64::MIN % -1 was reported as a modulo by zero.
    assert_eq!(
        eval_text("(-9223372036854775807 - 1) / -1").as_deref(),
        Some("9223372036854775808")
    );
    assert_eq!(
        eval_text("(-9223372036854775807 - 1) % -1").as_deref(),
        Some("0")
    );
    assert_eq!(
        eval_text("(-9223372036854775807 - 1) / 2").as_deref(),
        Some("-4611686018427387904")
    );
}
