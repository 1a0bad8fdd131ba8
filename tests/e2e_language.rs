//! End-to-end tests of the configuration language through the real `kiln` binary:
//! a three-level module tree (fixture `modules-deep`), root variable precedence, and
//! every kind of expression (fixture `expressions`), read back with `kiln console`.

mod support;

use support::{fixture, kiln, kiln_env, kiln_in, temp_config};

/// Evaluates one expression with `kiln console` in `dir`, expecting success.
fn console(dir: &std::path::Path, args: &[&str], expr: &str) -> String {
    let mut all = vec!["console"];
    all.extend_from_slice(args);
    let run = kiln_in(dir, &all, &format!("{expr}\n"));
    assert_eq!(run.code, 0, "console failed for {expr}:\n{}", run.all());
    assert_eq!(run.stderr, "", "unexpected diagnostics for {expr}");
    run.stdout
        .strip_suffix('\n')
        .unwrap_or(&run.stdout)
        .to_string()
}

/// Checks each (expression, expected rendering) pair in one console session.
fn console_cases(dir: &std::path::Path, cases: &[(&str, &str)]) {
    let input: String = cases.iter().map(|(e, _)| format!("{e}\n")).collect();
    let run = kiln_in(dir, &["console"], &input);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stderr, "");
    // Results are separated by newlines, but multi-line results contain newlines too:
    // compare the whole output against the concatenation instead.
    let expected: String = cases.iter().map(|(_, v)| format!("{v}\n")).collect();
    if run.stdout != expected {
        // Find the first differing case for a readable failure.
        for (e, v) in cases {
            let got = console(dir, &[], e);
            assert_eq!(got, *v, "kiln console: {e}");
        }
        assert_eq!(run.stdout, expected);
    }
}

// ---------------------------------------------------------------------------------------
// Modules three levels deep.

