//! Lowers `hcl-edit`'s syntax tree into Kiln's [`ast`](super::ast).
//!
//! This is the only place that knows `hcl-edit`'s expression types. It applies template
//! strip markers (`~`) here, once, so the evaluator sees final literal text.

use hcl_edit::expr as hx;
use hcl_edit::template as ht;
use hcl_edit::Span as _;

use super::ast::{
    BinaryOp, Expr, ExprKind, ForExpr, ObjectKey, TemplatePart, TraversalOp, UnaryOp,
};
use super::number::Number;
use super::value::Value;
use crate::source::{FileId, Span};

/// Lowers expressions of one file; `fallback` is used where the parser gave no span.
pub struct Lowerer {
    pub file: FileId,
    /// Added to every span: non-zero when the text was parsed out of a larger file.
    pub offset: usize,
}

impl Lowerer {
    pub fn new(file: FileId) -> Lowerer {
        Lowerer { file, offset: 0 }
    }

    pub fn span(&self, range: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
        match range {
            Some(r) => Span::new(self.file, r.start + self.offset..r.end + self.offset),
            None => fallback,
        }
    }

    pub fn expr(&self, e: &hx::Expression, fallback: Span) -> Expr {
        let span = self.span(e.span(), fallback);
        let kind = match e {
            hx::Expression::Null(_) => ExprKind::Literal(Value::null()),
            hx::Expression::Bool(b) => ExprKind::Literal(Value::bool(*b.value())),
            hx::Expression::Number(n) => ExprKind::Literal(Value::number(lower_number(n.value()))),
            hx::Expression::String(s) => ExprKind::Literal(Value::string(s.value().clone())),
            hx::Expression::Array(a) => {
                ExprKind::Tuple(a.iter().map(|x| self.expr(x, span)).collect())
            }
            hx::Expression::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            hx::ObjectKey::Ident(id) => {
                                ObjectKey::Ident(id.value().as_str().to_string())
                            }
                            hx::ObjectKey::Expression(x) => ObjectKey::Expr(self.expr(x, span)),
                        };
                        (key, self.expr(v.expr(), span))
                    })
                    .collect(),
            ),
            hx::Expression::StringTemplate(t) => ExprKind::Template(self.template(t, span)),
            hx::Expression::HeredocTemplate(h) => {
                ExprKind::Template(self.template(&h.template, span))
            }
            hx::Expression::Parenthesis(p) => {
                ExprKind::Parens(Box::new(self.expr(p.inner(), span)))
            }
            hx::Expression::Variable(v) => ExprKind::Variable(v.value().as_str().to_string()),
            hx::Expression::Conditional(c) => ExprKind::Conditional(
                Box::new(self.expr(&c.cond_expr, span)),
                Box::new(self.expr(&c.true_expr, span)),
                Box::new(self.expr(&c.false_expr, span)),
            ),
            hx::Expression::FuncCall(f) => {
                let mut name: Vec<&str> = f
                    .name
                    .namespace
                    .iter()
                    .map(|n| n.value().as_str())
                    .collect();
                name.push(f.name.name.value().as_str());
                ExprKind::FuncCall {
                    name: name.join("::"),
                    name_span: self.span(f.name.name.span(), span),
                    args: f.args.iter().map(|a| self.expr(a, span)).collect(),
                    expand_final: f.args.expand_final(),
                }
            }
            hx::Expression::Traversal(t) => ExprKind::Traversal {
                base: Box::new(self.expr(&t.expr, span)),
                ops: t
                    .operators
                    .iter()
                    .map(|op| {
                        let op_span = self.span(op.span(), span);
                        match op.value() {
                            hx::TraversalOperator::GetAttr(id) => TraversalOp::GetAttr(
                                id.value().as_str().to_string(),
                                self.span(id.span(), op_span),
                            ),
                            hx::TraversalOperator::Index(ix) => {
                                TraversalOp::Index(self.expr(ix, op_span))
                            }
                            hx::TraversalOperator::LegacyIndex(ix) => TraversalOp::Index(Expr {
                                kind: ExprKind::Literal(Value::int(
                                    i64::try_from(*ix.value()).unwrap_or(i64::MAX),
                                )),
                                span: op_span,
                            }),
                            hx::TraversalOperator::FullSplat(_) => TraversalOp::FullSplat(op_span),
                            hx::TraversalOperator::AttrSplat(_) => TraversalOp::AttrSplat(op_span),
                        }
                    })
                    .collect(),
            },
            hx::Expression::UnaryOp(u) => {
                let op = match u.operator.value() {
                    hcl_edit::expr::UnaryOperator::Neg => UnaryOp::Neg,
                    hcl_edit::expr::UnaryOperator::Not => UnaryOp::Not,
                };
                ExprKind::Unary(op, Box::new(self.expr(&u.expr, span)))
            }
            hx::Expression::BinaryOp(b) => {
                use hcl_edit::expr::BinaryOperator as B;
                let op = match b.operator.value() {
                    B::Eq => BinaryOp::Eq,
                    B::NotEq => BinaryOp::NotEq,
                    B::LessEq => BinaryOp::LessEq,
                    B::GreaterEq => BinaryOp::GreaterEq,
                    B::Less => BinaryOp::Less,
                    B::Greater => BinaryOp::Greater,
                    B::Plus => BinaryOp::Add,
                    B::Minus => BinaryOp::Sub,
                    B::Mul => BinaryOp::Mul,
                    B::Div => BinaryOp::Div,
                    B::Mod => BinaryOp::Mod,
                    B::And => BinaryOp::And,
                    B::Or => BinaryOp::Or,
                };
                ExprKind::Binary(
                    op,
                    Box::new(self.expr(&b.lhs_expr, span)),
                    Box::new(self.expr(&b.rhs_expr, span)),
                )
            }
            hx::Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f
                    .intro
                    .key_var
                    .as_ref()
                    .map(|k| k.value().as_str().to_string()),
                value_var: f.intro.value_var.value().as_str().to_string(),
                collection: self.expr(&f.intro.collection_expr, span),
                key: f.key_expr.as_ref().map(|k| self.expr(k, span)),
                value: self.expr(&f.value_expr, span),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr, span)),
                grouping: f.grouping,
            })),
        };
        Expr { kind, span }
    }

    /// Lowers a template, applying strip markers to neighbouring literals.
    pub fn template(&self, t: &ht::Template, fallback: Span) -> Vec<TemplatePart> {
        let mut parts: Vec<TemplatePart> = Vec::new();
        let mut strip_next = false;
        for el in t.iter() {
            match el {
                ht::Element::Literal(s) => {
                    let text = if strip_next {
                        s.value().trim_start().to_string()
                    } else {
                        s.value().clone()
                    };
                    strip_next = false;
                    parts.push(TemplatePart::Literal(text));
                }
                ht::Element::Interpolation(i) => {
                    if i.strip.strip_start() {
                        trim_last(&mut parts);
                    }
                    strip_next = i.strip.strip_end();
                    parts.push(TemplatePart::Interp(self.expr(&i.expr, fallback)));
                }
                ht::Element::Directive(d) => match d.as_ref() {
                    ht::Directive::If(ifd) => {
                        if ifd.if_expr.strip.strip_start() {
                            trim_last(&mut parts);
                        }
                        let mut then = self.template(&ifd.if_expr.template, fallback);
                        if ifd.if_expr.strip.strip_end() {
                            trim_first(&mut then);
                        }
                        let mut otherwise = Vec::new();
                        if let Some(e) = &ifd.else_expr {
                            if e.strip.strip_start() {
                                trim_last(&mut then);
                            }
                            otherwise = self.template(&e.template, fallback);
                            if e.strip.strip_end() {
                                trim_first(&mut otherwise);
                            }
                        }
                        if ifd.endif_expr.strip.strip_start() {
                            if ifd.else_expr.is_some() {
                                trim_last(&mut otherwise);
                            } else {
                                trim_last(&mut then);
                            }
                        }
                        strip_next = ifd.endif_expr.strip.strip_end();
                        parts.push(TemplatePart::If {
                            cond: self.expr(&ifd.if_expr.cond_expr, fallback),
                            then,
                            otherwise,
                        });
                    }
                    ht::Directive::For(fd) => {
                        let fe = &fd.for_expr;
                        if fe.strip.strip_start() {
                            trim_last(&mut parts);
                        }
                        let mut body = self.template(&fe.template, fallback);
                        if fe.strip.strip_end() {
                            trim_first(&mut body);
                        }
                        if fd.endfor_expr.strip.strip_start() {
                            trim_last(&mut body);
                        }
                        strip_next = fd.endfor_expr.strip.strip_end();
                        let collection = self.expr(&fe.collection_expr, fallback);
                        parts.push(TemplatePart::For {
                            key_var: fe.key_var.as_ref().map(|k| k.value().as_str().to_string()),
                            value_var: fe.value_var.value().as_str().to_string(),
                            span: collection.span,
                            collection,
                            body,
                        });
                    }
                },
            }
        }
        parts
    }
}

fn trim_last(parts: &mut [TemplatePart]) {
    if let Some(TemplatePart::Literal(s)) = parts.last_mut() {
        let keep = s.trim_end().len();
        s.truncate(keep);
    }
}

fn trim_first(parts: &mut [TemplatePart]) {
    if let Some(TemplatePart::Literal(s)) = parts.first_mut() {
        *s = s.trim_start().to_string();
    }
}

fn lower_number(n: &hcl_edit::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::Int(i)
    } else if let Some(u) = n.as_u64() {
        Number::from_f64(u as f64)
    } else {
        Number::from_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}
