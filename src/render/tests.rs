//! Snapshot tests of the terminal rendering, over the hand-built plans in `fixtures`.

use kiln_core::lang::Value;
use kiln_core::plan::Plan;

use super::fixtures::{self, *};
use super::{apply_summary, destroy_summary, plan_text, value_text, TextOptions};

fn text(plan: &Plan) -> String {
    plan_text(plan, &schemas(), &TextOptions::default())
}

fn colored(plan: &Plan) -> String {
    let opts = TextOptions {
        color: true,
        summary_only: false,
    };
    plan_text(plan, &schemas(), &opts)
}

fn summary(plan: &Plan) -> String {
    let opts = TextOptions {
        color: false,
        summary_only: true,
    };
    plan_text(plan, &schemas(), &opts)
}

// ---- plans ------------------------------------------------------------------------------

#[test]
fn create_with_unknowns() {
    let p = fixtures::create_with_unknowns();
    insta::assert_snapshot!("create_with_unknowns", text(&p));
}

#[test]
fn update_hides_unchanged() {
    let p = fixtures::update_hides_unchanged();
    insta::assert_snapshot!("update_hides_unchanged", text(&p));
}

#[test]
fn replace_forced_by_nested_attribute() {
    let p = fixtures::replace_forced_by_nested_attribute();
    insta::assert_snapshot!("replace_forced_by_nested_attribute", text(&p));
    insta::assert_snapshot!("replace_forced_by_nested_attribute_summary", summary(&p));
}

#[test]
fn create_before_destroy_replacement() {
    let p = fixtures::create_before_destroy_replacement();
    insta::assert_snapshot!("create_before_destroy_replacement", text(&p));
}

#[test]
fn rebuild_causes_and_leftovers() {
    let p = fixtures::rebuild_causes_and_leftovers();
    insta::assert_snapshot!("rebuild_causes_and_leftovers", text(&p));
}

#[test]
fn replace_reasons() {
    let p = fixtures::replace_reasons();
    insta::assert_snapshot!("replace_reasons", text(&p));
    insta::assert_snapshot!("replace_reasons_summary", summary(&p));
}

#[test]
fn delete_reasons() {
    let p = fixtures::delete_reasons();
    insta::assert_snapshot!("delete_reasons", text(&p));
    insta::assert_snapshot!("delete_reasons_summary", summary(&p));
}

#[test]
fn deposed_object() {
    let p = fixtures::deposed_object();
    insta::assert_snapshot!("deposed_object", text(&p));
    insta::assert_snapshot!("deposed_object_summary", summary(&p));
}

#[test]
fn data_source_read_during_apply() {
    let p = fixtures::data_source_read_during_apply();
    insta::assert_snapshot!("data_source_read_during_apply", text(&p));
}

#[test]
fn drift_is_noted_before_the_plan() {
    let p = fixtures::drift_is_noted_before_the_plan();
    insta::assert_snapshot!("drift_is_noted_before_the_plan", text(&p));
}

#[test]
fn drift_alone_is_shown_before_no_changes() {
    let p = fixtures::drift_alone_is_shown_before_no_changes();
    insta::assert_snapshot!("drift_alone_is_shown_before_no_changes", text(&p));
}

#[test]
fn multi_line_string_line_diff() {
    let p = fixtures::multi_line_string_line_diff();
    insta::assert_snapshot!("multi_line_string_line_diff", text(&p));
}

#[test]
fn json_strings_diff_structurally() {
    let p = fixtures::json_strings_diff_structurally();
    insta::assert_snapshot!("json_strings_diff_structurally", text(&p));
}

#[test]
fn sensitive_values_never_leak() {
    let p = sensitive_plan();
    let outputs = [text(&p), colored(&p), summary(&p)];
    for out in &outputs {
        for secret in SECRETS {
            assert!(!out.contains(secret), "{secret} leaked into:\n{out}");
        }
    }
    assert!(outputs[0].contains("(sensitive value)"));
    insta::assert_snapshot!("sensitive_values_never_leak", outputs[0].clone());
}

#[test]
fn sensitivity_change_warns() {
    let p = fixtures::sensitivity_change_warns();
    insta::assert_snapshot!("sensitivity_change_warns", text(&p));
}