#[test]
fn deep_modules_validate() {
    let run = kiln(&fixture("modules-deep"), &["validate"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.all(), "The configuration is valid.\n");
}

#[test]
fn deep_modules_first_level_outputs() {
    let dir = fixture("modules-deep");
    console_cases(
        &dir,
        &[
            ("module.a[\"eu\"].name", "\"app-eu\""),
            ("module.a[\"eu\"].label", "\"APP-EU\""),
            // Read back from a kiln_data resource's input.
            ("module.a[\"eu\"].tier", "\"gold\""),
            // optional(string, "standard") filled in for the region that gave no tier.
            ("module.a[\"us\"].tier", "\"standard\""),
            ("module.a[\"eu\"].leaf_count", "4"),
            ("module.a[\"us\"].leaf_count", "1"),
            (
                "{ for k, r in module.a : k => r.name }",
                "{\n  \"eu\" = \"app-eu\"\n  \"us\" = \"app-us\"\n}",
            ),
            ("length([for k, r in module.a : k])", "2"),
            // length() of a value holding sensitive parts is sensitive, as in Terraform.
            ("length(module.a)", "(sensitive value)"),
        ],
    );
}

#[test]
fn deep_modules_second_level_outputs() {
    let dir = fixture("modules-deep");
    console_cases(
        &dir,
        &[
            // count = 2 for eu, 1 for us; splat over the module's instances.
            (
                "module.a[\"eu\"].host_names",
                "[\n  \"app-eu-0\",\n  \"app-eu-1\",\n]",
            ),
            ("module.a[\"us\"].host_names", "[\n  \"app-us-0\",\n]"),
            (
                "module.a[\"eu\"].sizes[1]",
                "{\n  \"data\" = 10\n  \"root\" = 10\n}",
            ),
        ],
    );
}

#[test]
fn deep_modules_leaf_outputs() {
    let dir = fixture("modules-deep");
    console_cases(
        &dir,
        &[
            (
                "module.a[\"eu\"].leaf_names",
                "[\n  [\n    \"app-eu-0/data\",\n    \"app-eu-0/root\",\n  ],\n  [\n    \"app-eu-1/data\",\n    \"app-eu-1/root\",\n  ],\n]",
            ),
            // us gives no disks: the host module's optional(list(string), ["boot"]) applies.
            ("module.a[\"us\"].leaf_names", "[\n  [\n    \"app-us-0/boot\",\n  ],\n]"),
            ("module.a[\"us\"].leaf_names[0][0]", "\"app-us-0/boot\""),
            // path.module inside the leaf module, relative to the root as in Terraform.
            ("module.a[\"us\"].leaf_dirs", "{\n  \"boot\" = \"modules/disk\"\n}"),
            // Computed attribute of a resource three levels down.
            (
                "module.a[\"eu\"].file_ids",
                "{\n  \"data\" = (known after apply)\n  \"root\" = (known after apply)\n}",
            ),
        ],
    );
}

#[test]
fn deep_modules_sensitive_values_stay_hidden() {
    let dir = fixture("modules-deep");
    console_cases(
        &dir,
        &[
            ("var.db_password", "(sensitive value)"),
            ("module.a[\"eu\"].secrets", "(sensitive value)"),
            ("module.a[\"us\"].secrets[0][\"boot\"]", "(sensitive value)"),
            ("length(module.a[\"us\"].secrets)", "(sensitive value)"),
        ],
    );
    // The whole module object shows every output, the sensitive one masked.
    let whole = console(&dir, &[], "module.a[\"us\"]");
    assert!(
        whole.contains("  \"secrets\"    = (sensitive value)\n"),
        "{whole}"
    );
    assert!(!whole.contains("hunter2"), "{whole}");
    let json = console(&dir, &["--json"], "module.a[\"us\"]");
    assert!(json.contains("\"secrets\":\"(sensitive value)\""), "{json}");
    assert!(!json.contains("hunter2"), "{json}");
}

#[test]
fn deep_modules_inputs_flow_down_from_root_variables() {
    // Changing the root map changes every level below it.
    let dir = fixture("modules-deep");
    let run = kiln_in(
        &dir,
        &[
            "console",
            "--var",
            r#"regions={ ap = { replicas = 3, tier = "gold", disks = ["x"] } }"#,
        ],
        "module.a[\"ap\"].leaf_names\nmodule.a[\"ap\"].leaf_count\nkeys_of = 1\n",
    );
    assert_eq!(
        run.stdout,
        "[\n  [\n    \"app-ap-0/x\",\n  ],\n  [\n    \"app-ap-1/x\",\n  ],\n  [\n    \"app-ap-2/x\",\n  ],\n]\n3\n"
    );
    // The last line is not an expression: an error, reported after the results.
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error"), "{}", run.stderr);
}

#[test]
fn deep_modules_type_errors_point_at_the_root_value() {
    let dir = fixture("modules-deep");
    let run = kiln(
        &dir,
        &["validate", "--var", "regions={ eu = { tier = \"gold\" } }"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("Invalid value for variable"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("replicas"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// Root variable precedence.

const PRECEDENCE_MAIN: &str = r#"
variable "x" {
  type    = string
  default = "default"
}
"#;

fn var_x(files: &[(&str, &str)], env: &[(&str, &str)], args: &[&str]) -> String {
    let mut all_files = vec![("main.hcl", PRECEDENCE_MAIN)];
    all_files.extend_from_slice(files);
    let dir = temp_config(&all_files);
    let mut all = vec!["console"];
    all.extend_from_slice(args);
    let run = kiln_env(dir.path(), &all, "var.x\n", env);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stderr, "");
    run.stdout.trim_end().to_string()
}

#[test]
fn precedence_default_only() {
    assert_eq!(var_x(&[], &[], &[]), "\"default\"");
}

#[test]
fn precedence_environment_over_default() {
    assert_eq!(var_x(&[], &[("KILN_VAR_x", "env")], &[]), "\"env\"");
}

#[test]
fn precedence_kiln_vars_over_environment() {
    assert_eq!(
        var_x(
            &[("kiln.vars.hcl", "x = \"vars-file\"\n")],
            &[("KILN_VAR_x", "env")],
            &[]
        ),
        "\"vars-file\""
    );
}

#[test]
fn precedence_auto_vars_over_kiln_vars_in_name_order() {
    let files = [
        ("kiln.vars.hcl", "x = \"vars-file\"\n"),
        ("b.auto.vars.hcl", "x = \"auto-b\"\n"),
        ("a.auto.vars.hcl", "x = \"auto-a\"\n"),
    ];
    assert_eq!(var_x(&files, &[("KILN_VAR_x", "env")], &[]), "\"auto-b\"");
    // One auto file alone still beats kiln.vars.hcl.
    assert_eq!(
        var_x(
            &[
                ("kiln.vars.hcl", "x = \"vars-file\"\n"),
                ("z.auto.vars.hcl", "x = \"auto-z\"\n")
            ],
            &[],
            &[]
        ),
        "\"auto-z\""
    );
}

#[test]
fn precedence_command_line_in_order() {
    let files = [
        ("kiln.vars.hcl", "x = \"vars-file\"\n"),
        ("a.auto.vars.hcl", "x = \"auto-a\"\n"),
        ("one.hcl.txt", "x = \"var-file-one\"\n"),
        ("two.hcl.txt", "x = \"var-file-two\"\n"),
    ];
    let env = [("KILN_VAR_x", "env")];
    assert_eq!(
        var_x(&files, &env, &["--var-file", "one.hcl.txt"]),
        "\"var-file-one\""
    );
    assert_eq!(var_x(&files, &env, &["--var", "x=cli"]), "\"cli\"");
    assert_eq!(
        var_x(
            &files,
            &env,
            &["--var-file", "one.hcl.txt", "--var", "x=cli"]
        ),
        "\"cli\""
    );
    assert_eq!(
        var_x(
            &files,
            &env,
            &["--var", "x=cli", "--var-file", "one.hcl.txt"]
        ),
        "\"var-file-one\""
    );
    assert_eq!(
        var_x(
            &files,
            &env,
            &["--var-file", "two.hcl.txt", "--var-file", "one.hcl.txt"]
        ),
        "\"var-file-one\""
    );
    assert_eq!(
        var_x(&files, &env, &["--var", "x=first", "--var", "x=second"]),
        "\"second\""
    );
    assert_eq!(
        var_x(
            &files,
            &env,
            &[
                "--var",
                "x=first",
                "--var-file",
                "two.hcl.txt",
                "--var",
                "x=last"
            ]
        ),
        "\"last\""
    );
}

#[test]
fn primitive_values_from_text_are_taken_literally() {
    // No quotes needed on the command line or in the environment for a string variable.
    assert_eq!(
        var_x(&[], &[], &["--var", "x=web-1 and more"]),
        "\"web-1 and more\""
    );
    assert_eq!(
        var_x(&[], &[("KILN_VAR_x", "{not hcl")], &[]),
        "\"{not hcl\""
    );
}

const TYPED_MAIN: &str = r#"
variable "tags" {
  type    = map(string)
  default = {}
}

variable "ports" {
  type    = list(number)
  default = []
}

variable "port" {
  type    = number
  default = 8080

  validation {
    condition     = var.port > 1024
    error_message = "The port must be above 1024 (unprivileged), got ${var.port}."
  }
}

variable "required" {
  type = string
}
"#;

#[test]
fn complex_values_on_the_command_line_are_hcl() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln_in(
        dir.path(),
        &[
            "console",
            "--var",
            "required=r",
            "--var",
            r#"tags={a="b", "c d" = "e"}"#,
            "--var",
            "ports=[80, 443]",
        ],
        "var.tags\nvar.ports\nvar.tags[\"c d\"]\n",
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        "tomap({\n  \"a\"   = \"b\"\n  \"c d\" = \"e\"\n})\ntolist([\n  80,\n  443,\n])\n\"e\"\n"
    );
}

#[test]
fn complex_values_from_the_environment_are_hcl() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln_env(
        dir.path(),
        &["console", "--var", "required=r"],
        "var.tags\n",
        &[("KILN_VAR_tags", r#"{ env = "prod" }"#)],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "tomap({\n  \"env\" = \"prod\"\n})\n");
}

#[test]
fn malformed_complex_value_is_a_syntax_error_naming_the_variable() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln(dir.path(), &["validate", "--var", "tags={a="]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("Invalid syntax"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "var.tags from a --var option must be written in HCL syntax for its type map(string)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn wrongly_typed_value_is_reported() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln(dir.path(), &["validate", "--var", "ports=[\"http\"]"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "The value for var.ports from a --var option is not suitable for its type list(number)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn validation_rule_fails_with_the_authors_message() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln(dir.path(), &["validate", "--var", "port=80"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("error: Invalid value for variable"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("The port must be above 1024 (unprivileged), got 80."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("<value for var.port>"),
        "the error points at the given value:\n{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");
    // And the same value from a file.
    let dir = temp_config(&[("main.hcl", TYPED_MAIN), ("kiln.vars.hcl", "port = 22\n")]);
    let run = kiln(dir.path(), &["validate"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("got 22."), "{}", run.stderr);
    assert!(run.stderr.contains("kiln.vars.hcl:1:8"), "{}", run.stderr);
}

#[test]
fn missing_required_variable_in_console_says_where_values_come_from() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln_in(dir.path(), &["console"], "var.port\n");
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(run.stdout, "");
    let err = &run.stderr;
    assert!(
        err.contains("error: No value for required variable"),
        "{err}"
    );
    assert!(
        err.contains("The input variable \"required\" is not set, and has no default value."),
        "{err}"
    );
    for place in [
        "--var required=VALUE",
        "kiln.vars.hcl",
        "*.auto.vars.hcl",
        "--var-file",
        "KILN_VAR_required",
    ] {
        assert!(err.contains(place), "{place} missing from:\n{err}");
    }
}

#[test]
fn missing_required_variable_is_unknown_in_validate() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln(dir.path(), &["validate"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.stdout, "The configuration is valid.\n");
}

#[test]
fn undeclared_variable_on_the_command_line_is_an_error() {
    let dir = temp_config(&[("main.hcl", TYPED_MAIN)]);
    let run = kiln(dir.path(), &["validate", "--var", "prot=80"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("A variable named \"prot\" was assigned on the command line"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("port"),
        "did-you-mean expected:\n{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Expressions.

#[test]
fn expressions_fixture_is_valid() {
    let run = kiln(&fixture("expressions"), &["validate"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.all(), "The configuration is valid.\n");
}

#[test]
fn templates_and_heredocs() {
    console_cases(
        &fixture("expressions"),
        &[
            ("local.greeting", "\"Hello, many!\""),
            ("local.listing", "\"0:a,1:b,2:c\""),
            ("local.stripped", "\"[a][b][c]\""),
            ("local.plain", "<<EOT\nline one\n  line two\nEOT"),
            ("local.indented", "<<EOT\nfirst\n  second\nthird\nEOT"),
            (
                "\"%{ for w in local.words ~} ${w} %{~ endfor }\"",
                "\"abc\"",
            ),
            ("\"%{if false}x%{else}y%{endif}\"", "\"y\""),
            ("\"${local.n}\"", "3"),
            ("\"n=${local.n}\"", "\"n=3\""),
            // Escapes survive the round trip through the console's own quoting.
            ("\"a%%{b}$${c}\"", "\"a%%{b}$${c}\""),
            ("\"tab\\there\"", "\"tab\\there\""),
        ],
    );
}

#[test]
fn for_expressions() {
    console_cases(
        &fixture("expressions"),
        &[
            (
                "[for n in var.names : upper(n) if n != \"db\"]",
                "[\n  \"WEB\",\n  \"CACHE\",\n]",
            ),
            (
                "{ for i, n in var.names : n => i }",
                "{\n  \"cache\" = 2\n  \"db\"    = 1\n  \"web\"   = 0\n}",
            ),
            (
                "local.by_role",
                "{\n  \"db\"  = [\n    \"b\",\n  ]\n  \"web\" = [\n    \"a\",\n    \"c\",\n  ]\n}",
            ),
            ("local.big", "[\n  \"b\",\n  \"c\",\n]"),
            (
                "[for k, v in { b = 2, a = 1 } : \"${k}${v}\"]",
                "[\n  \"a1\",\n  \"b2\",\n]",
            ),
            ("[for x in [] : x]", "[]"),
        ],
    );
}

#[test]
fn splats_index_and_attribute_access() {
    console_cases(
        &fixture("expressions"),
        &[
            ("(var.servers[*].name)[2]", "\"c\""),
            ("length(var.servers.*.port)", "3"),
            ("(var.servers.*.port)[1]", "5432"),
            ("var.servers[0][\"role\"]", "\"web\""),
            ("var.servers[1].port", "5432"),
            ("local.obj.nested.list[1]", "20"),
            ("local.obj[\"nested\"][\"list\"][2]", "30"),
            ("[{ a = 1 }, { a = 2 }][*].a", "[\n  1,\n  2,\n]"),
            ("{ a = 1 }[*].a", "[\n  1,\n]"),
            (
                "kiln_data.d[*].input",
                "[\n  \"item-0\",\n  \"item-1\",\n  \"item-2\",\n]",
            ),
        ],
    );
}

#[test]
fn operators_and_conditionals() {
    console_cases(
        &fixture("expressions"),
        &[
            ("1 + 2 * 3 - 4 / 2", "5"),
            ("(1 + 2) * 3", "9"),
            ("2 * 3 % 4", "2"),
            ("10 % 4 * 3", "6"),
            ("-2 - -3", "1"),
            ("7 / 2", "3.5"),
            ("1 < 2 == 2 > 1", "true"),
            ("!true || true && false", "false"),
            ("true || false && false", "true"),
            ("local.n > 2 ? \"big\" : \"small\"", "\"big\""),
            (
                "local.n < 2 ? \"small\" : local.n < 5 ? \"medium\" : \"big\"",
                "\"medium\"",
            ),
            (
                "local.n == 3 ? local.words : []",
                "[\n  \"a\",\n  \"b\",\n  \"c\",\n]",
            ),
        ],
    );
}

#[test]
fn count_and_each_inside_resources() {
    console_cases(
        &fixture("expressions"),
        &[
            ("kiln_data.d[1].input", "\"item-1\""),
            ("length(kiln_data.d)", "3"),
            ("kiln_data.e[\"db\"].input", "\"db=DB\""),
            ("kiln_data.e.cache.input", "\"cache=CACHE\""),
            (
                "[for k, r in kiln_data.e : r.input]",
                "[\n  \"cache=CACHE\",\n  \"db=DB\",\n  \"web=WEB\",\n]",
            ),
            ("local_file.f.content", "\"hello\""),
        ],
    );
}

#[test]
fn unknown_values_propagate() {
    console_cases(
        &fixture("expressions"),
        &[
            ("local_file.f.id", "(known after apply)"),
            ("kiln_data.d[0].id", "(known after apply)"),
            ("\"x-${local_file.f.id}\"", "(known after apply)"),
            ("upper(local_file.f.id)", "(known after apply)"),
            ("local_file.f.id == \"x\"", "(known after apply)"),
            (
                "[local_file.f.id, \"known\"]",
                "[\n  (known after apply),\n  \"known\",\n]",
            ),
            (
                "{ a = local_file.f.id }",
                "{\n  \"a\" = (known after apply)\n}",
            ),
            (
                "[for s in [local_file.f.id] : \"${s}!\"]",
                "[\n  (known after apply),\n]",
            ),
            ("can(local_file.f.id)", "(known after apply)"),
            ("length([local_file.f.id])", "1"),
            ("false && local_file.f.id == \"x\"", "false"),
        ],
    );
}

#[test]
fn sensitive_values_propagate() {
    console_cases(
        &fixture("expressions"),
        &[
            ("var.secret", "(sensitive value)"),
            ("upper(var.secret)", "(sensitive value)"),
            ("\"pw: ${var.secret}\"", "(sensitive value)"),
            ("local.secret_doc", "(sensitive value)"),
            ("var.secret == \"s3cr3t\"", "(sensitive value)"),
            (
                "local.with_secret",
                "{\n  \"password\" = (sensitive value)\n  \"user\"     = \"admin\"\n}",
            ),
            ("local.with_secret.user", "\"admin\""),
            (
                "[var.secret, \"x\"]",
                "[\n  (sensitive value),\n  \"x\",\n]",
            ),
        ],
    );
}

#[test]
fn console_json() {
    let dir = fixture("expressions");
    let run = kiln_in(
        &dir,
        &["console", "--json"],
        "local.obj\nlocal.with_secret\nlocal_file.f.id\nkiln_data.d[*].input\nlocal.plain\nnull\n1.5\n",
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        concat!(
            "{\"name\":\"kiln\",\"nested\":{\"list\":[10,20,30]}}\n",
            "{\"password\":\"(sensitive value)\",\"user\":\"admin\"}\n",
            "\"(known after apply)\"\n",
            "[\"item-0\",\"item-1\",\"item-2\"]\n",
            "\"line one\\n  line two\\n\"\n",
            "null\n",
            "1.5\n",
        )
    );
    assert!(!run.stdout.contains("s3cr3t"));
}

#[test]
fn console_errors_do_not_stop_the_session() {
    let run = kiln_in(
        &fixture("expressions"),
        &["console"],
        "local.nope\n1 +\nlocal.n\n",
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(run.stdout, "3\n");
    assert!(
        run.stderr
            .contains("This object does not have an attribute named \"nope\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Invalid syntax"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// Directories that are not configurations.

#[test]
fn validate_of_an_empty_directory_is_an_error() {
    let dir = temp_config(&[
        ("notes.txt", "not configuration"),
        ("kiln.vars.hcl", "x = 1\n"),
    ]);
    let run = kiln(dir.path(), &["validate"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("error: No configuration files"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("*.hcl"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn validate_of_a_missing_directory_is_an_error() {
    let dir = temp_config(&[]);
    let run = kiln(dir.path(), &["validate", "no-such-dir"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("error: No configuration directory"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no-such-dir is not a directory"),
        "{}",
        run.stderr
    );
    let json = kiln(dir.path(), &["validate", "--json", "no-such-dir"]);
    assert_eq!(json.code, 1, "{}", json.all());
    assert!(
        json.stdout.contains("No configuration directory"),
        "{}",
        json.stdout
    );
    assert!(!json.all().contains("panicked"));
}

#[test]
fn validate_of_a_file_instead_of_a_directory_is_an_error() {
    let dir = temp_config(&[("main.hcl", "locals {}\n")]);
    let run = kiln(dir.path(), &["validate", "main.hcl"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("main.hcl is not a directory"),
        "{}",
        run.stderr
    );
}
