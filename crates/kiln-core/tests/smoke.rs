use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use kiln_core::lang::{display::render, parse_expr, EvalCtx, Functions, MapScope, Type, Value};
use kiln_core::source::FileId;

fn eval(src: &str, scope: &MapScope) -> String {
    let f = Functions::standard();
    let files = RefCell::new(BTreeSet::new());
    let ctx = EvalCtx {
        scope,
        functions: &f,
        base_dir: Path::new("."),
        files_read: &files,
    };
    let e = parse_expr(src, FileId(0)).expect("parse");
    match ctx.eval(&e) {
        Ok(v) => render(&v),
        Err(d) => format!("error: {}: {}", d.summary, d.detail),
    }
}

#[test]
fn smoke() {
    let s = MapScope::new()
        .with(
            "var",
            Value::object_from([
                ("x", Value::string("hi")),
                ("s", Value::string("pw").mark_sensitive()),
            ]),
        )
        .with("u", Value::unknown(Type::String));
    assert_eq!(eval(r#""${upper(var.x)}-${1 + 2}""#, &s), "\"HI-3\"");
    assert_eq!(eval("0.1", &s), "0.1");
    assert_eq!(
        eval(
            "[for i, v in [\"a\",\"b\"] : \"${i}${v}\" if v != \"b\"]",
            &s
        ),
        "[\n  \"0a\",\n]"
    );
    assert_eq!(
        eval("{for v in [\"a\",\"b\",\"a\"] : v => v...}", &s),
        "{\n  \"a\" = [\n    \"a\",\n    \"a\",\n  ]\n  \"b\" = [\n    \"b\",\n  ]\n}"
    );
    assert_eq!(eval("\"x${u}\"", &s), "(known after apply)");
    assert_eq!(eval("upper(var.s)", &s), "(sensitive value)");
    assert_eq!(eval("[{a=1},{a=2}][*].a", &s), "[\n  1,\n  2,\n]");
    assert_eq!(eval("\"a %{ if true ~} b %{~ endif ~} c\"", &s), "\"a bc\"");
    assert_eq!(
        eval("<<-EOT\n    x\n      y\n    EOT", &s),
        "<<EOT\nx\n  y\nEOT"
    );
    assert_eq!(eval("upperr(1)", &s), "error: Call to unknown function: There is no function named \"upperr\". Did you mean \"upper\"?");
    assert_eq!(eval("9223372036854775807", &s), "9223372036854775807");
    assert_eq!(eval("\"$${x}\"", &s), "\"$${x}\"");
}
