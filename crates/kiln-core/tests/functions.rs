//! The built-in function library, evaluated from expression text the way configurations
//! use it. Results are compared in a one-line form of the console rendering.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kiln_core::lang::{display::render, parse_expr, EvalCtx, Functions, MapScope, Type, Value};
use kiln_core::source::FileId;

/// Names available to every test expression: an unknown string `u`, an unknown list `ul`,
/// a sensitive string `s`.
fn scope() -> MapScope {
    MapScope::new()
        .with("u", Value::unknown(Type::String))
        .with("ul", Value::unknown(Type::List(Box::new(Type::String))))
        .with("s", Value::string("secret").mark_sensitive())
}

/// Evaluates `src` with `base` as the module directory; returns the one-line rendering
/// (or "error: summary: detail") and the files read.
fn eval_at(src: &str, base: &Path) -> (String, BTreeSet<PathBuf>) {
    let f = Functions::standard();
    let files = RefCell::new(BTreeSet::new());
    let scope = scope();
    let ctx = EvalCtx {
        scope: &scope,
        functions: &f,
        base_dir: base,
        files_read: &files,
    };
    let e = parse_expr(src, FileId(0)).expect("parse");
    let out = match ctx.eval(&e) {
        Ok(v) => render(&v)
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" "),
        Err(d) => format!("error: {}: {}", d.summary, d.detail),
    };
    (out, files.into_inner())
}

fn ev(src: &str) -> String {
    eval_at(src, Path::new(".")).0
}

#[track_caller]
fn check(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        assert_eq!(ev(src), *want, "expression: {src}");
    }
}

/// An error's detail must contain `want`.
#[track_caller]
fn check_err(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        let got = ev(src);
        assert!(
            got.starts_with("error: ") && got.contains(want),
            "expression: {src}\n got: {got}\nwant: …{want}…"
        );
    }
}

/// A fresh, empty directory for file tests.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-functions-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

#[test]
fn numeric() {
    check(&[
        ("abs(-3.5)", "3.5"),
        ("abs(4)", "4"),
        ("ceil(1.2)", "2"),
        ("ceil(-1.2)", "-1"),
        ("floor(1.8)", "1"),
        ("floor(-1.2)", "-2"),
        ("max(3, 12, 9)", "12"),
        ("max([1, 7]...)", "7"),
        ("min(3, 12, 9)", "3"),
        ("min(-1.5, 2)", "-1.5"),
        ("parseint(\"100\", 10)", "100"),
        ("parseint(\"FF\", 16)", "255"),
        ("parseint(\"-1010\", 2)", "-10"),
        ("parseint(\"zz\", 36)", "1295"),
        ("pow(3, 2)", "9"),
        ("pow(4, 0.5)", "2"),
        ("pow(2, -1)", "0.5"),
        ("signum(-13)", "-1"),
        ("signum(0)", "0"),
        ("signum(344)", "1"),
        ("log(16, 2)", "4"),
        ("sum([10, 13, 6, 4.5])", "33.5"),
        ("sum(toset([1, 2]))", "3"),
    ]);
    check_err(&[
        (
            "parseint(\"12\", 2)",
            "Invalid value for \"number\" parameter: cannot parse \"12\" as a base 2 integer",
        ),
        (
            "parseint(\"1\", 99)",
            "base must be a whole number between 2 and 62",
        ),
        ("max()", "must pass at least one number"),
        ("sum([])", "cannot sum an empty list"),
        (
            "abs(\"x\")",
            "Invalid value for \"num\" parameter: a number is required, but \"x\" is not a number",
        ),
    ]);
}

