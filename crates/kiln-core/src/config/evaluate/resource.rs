//! Evaluates one resource or data source block: its schema, its instances, the image
//! blocks (communicator, provisioners) and lifecycle settings.

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::body::eval_body;
use super::expand::{expand, Expansion};
use super::hook::{InstanceEval, ResourceHook};
use super::ResourceInstances;
use crate::addr::ModulePath;
use crate::addr::ResourceAddr;
use crate::config::image_blocks::{
    build_placeholder, communicator_schema, provisioner_schema, COMMUNICATOR_TYPES,
    PROVISIONER_TYPES,
};
use crate::config::model::{Mode, Module, Resource};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::lang::ast::ExprKind;
use crate::lang::scope::ChildScope;
use crate::lang::{EvalCtx, Functions, Kind, Scope, Type, Value};
use crate::provider::DataReader;
use crate::schema::{ResourceKind, ResourceSchema, Schemas};

pub struct ResourceEnv<'a> {
    pub schemas: &'a Schemas,
    pub functions: &'a Functions,
    pub module: &'a Module,
    pub path: &'a ModulePath,
    pub data_reader: Option<&'a dyn DataReader>,
    pub hook: Option<&'a dyn ResourceHook>,
    /// The working directory: relative paths in functions and provider values resolve
    /// against it, as in Terraform.
    pub cwd: &'a std::path::Path,
}

/// Evaluates `r`; returns its instances and the value other objects refer to.
pub fn eval_resource(
    env: &ResourceEnv<'_>,
    r: &Resource,
    scope: &dyn Scope,
    diags: &mut Diagnostics,
) -> (ResourceInstances, Value) {
    let files = RefCell::new(BTreeSet::new());
    let ctx = EvalCtx {
        scope,
        functions: env.functions,
        base_dir: env.cwd,
        files_read: &files,
    };
    let schema = find_schema(env, r, diags);
    check_provider(env, r, diags);
    let expansion = match expand(r.count.as_ref(), r.for_each.as_ref(), &ctx) {
        Ok(e) => e,
        Err(d) => {
            diags.push(d);
            Expansion::Unknown
        }
    };
    if env.hook.is_some() && matches!(expansion, Expansion::Unknown) {
        diags.push(unknown_expansion(
            r.count.as_ref().or(r.for_each.as_ref()),
            r,
        ));
    }
    let resource_addr = ResourceAddr::new(env.path.clone(), r.mode, &r.type_name, &r.name);
    let context = format!(
        "a {} {} block",
        r.type_name,
        if r.mode == Mode::Data {
            "data source"
        } else {
            "resource"
        }
    );
    let mut instances = Vec::new();
    for (key, names) in expansion.instances() {
        if let Some(v) = env
            .hook
            .and_then(|h| h.settled(&resource_addr.instance(key.clone())))
        {
            instances.push((key, v));
            continue;
        }
        let child = ChildScope {
            parent: scope,
            names,
        };
        let ictx = ctx.with_scope(&child);
        let value = match schema {
            Some(s) => eval_body(&ictx, &r.body, &s.body, r.header_span, &context, diags),
            None => Value::unknown(Type::Any),
        };
        let value = match eval_image_blocks(r, schema, &ictx, &value, diags) {
            Some(blocks) => blocks.insert_into(value),
            None => value,
        };
        let value = match (r.mode, schema, env.hook, env.data_reader) {
            (mode, Some(s), Some(hook), _) => {
                let inst = InstanceEval {
                    addr: resource_addr.instance(key.clone()),
                    resource: r,
                    schema: s,
                    base_dir: env.cwd,
                    ctx: &ictx,
                };
                match mode {
                    Mode::Managed => hook.managed(&inst, value, diags),
                    Mode::Data => hook.data(&inst, value, diags),
                }
            }
            (Mode::Data, Some(s), None, Some(reader)) => read_data(env, reader, r, s, value, diags),
            _ => value,
        };
        instances.push((key, value));
    }
    check_lifecycle(r, schema, &ctx, diags);
    let expanded = !matches!(expansion, Expansion::Unknown);
    let keys = if expanded {
        instances.iter().map(|(k, _)| k.clone()).collect()
    } else {
        Vec::new()
    };
    let value = expansion.collect(instances);
    let group = ResourceInstances {
        module: env.path.clone(),
        mode: r.mode,
        type_name: r.type_name.clone(),
        name: r.name.clone(),
        expanded,
        keys,
        files_read: files.into_inner(),
    };
    (group, value)
}

