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