#[test]
fn format_verbs() {
    check(&[
        ("format(\"Hello, %s!\", \"Ander\")", "\"Hello, Ander!\""),
        (
            "format(\"There are %d lights\", 4)",
            "\"There are 4 lights\"",
        ),
        ("format(\"%.2f\", 3.14159)", "\"3.14\""),
        ("format(\"%f\", 1)", "\"1.000000\""),
        (
            "format(\"%5d|%-5d|%05d\", 42, 42, -42)",
            "\"   42|42   |-0042\"",
        ),
        ("format(\"%+d % d\", 5, 5)", "\"+5  5\""),
        ("format(\"%q\", \"a\\\"b\")", "\"\\\"a\\\\\\\"b\\\"\""),
        ("format(\"%v %v %v\", \"s\", 1.5, true)", "\"s 1.5 true\""),
        ("format(\"%v\", [1, \"a\"])", "\"[1,\\\"a\\\"]\""),
        ("format(\"%#v\", \"a\")", "\"\\\"a\\\"\""),
        ("format(\"%t\", true)", "\"true\""),
        (
            "format(\"%x %X %o %b\", 255, 255, 8, 5)",
            "\"ff FF 10 101\"",
        ),
        ("format(\"%#x\", 255)", "\"0xff\""),
        ("format(\"%e\", 1500000)", "\"1.500000e+06\""),
        ("format(\"%g %g\", 0.5, 1e7)", "\"0.5 1e+07\""),
        ("format(\"%d%%\", 50)", "\"50%\""),
        ("format(\"%[2]s %[1]s\", \"a\", \"b\")", "\"b a\""),
        ("format(\"%.3s\", \"abcdef\")", "\"abc\""),
        ("format(\"%s\", 12)", "\"12\""),
        ("format(\"%d\", \"12\")", "\"12\""),
        ("format(\"%8.3f|\", 3.14159)", "\"   3.142|\""),
        ("format(\"no verbs\")", "\"no verbs\""),
        (
            "formatlist(\"Hello, %s!\", [\"Valentina\", \"Ander\"])",
            "tolist([ \"Hello, Valentina!\", \"Hello, Ander!\", ])",
        ),
        (
            "formatlist(\"%s, %s!\", \"Salutations\", [\"Valentina\", \"Ander\"])",
            "tolist([ \"Salutations, Valentina!\", \"Salutations, Ander!\", ])",
        ),
        (
            "formatlist(\"%s=%s\", [\"a\", \"b\"], [1, 2])",
            "tolist([ \"a=1\", \"b=2\", ])",
        ),
        ("format(\"%s\", u)", "(known after apply)"),
    ]);
    check_err(&[
        (
            "format(\"%s %s\", \"a\")",
            "not enough arguments for \"%s\" at 3: need index 2 but have 1 total",
        ),
        (
            "format(\"%s\", \"a\", \"b\")",
            "too many arguments; only 1 used by format string",
        ),
        (
            "format(\"%d\", 1.5)",
            "unsupported value for \"%d\" at 0: an integer is required, but have 1.5",
        ),
        (
            "format(\"%d\", \"x\")",
            "unsupported value for \"%d\" at 0: a number is required, but have string",
        ),
        (
            "format(\"%s\", [1])",
            "a string is required, but have tuple",
        ),
        ("format(\"%s\", null)", "null value cannot be formatted"),
        ("format(\"%y\", 1)", "unrecognized format verb 'y'"),
        ("format(\"%99999999d\", 1)", "is larger than 10000"),
        (
            "formatlist(\"%s%s\", [\"a\"], [\"b\", \"c\"])",
            "argument 2 has length 2, which is inconsistent with argument 1 of length 1",
        ),
    ]);
}

#[test]
fn strings() {
    check(&[
        ("join(\", \", [\"foo\", \"bar\", \"baz\"])", "\"foo, bar, baz\""),
        ("join(\"-\", [\"a\"], [\"b\", \"c\"])", "\"a-b-c\""),
        ("split(\",\", \"foo,bar,baz\")", "tolist([ \"foo\", \"bar\", \"baz\", ])"),
        ("split(\",\", \"\")", "tolist([ \"\", ])"),
        ("lower(\"HELLO\")", "\"hello\""),
        ("upper(\"hello\")", "\"HELLO\""),
        ("title(\"hello world-wide web_site\")", "\"Hello World-Wide Web_site\""),
        ("trim(\"?!hello?!\", \"!?\")", "\"hello\""),
        ("trimprefix(\"helloworld\", \"hello\")", "\"world\""),
        ("trimprefix(\"helloworld\", \"cat\")", "\"helloworld\""),
        ("trimsuffix(\"helloworld\", \"world\")", "\"hello\""),
        ("trimspace(\"  hello\\n\\n\")", "\"hello\""),
        ("replace(\"1 + 2 + 3\", \"+\", \"-\")", "\"1 - 2 - 3\""),
        ("replace(\"hello world\", \"/w.*d/\", \"everybody\")", "\"hello everybody\""),
        ("replace(\"a1b22\", \"/([a-z])(\\\\d+)/\", \"$2$1\")", "\"1a22b\""),
        ("regex(\"[a-z]+\", \"53453453.345345aaabbbccc23454\")", "\"aaabbbccc\""),
        ("regex(\"(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)\", \"2019-02-01\")", "[ \"2019\", \"02\", \"01\", ]"),
        ("regex(\"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?\", \"https://terraform.io/docs/\")", "{ \"authority\" = \"terraform.io\" \"scheme\"    = \"https\" }"),
        ("regex(\"(a)|(b)\", \"b\")", "[ null, \"b\", ]"),
        ("regexall(\"[a-z]+\", \"1234abcd5678efgh9\")", "tolist([ \"abcd\", \"efgh\", ])"),
        ("length(regexall(\"[a-z]+\", \"1234\"))", "0"),
        ("regexall(\"(\\\\d)(\\\\w)\", \"1a2b\")", "tolist([ [ \"1\", \"a\", ], [ \"2\", \"b\", ], ])"),
        ("substr(\"hello world\", 1, 4)", "\"ello\""),
        ("substr(\"hello world\", -5, -1)", "\"world\""),
        ("substr(\"hello\", 2, 100)", "\"llo\""),
        ("substr(\"hello\", 10, 1)", "\"\""),
        ("substr(\"🙂x\", 0, 1)", "\"🙂\""),
        ("strrev(\"hello\")", "\"olleh\""),
        ("chomp(\"hello\\r\\n\\n\")", "\"hello\""),
        ("chomp(\"hello\")", "\"hello\""),
        ("indent(2, \"[\\n  foo,\\n]\")", "<<EOT [ foo, ] EOT"),
        ("startswith(\"hello world\", \"hello\")", "true"),
        ("startswith(\"hello world\", \"world\")", "false"),
        ("endswith(\"hello world\", \"world\")", "true"),
        ("strcontains(\"hello world\", \"o w\")", "true"),
        ("upper(u)", "(known after apply)"),
        ("upper(s)", "(sensitive value)"),
    ]);
    check_err(&[
        (
            "regex(\"[a-z]+\", \"123\")",
            "pattern did not match any part of the given string",
        ),
        (
            "regex(\"(?P<a>x)(y)\", \"xy\")",
            "cannot mix both named and unnamed capture groups",
        ),
        (
            "regex(\"(\", \"x\")",
            "Invalid value for \"pattern\" parameter: invalid regexp pattern",
        ),
        ("replace(\"x\", \"/(/\", \"y\")", "invalid regexp pattern"),
        ("join(\",\")", "at least one list is required"),
        (
            "join(\",\", [\"a\", null])",
            "element 1 is null; cannot concatenate null values",
        ),
        (
            "upper(null)",
            "Invalid value for \"str\" parameter: argument must not be null.",
        ),
        (
            "upper()",
            "Function \"upper\" expects 1 argument(s). Missing value for \"str\".",
        ),
        (
            "upper(\"a\", \"b\")",
            "Function \"upper\" expects only 1 argument(s).",
        ),
        (
            "upper([\"a\"])",
            "Invalid value for \"str\" parameter: a string is required, but have tuple",
        ),
        (
            "indent(-1, \"x\")",
            "the number of spaces must not be negative",
        ),
        (
            "indent(100000, \"x\")",
            "the number of spaces must be at most 1024",
        ),
    ]);
}