/// A plan must know how many instances there are; Terraform's rule and advice.
fn unknown_expansion(e: Option<&crate::lang::Expr>, r: &Resource) -> Diagnostic {
    let which = if r.count.is_some() {
        "count"
    } else {
        "for_each"
    };
    let d = Diagnostic::error(
        format!("Invalid {which} argument"),
        format!("The \"{which}\" value depends on attributes that cannot be known until apply, so Kiln cannot tell how many instances of {} to plan. Apply the resources it depends on first with --target, or derive {which} from values known at plan time.", r.address()),
    );
    match e {
        Some(e) => d.at(e.span),
        None => d.at(r.header_span),
    }
}

/// Reads a data source when everything configured is known (as a plan does); otherwise
/// its computed attributes stay unknown until apply.
fn read_data(
    env: &ResourceEnv<'_>,
    reader: &dyn DataReader,
    r: &Resource,
    schema: &ResourceSchema,
    value: Value,
    diags: &mut Diagnostics,
) -> Value {
    let Some(all) = value.as_map() else {
        return value;
    };
    let config: std::collections::BTreeMap<String, Value> = all
        .iter()
        .filter(|(k, _)| schema.body.attributes.get(*k).is_some_and(|a| a.settable()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let config = Value::object(config);
    if !config.is_wholly_known() {
        return value;
    }
    match reader.read_data(&r.type_name, &config, env.cwd) {
        Ok(v) => v,
        Err(msg) => {
            diags.push(
                Diagnostic::error(
                    "Error reading data source",
                    format!("Reading {} failed: {msg}", env.path.join(r.address())),
                )
                .at(r.header_span),
            );
            value
        }
    }
}

fn find_schema<'s>(
    env: &ResourceEnv<'s>,
    r: &Resource,
    diags: &mut Diagnostics,
) -> Option<&'s ResourceSchema> {
    let found = match r.mode {
        Mode::Managed => env.schemas.resource(&r.type_name),
        Mode::Data => env.schemas.data_source(&r.type_name),
    };
    if found.is_some() {
        return found;
    }
    // Only on a miss: every type name, for the suggestion.
    let all: Vec<&str> = match r.mode {
        Mode::Managed => env.schemas.all_resource_types().collect(),
        Mode::Data => env.schemas.all_data_types().collect(),
    };
    let what = if r.mode == Mode::Data {
        "data source"
    } else {
        "resource type"
    };
    let detail = match env.schemas.provider_for_type(&r.type_name) {
        Some(p) => format!(
            "The provider \"{}\" has no {what} named \"{}\".{}",
            p.name,
            r.type_name,
            did_you_mean(&r.type_name, all)
        ),
        None => {
            let providers: Vec<&str> = env.schemas.providers.keys().map(String::as_str).collect();
            format!(
                "There is no provider for the {what} \"{}\". This Kiln knows the providers: {}.{}",
                r.type_name,
                providers.join(", "),
                did_you_mean(&r.type_name, all)
            )
        }
    };
    diags.push(
        Diagnostic::error(format!("Invalid {what}"), detail)
            .at(r.header_span)
            .with_address(env.path.join(r.address())),
    );
    None
}

