//! Plans built by hand for the renderers' snapshot tests: a small provider schema, values the way
//! providers return them (every attribute present, null when unset), and one plan per
//! situation Terraform users know.

use std::collections::BTreeMap;

use kiln_core::addr::{InstanceAddr, InstanceKey, Mode, ModulePath, ResourceAddr};
use kiln_core::diag::Diagnostics;
use kiln_core::lang::{Type, Value};
use kiln_core::plan::{Action, OutputChange, Plan, PlanMode, Reason, ResourceChange};
use kiln_core::provider::{AttrPath, PathStep};
use kiln_core::schema::{
    AttrSchema, BlockSchema, Nesting, ProviderSchema, ResourceKind, ResourceSchema, Schema, Schemas,
};
use kiln_core::state::State;

// ---- fixtures -------------------------------------------------------------------------

pub(crate) fn server_schema() -> Schema {
    let s = || Type::String;
    Schema::new()
        .attr("id", AttrSchema::computed(s()))
        .attr("arn", AttrSchema::computed(s()))
        .attr("name", AttrSchema::required(s()))
        .attr("image", AttrSchema::required(s()).force_new())
        .attr("size", AttrSchema::optional(Type::Number))
        .attr("enabled", AttrSchema::optional(Type::Bool))
        .attr("tags", AttrSchema::optional(Type::Map(Box::new(s()))))
        .attr(
            "ports",
            AttrSchema::optional(Type::List(Box::new(Type::Number))),
        )
        .attr("user_data", AttrSchema::optional(s()))
        .attr("policy", AttrSchema::optional(s()))
        .attr("password", AttrSchema::optional(s()).sensitive())
        .attr("labels", AttrSchema::optional(Type::Set(Box::new(s()))))
        .attr("meta", AttrSchema::optional(Type::Any))
        .block(
            "disk",
            BlockSchema::new(
                Nesting::List,
                Schema::new()
                    .attr("size", AttrSchema::required(Type::Number))
                    .attr("type", AttrSchema::optional(s())),
            ),
        )
        .block(
            "rule",
            BlockSchema::new(
                Nesting::Set,
                Schema::new()
                    .attr("port", AttrSchema::required(Type::Number))
                    .attr("cidr", AttrSchema::required(s())),
            ),
        )
        .block(
            "network",
            BlockSchema::new(
                Nesting::Single,
                Schema::new().attr("subnet", AttrSchema::required(s())),
            ),
        )
}

pub(crate) fn schemas() -> Schemas {
    let resource = |body| ResourceSchema {
        kind: ResourceKind::Plain,
        body,
        description: "",
    };
    let mut p = ProviderSchema {
        name: "test".into(),
        ..ProviderSchema::default()
    };
    p.resources
        .insert("test_server".into(), resource(server_schema()));
    p.resources.insert(
        "test_machine_image".into(),
        ResourceSchema {
            kind: ResourceKind::Image,
            body: Schema::new()
                .attr("id", AttrSchema::computed(Type::String))
                .attr("name", AttrSchema::required(Type::String))
                .attr("source", AttrSchema::required(Type::String).force_new())
                .attr("fingerprint", AttrSchema::computed(Type::String)),
            description: "",
        },
    );
    p.data_sources.insert(
        "test_image".into(),
        resource(
            Schema::new()
                .attr("name", AttrSchema::required(Type::String))
                .attr("id", AttrSchema::computed(Type::String))
                .attr("checksum", AttrSchema::computed(Type::String)),
        ),
    );
    let mut s = Schemas::new();
    s.add(p);
    s
}

pub(crate) fn s(text: &str) -> Value {
    Value::string(text)
}

pub(crate) fn unknown() -> Value {
    Value::unknown(Type::String)
}

pub(crate) fn map(pairs: &[(&str, Value)]) -> Value {
    Value::map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
    )
}

pub(crate) fn object(pairs: &[(&str, Value)]) -> Value {
    Value::object_from(pairs.iter().map(|(k, v)| (*k, v.clone())))
}

/// A `test_server` value: every attribute null and no blocks, then `pairs`.
pub(crate) fn server(pairs: &[(&str, Value)]) -> Value {
    let schema = server_schema();
    let mut m: BTreeMap<String, Value> = schema
        .attributes
        .keys()
        .map(|k| (k.clone(), Value::null()))
        .collect();
    m.insert("disk".into(), Value::list(vec![]));
    m.insert("network".into(), Value::null());
    for (k, v) in pairs {
        m.insert(k.to_string(), v.clone());
    }
    Value::object(m)
}

