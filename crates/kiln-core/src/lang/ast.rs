//! Kiln's expression tree: compact, with a [`Span`] on every node.
//!
//! Lowered once from `hcl-edit`'s syntax tree (see [`super::lower`]), which keeps
//! formatting detail the evaluator has no use for. Template strip markers (`~`) are applied
//! during lowering, so templates here hold the final literal text.

use crate::source::Span;

use super::value::Value;

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Literal(Value),
    /// A quoted string or heredoc with interpolations or directives.
    Template(Vec<TemplatePart>),
    Tuple(Vec<Expr>),
    Object(Vec<(ObjectKey, Expr)>),
    /// A bare name: `var`, `local`, `count`, `aws_instance`, a `for` variable, ….
    Variable(String),
    Traversal {
        base: Box<Expr>,
        ops: Vec<TraversalOp>,
    },
    FuncCall {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
        /// `f(list...)`: the last argument expands into several.
        expand_final: bool,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
    Parens(Box<Expr>),
}

#[derive(Debug, Clone)]
pub enum ObjectKey {
    /// `name = …`: a literal key (HCL never treats a bare key as a reference).
    Ident(String),
    /// `(expr) = …` or `"string" = …`.
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub enum TraversalOp {
    GetAttr(String, Span),
    Index(Expr),
    /// `[*]` — the following operators apply to each element.
    FullSplat(Span),
    /// `.*` — only the following attribute accesses apply to each element.
    AttrSplat(Span),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Less => "<",
            BinaryOp::LessEq => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterEq => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// Present for `{ for … : k => v }`.
    pub key: Option<Expr>,
    pub value: Expr,
    pub cond: Option<Expr>,
    /// `...` after the value: group values by key into lists.
    pub grouping: bool,
}

#[derive(Debug, Clone)]
pub enum TemplatePart {
    Literal(String),
    Interp(Expr),
    If {
        cond: Expr,
        then: Vec<TemplatePart>,
        otherwise: Vec<TemplatePart>,
    },
    For {
        key_var: Option<String>,
        value_var: String,
        collection: Expr,
        body: Vec<TemplatePart>,
        span: Span,
    },
}

/// A reference found in an expression: a root name and the static steps after it
/// (`aws_instance.web[0].id` → root `aws_instance`, steps `web`, `0`, `id`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub root: String,
    pub steps: Vec<RefStep>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RefStep {
    Attr(String),
    Key(String),
    Index(i64),
    /// An index by `count.index` or `each.key`: the instance with the same key as the one
    /// referring (what lets `b[count.index]` depend on one instance of `a`, not all).
    SameKey,
    /// An index not known statically, or a splat.
    Dynamic,
}

impl Expr {
    /// Every reference to a name not bound by an enclosing `for`.
    pub fn references(&self) -> Vec<Reference> {
        let mut out = Vec::new();
        collect_refs(self, &mut Vec::new(), &mut out);
        out
    }

    /// Names of all functions called anywhere inside.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Variable(_) => {}
            ExprKind::Template(parts) => walk_parts(parts, f),
            ExprKind::Tuple(items) => items.iter().for_each(|e| e.walk(f)),
            ExprKind::Object(items) => {
                for (k, v) in items {
                    if let ObjectKey::Expr(k) = k {
                        k.walk(f);
                    }
                    v.walk(f);
                }
            }
            ExprKind::Traversal { base, ops } => {
                base.walk(f);
                for op in ops {
                    if let TraversalOp::Index(e) = op {
                        e.walk(f);
                    }
                }
            }
            ExprKind::FuncCall { args, .. } => args.iter().for_each(|e| e.walk(f)),
            ExprKind::Unary(_, e) | ExprKind::Parens(e) => e.walk(f),
            ExprKind::Binary(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Conditional(a, b, c) => {
                a.walk(f);
                b.walk(f);
                c.walk(f);
            }
            ExprKind::For(fe) => {
                fe.collection.walk(f);
                if let Some(k) = &fe.key {
                    k.walk(f);
                }
                fe.value.walk(f);
                if let Some(c) = &fe.cond {
                    c.walk(f);
                }
            }
        }
    }

    /// A literal string's value, if the expression is exactly one.
    pub fn as_literal_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Literal(v) => v.as_str(),
            ExprKind::Template(parts) => match parts.as_slice() {
                [TemplatePart::Literal(s)] => Some(s),
                [] => Some(""),
                _ => None,
            },
            _ => None,
        }
    }

    /// For `x.y.z` with no indexes: the dotted names, used for keywords in
    /// `depends_on`, `ignore_changes` and type constraints.
    pub fn as_static_path(&self) -> Option<Vec<&str>> {
        match &self.kind {
            ExprKind::Variable(name) => Some(vec![name.as_str()]),
            ExprKind::Traversal { base, ops } => {
                let mut path = base.as_static_path()?;
                for op in ops {
                    match op {
                        TraversalOp::GetAttr(name, _) => path.push(name),
                        _ => return None,
                    }
                }
                Some(path)
            }
            _ => None,
        }
    }
}

