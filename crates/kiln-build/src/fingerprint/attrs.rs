//! The configuration's part of a fingerprint: one input per top-level attribute, so that
//! a plan can name the attribute that changed.
//!
//! Files that functions read (`file()`, `templatefile()`) need nothing here: their
//! content is already inside the evaluated configuration, as a string.

use kiln_core::lang::{Kind, Value};

use super::digest::{self, field, hasher};
use super::record::Input;
use super::ConfigSpec;

/// One input per attribute that is set and is not an output. A null attribute adds
/// nothing, so a later version of Kiln can add optional attributes to a schema without
/// changing every existing image's fingerprint.
pub(crate) fn attribute_inputs(config: &Value, spec: &ConfigSpec<'_>) -> Vec<Input> {
    let Some(attrs) = config.as_map() else {
        return Vec::new();
    };
    attrs
        .iter()
        .filter(|(name, v)| !v.is_null() && !spec.outputs.contains(&name.as_str()))
        .map(|(name, v)| {
            let mut h = hasher(digest::ATTRIBUTE);
            field(&mut h, canonical(v).to_string().as_bytes());
            let sensitive = v.contains_sensitive();
            let value = (spec.source == Some(name.as_str()) && !sensitive)
                .then(|| v.as_str().map(str::to_string))
                .flatten();
            Input::Attribute {
                label: name.clone(),
                digest: digest::hex(&h),
                sensitive,
                value,
            }
        })
        .collect()
}

/// The JSON form that is hashed. A sensitive value enters only as its own digest, so the
/// secret never reaches a hasher next to plain data; null entries of objects are dropped
/// for the reason [`attribute_inputs`] gives; an unknown (which callers rule out first)
/// gets a marker no known value has.
fn canonical(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    if v.sensitive {
        let mut h = hasher(digest::SENSITIVE);
        field(&mut h, canonical(&v.unmarked_deep()).to_string().as_bytes());
        return serde_json::json!({ "sensitive": digest::hex(&h) });
    }
    match &v.kind {
        Kind::Unknown(_) => serde_json::json!({ "unknown": true }),
        Kind::List(items) | Kind::Tuple(items) | Kind::Set(items) => {
            J::Array(items.iter().map(canonical).collect())
        }
        Kind::Object(m) => J::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), canonical(x)))
                .collect(),
        ),
        Kind::Map(m) => J::Object(m.iter().map(|(k, x)| (k.clone(), canonical(x))).collect()),
        _ => v.to_json(),
    }
}

/// The names of the attributes (outputs aside) whose values are not wholly known yet.
pub(crate) fn unknown_attributes<'a>(config: &'a Value, spec: &ConfigSpec<'_>) -> Vec<&'a str> {
    config
        .as_map()
        .into_iter()
        .flatten()
        .filter(|(name, v)| !spec.outputs.contains(&name.as_str()) && !v.is_wholly_known())
        .map(|(name, _)| name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ConfigSpec<'static> {
        ConfigSpec {
            outputs: &["id"],
            source: Some("source"),
        }
    }

    #[test]
    fn outputs_and_nulls_are_not_inputs() {
        let config = Value::object_from([
            ("id", Value::string("x")),
            ("memory", Value::int(256)),
            ("kernel", Value::null()),
        ]);
        let labels: Vec<String> = attribute_inputs(&config, &spec())
            .iter()
            .map(|i| i.label().to_string())
            .collect();
        assert_eq!(labels, ["memory"]);
    }

    #[test]
    fn a_sensitive_part_enters_as_its_digest() {
        let secret = Value::string("hunter2").mark_sensitive();
        let c = canonical(&Value::object_from([("password", secret)])).to_string();
        assert!(!c.contains("hunter2"), "{c}");
        assert!(c.contains("\"sensitive\""), "{c}");
    }

    #[test]
    fn null_object_entries_do_not_count() {
        let a = Value::object_from([("x", Value::int(1))]);
        let b = Value::object_from([("x", Value::int(1)), ("y", Value::null())]);
        assert_eq!(canonical(&a), canonical(&b));
    }

    #[test]
    fn the_source_id_is_kept_unless_sensitive() {
        let config = Value::object_from([("source", Value::string("qimg-1"))]);
        let inputs = attribute_inputs(&config, &spec());
        assert!(matches!(&inputs[0], Input::Attribute { value: Some(v), .. } if v == "qimg-1"));
        let hidden = Value::object_from([("source", Value::string("qimg-1").mark_sensitive())]);
        let inputs = attribute_inputs(&hidden, &spec());
        assert!(matches!(
            &inputs[0],
            Input::Attribute {
                value: None,
                sensitive: true,
                ..
            }
        ));
    }
}
