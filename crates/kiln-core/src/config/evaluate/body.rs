//! Evaluates a block body against a [`Schema`]: every argument must be known to the schema
//! and settable, required ones present, values of the right type; nested blocks (and
//! `dynamic` blocks that generate them) collected by their nesting mode. Attributes the
//! configuration leaves to the provider are unknown ("known after apply").

use std::collections::BTreeMap;

use crate::config::decode::{unsupported_argument, unsupported_block};
use crate::config::model::{Block, Body};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::lang::scope::ChildScope;
use crate::lang::types::convert;
use crate::lang::{EvalCtx, Kind, Type, Value};
use crate::schema::{BlockSchema, Nesting, Schema};
use crate::source::Span;

/// Evaluates `body` as an instance of `schema`; `header` is where "missing argument"
/// errors point.
pub fn eval_body(
    ctx: &EvalCtx<'_>,
    body: &Body,
    schema: &Schema,
    header: Span,
    context: &str,
    diags: &mut Diagnostics,
) -> Value {
    let mut out = BTreeMap::new();
    for a in &body.attributes {
        let Some(attr) = schema.attributes.get(&a.name) else {
            let settable: Vec<&str> = schema
                .attributes
                .iter()
                .filter(|(_, s)| s.settable())
                .map(|(k, _)| k.as_str())
                .collect();
            let blocks: Vec<&str> = schema.blocks.keys().map(String::as_str).collect();
            diags.push(unsupported_argument(a, &settable, &blocks, context));
            continue;
        };
        if !attr.settable() {
            diags.push(
                Diagnostic::error(
                    "Invalid argument",
                    format!("\"{}\" is set by the provider and cannot be set in {context}. Refer to it from elsewhere instead.", a.name),
                )
                .at(a.name_span),
            );
            continue;
        }
        let value = match ctx.eval(&a.expr) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                Value::unknown(attr.ty.clone())
            }
        };
        let value = match convert(&value, &attr.ty) {
            Ok(v) => v,
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "Incorrect attribute value type",
                        format!("Inappropriate value for attribute \"{}\": {e}.", a.name),
                    )
                    .at(a.expr.span),
                );
                Value::unknown(attr.ty.clone())
            }
        };
        if value.is_null() && attr.required {
            diags.push(
                Diagnostic::error(
                    "Required attribute is null",
                    format!(
                        "The argument \"{}\" is required and must not be null.",
                        a.name
                    ),
                )
                .at(a.expr.span),
            );
        }
        out.insert(a.name.clone(), value.with_sensitive(attr.sensitive));
    }
    for (name, attr) in &schema.attributes {
        if out.contains_key(name) {
            continue;
        }
        if attr.required {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("The argument \"{name}\" is required in {context}, but no definition was found. Add {name} = …{}.", describe(attr.description)),
                )
                .at(header),
            );
            out.insert(name.clone(), Value::unknown(attr.ty.clone()));
        } else if attr.computed {
            out.insert(
                name.clone(),
                Value::unknown(attr.ty.clone()).with_sensitive(attr.sensitive),
            );
        } else {
            out.insert(name.clone(), Value::null());
        }
    }
    // Nested blocks, literal and dynamic, grouped by type in order of appearance.
    let mut groups: BTreeMap<String, (Vec<Value>, bool)> = BTreeMap::new();
    for b in &body.blocks {
        if b.kind == "dynamic" {
            eval_dynamic(ctx, b, schema, context, &mut groups, diags);
            continue;
        }
        let Some(bs) = schema.blocks.get(&b.kind) else {
            let blocks: Vec<&str> = schema.blocks.keys().map(String::as_str).collect();
            let attrs: Vec<&str> = schema.attributes.keys().map(String::as_str).collect();
            diags.push(unsupported_block(b, &blocks, &attrs, context));
            continue;
        };
        if !b.labels.is_empty() {
            diags.push(
                Diagnostic::error(
                    "Extraneous label for block",
                    format!("A \"{}\" block takes no labels.", b.kind),
                )
                .at(b.header_span),
            );
        }
        let v = eval_body(
            ctx,
            &b.body,
            &bs.body,
            b.header_span,
            &format!("a {} block", b.kind),
            diags,
        );
        let v = unset_computed_as_null(v, &bs.body, &b.body);
        groups.entry(b.kind.clone()).or_default().0.push(v);
    }
    for (name, bs) in &schema.blocks {
        let (items, unknown) = groups.remove(name).unwrap_or_default();
        if !unknown {
            check_count(name, bs, items.len(), header, diags);
        }
        let v = if unknown {
            Value::unknown(block_type(bs))
        } else {
            match bs.nesting {
                Nesting::Single => items.into_iter().next().unwrap_or(Value::null()),
                Nesting::List => Value::list(items),
                Nesting::Set => Value::set(items),
            }
        };
        out.insert(name.clone(), v);
    }
    Value::object(out)
}

fn describe(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" ({text})")
    }
}

fn block_type(bs: &BlockSchema) -> Type {
    let obj = bs.body.value_type();
    match bs.nesting {
        Nesting::Single => obj,
        Nesting::List => Type::List(Box::new(obj)),
        Nesting::Set => Type::Set(Box::new(obj)),
    }
}

