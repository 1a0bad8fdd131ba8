//! The expression evaluator.
//!
//! Evaluates an [`Expr`] in a [`Scope`] with unknown and sensitive propagation: anything
//! computed from an unknown is unknown (with its type where it can be told), anything
//! computed from a sensitive value is sensitive. Errors are [`Diagnostic`]s pointing at the
//! exact sub-expression. File-reading functions record what they read in
//! [`EvalCtx::files_read`] so image fingerprints can include those files.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::ast::{
    BinaryOp, Expr, ExprKind, ForExpr, ObjectKey, TemplatePart, TraversalOp, UnaryOp,
};
use super::functions::{FuncCtx, Functions};
use super::number::Number;
use super::scope::{ChildScope, Scope};
use super::types::{convert, Type};
use super::value::{Kind, Value};
use crate::diag::{did_you_mean, Diagnostic};
use crate::source::Span;

pub type EvalResult = Result<Value, Diagnostic>;

/// One step of [`EvalCtx::traversal`]'s borrowing walk.
enum Step<'v> {
    /// The element selected, and whether the key that selected it is sensitive.
    Ref(&'v Value, bool),
    /// Continue by value; an index's key when it was evaluated already.
    General(Option<Value>),
}

/// Everything an evaluation needs besides the expression.
pub struct EvalCtx<'a> {
    pub scope: &'a dyn Scope,
    pub functions: &'a Functions,
    /// The module's directory: relative paths in file functions resolve against it.
    pub base_dir: &'a Path,
    /// Files read through `file()`, `templatefile()`, … during this evaluation.
    pub files_read: &'a RefCell<BTreeSet<PathBuf>>,
}

impl<'a> EvalCtx<'a> {
    /// The same context over another scope (a `for` iteration, an instance's `count`).
    pub fn with_scope<'b>(&'b self, scope: &'b dyn Scope) -> EvalCtx<'b> {
        EvalCtx {
            scope,
            functions: self.functions,
            base_dir: self.base_dir,
            files_read: self.files_read,
        }
    }

