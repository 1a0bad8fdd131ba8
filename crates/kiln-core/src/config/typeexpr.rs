//! Reads type constraints (`string`, `list(object({ a = optional(number, 1) }))`) from
//! expressions, as written in `variable "x" { type = … }`.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::lang::ast::{ExprKind, ObjectKey};
use crate::lang::types::ObjectType;
use crate::lang::{Expr, Type, Value};

const KEYWORDS: [&str; 9] = [
    "string", "number", "bool", "any", "list", "set", "map", "tuple", "object",
];

pub fn parse_type(expr: &Expr) -> Result<Type, Diagnostic> {
    parse(expr, false)
}

fn invalid(expr: &Expr, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error("Invalid type specification", detail).at(expr.span)
}

fn parse(expr: &Expr, in_object: bool) -> Result<Type, Diagnostic> {
    match &expr.kind {
        ExprKind::Variable(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "any" => Ok(Type::Any),
            "list" | "set" | "map" => Err(invalid(expr, format!("The {name} type constructor requires one argument specifying the element type, e.g. {name}(string)."))),
            other => Err(invalid(
                expr,
                format!("The keyword \"{other}\" is not a valid type.{}", crate::diag::did_you_mean(other, KEYWORDS)),
            )),
        },
        ExprKind::Literal(v) if v.as_str().is_some() => Err(invalid(
            expr,
            format!("Type constraints are written without quotes: use {} instead of \"{}\".", v.as_str().unwrap_or(""), v.as_str().unwrap_or("")),
        )),
        ExprKind::Template(_) => Err(invalid(expr, "Type constraints are keywords written without quotes, such as string or list(number).")),
        ExprKind::FuncCall { name, args, .. } => {
            let one = |what: &str| -> Result<&Expr, Diagnostic> {
                match args.as_slice() {
                    [a] => Ok(a),
                    _ => Err(invalid(expr, format!("The {what} type constructor requires exactly one argument."))),
                }
            };
            match name.as_str() {
                "list" => Ok(Type::List(Box::new(parse(one("list")?, false)?))),
                "set" => Ok(Type::Set(Box::new(parse(one("set")?, false)?))),
                "map" => Ok(Type::Map(Box::new(parse(one("map")?, false)?))),
                "tuple" => match &one("tuple")?.kind {
                    ExprKind::Tuple(items) => Ok(Type::Tuple(items.iter().map(|i| parse(i, false)).collect::<Result<_, _>>()?)),
                    _ => Err(invalid(expr, "The tuple type constructor requires a list of element types, e.g. tuple([string, number]).")),
                },
                "object" => match &one("object")?.kind {
                    ExprKind::Object(items) => object(items),
                    _ => Err(invalid(expr, "The object type constructor requires an object of attribute types, e.g. object({ name = string }).")),
                },
                "optional" if in_object => Err(invalid(expr, "optional() is handled by the enclosing object type.")),
                "optional" => Err(invalid(expr, "optional() may only be used for an attribute of an object type.")),
                other => Err(invalid(expr, format!("\"{other}\" is not a type constructor; use list, set, map, tuple or object."))),
            }
        }
        _ => Err(invalid(expr, "A type constraint is a keyword (string, number, bool, any) or a constructor such as list(string) or object({ name = string }).")),
    }
}

fn object(items: &[(ObjectKey, Expr)]) -> Result<Type, Diagnostic> {
    let mut o = ObjectType {
        attrs: BTreeMap::new(),
        optional: BTreeMap::new(),
    };
    for (key, ty_expr) in items {
        let name = match key {
            ObjectKey::Ident(n) => n.clone(),
            ObjectKey::Expr(k) => match k.as_literal_str() {
                Some(s) => s.to_string(),
                None => {
                    return Err(invalid(
                        k,
                        "Object attribute names in a type must be plain names.",
                    ))
                }
            },
        };
        if let ExprKind::FuncCall { name: f, args, .. } = &ty_expr.kind {
            if f == "optional" {
                let (t, default) = match args.as_slice() {
                    [t] => (parse(t, true)?, None),
                    [t, d] => (parse(t, true)?, Some(constant(d)?)),
                    _ => return Err(invalid(ty_expr, "optional() takes a type and, optionally, a default value: optional(string, \"x\").")),
                };
                if let Some(d) = &default {
                    crate::lang::types::convert(d, &t).map_err(|e| {
                        invalid(
                            ty_expr,
                            format!("The default value does not match the attribute type: {e}."),
                        )
                    })?;
                }
                o.attrs.insert(name.clone(), t);
                o.optional.insert(name, default);
                continue;
            }
        }
        o.attrs.insert(name, parse(ty_expr, true)?);
    }
    Ok(Type::Object(o))
}

/// Evaluates a constant expression (no references), for `optional()` defaults.
fn constant(expr: &Expr) -> Result<Value, Diagnostic> {
    let functions = crate::lang::Functions::standard();
    let files = std::cell::RefCell::new(Default::default());
    let ctx = crate::lang::EvalCtx {
        scope: &crate::lang::scope::EmptyScope,
        functions: &functions,
        base_dir: std::path::Path::new("."),
        files_read: &files,
    };
    ctx.eval(expr)
}