fn check_count(name: &str, bs: &BlockSchema, n: usize, header: Span, diags: &mut Diagnostics) {
    if n < bs.min_items {
        diags.push(
            Diagnostic::error(
                "Missing required block",
                format!(
                    "At least {} \"{name}\" block(s) are required here, but {n} were found.",
                    bs.min_items
                ),
            )
            .at(header),
        );
    }
    if let Some(max) = bs.max_items {
        if n > max {
            diags.push(
                Diagnostic::error("Too many blocks", format!("No more than {max} \"{name}\" block(s) are allowed here, but {n} were found."))
                    .at(header),
            );
        }
    }
}

/// `dynamic "name" { for_each = …  iterator = it  content { … } }`.
fn eval_dynamic(
    ctx: &EvalCtx<'_>,
    b: &Block,
    schema: &Schema,
    context: &str,
    groups: &mut BTreeMap<String, (Vec<Value>, bool)>,
    diags: &mut Diagnostics,
) {
    let [label] = b.labels.as_slice() else {
        diags.push(Diagnostic::error("Invalid dynamic block", "A dynamic block needs one label: the type of the blocks it generates, e.g. dynamic \"ingress\" { … }.").at(b.header_span));
        return;
    };
    let Some(bs) = schema.blocks.get(label) else {
        diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!("This dynamic block generates \"{label}\" blocks, which are not expected in {context}.{}", did_you_mean(label, schema.blocks.keys().map(String::as_str))),
            )
            .at(b.header_span),
        );
        return;
    };
    crate::config::decode::reject_unknown(
        &b.body,
        &["for_each", "iterator", "labels"],
        &["content"],
        "a dynamic block",
        diags,
    );
    let Some(fe) = b.body.attr("for_each") else {
        diags.push(crate::config::load::missing_arg(
            "for_each",
            "dynamic",
            b.header_span,
        ));
        return;
    };
    let iterator = match b.body.attr("iterator") {
        Some(a) => match a.expr.as_static_path().as_deref() {
            Some([name]) => name.to_string(),
            _ => {
                diags.push(
                    Diagnostic::error(
                        "Invalid dynamic iterator name",
                        "The iterator argument takes a plain name, such as iterator = rule.",
                    )
                    .at(a.expr.span),
                );
                return;
            }
        },
        None => label.clone(),
    };
    let contents: Vec<&Block> = b
        .body
        .blocks
        .iter()
        .filter(|c| c.kind == "content")
        .collect();
    let [content] = contents.as_slice() else {
        diags.push(
            Diagnostic::error(
                "Invalid dynamic block",
                "A dynamic block must contain exactly one content block.",
            )
            .at(b.header_span),
        );
        return;
    };
    let coll = match ctx.eval(&fe.expr) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return;
        }
    };
    let entries: Vec<(Value, Value)> = match &coll.kind {
        Kind::Unknown(_) => {
            // Validate the content once with an unknown iterator; the result is unknown.
            let it = Value::object_from([
                ("key", Value::unknown(Type::Any)),
                ("value", Value::unknown(Type::Any)),
            ]);
            let child = ChildScope {
                parent: ctx.scope,
                names: vec![(iterator, it)],
            };
            let cctx = ctx.with_scope(&child);
            eval_body(
                &cctx,
                &content.body,
                &bs.body,
                content.header_span,
                &format!("a {label} block"),
                diags,
            );
            groups.entry(label.clone()).or_default().1 = true;
            return;
        }
        Kind::List(v) | Kind::Tuple(v) => v
            .iter()
            .enumerate()
            .map(|(i, x)| (Value::int(i as i64), x.clone()))
            .collect(),
        Kind::Set(v) => v.iter().map(|x| (x.clone(), x.clone())).collect(),
        Kind::Map(m) | Kind::Object(m) => m
            .iter()
            .map(|(k, x)| (Value::string(k.clone()), x.clone()))
            .collect(),
        _ => {
            diags.push(
                Diagnostic::error("Invalid dynamic for_each value", format!("Cannot use a {} value in for_each: a list, set, map or object is required.", coll.type_name()))
                    .at(fe.expr.span),
            );
            return;
        }
    };
    for (k, v) in entries {
        let it = Value::object_from([("key", k), ("value", v)]).with_sensitive(coll.sensitive);
        let child = ChildScope {
            parent: ctx.scope,
            names: vec![(iterator.clone(), it)],
        };
        let cctx = ctx.with_scope(&child);
        let value = eval_body(
            &cctx,
            &content.body,
            &bs.body,
            content.header_span,
            &format!("a {label} block"),
            diags,
        );
        let value = unset_computed_as_null(value, &bs.body, &content.body);
        groups.entry(label.clone()).or_default().0.push(value);
    }
}

/// A computed argument that `body` leaves unset is null in the configuration: the
/// provider fills it in. Nested blocks get this as they are evaluated (an unknown there
/// would make the configuration look unfinished during apply); at the top level it stays
/// unknown, which references see, until the plan hook hands the provider its
/// configuration (`plan::clean_config`).
pub fn unset_computed_as_null(mut value: Value, schema: &Schema, body: &Body) -> Value {
    if let crate::lang::Kind::Object(m) = &mut value.kind {
        for (name, attr) in &schema.attributes {
            if attr.computed && body.attr(name).is_none() {
                m.insert(name.clone(), Value::null());
            }
        }
    }
    value
}