fn walk_parts(parts: &[TemplatePart], f: &mut dyn FnMut(&Expr)) {
    for p in parts {
        match p {
            TemplatePart::Literal(_) => {}
            TemplatePart::Interp(e) => e.walk(f),
            TemplatePart::If {
                cond,
                then,
                otherwise,
            } => {
                cond.walk(f);
                walk_parts(then, f);
                walk_parts(otherwise, f);
            }
            TemplatePart::For {
                collection, body, ..
            } => {
                collection.walk(f);
                walk_parts(body, f);
            }
        }
    }
}

fn collect_refs(e: &Expr, bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    match &e.kind {
        ExprKind::Variable(name) => {
            if !bound.contains(name) {
                out.push(Reference {
                    root: name.clone(),
                    steps: Vec::new(),
                    span: e.span,
                });
            }
        }
        ExprKind::Traversal { base, ops } => {
            if let ExprKind::Variable(name) = &base.kind {
                if !bound.contains(name) {
                    let mut steps = Vec::new();
                    for op in ops {
                        let step = match op {
                            TraversalOp::GetAttr(n, _) => RefStep::Attr(n.clone()),
                            TraversalOp::Index(ix) => match &ix.kind {
                                ExprKind::Literal(v) => match (v.as_number(), v.as_str()) {
                                    (Some(n), _) => {
                                        n.as_i64().map(RefStep::Index).unwrap_or(RefStep::Dynamic)
                                    }
                                    (_, Some(s)) => RefStep::Key(s.to_string()),
                                    _ => RefStep::Dynamic,
                                },
                                _ => match (ix.as_literal_str(), ix.as_static_path().as_deref()) {
                                    (Some(s), _) => RefStep::Key(s.to_string()),
                                    (None, Some(["count", "index"] | ["each", "key"])) => {
                                        RefStep::SameKey
                                    }
                                    _ => RefStep::Dynamic,
                                },
                            },
                            TraversalOp::FullSplat(_) | TraversalOp::AttrSplat(_) => {
                                RefStep::Dynamic
                            }
                        };
                        let stop = step == RefStep::Dynamic;
                        steps.push(step);
                        if stop {
                            break;
                        }
                    }
                    out.push(Reference {
                        root: name.clone(),
                        steps,
                        span: e.span,
                    });
                }
            } else {
                collect_refs(base, bound, out);
            }
            for op in ops {
                if let TraversalOp::Index(ix) = op {
                    collect_refs(ix, bound, out);
                }
            }
        }
        ExprKind::For(fe) => {
            collect_refs(&fe.collection, bound, out);
            let n = bound.len();
            bound.extend(fe.key_var.iter().cloned());
            bound.push(fe.value_var.clone());
            if let Some(k) = &fe.key {
                collect_refs(k, bound, out);
            }
            collect_refs(&fe.value, bound, out);
            if let Some(c) = &fe.cond {
                collect_refs(c, bound, out);
            }
            bound.truncate(n);
        }
        ExprKind::Template(parts) => collect_part_refs(parts, bound, out),
        ExprKind::Literal(_) => {}
        ExprKind::Tuple(items) => items.iter().for_each(|x| collect_refs(x, bound, out)),
        ExprKind::Object(items) => {
            for (k, v) in items {
                if let ObjectKey::Expr(k) = k {
                    collect_refs(k, bound, out);
                }
                collect_refs(v, bound, out);
            }
        }
        ExprKind::FuncCall { args, .. } => args.iter().for_each(|x| collect_refs(x, bound, out)),
        ExprKind::Unary(_, x) | ExprKind::Parens(x) => collect_refs(x, bound, out),
        ExprKind::Binary(_, a, b) => {
            collect_refs(a, bound, out);
            collect_refs(b, bound, out);
        }
        ExprKind::Conditional(a, b, c) => {
            collect_refs(a, bound, out);
            collect_refs(b, bound, out);
            collect_refs(c, bound, out);
        }
    }
}

fn collect_part_refs(parts: &[TemplatePart], bound: &mut Vec<String>, out: &mut Vec<Reference>) {
    for p in parts {
        match p {
            TemplatePart::Literal(_) => {}
            TemplatePart::Interp(e) => collect_refs(e, bound, out),
            TemplatePart::If {
                cond,
                then,
                otherwise,
            } => {
                collect_refs(cond, bound, out);
                collect_part_refs(then, bound, out);
                collect_part_refs(otherwise, bound, out);
            }
            TemplatePart::For {
                key_var,
                value_var,
                collection,
                body,
                ..
            } => {
                collect_refs(collection, bound, out);
                let n = bound.len();
                bound.extend(key_var.iter().cloned());
                bound.push(value_var.clone());
                collect_part_refs(body, bound, out);
                bound.truncate(n);
            }
        }
    }
}
