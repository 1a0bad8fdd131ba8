//! Name resolution for the evaluator.
//!
//! A [`Scope`] answers a root name (`var`, `local`, `count`, `aws_instance`, a `for`
//! variable) with a value. Scopes chain: a `for` expression or a template loop pushes a
//! small scope of its own over the enclosing one.

use std::collections::HashMap;

use super::value::Value;

pub trait Scope {
    /// The value bound to a root name, if any.
    fn lookup(&self, name: &str) -> Option<&Value>;
}

/// A scope that knows no names (for constant expressions).
pub struct EmptyScope;

impl Scope for EmptyScope {
    fn lookup(&self, _: &str) -> Option<&Value> {
        None
    }
}

/// A scope backed by a map, for tests, `templatefile` variables and the console.
#[derive(Debug, Default, Clone)]
pub struct MapScope {
    pub names: HashMap<String, Value>,
}

impl MapScope {
    pub fn new() -> MapScope {
        MapScope::default()
    }

    pub fn with(mut self, name: impl Into<String>, value: Value) -> MapScope {
        self.names.insert(name.into(), value);
        self
    }

    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        self.names.insert(name.into(), value);
    }
}

impl Scope for MapScope {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.names.get(name)
    }
}

/// One or two names bound over a parent scope (a `for` iteration).
pub struct ChildScope<'p> {
    pub parent: &'p dyn Scope,
    pub names: Vec<(String, Value)>,
}

impl Scope for ChildScope<'_> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.names
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .or_else(|| self.parent.lookup(name))
    }
}