#[test]
fn collections() {
    check(&[
        ("length([])", "0"),
        ("length([\"a\", \"b\"])", "2"),
        ("length({a = 1})", "1"),
        ("length(\"héllo\")", "5"),
        ("length([u, 1])", "2"),
        ("length(ul)", "(known after apply)"),
        ("concat([\"a\", \"\"], [\"b\", \"c\"])", "[ \"a\", \"\", \"b\", \"c\", ]"),
        ("concat(tolist([\"a\"]), tolist([\"b\"]))", "tolist([ \"a\", \"b\", ])"),
        ("concat([u], [1])", "[ (known after apply), 1, ]"),
        ("concat(ul, [1])", "(known after apply)"),
        ("element([\"a\", \"b\", \"c\"], 1)", "\"b\""),
        ("element([\"a\", \"b\", \"c\"], 3)", "\"a\""),
        ("element([\"a\", \"b\", \"c\"], length([\"a\", \"b\", \"c\"])-1)", "\"c\""),
        ("index([\"a\", \"b\", \"c\"], \"b\")", "1"),
        ("index([1, 2], 2)", "1"),
        ("contains([\"a\", \"b\", \"c\"], \"a\")", "true"),
        ("contains([\"a\", \"b\", \"c\"], \"d\")", "false"),
        ("contains(toset([1]), 1)", "true"),
        ("flatten([[\"a\", \"b\"], [], [\"c\"]])", "[ \"a\", \"b\", \"c\", ]"),
        ("flatten([[[\"a\", \"b\"], []], [\"c\"]])", "[ \"a\", \"b\", \"c\", ]"),
        ("distinct([\"c\", \"a\", \"b\", \"a\", \"c\", \"d\"])", "tolist([ \"c\", \"a\", \"b\", \"d\", ])"),
        ("compact([\"a\", \"\", \"b\", null, \"c\"])", "tolist([ \"a\", \"b\", \"c\", ])"),
        ("coalesce(\"a\", \"b\")", "\"a\""),
        ("coalesce(\"\", \"b\")", "\"b\""),
        ("coalesce(null, 1, 2)", "1"),
        ("coalesce(null, 1, \"x\")", "\"1\""),
        ("coalesce(null, u, \"b\")", "(known after apply)"),
        ("coalesce(\"a\", u)", "\"a\""),
        ("coalescelist([\"a\", \"b\"], [\"c\", \"d\"])", "[ \"a\", \"b\", ]"),
        ("coalescelist([], [\"c\", \"d\"])", "[ \"c\", \"d\", ]"),
        ("range(3)", "tolist([ 0, 1, 2, ])"),
        ("range(1, 4)", "tolist([ 1, 2, 3, ])"),
        ("range(1, 8, 2)", "tolist([ 1, 3, 5, 7, ])"),
        ("range(1, 4, 0.5)", "tolist([ 1, 1.5, 2, 2.5, 3, 3.5, ])"),
        ("range(4, 1)", "tolist([ 4, 3, 2, ])"),
        ("range(10, 5, -2)", "tolist([ 10, 8, 6, ])"),
        ("range(0)", "tolist([])"),
        ("range(-3)", "tolist([ 0, -1, -2, ])"),
        ("reverse([1, 2, 3])", "[ 3, 2, 1, ]"),
        ("reverse(tolist([1, 2]))", "tolist([ 2, 1, ])"),
        ("slice([\"a\", \"b\", \"c\", \"d\"], 1, 3)", "[ \"b\", \"c\", ]"),
        ("slice(tolist([1, 2]), 0, 0)", "tolist([])"),
        ("sort([\"e\", \"d\", \"a\", \"x\"])", "tolist([ \"a\", \"d\", \"e\", \"x\", ])"),
        ("sort([10, 9, 100])", "tolist([ \"10\", \"100\", \"9\", ])"),
        ("chunklist([\"a\", \"b\", \"c\", \"d\", \"e\"], 2)", "tolist([ [ \"a\", \"b\", ], [ \"c\", \"d\", ], [ \"e\", ], ])"),
        ("chunklist([1, 2, 3], 0)", "tolist([ [ 1, 2, 3, ], ])"),
        ("one([])", "null"),
        ("one([\"hello\"])", "\"hello\""),
        ("one(toset([\"x\", \"x\"]))", "\"x\""),
        ("alltrue([\"true\", true])", "true"),
        ("alltrue([true, false])", "false"),
        ("alltrue([])", "true"),
        ("anytrue([true, false])", "true"),
        ("anytrue([])", "false"),
        ("matchkeys([\"i-123\", \"i-abc\", \"i-def\"], [\"us-west\", \"us-east\", \"us-east\"], [\"us-east\"])", "tolist([ \"i-abc\", \"i-def\", ])"),
    ]);
    check_err(&[
        (
            "element([], 0)",
            "cannot use element function with an empty list",
        ),
        (
            "element([1], -1)",
            "cannot use element function with a negative index",
        ),
        (
            "element(\"x\", 0)",
            "a list or tuple is required, but have string",
        ),
        (
            "index([\"a\"], \"b\")",
            "Call to function \"index\" failed: item not found",
        ),
        (
            "length(1)",
            "a collection or string is required, but have number",
        ),
        (
            "length(null)",
            "Invalid value for \"value\" parameter: argument must not be null.",
        ),
        (
            "concat([1], \"a\")",
            "all arguments must be lists or tuples; got string",
        ),
        (
            "coalesce(null, \"\")",
            "no non-null, non-empty-string arguments",
        ),
        ("coalescelist([], [])", "no non-null arguments"),
        ("range(1, 4, 0)", "step must not be zero"),
        (
            "range(1, 4, -1)",
            "step must be positive when start is less than limit",
        ),
        ("range(0, 2000)", "more than 1024 values were generated"),
        ("range()", "range expects one, two or three arguments"),
        (
            "slice([1, 2], 1, 3)",
            "the end index must not be greater than the length of the list",
        ),
        (
            "slice([1, 2], 2, 1)",
            "the start index must not be greater than the end index",
        ),
        (
            "sort([\"a\", null])",
            "given list element 1 is null; a null string cannot be sorted",
        ),
        ("chunklist([1], -1)", "the size argument must be positive"),
        (
            "one([1, 2])",
            "must be a list, set, or tuple value with either zero or one elements",
        ),
        (
            "matchkeys([1], [1, 2], [1])",
            "length of keys and values should be equal",
        ),
        ("sort([[1]])", "Invalid value for \"list\" parameter"),
    ]);
}

