//! Turns `hcl-edit` bodies into the generic [`Body`] of the model: attributes with lowered
//! expressions, nested blocks with labels, every part with its span. Also the small
//! helpers the loader uses to read static values (literal strings, bools) out of it.

use hcl_edit::structure as hs;

use super::model::{Attribute, Block, Body};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::ast::ExprKind;
use crate::lang::lower::Lowerer;
use crate::lang::{Expr, Kind};
use crate::source::Span;

pub struct Decoder {
    pub lower: Lowerer,
}

impl Decoder {
    pub fn span_of(&self, node: &impl hcl_edit::Span, fallback: Span) -> Span {
        self.lower.span(node.span(), fallback)
    }

    pub fn body(&self, body: &hs::Body, fallback: Span, diags: &mut Diagnostics) -> Body {
        let mut out = Body::default();
        for structure in body.iter() {
            match structure {
                hs::Structure::Attribute(a) => {
                    let attr = self.attribute(a, fallback);
                    if let Some(prev) = out.attr(&attr.name) {
                        diags.push(
                            Diagnostic::error(
                                "Attribute redefined",
                                format!(
                                    "The argument \"{}\" was already set earlier in this block, where it is marked. Each argument may be set only once; remove one of them.",
                                    attr.name
                                ),
                            )
                            .at(attr.name_span)
                            .with_context(prev.span),
                        );
                        continue;
                    }
                    out.attributes.push(attr);
                }
                hs::Structure::Block(b) => out.blocks.push(self.block(b, fallback, diags)),
            }
        }
        out
    }

    pub fn attribute(&self, a: &hs::Attribute, fallback: Span) -> Attribute {
        let span = self.span_of(a, fallback);
        let name_span = self.span_of(&a.key, span);
        Attribute {
            name: a.key.value().as_str().to_string(),
            expr: self.lower.expr(&a.value, span),
            span,
            name_span,
        }
    }

    pub fn block(&self, b: &hs::Block, fallback: Span, diags: &mut Diagnostics) -> Block {
        let span = self.span_of(b, fallback);
        let ident_span = self.span_of(&b.ident, span);
        let header_end = b
            .labels
            .last()
            .map(|l| match l {
                hs::BlockLabel::Ident(i) => self.span_of(i, ident_span),
                hs::BlockLabel::String(s) => self.span_of(s, ident_span),
            })
            .unwrap_or(ident_span);
        Block {
            kind: b.ident.value().as_str().to_string(),
            labels: b
                .labels
                .iter()
                .map(|l| match l {
                    hs::BlockLabel::Ident(i) => i.value().as_str().to_string(),
                    hs::BlockLabel::String(s) => s.value().clone(),
                })
                .collect(),
            body: self.body(&b.body, span, diags),
            span,
            header_span: ident_span.to(header_end),
        }
    }
}

/// A statically known string: a literal or a template without interpolations.
pub fn literal_string(expr: &Expr, what: &str, diags: &mut Diagnostics) -> Option<String> {
    match expr.as_literal_str() {
        Some(s) => Some(s.to_string()),
        None => {
            diags.push(
                Diagnostic::error(
                    "Invalid value",
                    format!("The {what} must be a literal string: references, functions and interpolations are not allowed here."),
                )
                .at(expr.span),
            );
            None
        }
    }
}

/// A statically known bool (`true` / `false`).
pub fn literal_bool(expr: &Expr, what: &str, diags: &mut Diagnostics) -> Option<bool> {
    if let ExprKind::Literal(v) = &expr.kind {
        if let Kind::Bool(b) = v.kind {
            return Some(b);
        }
    }
    diags.push(
        Diagnostic::error(
            "Invalid value",
            format!("The {what} must be the literal true or false."),
        )
        .at(expr.span),
    );
    None
}