    pub fn eval(&self, e: &Expr) -> EvalResult {
        match &e.kind {
            ExprKind::Literal(v) => Ok(v.clone()),
            ExprKind::Parens(inner) => self.eval(inner),
            ExprKind::Template(parts) => self.template(parts),
            ExprKind::Tuple(items) => Ok(Value::tuple(
                items
                    .iter()
                    .map(|x| self.eval(x))
                    .collect::<Result<_, _>>()?,
            )),
            ExprKind::Object(items) => self.object(items),
            ExprKind::Variable(name) => self.variable(name, e.span).cloned(),
            ExprKind::Traversal { base, ops } => self.traversal(base, ops),
            ExprKind::FuncCall {
                name,
                name_span,
                args,
                expand_final,
            } => self.call(name, *name_span, args, *expand_final, e.span),
            ExprKind::Unary(op, x) => self.unary(*op, x),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e.span),
            ExprKind::Conditional(c, t, f) => self.conditional(c, t, f),
            ExprKind::For(fe) => self.for_expr(fe, e.span),
        }
    }

    fn variable(&self, name: &str, span: Span) -> Result<&Value, Diagnostic> {
        self.scope.lookup(name).ok_or_else(|| {
            Diagnostic::error(
                "Unknown variable",
                format!("There is no variable named \"{name}\"."),
            )
            .at(span)
        })
    }

    fn object(&self, items: &[(ObjectKey, Expr)]) -> EvalResult {
        let mut out = BTreeMap::new();
        let mut sensitive = false;
        let mut unknown_key = false;
        for (key, value) in items {
            let k = match key {
                ObjectKey::Ident(name) => name.clone(),
                ObjectKey::Expr(kx) => {
                    let kv = self.eval(kx)?;
                    if !kv.is_known() {
                        unknown_key = true;
                        continue;
                    }
                    sensitive |= kv.sensitive;
                    string_of(&kv).ok_or_else(|| {
                        Diagnostic::error(
                            "Incorrect key type",
                            format!(
                                "Can't use this value as a key: a string is required, but have {}.",
                                kv.type_name()
                            ),
                        )
                        .at(kx.span)
                    })?
                }
            };
            let v = self.eval(value)?;
            out.insert(k, v);
        }
        if unknown_key {
            return Ok(Value::unknown(Type::Any).with_sensitive(sensitive));
        }
        Ok(Value::object(out).with_sensitive(sensitive))
    }

    fn template(&self, parts: &[TemplatePart]) -> EvalResult {
        // A template of exactly one interpolation yields the value itself, unconverted.
        if let [TemplatePart::Interp(x)] = parts {
            return self.eval(x);
        }
        let mut buf = String::new();
        let mut sensitive = false;
        let mut unknown = false;
        self.render_parts(parts, &mut buf, &mut sensitive, &mut unknown)?;
        if unknown {
            return Ok(Value::unknown(Type::String).with_sensitive(sensitive));
        }
        Ok(Value::string(buf).with_sensitive(sensitive))
    }

    fn render_parts(
        &self,
        parts: &[TemplatePart],
        buf: &mut String,
        sensitive: &mut bool,
        unknown: &mut bool,
    ) -> Result<(), Diagnostic> {
        for part in parts {
            match part {
                TemplatePart::Literal(s) => buf.push_str(s),
                TemplatePart::Interp(x) => {
                    let v = self.eval(x)?;
                    *sensitive |= v.contains_sensitive();
                    match &v.kind {
                        Kind::Unknown(_) => *unknown = true,
                        Kind::Null => {
                            return Err(Diagnostic::error(
                                "Invalid template interpolation value",
                                "The expression result is null. Cannot include a null value in a string template.",
                            )
                            .at(x.span))
                        }
                        _ => match string_of(&v) {
                            Some(s) => buf.push_str(&s),
                            None => {
                                return Err(Diagnostic::error(
                                    "Invalid template interpolation value",
                                    format!(
                                        "Cannot include the given value in a string template: a string is required, but have {}. Use jsonencode() or join() to turn it into a string.",
                                        v.type_name()
                                    ),
                                )
                                .at(x.span))
                            }
                        },
                    }
                }
                TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let c = self.eval(cond)?;
                    *sensitive |= c.sensitive;
                    match self.as_condition(&c, cond.span)? {
                        None => *unknown = true,
                        Some(true) => self.render_parts(then, buf, sensitive, unknown)?,
                        Some(false) => self.render_parts(otherwise, buf, sensitive, unknown)?,
                    }
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                    ..
                } => {
                    let coll = self.eval(collection)?;
                    *sensitive |= coll.sensitive;
                    let Some(entries) = self.iterate(&coll, collection.span)? else {
                        *unknown = true;
                        continue;
                    };
                    for (k, v) in entries {
                        let mut names = vec![(value_var.clone(), v)];
                        if let Some(kv) = key_var {
                            names.push((kv.clone(), k));
                        }
                        let child = ChildScope {
                            parent: self.scope,
                            names,
                        };
                        self.with_scope(&child)
                            .render_parts(body, buf, sensitive, unknown)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `Some(bool)` for a known condition, `None` for unknown; errors for non-bools.
    fn as_condition(&self, v: &Value, span: Span) -> Result<Option<bool>, Diagnostic> {
        match &v.kind {
            Kind::Unknown(_) => Ok(None),
            Kind::Bool(b) => Ok(Some(*b)),
            Kind::String(s) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Kind::Null => Err(Diagnostic::error(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
            )
            .at(span)),
            _ => Err(Diagnostic::error(
                "Incorrect condition type",
                format!(
                    "The condition expression must be of type bool, but have {}.",
                    v.type_name()
                ),
            )
            .at(span)),
        }
    }

    /// Key/value pairs of a collection for `for`; `None` when the collection is unknown.
    fn iterate(&self, coll: &Value, span: Span) -> Result<Option<Vec<(Value, Value)>>, Diagnostic> {
        let mark = coll.sensitive;
        Ok(Some(match &coll.kind {
            Kind::Unknown(_) => return Ok(None),
            Kind::List(v) | Kind::Tuple(v) => v
                .iter()
                .enumerate()
                .map(|(i, x)| (Value::int(i as i64), x.clone().with_sensitive(mark)))
                .collect(),
            Kind::Set(v) => v
                .iter()
                .map(|x| (x.clone().with_sensitive(mark), x.clone().with_sensitive(mark)))
                .collect(),
            Kind::Map(m) | Kind::Object(m) => m
                .iter()
                .map(|(k, x)| (Value::string(k.clone()), x.clone().with_sensitive(mark)))
                .collect(),
            Kind::Null => {
                return Err(Diagnostic::error(
                    "Iteration over null value",
                    "A null value cannot be used as the collection in a 'for' expression.",
                )
                .at(span))
            }
            _ => {
                return Err(Diagnostic::error(
                    "Iteration over non-iterable value",
                    format!(
                        "A value of type {} cannot be used as the collection in a 'for' expression: a list, set, map or object is required.",
                        coll.type_name()
                    ),
                )
                .at(span))
            }
        }))
    }

    fn for_expr(&self, fe: &ForExpr, span: Span) -> EvalResult {
        let coll = self.eval(&fe.collection)?;
        let result_ty = Type::Any;
        let Some(entries) = self.iterate(&coll, fe.collection.span)? else {
            return Ok(Value::unknown(result_ty).with_sensitive(coll.sensitive));
        };
        let mut seq = Vec::new();
        let mut obj: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown = false;
        for (k, v) in entries {
            let mut names = vec![(fe.value_var.clone(), v)];
            if let Some(kv) = &fe.key_var {
                names.push((kv.clone(), k));
            }
            let child = ChildScope {
                parent: self.scope,
                names,
            };
            let ctx = self.with_scope(&child);
            if let Some(cond) = &fe.cond {
                let c = ctx.eval(cond)?;
                match ctx.as_condition(&c, cond.span)? {
                    None => {
                        unknown = true;
                        continue;
                    }
                    Some(false) => continue,
                    Some(true) => {}
                }
            }
            let value = ctx.eval(&fe.value)?;
            match &fe.key {
                None => seq.push(value),
                Some(kx) => {
                    let key = ctx.eval(kx)?;
                    if !key.is_known() {
                        unknown = true;
                        continue;
                    }
                    let Some(key_str) = string_of(&key) else {
                        return Err(Diagnostic::error(
                            "Invalid object key",
                            format!(
                                "The key expression produced {}, but a string is required.",
                                key.type_name()
                            ),
                        )
                        .at(kx.span));
                    };
                    if fe.grouping {
                        groups.entry(key_str).or_default().push(value);
                    } else if let std::collections::btree_map::Entry::Vacant(slot) =
                        obj.entry(key_str.clone())
                    {
                        slot.insert(value);
                    } else {
                        return Err(Diagnostic::error(
                            "Duplicate object key",
                            format!(
                                "Two different items produced the key \"{key_str}\" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."
                            ),
                        )
                        .at(kx.span)
                        .with_context(span));
                    }
                }
            }
        }
        if unknown {
            return Ok(Value::unknown(result_ty).with_sensitive(coll.sensitive));
        }
        let out = match &fe.key {
            None => Value::tuple(seq),
            Some(_) if fe.grouping => Value::object(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::tuple(v)))
                    .collect(),
            ),
            Some(_) => Value::object(obj),
        };
        Ok(out.with_sensitive(coll.sensitive))
    }

    fn traversal(&self, base: &Expr, ops: &[TraversalOp]) -> EvalResult {
        // Walk by reference as far as possible so that a reference into a large value
        // (all instances of a resource) clones only what it selects.
        if let ExprKind::Variable(name) = &base.kind {
            let root = self.variable(name, base.span)?;
            let mut cur: &Value = root;
            let mut mark = root.sensitive;
            for (i, op) in ops.iter().enumerate() {
                match self.step_ref(cur, op)? {
                    Step::Ref(next, key_sensitive) => {
                        cur = next;
                        mark |= cur.sensitive || key_sensitive;
                    }
                    Step::General(key) => {
                        let whole = cur.clone().with_sensitive(mark);
                        return match (key, op) {
                            // The key is evaluated already: index with it, do not
                            // evaluate it again.
                            (Some(key), TraversalOp::Index(ix)) => {
                                self.apply_ops(index(whole, &key, ix.span)?, &ops[i + 1..])
                            }
                            _ => self.apply_ops(whole, &ops[i..]),
                        };
                    }
                }
            }
            return Ok(cur.clone().with_sensitive(mark));
        }
        let v = self.eval(base)?;
        self.apply_ops(v, ops)
    }

    /// A borrowing step for the simple cases: an attribute, or an index with a known key
    /// (a literal, or an expression such as `count.index` or `each.key`) into a known
    /// collection that has it. Anything else (splats, unknown keys, missing elements,
    /// which report errors) takes the general path.
    fn step_ref<'v>(&self, cur: &'v Value, op: &TraversalOp) -> Result<Step<'v>, Diagnostic> {
        match (op, &cur.kind) {
            (TraversalOp::GetAttr(name, _), Kind::Object(m) | Kind::Map(m)) => Ok(m
                .get(name.as_str())
                .map_or(Step::General(None), |v| Step::Ref(v, false))),
            (
                TraversalOp::Index(ix),
                Kind::List(_) | Kind::Tuple(_) | Kind::Map(_) | Kind::Object(_),
            ) => {
                let key = match &ix.kind {
                    ExprKind::Literal(k) => std::borrow::Cow::Borrowed(k),
                    _ => std::borrow::Cow::Owned(self.eval(ix)?),
                };
                let found = match &cur.kind {
                    Kind::List(v) | Kind::Tuple(v) => key
                        .as_number()
                        .and_then(Number::as_i64)
                        .and_then(|i| usize::try_from(i).ok())
                        .and_then(|i| v.get(i)),
                    Kind::Map(m) | Kind::Object(m) => key.as_str().and_then(|k| m.get(k)),
                    _ => None,
                };
                Ok(match found {
                    Some(v) if key.is_known() => Step::Ref(v, key.sensitive),
                    _ => Step::General(Some(key.into_owned())),
                })
            }
            _ => Ok(Step::General(None)),
        }
    }

    fn apply_ops(&self, mut cur: Value, ops: &[TraversalOp]) -> EvalResult {
        let mut i = 0;
        while i < ops.len() {
            match &ops[i] {
                TraversalOp::GetAttr(name, span) => cur = get_attr(cur, name, *span)?,
                TraversalOp::Index(ix) => {
                    let key = self.eval(ix)?;
                    cur = index(cur, &key, ix.span)?;
                }
                TraversalOp::FullSplat(_) | TraversalOp::AttrSplat(_) => {
                    let full = matches!(ops[i], TraversalOp::FullSplat(_));
                    // The splat applies to the following operators: all of them for `[*]`,
                    // only the attribute accesses for `.*`.
                    let mut end = i + 1;
                    while end < ops.len()
                        && (full || matches!(ops[end], TraversalOp::GetAttr(..)))
                        && !matches!(
                            ops[end],
                            TraversalOp::FullSplat(_) | TraversalOp::AttrSplat(_)
                        )
                    {
                        end += 1;
                    }
                    let rest = &ops[i + 1..end];
                    let mark = cur.sensitive;
                    cur = match cur.kind {
                        Kind::Unknown(_) => Value::unknown(Type::Any),
                        Kind::Null => Value::tuple(Vec::new()),
                        // A splat keeps a list a list (a set becomes one, as in
                        // Terraform) and a tuple a tuple.
                        Kind::List(v) | Kind::Set(v) => Value::list(
                            v.into_iter()
                                .map(|x| self.apply_ops(x, rest))
                                .collect::<Result<_, _>>()?,
                        ),
                        Kind::Tuple(v) => Value::tuple(
                            v.into_iter()
                                .map(|x| self.apply_ops(x, rest))
                                .collect::<Result<_, _>>()?,
                        ),
                        other => Value::tuple(vec![self.apply_ops(Value::from(other), rest)?]),
                    }
                    .with_sensitive(mark);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(cur)
    }

    fn call(
        &self,
        name: &str,
        name_span: Span,
        args: &[Expr],
        expand_final: bool,
        span: Span,
    ) -> EvalResult {
        match name {
            "try" => return self.call_try(args, span),
            "can" => return self.call_can(args, span),
            _ => {}
        }
        let Some(spec) = self.functions.get(name) else {
            let names = self.functions.names().chain(["try", "can"]);
            return Err(Diagnostic::error(
                "Call to unknown function",
                format!(
                    "There is no function named \"{name}\".{}",
                    did_you_mean(name, names)
                ),
            )
            .at(name_span));
        };
        let mut values = Vec::with_capacity(args.len());
        let mut spans = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let v = self.eval(a)?;
            if expand_final && i + 1 == args.len() {
                match &v.kind {
                    Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
                        for item in items {
                            values.push(item.clone().with_sensitive(v.sensitive));
                            spans.push(a.span);
                        }
                    }
                    Kind::Unknown(_) => return Ok(Value::unknown(spec.ret.clone()).with_sensitive(v.sensitive)),
                    _ => {
                        return Err(Diagnostic::error(
                            "Invalid expanding argument value",
                            format!("The expanding argument (indicated by ...) must be a list, tuple or set, but have {}.", v.type_name()),
                        )
                        .at(a.span))
                    }
                }
            } else {
                values.push(v);
                spans.push(a.span);
            }
        }
        super::functions::invoke(spec, &self.func_ctx(), values, &spans, span)
    }

    pub fn func_ctx(&self) -> FuncCtx<'_> {
        FuncCtx {
            base_dir: self.base_dir,
            files_read: self.files_read,
            functions: self.functions,
        }
    }

    fn call_try(&self, args: &[Expr], span: Span) -> EvalResult {
        if args.is_empty() {
            return Err(Diagnostic::error(
                "Not enough function arguments",
                "Function \"try\" expects at least one argument.",
            )
            .at(span));
        }
        let mut last = None;
        for a in args {
            match self.eval(a) {
                Ok(v) if !v.is_wholly_known() => {
                    return Ok(Value::unknown(Type::Any).with_sensitive(v.contains_sensitive()))
                }
                Ok(v) => return Ok(v),
                Err(d) => last = Some(d),
            }
        }
        let detail = last
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .unwrap_or_default();
        Err(Diagnostic::error(
            "Error in function call",
            format!("Call to function \"try\" failed: no expression succeeded. The last error was: {detail}"),
        )
        .at(span))
    }

    fn call_can(&self, args: &[Expr], span: Span) -> EvalResult {
        if args.len() != 1 {
            return Err(Diagnostic::error(
                "Wrong number of function arguments",
                format!(
                    "Function \"can\" expects 1 argument, but {} were given.",
                    args.len()
                ),
            )
            .at(span));
        }
        match self.eval(&args[0]) {
            Ok(v) if !v.is_wholly_known() => Ok(Value::unknown(Type::Bool)),
            Ok(_) => Ok(Value::bool(true)),
            Err(_) => Ok(Value::bool(false)),
        }
    }

    fn unary(&self, op: UnaryOp, x: &Expr) -> EvalResult {
        let v = self.eval(x)?;
        let mark = v.sensitive;
        let out = match op {
            UnaryOp::Neg => match operand_number(&v, x.span, "-")? {
                None => Value::unknown(Type::Number),
                Some(n) => Value::number(n.negate()),
            },
            UnaryOp::Not => match operand_bool(&v, x.span, "!")? {
                None => Value::unknown(Type::Bool),
                Some(b) => Value::bool(!b),
            },
        };
        Ok(out.with_sensitive(mark))
    }

    fn binary(&self, op: BinaryOp, a: &Expr, b: &Expr, span: Span) -> EvalResult {
        let l = self.eval(a)?;
        let r = self.eval(b)?;
        let mark = l.contains_sensitive() || r.contains_sensitive();
        let out = match op {
            BinaryOp::Eq | BinaryOp::NotEq => {
                if !l.is_wholly_known() || !r.is_wholly_known() {
                    Value::unknown(Type::Bool)
                } else {
                    Value::bool(l.raw_equals(&r) == (op == BinaryOp::Eq))
                }
            }
            BinaryOp::And | BinaryOp::Or => {
                let (x, y) = (
                    operand_bool(&l, a.span, op.symbol())?,
                    operand_bool(&r, b.span, op.symbol())?,
                );
                match (x, y) {
                    (Some(x), Some(y)) => {
                        Value::bool(if op == BinaryOp::And { x && y } else { x || y })
                    }
                    // A known short-circuiting side decides even when the other is unknown.
                    (Some(false), None) | (None, Some(false)) if op == BinaryOp::And => {
                        Value::bool(false)
                    }
                    (Some(true), None) | (None, Some(true)) if op == BinaryOp::Or => {
                        Value::bool(true)
                    }
                    _ => Value::unknown(Type::Bool),
                }
            }
            _ => {
                let (x, y) = (
                    operand_number(&l, a.span, op.symbol())?,
                    operand_number(&r, b.span, op.symbol())?,
                );
                let (Some(x), Some(y)) = (x, y) else {
                    let ty = if matches!(
                        op,
                        BinaryOp::Less | BinaryOp::LessEq | BinaryOp::Greater | BinaryOp::GreaterEq
                    ) {
                        Type::Bool
                    } else {
                        Type::Number
                    };
                    return Ok(Value::unknown(ty).with_sensitive(mark));
                };
                let ord = x.cmp_num(y);
                let out = match op {
                    BinaryOp::Add => Value::number(x.plus(y)),
                    BinaryOp::Sub => Value::number(x.minus(y)),
                    BinaryOp::Mul => Value::number(x.times(y)),
                    BinaryOp::Div | BinaryOp::Mod => {
                        let res = if op == BinaryOp::Div {
                            x.checked_div(y)
                        } else {
                            x.checked_rem(y)
                        };
                        match res {
                            Some(n) => Value::number(n),
                            None => {
                                return Err(Diagnostic::error(
                                    if op == BinaryOp::Div { "Division by zero" } else { "Modulo by zero" },
                                    "The right operand is zero; this arithmetic operation has no result.",
                                )
                                .at(b.span)
                                .with_context(span))
                            }
                        }
                    }
                    BinaryOp::Less => Value::bool(ord.is_lt()),
                    BinaryOp::LessEq => Value::bool(ord.is_le()),
                    BinaryOp::Greater => Value::bool(ord.is_gt()),
                    BinaryOp::GreaterEq => Value::bool(ord.is_ge()),
                    _ => Value::unknown(Type::Any),
                };
                // Binary floats overflow where Terraform's big numbers would not: say so
                // instead of printing "inf".
                if out.as_number().is_some_and(|n| !n.is_finite()) {
                    return Err(Diagnostic::error(
                        "Number out of range",
                        format!("The result of this \"{}\" is too large to represent (beyond ±1.8e308).", op.symbol()),
                    )
                    .at(span));
                }
                out
            }
        };
        Ok(out.with_sensitive(mark))
    }

    fn conditional(&self, c: &Expr, t: &Expr, f: &Expr) -> EvalResult {
        let cv = self.eval(c)?;
        match self.as_condition(&cv, c.span)? {
            Some(true) => Ok(self.eval(t)?.with_sensitive(cv.sensitive)),
            Some(false) => Ok(self.eval(f)?.with_sensitive(cv.sensitive)),
            None => {
                let tv = self.eval(t)?;
                let fv = self.eval(f)?;
                let (tt, ft) = (tv.ty(), fv.ty());
                let ty = if tv.is_null() {
                    ft
                } else if fv.is_null() || tt == ft {
                    tt
                } else {
                    Type::Any
                };
                let mark = cv.sensitive || tv.contains_sensitive() || fv.contains_sensitive();
                Ok(Value::unknown(ty).with_sensitive(mark))
            }
        }
    }
}