#[test]
fn maps_and_sets() {
    check(&[
        ("merge({a = \"b\", c = \"d\"}, {e = \"f\", c = \"z\"})", "{ \"a\" = \"b\" \"c\" = \"z\" \"e\" = \"f\" }"),
        ("merge(tomap({a = 1}), null, tomap({b = 2}))", "tomap({ \"a\" = 1 \"b\" = 2 })"),
        ("merge({a = u}, {b = 1})", "{ \"a\" = (known after apply) \"b\" = 1 }"),
        ("merge()", "tomap({})"),
        ("lookup({a = \"ay\", b = \"bee\"}, \"a\", \"what?\")", "\"ay\""),
        ("lookup({a = \"ay\", b = \"bee\"}, \"c\", \"what?\")", "\"what?\""),
        ("lookup(tomap({a = 1}), \"a\")", "1"),
        ("keys({a = 1, c = 2, d = 3})", "[ \"a\", \"c\", \"d\", ]"),
        ("keys(tomap({b = 1, a = 2}))", "tolist([ \"a\", \"b\", ])"),
        ("keys({a = u})", "[ \"a\", ]"),
        ("values({a = 3, c = 2, d = 1})", "[ 3, 2, 1, ]"),
        ("values(tomap({a = \"x\"}))", "tolist([ \"x\", ])"),
        ("zipmap([\"a\", \"b\"], [1, 2])", "{ \"a\" = 1 \"b\" = 2 }"),
        ("zipmap([\"a\", \"b\"], tolist([1, 2]))", "tomap({ \"a\" = 1 \"b\" = 2 })"),
        ("transpose({a = [\"1\", \"2\"], b = [\"2\", \"3\"]})", "tomap({ \"1\" = tolist([ \"a\", ]) \"2\" = tolist([ \"a\", \"b\", ]) \"3\" = tolist([ \"b\", ]) })"),
        ("setunion([\"a\", \"b\"], [\"b\", \"c\"], [\"d\"])", "toset([ \"a\", \"b\", \"c\", \"d\", ])"),
        ("setintersection([\"a\", \"b\"], [\"b\", \"c\"], [\"b\", \"d\"])", "toset([ \"b\", ])"),
        ("setsubtract([\"a\", \"b\", \"c\"], [\"a\", \"c\"])", "toset([ \"b\", ])"),
        ("setproduct([\"a\", \"b\"], [1, 2])", "tolist([ [ \"a\", 1, ], [ \"a\", 2, ], [ \"b\", 1, ], [ \"b\", 2, ], ])"),
        ("length(setproduct(toset([\"a\"]), toset([])))", "0"),
    ]);
    check_err(&[
        (
            "merge({a = 1}, [1])",
            "arguments must be maps or objects, got tuple",
        ),
        ("lookup({a = 1}, \"b\")", "lookup failed to find key \"b\""),
        ("keys([1])", "a map or object is required, but have tuple"),
        (
            "zipmap([\"a\"], [1, 2])",
            "number of keys (1) does not match number of values (2)",
        ),
        ("setproduct([1])", "at least two arguments are required"),
    ]);
}

