//! The formatter's safety net: did formatting change anything but layout?
//!
//! `hcl_edit`'s equality already ignores decor (whitespace and comments around nodes)
//! and spans, but a few nodes keep whitespace in plain `RawString` fields — the space
//! before a closing `]`, `}` or `)`, and inside template directives (`%{ if x }`). This
//! visitor blanks those so two bodies compare equal exactly when they mean the same.

use hcl_edit::expr::{Array, FuncArgs, Object};
use hcl_edit::structure::Body;
use hcl_edit::template::{ElseTemplateExpr, ForDirective, IfDirective, IfTemplateExpr};
use hcl_edit::visit_mut::{self, VisitMut};

/// True when `formatted` parses to the same body as `original` (modulo layout).
pub(crate) fn same_meaning(original: &Body, formatted: &str) -> bool {
    let Ok(mut formatted) = hcl_edit::parser::parse_body(formatted) else {
        return false;
    };
    let mut original = original.clone();
    Blank.visit_body_mut(&mut original);
    Blank.visit_body_mut(&mut formatted);
    original == formatted
}

struct Blank;

impl VisitMut for Blank {
    fn visit_array_mut(&mut self, node: &mut Array) {
        node.set_trailing("");
        visit_mut::visit_array_mut(self, node);
    }

    fn visit_object_mut(&mut self, node: &mut Object) {
        node.set_trailing("");
        visit_mut::visit_object_mut(self, node);
    }

    fn visit_func_args_mut(&mut self, node: &mut FuncArgs) {
        node.set_trailing("");
        visit_mut::visit_func_args_mut(self, node);
    }

    fn visit_if_template_expr_mut(&mut self, node: &mut IfTemplateExpr) {
        node.set_preamble("");
        visit_mut::visit_if_template_expr_mut(self, node);
    }

    fn visit_else_template_expr_mut(&mut self, node: &mut ElseTemplateExpr) {
        node.set_preamble("");
        node.set_trailing("");
        visit_mut::visit_else_template_expr_mut(self, node);
    }

    fn visit_if_directive_mut(&mut self, node: &mut IfDirective) {
        node.endif_expr.set_preamble("");
        node.endif_expr.set_trailing("");
        visit_mut::visit_if_directive_mut(self, node);
    }

    fn visit_for_directive_mut(&mut self, node: &mut ForDirective) {
        node.for_expr.set_preamble("");
        node.endfor_expr.set_preamble("");
        node.endfor_expr.set_trailing("");
        visit_mut::visit_for_directive_mut(self, node);
    }
}