fn check_provider(env: &ResourceEnv<'_>, r: &Resource, diags: &mut Diagnostics) {
    let Some((addr, span)) = &r.provider else {
        return;
    };
    let mut parts = addr.splitn(2, '.');
    let name = parts.next().unwrap_or_default();
    let alias = parts.next();
    let implied = env
        .schemas
        .provider_for_type(&r.type_name)
        .map(|p| p.name.as_str());
    if implied.is_some_and(|p| p != name) {
        diags.push(
            Diagnostic::error(
                "Invalid provider configuration reference",
                format!("The resource type \"{}\" belongs to the provider \"{}\", so it cannot use a \"{name}\" provider configuration.", r.type_name, implied.unwrap_or_default()),
            )
            .at(*span),
        );
        return;
    }
    if let Some(alias) = alias {
        if !env
            .module
            .providers
            .iter()
            .any(|p| p.name == name && p.alias.as_deref() == Some(alias))
        {
            diags.push(
                Diagnostic::error(
                    "Provider configuration not present",
                    format!("There is no provider \"{name}\" block with alias = \"{alias}\" in this module. Declare it: provider \"{name}\" {{ alias = \"{alias}\" … }}."),
                )
                .at(*span),
            );
        }
    }
}

/// The evaluated `communicator` and `provisioner` blocks of an image. They travel to the
/// provider inside the image's value, as the attributes `communicator` (an object with
/// its `type`, or null) and `provisioners` (a list of objects, each with its `type`), so
/// that a change to a provisioner shows in the plan like any attribute and forces a
/// rebuild.
struct ImageBlocks {
    communicator: Value,
    provisioners: Vec<Value>,
}

impl ImageBlocks {
    fn insert_into(self, mut value: Value) -> Value {
        if let Kind::Object(attrs) | Kind::Map(attrs) = &mut value.kind {
            attrs.insert("communicator".into(), self.communicator);
            attrs.insert("provisioners".into(), Value::tuple(self.provisioners));
        }
        value
    }
}

/// `value` with `type` added: which kind of block it was.
fn typed_block(kind: &str, mut value: Value) -> Value {
    if let Kind::Object(attrs) | Kind::Map(attrs) = &mut value.kind {
        attrs.insert("type".into(), Value::string(kind.to_string()));
        value
    } else {
        Value::object_from([("type", Value::string(kind.to_string()))])
    }
}

/// Checks an image's build blocks (or their absence elsewhere) and evaluates them; `None`
/// for resources that are not images.
fn eval_image_blocks(
    r: &Resource,
    schema: Option<&ResourceSchema>,
    ctx: &EvalCtx<'_>,
    value: &Value,
    diags: &mut Diagnostics,
) -> Option<ImageBlocks> {
    let is_image = schema.is_some_and(|s| s.kind == ResourceKind::Image);
    if !is_image {
        if schema.is_some() {
            let what = r
                .provisioners
                .first()
                .map(|p| p.span)
                .or(r.communicator.as_ref().map(|c| c.span));
            if let Some(span) = what {
                diags.push(
                    Diagnostic::error(
                        "Provisioners are for images",
                        format!("\"{}\" is not an image type, so it cannot have provisioner or communicator blocks. Bake software into an image resource (qemu_image, aws_image, azure_image), and pass run-time configuration with user_data.", r.type_name),
                    )
                    .at(span),
                );
            }
        }
        return None;
    }
    let mut blocks = ImageBlocks {
        communicator: Value::null(),
        provisioners: Vec::new(),
    };
    let names = vec![
        ("build".to_string(), build_placeholder()),
        ("self".to_string(), value.clone()),
    ];
    let child = ChildScope {
        parent: ctx.scope,
        names,
    };
    let bctx = ctx.with_scope(&child);
    if let Some(c) = &r.communicator {
        match communicator_schema(&c.kind) {
            Some(s) => {
                let v = eval_body(
                    &bctx,
                    &c.body,
                    &s,
                    c.span,
                    &format!("a \"{}\" communicator block", c.kind),
                    diags,
                );
                blocks.communicator = typed_block(&c.kind, v);
            }
            None => diags.push(
                Diagnostic::error(
                    "Unknown communicator type",
                    format!(
                        "There is no communicator \"{}\"; use one of: {}.{}",
                        c.kind,
                        COMMUNICATOR_TYPES.join(", "),
                        did_you_mean(&c.kind, COMMUNICATOR_TYPES)
                    ),
                )
                .at(c.span),
            ),
        }
    }
    for p in &r.provisioners {
        match provisioner_schema(&p.kind) {
            Some(s) => {
                let v = eval_body(
                    &bctx,
                    &p.body,
                    &s,
                    p.span,
                    &format!("a \"{}\" provisioner block", p.kind),
                    diags,
                );
                check_provisioner_sources(&p.kind, &v, p.span, diags);
                blocks.provisioners.push(typed_block(&p.kind, v));
            }
            None => diags.push(
                Diagnostic::error(
                    "Unknown provisioner type",
                    format!(
                        "There is no provisioner \"{}\"; use one of: {}.{}",
                        p.kind,
                        PROVISIONER_TYPES.join(", "),
                        did_you_mean(&p.kind, PROVISIONER_TYPES)
                    ),
                )
                .at(p.span),
            ),
        }
    }
    Some(blocks)
}

