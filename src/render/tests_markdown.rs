//! The Markdown rendering of plans for pull-request comments: a snapshot per fixture,
//! secrets, the order reviewers read in, and the size limit.

use kiln_core::addr::{InstanceKey, Mode, ModulePath};
use kiln_core::lang::Value;
use kiln_core::plan::{Action, Plan, Reason, ResourceChange};
use kiln_core::provider::Cause;
use kiln_core::schema::{ResourceKind, ResourceSchema};

use super::fixtures::{self, *};
use super::markdown::plan_markdown;
use super::markdown_budget::COMMENT_LIMIT;

fn md(plan: &Plan) -> String {
    plan_markdown(plan, &schemas())
}

#[test]
fn every_fixture() {
    for (name, plan) in fixtures::all() {
        insta::assert_snapshot!(format!("md_{name}"), md(&plan));
    }
}

#[test]
fn sensitive_values_never_leak() {
    let mut p = sensitive_plan();
    // A provider's cause quoting a file that holds a secret of the plan.
    p.changes[0].causes = vec![Cause {
        summary: "file env.sh modified".into(),
        diff: Some("@@ -1 +1 @@\n-PASSWORD=hunter2\n+PASSWORD=correct-horse\n".into()),
    }];
    let out = md(&p);
    for secret in SECRETS {
        assert!(!out.contains(secret), "{secret} leaked into:\n{out}");
    }
    assert!(out.contains("(sensitive value)"));
    assert!(out.contains("file env.sh modified"));
    // Even when the comment is shortened, nothing is revealed.
    let short = super::markdown::plan_markdown_within(&p, &schemas(), 1_500);
    for secret in SECRETS {
        assert!(!short.contains(secret), "{secret} leaked into:\n{short}");
    }
}

#[test]
fn destroys_and_replacements_come_before_other_changes() {
    let out = md(&mixed_plan());
    let first_details = out.find("<details").expect("a details section");
    let callouts = out
        .find("Destroys and replacements")
        .expect("the call-out list");
    assert!(callouts < first_details);
    for addr in ["test_server.tainted", "test_server.gone"] {
        let named = out.find(&format!("`{addr}`")).expect("called out");
        assert!(named < first_details, "{addr} is not called out first");
    }
    let details = |addr: &str| {
        out.find(&format!("<code>{addr}</code>"))
            .unwrap_or_else(|| panic!("no section for {addr}"))
    };
    for risky in ["test_server.tainted", "test_server.gone"] {
        for other in ["test_server.new", "test_server.web", "data.test_image.base"] {
            assert!(details(risky) < details(other), "{risky} after {other}");
        }
    }
}

/// `n` changes of every kind, with long attribute diffs: far more than one comment holds.
fn huge_plan(n: usize) -> (Plan, Vec<String>) {
    let before = web_before();
    let mut changes = Vec::new();
    let mut destroyed = Vec::new();
    for i in 0..n {
        let a = addr_in(
            ModulePath::root(),
            Mode::Managed,
            "test_server",
            "fleet",
            InstanceKey::Int(i as i64),
        );
        let c: ResourceChange = match i % 5 {
            0 => change(a, Action::Create, None, Some(before.clone())),
            1 | 2 => change(
                a,
                Action::Update,
                Some(before.clone()),
                Some(with(&before, &[("size", Value::int(i as i64))])),
            ),
            3 => {
                let mut c = change(
                    a,
                    Action::DeleteThenCreate,
                    Some(before.clone()),
                    Some(with(&before, &[("image", s("img-2"))])),
                );
                c.reason = Reason::CannotUpdate;
                c
            }
            _ => {
                destroyed.push(a.to_string());
                let mut c = change(a, Action::Delete, Some(before.clone()), None);
                c.reason = Reason::NoInstance;
                c
            }
        };
        changes.push(c);
    }
    (plan(changes), destroyed)
}

#[test]
fn huge_plans_fit_in_one_comment() {
    let (p, destroyed) = huge_plan(3000);
    let out = md(&p);

    let len = out.chars().count();
    assert!(len < COMMENT_LIMIT, "{len} characters");
    assert!(out.contains("too long for one comment"), "no note:\n{out}");
    assert!(out.contains("kiln show PLANFILE"));
    for addr in &destroyed {
        assert!(out.contains(&format!("`{addr}`")), "{addr} not named");
    }
    // A plan just over the limit loses only the least important detail.
    let (p, _) = huge_plan(120);
    let out = md(&p);
    assert!(out.chars().count() < COMMENT_LIMIT);
    assert!(
        out.contains("<details open>"),
        "replacements kept their diffs"
    );
}

#[test]
fn the_call_out_list_is_cut_only_when_nothing_else_fits() {
    let (p, destroyed) = huge_plan(100);
    let out = super::markdown::plan_markdown_within(&p, &schemas(), 1_500);
    assert!(out.chars().count() <= 1_500, "{}", out.chars().count());
    assert!(out.contains("more: run `kiln show PLANFILE`"), "{out}");
    assert!(out.contains(&format!("`{}`", destroyed[0])));
}

#[test]
fn image_rebuilds_are_counted_and_called_rebuilds() {
    let mut schemas = schemas();
    if let Some(p) = schemas.providers.get_mut("test") {
        let image = ResourceSchema {
            kind: ResourceKind::Image,
            body: server_schema(),
            description: "",
        };
        p.resources.insert("test_disk_image".into(), image);
    }
    let a = addr_in(
        ModulePath::root(),
        Mode::Managed,
        "test_disk_image",
        "app",
        InstanceKey::None,
    );
    let before = web_before();
    let mut rebuild = change(
        a,
        Action::CreateThenDelete,
        Some(before.clone()),
        Some(with(&before, &[("id", unknown())])),
    );
    rebuild.reason = Reason::CannotUpdate;
    rebuild.causes = vec![Cause::new("file app/<install>.sh modified")];
    let p = plan(vec![rebuild]);
    let out = plan_markdown(&p, &schemas);
    assert!(out.contains("| 0 | 0 | 1 | 0 | 1 |"), "{out}");
    assert!(
        out.contains("`test_disk_image.app` will be **rebuilt**"),
        "{out}"
    );
    assert!(
        out.contains("because file app/\\<install\\>.sh modified"),
        "{out}"
    );
    assert!(out.contains("— rebuild image (create, then destroy)</summary>"));
}