/// A list of static references, as in `depends_on = [a.b, module.c]`.
pub fn reference_list(expr: &Expr, what: &str, diags: &mut Diagnostics) -> Vec<Expr> {
    match &expr.kind {
        ExprKind::Tuple(items) => {
            let mut out = Vec::new();
            for item in items {
                if item.as_static_path().is_some()
                    || matches!(item.kind, ExprKind::Traversal { .. })
                {
                    out.push(item.clone());
                } else {
                    diags.push(
                        Diagnostic::error(
                            "Invalid reference",
                            format!("Each element of {what} must be a reference to a resource, data source or module, such as local_file.x."),
                        )
                        .at(item.span),
                    );
                }
            }
            out
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    "Invalid value",
                    format!(
                        "{what} must be a list of references, such as [local_file.x, module.net]."
                    ),
                )
                .at(expr.span),
            );
            Vec::new()
        }
    }
}

/// Reports every attribute and block of `body` not named in `allowed`.
pub fn reject_unknown(
    body: &Body,
    attrs: &[&str],
    blocks: &[&str],
    context: &str,
    diags: &mut Diagnostics,
) {
    for a in &body.attributes {
        if !attrs.contains(&a.name.as_str()) {
            diags.push(unsupported_argument(a, attrs, blocks, context));
        }
    }
    for b in &body.blocks {
        if !blocks.contains(&b.kind.as_str()) {
            diags.push(unsupported_block(b, blocks, attrs, context));
        }
    }
}

/// "Unsupported argument", with the most useful hint: the block of that name, a near
/// name, or the list of accepted arguments.
pub fn unsupported_argument(
    a: &Attribute,
    attrs: &[&str],
    blocks: &[&str],
    context: &str,
) -> Diagnostic {
    let hint = if blocks.contains(&a.name.as_str()) {
        format!(
            " \"{0}\" is a block here: write {0} {{ … }} instead of {0} = ….",
            a.name
        )
    } else {
        match crate::diag::did_you_mean(&a.name, attrs.iter().copied()) {
            hint if hint.is_empty() && !attrs.is_empty() => {
                format!(" The arguments accepted here are: {}.", attrs.join(", "))
            }
            hint => hint,
        }
    };
    Diagnostic::error(
        "Unsupported argument",
        format!(
            "An argument named \"{}\" is not expected in {context}.{hint}",
            a.name
        ),
    )
    .at(a.name_span)
}

/// "Unsupported block type", hinting at the argument of that name or a near block name.
pub fn unsupported_block(b: &Block, blocks: &[&str], attrs: &[&str], context: &str) -> Diagnostic {
    let hint = if attrs.contains(&b.kind.as_str()) {
        format!(
            " \"{0}\" is an argument here: write {0} = … instead of a block.",
            b.kind
        )
    } else {
        crate::diag::did_you_mean(&b.kind, blocks.iter().copied())
    };
    Diagnostic::error(
        "Unsupported block type",
        format!(
            "Blocks of type \"{}\" are not expected in {context}.{hint}",
            b.kind
        ),
    )
    .at(b.header_span)
}

/// Checks a block has exactly the labels named in `names` (e.g. ["type", "name"]).
pub fn check_labels(b: &Block, names: &[&str], diags: &mut Diagnostics) -> bool {
    if b.labels.len() == names.len() {
        for l in &b.labels {
            if !is_valid_name(l) {
                diags.push(
                    Diagnostic::error(
                        "Invalid name",
                        format!("\"{l}\" is not a valid name: a name must start with a letter or underscore and contain only letters, digits, underscores and dashes."),
                    )
                    .at(b.header_span),
                );
                return false;
            }
        }
        return true;
    }
    let expected = if names.is_empty() {
        format!("A \"{}\" block takes no labels.", b.kind)
    } else {
        format!(
            "A \"{}\" block needs {} label(s): {}. For example: {} {} {{ … }}",
            b.kind,
            names.len(),
            names.join(", "),
            b.kind,
            names
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    let summary = if b.labels.len() < names.len() {
        "Missing name for block"
    } else {
        "Extraneous label for block"
    };
    diags.push(Diagnostic::error(summary, expected).at(b.header_span));
    false
}

pub fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}