/// A shell provisioner needs exactly one of inline / script / scripts; a file provisioner
/// one of source / content.
fn check_provisioner_sources(
    kind: &str,
    v: &Value,
    span: crate::source::Span,
    diags: &mut Diagnostics,
) {
    let set = |k: &str| {
        v.as_map()
            .and_then(|m| m.get(k))
            .is_some_and(|x| !x.is_null())
    };
    let (keys, what): (&[&str], &str) = match kind {
        "shell" | "powershell" => (
            &["inline", "script", "scripts"],
            "inline, script or scripts",
        ),
        "shell-local" => (
            &["inline", "script", "scripts", "command"],
            "inline, script, scripts or command",
        ),
        "file" => (&["source", "content"], "source or content"),
        _ => return,
    };
    let n = keys.iter().filter(|k| set(k)).count();
    if n != 1 {
        diags.push(
            Diagnostic::error(
                "Invalid provisioner",
                format!("A \"{kind}\" provisioner needs exactly one of {what}, but {n} were set."),
            )
            .at(span),
        );
    }
}

fn check_lifecycle(
    r: &Resource,
    schema: Option<&ResourceSchema>,
    ctx: &EvalCtx<'_>,
    diags: &mut Diagnostics,
) {
    let lc = &r.lifecycle;
    for e in [&lc.create_before_destroy, &lc.prevent_destroy]
        .into_iter()
        .flatten()
    {
        match ctx.eval(e) {
            Ok(v) if v.as_bool().is_some() => {}
            Ok(_) => diags.push(
                Diagnostic::error(
                    "Invalid lifecycle setting",
                    "create_before_destroy and prevent_destroy must be true or false.",
                )
                .at(e.span),
            ),
            Err(d) => diags.push(d),
        }
    }
    let Some(schema) = schema else { return };
    for e in &lc.ignore_changes {
        let name = match &e.kind {
            ExprKind::Variable(n) => Some(n.as_str()),
            ExprKind::Traversal { base, .. } => match &base.kind {
                ExprKind::Variable(n) => Some(n.as_str()),
                _ => None,
            },
            _ => e.as_literal_str(),
        };
        match name {
            Some(n) if schema.body.attributes.contains_key(n) || schema.body.blocks.contains_key(n) => {}
            Some(n) => diags.push(
                Diagnostic::error(
                    "Unsupported attribute in ignore_changes",
                    format!("\"{}\" has no attribute \"{n}\" to ignore.{}", r.type_name, did_you_mean(n, schema.body.attributes.keys().map(String::as_str))),
                )
                .at(e.span),
            ),
            None => diags.push(Diagnostic::error("Invalid ignore_changes entry", "Each entry of ignore_changes is an attribute name, such as tags or tags[\"owner\"].").at(e.span)),
        }
    }
}