#[test]
fn outputs_changes() {
    let p = fixtures::outputs_changes();
    insta::assert_snapshot!("outputs_changes", text(&p));
}

#[test]
fn no_changes() {
    let p = fixtures::no_changes();
    insta::assert_snapshot!("no_changes", text(&p));
    insta::assert_snapshot!("no_changes_summary", summary(&p));
    insta::assert_snapshot!("no_changes_destroy_mode", text(&fixtures::empty_destroy()));
}

#[test]
fn summary_only() {
    insta::assert_snapshot!("summary_only", summary(&mixed_plan()));
}

#[test]
fn colour_on_and_off() {
    let p = mixed_plan();
    let plain = text(&p);
    assert!(
        !plain.contains('\x1b'),
        "escape codes without colour:\n{plain}"
    );
    assert!(!summary(&p).contains('\x1b'));
    let c = colored(&p);
    assert!(c.contains("\x1b[32m+\x1b[0m"), "green +");
    assert!(c.contains("\x1b[33m~\x1b[0m"), "yellow ~");
    assert!(c.contains("\x1b[31m-\x1b[0m"), "red -");
    assert!(c.contains("\x1b[36m<=\x1b[0m"), "cyan <=");
    assert!(c.contains("\x1b[1m  # test_server.new"), "bold comment");
    assert!(c.contains("\x1b[1mPlan:\x1b[0m"), "bold totals");
    // Without the escapes the text is the same.
    let stripped = strip_ansi(&c);
    assert_eq!(stripped, plain);
    insta::assert_snapshot!("mixed_plan", plain);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn type_change_and_nested_collections() {
    let p = fixtures::type_change_and_nested_collections();
    insta::assert_snapshot!("type_change_and_nested_collections", text(&p));
}

#[test]
fn sets_blocks_and_odd_shapes() {
    let p = fixtures::sets_blocks_and_odd_shapes();
    let out = text(&p);
    assert!(!out.contains("subnet-"), "a sensitive block leaked:\n{out}");
    insta::assert_snapshot!("sets_blocks_and_odd_shapes", out);
}

// ---- values and summaries ----------------------------------------------------------------

#[test]
fn value_text_matches_the_console_at_the_margin() {
    let v = object(&[
        ("name", s("web")),
        ("ports", Value::list(vec![Value::int(80), Value::int(443)])),
        ("tags", map(&[("env", s("prod")), ("long key", s("x"))])),
        ("set", Value::set(vec![s("b"), s("a")])),
        ("empty", Value::tuple(vec![])),
        ("later", unknown()),
        ("nothing", Value::null()),
    ]);
    // Nested multi-line strings differ on purpose: `<<-EOT` with indented lines.
    assert_eq!(value_text(&v, 0), kiln_core::lang::display::render(&v));
}

#[test]
fn value_text_nested_heredocs_and_secrets() {
    let v = object(&[
        ("script", s("#!/bin/sh\n\necho EOT\nEOT\n")),
        ("password", s("hunter2").mark_sensitive()),
        (
            "servers",
            Value::tuple(vec![object(&[("id", s("i-1")), ("ok", Value::bool(true))])]),
        ),
    ]);
    let out = value_text(&v, 0);
    assert!(!out.contains("hunter2"));
    insta::assert_snapshot!("value_text_nested", out);
    assert_eq!(
        value_text(&s("top").mark_sensitive(), 0),
        "(sensitive value)"
    );
    assert_eq!(value_text(&s("x\ny\n"), 0), "<<EOT\nx\ny\nEOT");
    assert_eq!(value_text(&s("x\ny\n"), 4), "<<-EOT\n    x\n    y\n    EOT");
}

#[test]
fn apply_and_destroy_summaries() {
    assert_eq!(
        apply_summary(1, 0, 0),
        "Apply complete! Resources: 1 added, 0 changed, 0 destroyed."
    );
    assert_eq!(
        destroy_summary(3),
        "Destroy complete! Resources: 3 destroyed."
    );
}

#[test]
fn image_rebuilt_with_modules_and_counts() {
    let p = fixtures::image_rebuilt_with_modules_and_counts();
    insta::assert_snapshot!("image_rebuilt_with_modules_and_counts", text(&p));
}