/// A primitive value as template text (numbers, bools and strings only).
pub fn string_of(v: &Value) -> Option<String> {
    match &v.kind {
        Kind::String(s) => Some(s.clone()),
        Kind::Number(n) => Some(n.to_string()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn operand_number(v: &Value, span: Span, op: &str) -> Result<Option<Number>, Diagnostic> {
    match convert(v, &Type::Number) {
        Ok(c) if !c.is_known() => Ok(None),
        Ok(c) => c.as_number().map(Some).ok_or_else(|| {
            Diagnostic::error(
                "Invalid operand",
                format!("Unsuitable value for the operand of \"{op}\": a number is required, but the value is null."),
            )
            .at(span)
        }),
        Err(e) => Err(Diagnostic::error(
            "Invalid operand",
            format!("Unsuitable value for the operand of \"{op}\": {e}."),
        )
        .at(span)),
    }
}

fn operand_bool(v: &Value, span: Span, op: &str) -> Result<Option<bool>, Diagnostic> {
    match convert(v, &Type::Bool) {
        Ok(c) if !c.is_known() => Ok(None),
        Ok(c) => c.as_bool().map(Some).ok_or_else(|| {
            Diagnostic::error(
                "Invalid operand",
                format!("Unsuitable value for the operand of \"{op}\": a bool is required, but the value is null."),
            )
            .at(span)
        }),
        Err(e) => Err(Diagnostic::error(
            "Invalid operand",
            format!("Unsuitable value for the operand of \"{op}\": {e}."),
        )
        .at(span)),
    }
}

/// `value.name` with HCL's rules and Terraform's messages.
pub fn get_attr(cur: Value, name: &str, span: Span) -> EvalResult {
    let mark = cur.sensitive;
    let out = match cur.kind {
        Kind::Unknown(Type::Object(o)) => match o.attrs.get(name) {
            Some(t) => Value::unknown(t.clone()),
            None => return Err(unsupported_attr(name, o.attrs.keys().map(String::as_str), span)),
        },
        Kind::Unknown(Type::Map(t)) => Value::unknown(*t),
        Kind::Unknown(_) => Value::unknown(Type::Any),
        Kind::Object(mut m) => match m.remove(name) {
            Some(v) => v,
            None => return Err(unsupported_attr(name, m.keys().map(String::as_str), span)),
        },
        Kind::Map(mut m) => match m.remove(name) {
            Some(v) => v,
            None => {
                return Err(Diagnostic::error(
                    "Missing map element",
                    format!("This map does not have an element with the key \"{name}\"."),
                )
                .at(span))
            }
        },
        Kind::Null => {
            return Err(Diagnostic::error(
                "Attempt to get attribute from null value",
                format!("This value is null, so it does not have any attributes (such as \"{name}\")."),
            )
            .at(span))
        }
        Kind::List(_) | Kind::Tuple(_) | Kind::Set(_) => {
            return Err(Diagnostic::error(
                "Unsupported attribute",
                format!("Can't access attributes on a list of values. Did you mean to access attribute \"{name}\" of a specific element (xs[0].{name}), or of every element (xs[*].{name})?"),
            )
            .at(span))
        }
        other => {
            return Err(Diagnostic::error(
                "Unsupported attribute",
                format!("Can't access attribute \"{name}\" on a value of type {}.", Value::from(other).type_name()),
            )
            .at(span))
        }
    };
    Ok(out.with_sensitive(mark))
}

fn unsupported_attr<'a>(
    name: &str,
    names: impl Iterator<Item = &'a str>,
    span: Span,
) -> Diagnostic {
    let names: Vec<&str> = names.collect();
    Diagnostic::error(
        "Unsupported attribute",
        format!(
            "This object does not have an attribute named \"{name}\".{}",
            did_you_mean(name, names)
        ),
    )
    .at(span)
}

/// `value[key]` with HCL's rules and Terraform's messages.
pub fn index(cur: Value, key: &Value, span: Span) -> EvalResult {
    let mark = cur.sensitive || key.sensitive;
    if !key.is_known() {
        return Ok(Value::unknown(Type::Any).with_sensitive(mark));
    }
    let out = match cur.kind {
        Kind::Unknown(Type::List(t) | Type::Map(t)) => Value::unknown(*t),
        Kind::Unknown(_) => Value::unknown(Type::Any),
        Kind::List(mut v) | Kind::Tuple(mut v) => {
            let len = v.len();
            let i = convert(key, &Type::Number)
                .ok()
                .and_then(|k| k.as_number())
                .and_then(Number::as_i64)
                .ok_or_else(|| {
                    Diagnostic::error(
                        "Invalid index",
                        format!("A list element is selected by a whole number, but the key is {}.", key.type_name()),
                    )
                    .at(span)
                })?;
            match usize::try_from(i).ok().filter(|i| *i < len) {
                Some(i) => v.swap_remove(i),
                None => {
                    return Err(Diagnostic::error(
                        "Invalid index",
                        format!("The given key does not identify an element in this collection value: the collection has {len} element(s), so the index must be between 0 and {}.", len.saturating_sub(1)),
                    )
                    .at(span))
                }
            }
        }
        Kind::Map(mut m) | Kind::Object(mut m) => {
            let Some(k) = string_of(key) else {
                return Err(Diagnostic::error(
                    "Invalid index",
                    format!("A map element is selected by a string key, but the key is {}.", key.type_name()),
                )
                .at(span));
            };
            match m.remove(&k) {
                Some(v) => v,
                None => {
                    return Err(Diagnostic::error(
                        "Invalid index",
                        format!("The given key does not identify an element in this collection value: there is no element with the key \"{k}\"."),
                    )
                    .at(span))
                }
            }
        }
        Kind::Set(_) => {
            return Err(Diagnostic::error(
                "Invalid index",
                "Elements of a set are identified only by their value and don't have any separate index or key to select with. Convert it with tolist() first, or iterate it with a for expression.",
            )
            .at(span))
        }
        Kind::Null => {
            return Err(Diagnostic::error(
                "Attempt to index null value",
                "This value is null, so it does not have any indices.",
            )
            .at(span))
        }
        other => {
            return Err(Diagnostic::error(
                "Invalid index",
                format!("This value does not have any indices: it is {}.", Value::from(other).type_name()),
            )
            .at(span))
        }
    };
    Ok(out.with_sensitive(mark))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::super::{parse_expr, Functions, MapScope, Type, Value};
    use super::EvalCtx;
    use crate::source::FileId;

    /// A traversal from a name walks by reference (`step_ref`); the same traversal from a
    /// parenthesised name takes the general path. Both must agree, errors and marks
    /// included.
    #[test]
    fn borrowing_traversal_agrees_with_the_general_path() {
        let obj = |id: &str| Value::object_from([("id", Value::string(id))]);
        let scope = MapScope::new()
            .with("objs", Value::tuple(vec![obj("a"), obj("b")]))
            .with(
                "byname",
                Value::object_from([("x", obj("X")), ("y", obj("Y").mark_sensitive())]),
            )
            .with("i", Value::int(1))
            .with("istr", Value::string("1"))
            .with("k", Value::string("x"))
            .with("si", Value::int(0).mark_sensitive())
            .with("u", Value::unknown(Type::Number))
            .with("big", Value::int(7))
            .with("half", Value::number(super::Number::from_f64(0.5)));
        let functions = Functions::standard();
        let files = RefCell::new(BTreeSet::new());
        let ctx = EvalCtx {
            scope: &scope,
            functions: &functions,
            base_dir: Path::new("."),
            files_read: &files,
        };
        let run = |src: &str| match ctx.eval(&parse_expr(src, FileId(0)).expect("parse")) {
            Ok(v) => format!("{v:?}"),
            Err(d) => format!("error: {}: {}", d.summary, d.detail),
        };
        for path in [
            "[i].id",
            "[0].id",
            "[istr].id",
            "[si].id",
            "[u].id",
            "[big].id",
            "[half]",
            "[k]",
            "[i].nope",
            "[0]",
            "[-1]",
        ] {
            let fast = run(&format!("objs{path}"));
            assert_eq!(fast, run(&format!("(objs){path}")), "objs{path}");
        }
        for path in [
            "[k].id",
            "[\"y\"].id",
            "[\"y\"]",
            "[\"z\"]",
            "[i]",
            "[u]",
            ".x.id",
        ] {
            let fast = run(&format!("byname{path}"));
            assert_eq!(fast, run(&format!("(byname){path}")), "byname{path}");
        }
        // The sensitive key marks what it selects.
        assert!(run("objs[si].id").contains("sensitive: true"));
    }
}