#[test]
fn conversions() {
    check(&[
        ("tostring(\"hello\")", "\"hello\""),
        ("tostring(1)", "\"1\""),
        ("tostring(true)", "\"true\""),
        ("tostring(null)", "null"),
        ("tostring(u)", "(known after apply)"),
        ("tonumber(\"1.5\")", "1.5"),
        ("tonumber(1)", "1"),
        ("tonumber(null)", "null"),
        ("tobool(\"true\")", "true"),
        ("tobool(null)", "null"),
        ("tolist([\"a\", \"b\"])", "tolist([ \"a\", \"b\", ])"),
        ("tolist([\"a\", 1])", "tolist([ \"a\", \"1\", ])"),
        (
            "tolist([u, \"a\"])",
            "tolist([ (known after apply), \"a\", ])",
        ),
        ("toset([\"c\", \"b\", \"b\"])", "toset([ \"b\", \"c\", ])"),
        ("toset([\"a\", 1])", "toset([ \"1\", \"a\", ])"),
        ("tomap({a = 1, b = 2})", "tomap({ \"a\" = 1 \"b\" = 2 })"),
        (
            "tomap({a = 1, b = \"x\"})",
            "tomap({ \"a\" = \"1\" \"b\" = \"x\" })",
        ),
    ]);
    check_err(&[
        ("tostring([])", "Invalid value for \"v\" parameter: cannot convert tuple to string"),
        ("tonumber(\"no\")", "cannot convert \"no\" to number; given string must be a decimal representation of a number"),
        ("tobool(\"yes\")", "cannot convert \"yes\" to bool; only the strings \"true\" or \"false\" are allowed"),
        ("tomap([1])", "cannot convert tuple to map"),
    ]);
}

#[test]
fn encodings() {
    check(&[
        (
            "jsonencode({hello = \"world\", n = 1, f = 1.5, l = [true, null]})",
            "\"{\\\"f\\\":1.5,\\\"hello\\\":\\\"world\\\",\\\"l\\\":[true,null],\\\"n\\\":1}\"",
        ),
        (
            "jsonencode(\"<a&b>\")",
            "\"\\\"\\\\u003ca\\\\u0026b\\\\u003e\\\"\"",
        ),
        ("jsonencode(null)", "\"null\""),
        ("jsonencode(10000000000)", "\"10000000000\""),
        (
            "jsondecode(\"{\\\"hello\\\": \\\"world\\\", \\\"l\\\": [1, 2.5]}\")",
            "{ \"hello\" = \"world\" \"l\"     = [ 1, 2.5, ] }",
        ),
        ("jsondecode(\"true\")", "true"),
        ("jsondecode(\"null\")", "null"),
        (
            "yamlencode({a = \"b\", c = \"d\"})",
            "<<EOT \"a\": \"b\" \"c\": \"d\" EOT",
        ),
        (
            "yamlencode({foo = [1, 2, 3], bar = \"baz\"})",
            "<<EOT \"bar\": \"baz\" \"foo\": - 1 - 2 - 3 EOT",
        ),
        (
            "yamlencode({foo = [1, {a = \"b\", c = \"d\"}, 3], bar = \"baz\"})",
            "<<EOT \"bar\": \"baz\" \"foo\": - 1 - \"a\": \"b\" \"c\": \"d\" - 3 EOT",
        ),
        ("yamlencode([])", "<<EOT [] EOT"),
        ("yamlencode(\"multi\\nline\")", "<<EOT \"multi\\nline\" EOT"),
        ("yamldecode(\"hello: world\")", "{ \"hello\" = \"world\" }"),
        (
            "yamldecode(\"- a\\n- 2\\n- true\\n- null\\n- 1.5\")",
            "[ \"a\", 2, true, null, 1.5, ]",
        ),
        (
            "yamldecode(\"a:\\n  b: [1, 2]\\n3: x\")",
            "{ \"3\" = \"x\" \"a\" = { \"b\" = [ 1, 2, ] } }",
        ),
        ("yamldecode(\"\")", "null"),
        (
            "yamldecode(yamlencode({k = [\"v\", {x = 1}]}))",
            "{ \"k\" = [ \"v\", { \"x\" = 1 }, ] }",
        ),
        ("base64encode(\"Hello World\")", "\"SGVsbG8gV29ybGQ=\""),
        ("base64decode(\"SGVsbG8gV29ybGQ=\")", "\"Hello World\""),
        ("urlencode(\"Hello World!\")", "\"Hello+World%21\""),
        ("urlencode(\"☃\")", "\"%E2%98%83\""),
        ("urlencode(\"a-b_c.d~e/f\")", "\"a-b_c.d~e%2Ff\""),
        ("jsonencode(u)", "(known after apply)"),
        ("jsonencode({a = s})", "(sensitive value)"),
    ]);
    check_err(&[
        (
            "jsondecode(\"{\")",
            "Invalid value for \"str\" parameter: invalid JSON",
        ),
        (
            "yamldecode(\"a: 1\\n---\\nb: 2\")",
            "more than one document",
        ),
        ("yamldecode(\"a: [\")", "invalid YAML"),
        ("base64decode(\"!!\")", "failed to decode base64 data"),
        ("base64decode(\"/w==\")", "not valid UTF-8"),
    ]);
}