pub(crate) fn disk(size: i64, kind: &str) -> Value {
    object(&[("size", Value::int(size)), ("type", s(kind))])
}

pub(crate) fn addr_in(
    module: ModulePath,
    mode: Mode,
    ty: &str,
    name: &str,
    key: InstanceKey,
) -> InstanceAddr {
    ResourceAddr::new(module, mode, ty, name).instance(key)
}

pub(crate) fn addr(name: &str) -> InstanceAddr {
    addr_in(
        ModulePath::root(),
        Mode::Managed,
        "test_server",
        name,
        InstanceKey::None,
    )
}

pub(crate) fn change(
    addr: InstanceAddr,
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> ResourceChange {
    ResourceChange {
        addr,
        deposed: String::new(),
        provider: "provider.test".into(),
        action,
        reason: Reason::None,
        before,
        after,
        replace_paths: Vec::new(),
        causes: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: action == Action::CreateThenDelete,
        keep_old: false,
    }
}

pub(crate) fn plan(changes: Vec<ResourceChange>) -> Plan {
    Plan {
        mode: PlanMode::Normal,
        drift: Vec::new(),
        changes,
        outputs: Vec::new(),
        leftovers: Vec::new(),
        prior_state: State::new("test-lineage".into()),
        diagnostics: Diagnostics::new(),
    }
}

pub(crate) fn output(
    name: &str,
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> OutputChange {
    OutputChange {
        name: name.into(),
        action,
        before,
        after,
        sensitive: false,
    }
}

pub(crate) fn path(steps: &[PathStep]) -> AttrPath {
    steps.to_vec()
}

pub(crate) fn attr(name: &str) -> PathStep {
    PathStep::Attr(name.into())
}

/// A server as it exists after apply.
pub(crate) fn web_before() -> Value {
    server(&[
        ("id", s("i-0abc")),
        ("arn", s("arn:test:server/i-0abc")),
        ("name", s("web")),
        ("image", s("img-1")),
        ("size", Value::int(2)),
        ("enabled", Value::bool(true)),
        (
            "tags",
            map(&[
                ("env", s("prod")),
                ("team", s("core")),
                ("tier", s("front")),
            ]),
        ),
        (
            "ports",
            Value::list(vec![Value::int(22), Value::int(80), Value::int(443)]),
        ),
        ("disk", Value::list(vec![disk(10, "ssd"), disk(100, "hdd")])),
        ("network", object(&[("subnet", s("subnet-1"))])),
    ])
}

pub(crate) fn with(v: &Value, pairs: &[(&str, Value)]) -> Value {
    let mut m = v.as_map().cloned().unwrap_or_default();
    for (k, x) in pairs {
        m.insert(k.to_string(), x.clone());
    }
    Value::object(m)
}

// ---- plans ------------------------------------------------------------------------------

pub(crate) fn create_with_unknowns() -> Plan {
    let after = server(&[
        ("id", unknown()),
        ("arn", unknown()),
        ("name", s("web")),
        ("image", s("img-1")),
        ("size", Value::int(2)),
        (
            "tags",
            map(&[("env", s("prod")), ("owner team", s("core"))]),
        ),
        ("ports", Value::list(vec![Value::int(80), unknown()])),
        ("disk", Value::list(vec![disk(10, "ssd")])),
        ("network", object(&[("subnet", unknown())])),
        ("user_data", s("#!/bin/sh\necho hello\n")),
    ]);
    let mut p = plan(vec![change(addr("web"), Action::Create, None, Some(after))]);
    p.outputs = vec![
        output("url", Action::Create, None, Some(unknown())),
        output("count", Action::Create, None, Some(Value::int(1))),
    ];
    p
}

pub(crate) fn update_hides_unchanged() -> Plan {
    let before = web_before();
    let after = with(
        &before,
        &[
            ("size", Value::int(4)),
            (
                "tags",
                map(&[
                    ("env", s("staging")),
                    ("team", s("core")),
                    ("tier", s("front")),
                    ("cost", s("42")),
                ]),
            ),
            (
                "ports",
                Value::list(vec![
                    Value::int(22),
                    Value::int(80),
                    Value::int(8080),
                    Value::int(443),
                ]),
            ),
            ("arn", unknown()),
            ("enabled", Value::null()),
        ],
    );
    plan(vec![change(
        addr("web"),
        Action::Update,
        Some(before),
        Some(after),
    )])
}

pub(crate) fn replace_forced_by_nested_attribute() -> Plan {
    let before = web_before();
    let after = with(
        &before,
        &[
            ("id", unknown()),
            ("arn", unknown()),
            ("disk", Value::list(vec![disk(20, "ssd"), disk(100, "hdd")])),
        ],
    );
    let mut c = change(
        addr("web"),
        Action::DeleteThenCreate,
        Some(before),
        Some(after),
    );
    c.reason = Reason::CannotUpdate;
    c.replace_paths = vec![path(&[attr("disk"), PathStep::Index(0), attr("size")])];
    plan(vec![c])
}

pub(crate) fn create_before_destroy_replacement() -> Plan {
    let before = web_before();
    let after = with(
        &before,
        &[("id", unknown()), ("arn", unknown()), ("image", s("img-2"))],
    );
    // The plan does not list the path: the schema's force_new marks it.
    let mut c = change(
        addr("web"),
        Action::CreateThenDelete,
        Some(before),
        Some(after),
    );
    c.reason = Reason::CannotUpdate;
    plan(vec![c])
}

pub(crate) fn rebuild_causes_and_leftovers() -> Plan {
    let before = web_before();
    let after = with(&before, &[("id", unknown()), ("arn", unknown())]);
    let mut c = change(
        addr("web"),
        Action::CreateThenDelete,
        Some(before),
        Some(after),
    );
    c.reason = Reason::CannotUpdate;
    c.keep_old = true;
    c.causes = vec![
        kiln_core::provider::Cause {
            summary: "file app/install.sh modified".into(),
            diff: Some("@@ -1,2 +1,2 @@\n #!/bin/sh\n-VERSION=1.0\n+VERSION=2.0\n".into()),
        },
        kiln_core::provider::Cause::new(
            "everything built from it is replaced too: test_server.app[0]",
        ),
    ];
    let mut p = plan(vec![c]);
    p.leftovers.push(kiln_core::plan::Leftover {
        id: "build-1/vm".into(),
        temporary: kiln_core::state::TemporaryState {
            owner: "test_server.web".into(),
            provider: "provider.test".into(),
            kind: "build_vm".into(),
            description: "build machine (pid 42)".into(),
            data: serde_json::Value::Null,
        },
    });
    p
}

pub(crate) fn replace_reasons() -> Plan {
    let before = web_before();
    let after = with(&before, &[("id", unknown()), ("arn", unknown())]);
    let mut changes = Vec::new();
    for (name, reason) in [
        ("a", Reason::Tainted),
        ("b", Reason::Requested),
        ("c", Reason::Triggered(vec!["test_server.a.id".into()])),
    ] {
        let mut c = change(
            addr(name),
            Action::DeleteThenCreate,
            Some(before.clone()),
            Some(after.clone()),
        );
        c.reason = reason;
        changes.push(c);
    }
    plan(changes)
}

pub(crate) fn delete_reasons() -> Plan {
    let mut gone = change(addr("old"), Action::Delete, Some(web_before()), None);
    gone.reason = Reason::NoConfig;
    let small = || server(&[("id", s("i-1")), ("name", s("n")), ("image", s("img-1"))]);
    let keyed = |key| {
        let a = addr_in(
            ModulePath::root(),
            Mode::Managed,
            "test_server",
            "pool",
            key,
        );
        let mut c = change(a, Action::Delete, Some(small()), None);
        c.reason = Reason::NoInstance;
        c
    };
    let module = ModulePath::root().child("net", InstanceKey::Str("eu".into()));
    let mut in_module = change(
        addr_in(
            module,
            Mode::Managed,
            "test_server",
            "gw",
            InstanceKey::None,
        ),
        Action::Delete,
        Some(small()),
        None,
    );
    in_module.reason = Reason::NoModule;
    let mut destroy = change(addr("plain"), Action::Delete, Some(small()), None);
    destroy.reason = Reason::DestroyMode;
    plan(vec![
        gone,
        keyed(InstanceKey::Int(2)),
        keyed(InstanceKey::Str("blue".into())),
        in_module,
        destroy,
    ])
}

pub(crate) fn deposed_object() -> Plan {
    let mut c = change(
        addr("web"),
        Action::Delete,
        Some(server(&[
            ("id", s("i-old")),
            ("name", s("web")),
            ("image", s("img-1")),
        ])),
        None,
    );
    c.deposed = "a1b2c3d4".into();
    c.reason = Reason::Deposed;
    plan(vec![c])
}

pub(crate) fn data_source_read_during_apply() -> Plan {
    let a = addr_in(
        ModulePath::root(),
        Mode::Data,
        "test_image",
        "base",
        InstanceKey::None,
    );
    let after = object(&[
        ("name", unknown()),
        ("id", unknown()),
        ("checksum", unknown()),
    ]);
    let mut read = change(a, Action::Read, None, Some(after));
    read.reason = Reason::ConfigUnknown;
    let create = change(
        addr("web"),
        Action::Create,
        None,
        Some(server(&[
            ("id", unknown()),
            ("name", s("web")),
            ("image", unknown()),
        ])),
    );
    plan(vec![read, create])
}

pub(crate) fn drift_is_noted_before_the_plan() -> Plan {
    let before = web_before();
    let drifted = with(
        &before,
        &[(
            "tags",
            map(&[("env", s("prod")), ("team", s("ops")), ("tier", s("front"))]),
        )],
    );
    let small = server(&[("id", s("i-9")), ("name", s("db")), ("image", s("img-1"))]);
    let mut p = plan(vec![
        change(
            addr("web"),
            Action::Update,
            Some(drifted.clone()),
            Some(before.clone()),
        ),
        change(
            addr("db"),
            Action::Create,
            None,
            Some(with(&small, &[("id", unknown())])),
        ),
    ]);
    p.drift = vec![
        change(addr("web"), Action::Update, Some(before), Some(drifted)),
        change(addr("db"), Action::Delete, Some(small), None),
    ];
    p
}

pub(crate) fn drift_alone_is_shown_before_no_changes() -> Plan {
    let before = web_before();
    let drifted = with(&before, &[("size", Value::int(3))]);
    let mut p = plan(vec![change(
        addr("web"),
        Action::NoOp,
        Some(drifted.clone()),
        Some(drifted.clone()),
    )]);
    p.drift = vec![change(
        addr("web"),
        Action::Update,
        Some(before),
        Some(drifted),
    )];
    p
}

pub(crate) fn script(lines: &[&str]) -> Value {
    s(&(lines.join("\n") + "\n"))
}

pub(crate) fn multi_line_string_line_diff() -> Plan {
    let old: Vec<String> = (1..=16).map(|i| format!("echo step {i}")).collect();
    let mut new = old.clone();
    new[7] = "echo step eight".into();
    new.insert(12, "echo extra".into());
    let refs = |v: &[String]| v.iter().map(String::as_str).collect::<Vec<_>>().join("\n") + "\n";
    let before = server(&[
        ("id", s("i-1")),
        ("name", s("web")),
        ("image", s("img-1")),
        ("user_data", s(&refs(&old))),
    ]);
    let after = with(&before, &[("user_data", s(&refs(&new)))]);
    // A short script changing: every line is context.
    let small_before = with(
        &before,
        &[("user_data", script(&["#!/bin/sh", "echo a", "echo b"]))],
    );
    let small_after = with(
        &before,
        &[("user_data", script(&["#!/bin/sh", "echo A", "echo b"]))],
    );
    plan(vec![
        change(addr("long"), Action::Update, Some(before), Some(after)),
        change(
            addr("short"),
            Action::Update,
            Some(small_before),
            Some(small_after),
        ),
    ])
}

pub(crate) fn json_strings_diff_structurally() -> Plan {
    let policy = |actions: &str, ws: bool| {
        let sep = if ws { ",\n  " } else { "," };
        s(&format!(
            r#"{{"Version":"2012-10-17"{sep}"Statement":[{{"Effect":"Allow","Action":[{actions}],"Resource":"*"}}]}}"#
        ))
    };
    let base = server(&[("id", s("i-1")), ("name", s("web")), ("image", s("img-1"))]);
    let before = with(&base, &[("policy", policy(r#""s3:GetObject""#, false))]);
    let after = with(
        &base,
        &[("policy", policy(r#""s3:GetObject","s3:PutObject""#, false))],
    );
    let ws_after = with(&base, &[("policy", policy(r#""s3:GetObject""#, true))]);
    let created = with(
        &base,
        &[
            ("id", unknown()),
            ("policy", policy(r#""s3:GetObject""#, false)),
        ],
    );
    plan(vec![
        change(addr("a"), Action::Update, Some(before.clone()), Some(after)),
        change(addr("b"), Action::Update, Some(before), Some(ws_after)),
        change(addr("c"), Action::Create, None, Some(created)),
    ])
}

pub(crate) const SECRETS: [&str; 5] = [
    "hunter2",
    "correct-horse",
    "SECRET-LINE",
    "token-xyz",
    "tag-secret",
];

pub(crate) fn no_changes() -> Plan {
    plan(vec![change(
        addr("web"),
        Action::NoOp,
        Some(web_before()),
        Some(web_before()),
    )])
}

pub(crate) fn empty_destroy() -> Plan {
    let mut p = plan(Vec::new());
    p.mode = PlanMode::Destroy;
    p
}

pub(crate) fn sensitive_plan() -> Plan {
    let before = server(&[
        ("id", s("i-1")),
        ("name", s("web")),
        ("image", s("img-1")),
        ("password", s("hunter2")),
        (
            "user_data",
            s("#!/bin/sh\nexport A=SECRET-LINE-1\n").mark_sensitive(),
        ),
        (
            "tags",
            map(&[
                ("env", s("prod")),
                ("key", s("tag-secret-1").mark_sensitive()),
            ]),
        ),
        ("policy", s(r#"{"token":"token-xyz-1"}"#).mark_sensitive()),
    ]);
    let after = with(
        &before,
        &[
            ("password", s("correct-horse")),
            (
                "user_data",
                s("#!/bin/sh\nexport A=SECRET-LINE-2\n").mark_sensitive(),
            ),
            (
                "tags",
                map(&[
                    ("env", s("prod")),
                    ("key", s("tag-secret-2").mark_sensitive()),
                ]),
            ),
            ("policy", s(r#"{"token":"token-xyz-2"}"#).mark_sensitive()),
        ],
    );
    // Replaced because of the password: the mark must sit on the hidden value.
    let mut update = change(
        addr("web"),
        Action::DeleteThenCreate,
        Some(before.clone()),
        Some(after.clone()),
    );
    update.replace_paths = vec![path(&[attr("password")])];
    let mut p = plan(vec![
        update,
        change(addr("new"), Action::Create, None, Some(after)),
        change(addr("old"), Action::Delete, Some(before), None),
    ]);
    let mut secret_out = output(
        "token",
        Action::Update,
        Some(s("token-xyz-old")),
        Some(s("token-xyz-new")),
    );
    secret_out.sensitive = true;
    let marked_out = output(
        "marked",
        Action::Create,
        None,
        Some(object(&[
            ("plain", s("visible")),
            ("hidden", s("token-xyz-3").mark_sensitive()),
        ])),
    );
    p.outputs = vec![secret_out, marked_out];
    p
}

pub(crate) fn sensitivity_change_warns() -> Plan {
    let before = server(&[
        ("id", s("i-1")),
        ("name", s("web")),
        ("image", s("img-1")),
        ("size", Value::int(2)),
    ]);
    let after = with(&before, &[("size", Value::int(2).mark_sensitive())]);
    plan(vec![change(
        addr("web"),
        Action::Update,
        Some(before),
        Some(after),
    )])
}

pub(crate) fn outputs_changes() -> Plan {
    let mut p = plan(vec![change(
        addr("web"),
        Action::NoOp,
        Some(web_before()),
        Some(web_before()),
    )]);
    p.outputs = vec![
        output(
            "unchanged_long_name",
            Action::NoOp,
            Some(s("x")),
            Some(s("x")),
        ),
        output(
            "ip",
            Action::Update,
            Some(s("10.0.0.1")),
            Some(s("10.0.0.2")),
        ),
        output("old", Action::Delete, Some(s("gone")), None),
        output(
            "servers",
            Action::Create,
            None,
            Some(Value::tuple(vec![object(&[
                ("name", s("web")),
                ("id", unknown()),
            ])])),
        ),
        output("later", Action::Update, Some(s("a")), Some(unknown())),
    ];
    p
}

pub(crate) fn mixed_plan() -> Plan {
    let before = web_before();
    let read = {
        let a = addr_in(
            ModulePath::root(),
            Mode::Data,
            "test_image",
            "base",
            InstanceKey::None,
        );
        let mut c = change(
            a,
            Action::Read,
            None,
            Some(object(&[("name", s("x")), ("id", unknown())])),
        );
        c.reason = Reason::ConfigUnknown;
        c
    };
    let mut gone = change(addr("gone"), Action::Delete, Some(before.clone()), None);
    gone.reason = Reason::NoConfig;
    let mut tainted = change(
        addr("tainted"),
        Action::DeleteThenCreate,
        Some(before.clone()),
        Some(with(&before, &[("id", unknown())])),
    );
    tainted.reason = Reason::Tainted;
    plan(vec![
        change(
            addr("new"),
            Action::Create,
            None,
            Some(server(&[("name", s("n"))])),
        ),
        change(
            addr("web"),
            Action::Update,
            Some(before.clone()),
            Some(with(&before, &[("size", Value::int(8))])),
        ),
        tainted,
        gone,
        read,
        change(
            addr("same"),
            Action::NoOp,
            Some(before.clone()),
            Some(before),
        ),
    ])
}

pub(crate) fn type_change_and_nested_collections() -> Plan {
    let base = server(&[("id", s("i-1")), ("name", s("web")), ("image", s("img-1"))]);
    // `tags` is a map in the schema, but values drive the shape: an untyped provider
    // attribute may change kind.
    let before = with(
        &base,
        &[
            ("user_data", s("plain")),
            (
                "ports",
                Value::list(vec![
                    Value::int(1),
                    Value::int(2),
                    Value::int(3),
                    Value::int(4),
                    Value::int(5),
                    Value::int(6),
                ]),
            ),
        ],
    );
    let after = with(
        &base,
        &[
            ("user_data", Value::list(vec![s("a"), s("b")])),
            (
                "ports",
                Value::list(vec![
                    Value::int(1),
                    Value::int(2),
                    Value::int(3),
                    Value::int(40),
                    Value::int(5),
                    Value::int(6),
                ]),
            ),
            ("network", object(&[("subnet", s("subnet-2"))])),
        ],
    );
    plan(vec![change(
        addr("web"),
        Action::Update,
        Some(before),
        Some(after),
    )])
}

pub(crate) fn sets_blocks_and_odd_shapes() -> Plan {
    let rule = |port: i64, cidr: &str| object(&[("port", Value::int(port)), ("cidr", s(cidr))]);
    let base = server(&[("id", s("i-1")), ("name", s("web")), ("image", s("img-1"))]);
    let before = with(
        &base,
        &[
            ("labels", Value::set(vec![s("a"), s("b"), s("c")])),
            (
                "rule",
                Value::set(vec![rule(22, "10.0.0.0/8"), rule(80, "0.0.0.0/0")]),
            ),
            (
                "meta",
                map(&[
                    ("x", object(&[("on", Value::bool(true))])),
                    ("y", object(&[("on", Value::bool(false))])),
                ]),
            ),
            (
                "network",
                object(&[("subnet", s("subnet-1"))]).mark_sensitive(),
            ),
        ],
    );
    let after = with(
        &base,
        &[
            ("labels", Value::set(vec![s("a"), s("c"), s("d")])),
            (
                "rule",
                Value::set(vec![rule(22, "10.0.0.0/8"), rule(443, "0.0.0.0/0")]),
            ),
            (
                "meta",
                map(&[
                    ("x", object(&[("on", Value::bool(true))])),
                    ("y", object(&[("on", Value::bool(true))])),
                ]),
            ),
            (
                "network",
                object(&[("subnet", s("subnet-2"))]).mark_sensitive(),
            ),
            ("disk", Value::unknown(Type::Any)),
        ],
    );
    plan(vec![change(
        addr("web"),
        Action::Update,
        Some(before),
        Some(after),
    )])
}

/// An image whose build script changed: it is rebuilt, and the counted machines made from
/// it in a module are replaced because of it; a for_each machine is added beside them.
pub(crate) fn image_rebuilt_with_modules_and_counts() -> Plan {
    let image_addr = addr_in(
        ModulePath::root(),
        Mode::Managed,
        "test_machine_image",
        "app",
        InstanceKey::None,
    );
    let image_before = object(&[
        ("id", s("img-1")),
        ("name", s("app")),
        ("source", s("base-1")),
        ("fingerprint", s("b3:1111")),
    ]);
    let image_after = object(&[
        ("id", unknown()),
        ("name", s("app")),
        ("source", s("base-1")),
        ("fingerprint", s("b3:2222")),
    ]);
    let web = ModulePath::root().child("web", InstanceKey::None);
    let vm = |i: i64| {
        addr_in(
            web.clone(),
            Mode::Managed,
            "test_server",
            "vm",
            InstanceKey::Int(i),
        )
    };
    let mut image = change(
        image_addr,
        Action::CreateThenDelete,
        Some(image_before),
        Some(image_after),
    );
    image.reason = Reason::CannotUpdate;
    image.causes = vec![
        kiln_core::provider::Cause {
            summary: "file app/install.sh modified".into(),
            diff: Some("@@ -1,2 +1,2 @@\n #!/bin/sh\n-VERSION=1.0\n+VERSION=2.0\n".into()),
        },
        kiln_core::provider::Cause::new(format!(
            "everything built from it is replaced too: {}, {}",
            vm(0),
            vm(1)
        )),
    ];
    let mut changes = vec![image];
    for i in 0..2 {
        let before = web_before();
        let after = with(
            &before,
            &[("id", unknown()), ("arn", unknown()), ("image", unknown())],
        );
        let mut c = change(vm(i), Action::CreateThenDelete, Some(before), Some(after));
        c.reason = Reason::CannotUpdate;
        c.replace_paths = vec![path(&[attr("image")])];
        c.causes = vec![kiln_core::provider::Cause::new(
            "test_machine_image.app will be rebuilt",
        )];
        changes.push(c);
    }
    let blue = addr_in(
        web,
        Mode::Managed,
        "test_server",
        "extra",
        InstanceKey::Str("blue".into()),
    );
    changes.push(change(
        blue,
        Action::Create,
        None,
        Some(server(&[
            ("id", unknown()),
            ("name", s("blue")),
            ("image", unknown()),
        ])),
    ));
    plan(changes)
}

/// Every plan above, named, for snapshot tests of each rendering.
pub(crate) fn all() -> Vec<(&'static str, Plan)> {
    vec![
        ("create_with_unknowns", create_with_unknowns()),
        ("update_hides_unchanged", update_hides_unchanged()),
        (
            "replace_forced_by_nested_attribute",
            replace_forced_by_nested_attribute(),
        ),
        (
            "create_before_destroy_replacement",
            create_before_destroy_replacement(),
        ),
        (
            "rebuild_causes_and_leftovers",
            rebuild_causes_and_leftovers(),
        ),
        ("replace_reasons", replace_reasons()),
        ("delete_reasons", delete_reasons()),
        ("deposed_object", deposed_object()),
        (
            "data_source_read_during_apply",
            data_source_read_during_apply(),
        ),
        (
            "drift_is_noted_before_the_plan",
            drift_is_noted_before_the_plan(),
        ),
        (
            "drift_alone_is_shown_before_no_changes",
            drift_alone_is_shown_before_no_changes(),
        ),
        ("multi_line_string_line_diff", multi_line_string_line_diff()),
        (
            "json_strings_diff_structurally",
            json_strings_diff_structurally(),
        ),
        ("sensitive_plan", sensitive_plan()),
        ("sensitivity_change_warns", sensitivity_change_warns()),
        ("outputs_changes", outputs_changes()),
        ("mixed_plan", mixed_plan()),
        ("no_changes", no_changes()),
        (
            "image_rebuilt_with_modules_and_counts",
            image_rebuilt_with_modules_and_counts(),
        ),
        ("empty_destroy", empty_destroy()),
        (
            "type_change_and_nested_collections",
            type_change_and_nested_collections(),
        ),
        ("sets_blocks_and_odd_shapes", sets_blocks_and_odd_shapes()),
    ]
}
