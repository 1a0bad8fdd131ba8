mod support;

use support::{kiln, kiln_in, temp_config};

#[test]
fn validate_reports_valid_configuration() {
    let dir = temp_config(&[(
        "main.hcl",
        "resource \"kiln_data\" \"x\" {\n  input = \"hi\"\n}\n",
    )]);
    let run = kiln(dir.path(), &["validate"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "The configuration is valid.\n");
}

#[test]
fn console_evaluates_against_configuration() {
    let dir = temp_config(&[("main.hcl", "locals {\n  a = 40\n}\n")]);
    let run = kiln_in(dir.path(), &["console"], "local.a + 2\n");
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "42\n");
}

/// The shipped examples and modules stay valid and formatted.
#[test]
fn shipped_examples_and_modules_are_valid_and_formatted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [
        "examples/quickstart",
        "examples/local-files",
        "modules/server-labels",
    ] {
        let run = kiln(root, &["validate", dir]);
        assert_eq!(run.code, 0, "{dir}: {}", run.all());
    }
    for dir in ["examples", "modules"] {
        let run = kiln(root, &["fmt", "--check", "--recursive", dir]);
        assert_eq!(run.code, 0, "{dir} needs kiln fmt: {}", run.all());
    }
}