#[test]
fn hashes_and_ids() {
    check(&[
        ("md5(\"hello world\")", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\""),
        ("sha1(\"hello world\")", "\"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\""),
        ("sha256(\"hello world\")", "\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\""),
        ("sha512(\"hello world\")", "\"309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f\""),
        ("base64sha256(\"hello world\")", "\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\""),
        ("length(uuid())", "36"),
        ("substr(uuid(), 14, 1)", "\"4\""),
        ("sha256(s)", "(sensitive value)"),
    ]);
    let ts = ev("timestamp()");
    let re = regex::Regex::new(r#"^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"$"#).expect("regex");
    assert!(re.is_match(&ts), "timestamp: {ts}");
    check(&[
        (
            "formatdate(\"DD MMM YYYY hh:mm ZZZ\", \"2018-01-02T23:12:01Z\")",
            "\"02 Jan 2018 23:12 UTC\"",
        ),
        (
            "formatdate(\"EEEE, DD-MMM-YY hh:mm:ss ZZZ\", \"2018-01-02T23:12:01Z\")",
            "\"Tuesday, 02-Jan-18 23:12:01 UTC\"",
        ),
        (
            "formatdate(\"EEE, DD MMM YYYY hh:mm:ss ZZZ\", \"2018-01-02T23:12:01-08:00\")",
            "\"Tue, 02 Jan 2018 23:12:01 -0800\"",
        ),
        (
            "formatdate(\"MMM D, YYYY\", \"2018-01-02T23:12:01Z\")",
            "\"Jan 2, 2018\"",
        ),
        (
            "formatdate(\"H:mmaa\", \"2018-01-02T23:12:01Z\")",
            "\"11:12pm\"",
        ),
        (
            "formatdate(\"'Date:' YYYY-MM-DD''\", \"2018-01-02T23:12:01Z\")",
            "\"Date: 2018-01-02'\"",
        ),
        (
            "timeadd(\"2017-11-22T00:00:00Z\", \"10m\")",
            "\"2017-11-22T00:10:00Z\"",
        ),
        (
            "timeadd(\"2017-11-22T00:00:00Z\", \"-1h30m\")",
            "\"2017-11-21T22:30:00Z\"",
        ),
        (
            "timeadd(\"2017-11-22T00:00:00+01:00\", \"1.5h\")",
            "\"2017-11-22T01:30:00+01:00\"",
        ),
    ]);
    check_err(&[
        (
            "formatdate(\"YYYY\", \"yesterday\")",
            "not a valid RFC3339 timestamp",
        ),
        (
            "formatdate(\"YYY\", \"2018-01-02T23:12:01Z\")",
            "invalid date format verb \"YYY\"",
        ),
        (
            "timeadd(\"2017-11-22T00:00:00Z\", \"10x\")",
            "invalid duration \"10x\"",
        ),
        ("uuid(1)", "Function \"uuid\" expects only 0 argument(s)."),
    ]);
}

#[test]
fn networks() {
    check(&[
        ("cidrhost(\"10.12.112.0/20\", 16)", "\"10.12.112.16\""),
        ("cidrhost(\"10.12.112.0/20\", 268)", "\"10.12.113.12\""),
        ("cidrhost(\"10.12.112.0/20\", -1)", "\"10.12.127.255\""),
        ("cidrhost(\"10.0.0.5/24\", 1)", "\"10.0.0.1\""),
        ("cidrhost(\"fd00:fd12:3456:7890:00a2::/72\", 34)", "\"fd00:fd12:3456:7890::22\""),
        ("cidrnetmask(\"172.16.0.0/12\")", "\"255.240.0.0\""),
        ("cidrnetmask(\"10.0.0.0/32\")", "\"255.255.255.255\""),
        ("cidrnetmask(\"0.0.0.0/0\")", "\"0.0.0.0\""),
        ("cidrsubnet(\"172.16.0.0/12\", 4, 2)", "\"172.18.0.0/16\""),
        ("cidrsubnet(\"10.1.2.0/24\", 4, 15)", "\"10.1.2.240/28\""),
        ("cidrsubnet(\"fd00:fd12:3456:7890::/56\", 16, 162)", "\"fd00:fd12:3456:7800:a200::/72\""),
        ("cidrsubnet(\"10.0.0.0/8\", 0, 0)", "\"10.0.0.0/8\""),
        ("cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)", "tolist([ \"10.1.0.0/20\", \"10.1.16.0/20\", \"10.1.32.0/24\", \"10.1.48.0/20\", ])"),
        ("cidrsubnets(\"fd00:fd12:3456:7890::/56\", 16, 16, 16, 32)", "tolist([ \"fd00:fd12:3456:7800::/72\", \"fd00:fd12:3456:7800:100::/72\", \"fd00:fd12:3456:7800:200::/72\", \"fd00:fd12:3456:7800:300::/88\", ])"),
        ("cidrsubnets(\"10.0.0.0/8\")", "tolist([])"),
    ]);
    check_err(&[
        ("cidrhost(\"10.0.0.0/33\", 1)", "Invalid value for \"prefix\" parameter: invalid CIDR address: 10.0.0.0/33"),
        ("cidrhost(\"banana\", 1)", "invalid CIDR address: banana"),
        ("cidrhost(\"10.0.0.0/24\", 256)", "prefix of 24 bits cannot accommodate a host numbered 256"),
        ("cidrhost(\"10.0.0.0/24\", -257)", "cannot accommodate a host numbered -257"),
        ("cidrnetmask(\"fd00::/8\")", "IPv6 addresses cannot have a netmask"),
        ("cidrsubnet(\"10.0.0.0/24\", 10, 0)", "insufficient address space to extend prefix of 24 by 10"),
        ("cidrsubnet(\"10.0.0.0/24\", 4, 16)", "prefix extension of 4 does not accommodate a subnet numbered 16"),
        ("cidrsubnet(\"10.0.0.0/24\", 4, -1)", "does not accommodate a subnet numbered -1"),
        ("cidrsubnets(\"10.0.0.0/24\", 1, 1, 1)", "not enough remaining address space for a subnet with a prefix of 25 bits after 10.0.0.128/25"),
        ("cidrsubnets(\"10.0.0.0/24\", 0)", "must extend prefix by at least one bit"),
        ("cidrsubnets(\"10.0.0.0/24\", 9)", "too long for an IPv4 address"),
        ("cidrsubnets(\"10.0.0.0/24\", 9223372036854775807)", "too long for an IPv4 address"),
    ]);
}

#[test]
fn paths() {
    check(&[
        ("dirname(\"foo/bar/baz.txt\")", "\"foo/bar\""),
        ("dirname(\"baz.txt\")", "\".\""),
        ("dirname(\"/baz.txt\")", "\"/\""),
        ("dirname(\"foo/bar/\")", "\"foo/bar\""),
        ("basename(\"foo/bar/baz.txt\")", "\"baz.txt\""),
        ("basename(\"foo/bar/\")", "\"bar\""),
        ("basename(\"\")", "\".\""),
        ("basename(\"/\")", "\"/\""),
        ("abspath(\"/a/./b/../c\")", "\"/a/c\""),
        ("pathexpand(\"/etc/resolv.conf\")", "\"/etc/resolv.conf\""),
        ("pathexpand(\"~user/x\")", "\"~user/x\""),
    ]);
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(
        ev("abspath(\"x/../y\")"),
        format!("\"{}/y\"", cwd.display())
    );
    if let Ok(home) = std::env::var("HOME") {
        assert_eq!(
            ev("pathexpand(\"~/.ssh/id_rsa\")"),
            format!("\"{home}/.ssh/id_rsa\"")
        );
        assert_eq!(ev("pathexpand(\"~\")"), format!("\"{home}\""));
    }
}

#[test]
fn files() {
    let dir = temp_dir("files");
    std::fs::write(dir.join("hello.txt"), "hello world").expect("write");
    std::fs::write(dir.join("bin"), [0xffu8, 0x00]).expect("write");
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    let at = |src: &str| eval_at(src, &dir);

    let (out, read) = at("file(\"hello.txt\")");
    assert_eq!(out, "\"hello world\"");
    assert_eq!(read, BTreeSet::from([dir.join("hello.txt")]));

    let abs = format!("file(\"{}\")", dir.join("hello.txt").display());
    assert_eq!(at(&abs).0, "\"hello world\"");

    let cases = [
        ("filebase64(\"bin\")", "\"/wA=\""),
        ("fileexists(\"hello.txt\")", "true"),
        ("fileexists(\"nope.txt\")", "false"),
        (
            "filemd5(\"hello.txt\")",
            "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"",
        ),
        (
            "filesha1(\"hello.txt\")",
            "\"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed\"",
        ),
        (
            "filesha256(\"hello.txt\")",
            "\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\"",
        ),
        (
            "filesha512(\"hello.txt\") == sha512(\"hello world\")",
            "true",
        ),
        (
            "filebase64sha256(\"hello.txt\")",
            "\"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=\"",
        ),
        (
            "filebase64sha512(\"hello.txt\") == base64sha512(\"hello world\")",
            "true",
        ),
    ];
    for (src, want) in cases {
        let (out, read) = at(src);
        assert_eq!(out, want, "expression: {src}");
        if src.starts_with("filemd5") || src.starts_with("filesha") || src.starts_with("filebase64")
        {
            assert_eq!(read.len(), 1, "expression {src} records its read");
        }
    }

    let errors = [
        ("file(\"nope.txt\")", "Invalid value for \"path\" parameter: cannot read \"nope.txt\": no file exists at this path"),
        ("file(\"bin\")", "are not valid UTF-8; use filebase64 to read binary files"),
        ("fileexists(\"sub\")", "\"sub\" is a directory, not a file"),
        ("filesha256(\"nope\")", "no file exists at this path"),
    ];
    for (src, want) in errors {
        let out = at(src).0;
        assert!(
            out.starts_with("error: ") && out.contains(want),
            "expression: {src}\n got: {out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fileset_globs() {
    let dir = temp_dir("fileset");
    for f in [
        "a.txt",
        "b.md",
        "sub/c.txt",
        "sub/deep/d.txt",
        "sub/deep/e.md",
        "other/f.txt",
    ] {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, f).expect("write");
    }
    let at = |src: &str| eval_at(src, &dir).0;
    assert_eq!(at("fileset(\".\", \"*.txt\")"), "toset([ \"a.txt\", ])");
    assert_eq!(
        at("fileset(\".\", \"**/*.txt\")"),
        "toset([ \"a.txt\", \"other/f.txt\", \"sub/c.txt\", \"sub/deep/d.txt\", ])"
    );
    assert_eq!(
        at("fileset(\".\", \"sub/**\")"),
        "toset([ \"sub/c.txt\", \"sub/deep/d.txt\", \"sub/deep/e.md\", ])"
    );
    assert_eq!(
        at("fileset(\".\", \"{a,b}.*\")"),
        "toset([ \"a.txt\", \"b.md\", ])"
    );
    assert_eq!(at("fileset(\".\", \"?.md\")"), "toset([ \"b.md\", ])");
    assert_eq!(at("fileset(\".\", \"[ab].txt\")"), "toset([ \"a.txt\", ])");
    assert_eq!(
        at("fileset(\"sub\", \"*/*.md\")"),
        "toset([ \"deep/e.md\", ])"
    );
    assert_eq!(at("fileset(\"missing\", \"*\")"), "toset([])");
    let err = at("fileset(\".\", \"{a,b\")");
    assert!(
        err.contains("Invalid value for \"pattern\" parameter: invalid pattern"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn templatefile_renders() {
    let dir = temp_dir("templatefile");
    std::fs::write(
        dir.join("backends.tpl"),
        "[%{ for addr in ip_addrs ~}\nbackend ${addr}:${port}\n%{ endfor ~}]\nname=${upper(name)}\n",
    )
    .expect("write");
    std::fs::write(dir.join("bad.tpl"), "x ${nope}\n").expect("write");
    std::fs::write(dir.join("syntax.tpl"), "x ${\n").expect("write");
    std::fs::write(dir.join("recurse.tpl"), "${templatefile(\"bad.tpl\", {})}").expect("write");
    let at = |src: &str| eval_at(src, &dir);

    let (out, read) = at("templatefile(\"backends.tpl\", { port = 8080, ip_addrs = [\"10.0.0.1\", \"10.0.0.2\"], name = \"web\" })");
    assert_eq!(
        out,
        "<<EOT [backend 10.0.0.1:8080 backend 10.0.0.2:8080 ] name=WEB EOT"
    );
    assert_eq!(read, BTreeSet::from([dir.join("backends.tpl")]));

    let (out, read) =
        at("templatefile(\"backends.tpl\", { port = u, ip_addrs = [\"a\"], name = \"x\" })");
    assert_eq!(out, "(known after apply)");
    assert_eq!(
        read.len(),
        1,
        "the read is recorded even when the result is unknown"
    );

    let errors = [
        (
            "templatefile(\"bad.tpl\", {})",
            "error in bad.tpl:1,5: Unknown variable: There is no variable named \"nope\".",
        ),
        (
            "templatefile(\"syntax.tpl\", {})",
            "failed to parse syntax.tpl:",
        ),
        (
            "templatefile(\"bad.tpl\", { \"a b\" = 1 })",
            "invalid template variable name \"a b\"",
        ),
        (
            "templatefile(\"bad.tpl\", [1])",
            "Invalid value for \"vars\" parameter: a map or object is required, but have tuple",
        ),
        (
            "templatefile(\"recurse.tpl\", {})",
            "cannot recursively call templatefile",
        ),
    ];
    for (src, want) in errors {
        let out = at(src).0;
        assert!(
            out.starts_with("error: ") && out.contains(want),
            "expression: {src}\n got: {out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_and_sensitive_propagation() {
    check(&[
        ("upper(u)", "(known after apply)"),
        ("upper(s)", "(sensitive value)"),
        ("length([u, 1])", "2"),
        ("length(s)", "(sensitive value)"),
        ("join(\",\", ul)", "(known after apply)"),
        ("join(\",\", [u])", "(known after apply)"),
        ("keys(merge({a = 1}, {b = u}))", "[ \"a\", \"b\", ]"),
        ("cidrhost(u, 1)", "(known after apply)"),
        ("tolist([s])", "(sensitive value)"),
        ("contains([s], \"secret\")", "(sensitive value)"),
        ("format(\"%s-%s\", \"a\", s)", "(sensitive value)"),
        ("try(upper(u), \"x\")", "(known after apply)"),
    ]);
    let detail = ev("index([s], \"nope\")");
    assert!(
        detail.contains("details hidden") && !detail.contains("secret"),
        "{detail}"
    );
}

#[test]
fn every_function_is_registered() {
    let f = Functions::standard();
    let required = "abs ceil floor max min parseint pow signum format formatlist join split lower upper title trim trimprefix trimsuffix trimspace replace regex regexall substr strrev chomp indent startswith endswith contains length concat merge lookup keys values element index flatten distinct compact coalesce coalescelist range reverse slice sort zipmap setunion setintersection setsubtract chunklist one alltrue anytrue sum tolist toset tomap tostring tonumber tobool jsonencode jsondecode yamlencode yamldecode base64encode base64decode urlencode file fileexists fileset filebase64 templatefile abspath dirname basename pathexpand md5 sha1 sha256 sha512 filemd5 filesha256 uuid timestamp cidrhost cidrnetmask cidrsubnet cidrsubnets strcontains base64sha256 base64sha512 filesha1 filesha512 filebase64sha256 filebase64sha512 transpose matchkeys setproduct formatdate timeadd log";
    for name in required.split_whitespace() {
        assert!(f.get(name).is_some(), "missing function {name}");
    }
}
