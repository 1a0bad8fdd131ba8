//! Values in a plan file: exact (a list stays a list, an unknown keeps its type) and
//! **sealed** where sensitive — a sensitive value is written as a keyed digest, never in
//! clear, so a plan file can be uploaded as a CI artifact or attached to a pull request.
//!
//! The digest is BLAKE3 keyed with a random key stored in the same file: it proves that a
//! value given again at apply is the one planned, and the per-file key keeps digests of
//! one secret from matching across plan files (it does not make a guessable secret
//! unguessable; that is what keeps secrets out of plan files in the first place).
//!
//! Encoding: `null`, booleans, numbers and strings are themselves; everything else is a
//! one-key object: `{"list": [..]}`, `{"tuple": [..]}`, `{"set": [..]}`, `{"map": {..}}`,
//! `{"object": {..}}`, `{"unknown": TYPE}`, `{"sealed": DIGEST, "type": TYPE}`, and
//! `{"unknown": TYPE, "sensitive": true}` for a sensitive value not known yet.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as J};

use crate::lang::{Kind, Number, Type, Value};

/// The key digests are made with; random per plan file.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl Sealer {
    pub fn random() -> Sealer {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Sealer { key }
    }

    pub fn from_hex(hex: &str) -> Option<Sealer> {
        let bytes = decode_hex(hex)?;
        Some(Sealer {
            key: bytes.try_into().ok()?,
        })
    }

    pub fn to_hex(&self) -> String {
        self.key.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The digest of a JSON value's canonical text (object keys sorted).
    pub fn digest_json(&self, j: &J) -> String {
        let text = canonical(j).to_string();
        blake3::keyed_hash(&self.key, text.as_bytes())
            .to_hex()
            .to_string()
    }

    /// The digest of a value, marks and the list/tuple distinction ignored.
    pub fn digest(&self, v: &Value) -> String {
        self.digest_json(&v.to_json())
    }

    /// Encodes `v`, sealing every sensitive node.
    pub fn encode(&self, v: &Value) -> J {
        if v.sensitive && !v.is_wholly_known() {
            // Nothing to hide yet, and no digest to check: apply evaluates it again.
            return json!({"unknown": encode_type(&v.ty()), "sensitive": true});
        }
        if v.sensitive {
            return json!({"sealed": self.digest(v), "type": encode_type(&v.ty())});
        }
        match &v.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Number(n) => number(*n),
            Kind::String(s) => J::String(s.clone()),
            Kind::Unknown(t) => json!({"unknown": encode_type(t)}),
            Kind::List(items) => json!({"list": self.encode_all(items)}),
            Kind::Tuple(items) => json!({"tuple": self.encode_all(items)}),
            Kind::Set(items) => json!({"set": self.encode_all(items)}),
            Kind::Map(m) => json!({"map": self.encode_map(m)}),
            Kind::Object(m) => json!({"object": self.encode_map(m)}),
        }
    }

    fn encode_all(&self, items: &[Value]) -> Vec<J> {
        items.iter().map(|i| self.encode(i)).collect()
    }

    fn encode_map(&self, m: &BTreeMap<String, Value>) -> Map<String, J> {
        m.iter().map(|(k, v)| (k.clone(), self.encode(v))).collect()
    }

    /// Whether `value` (evaluated again at apply) is what `planned` (as encoded in the
    /// file) promised: equal where the plan knew it, the same digest where it was sealed,
    /// anything where it was unknown.
    pub fn matches(&self, planned: &J, value: &Value) -> bool {
        if let Some(obj) = planned.as_object() {
            if let Some(d) = obj.get("sealed").and_then(J::as_str) {
                return self.digest(value) == d;
            }
            if obj.contains_key("unknown") {
                return true;
            }
        }
        if !value.is_known() {
            return false;
        }
        let plain = self.encode(&value.unmarked_deep());
        match (planned, &plain) {
            (J::Object(a), J::Object(b)) if a.len() == 1 && b.len() == 1 => {
                let (Some((ka, va)), Some((kb, vb))) = (a.iter().next(), b.iter().next()) else {
                    return false;
                };
                if ka != kb {
                    return false;
                }
                match (va, &value.kind) {
                    (J::Array(pa), Kind::List(vs) | Kind::Tuple(vs) | Kind::Set(vs)) => {
                        pa.len() == vs.len() && pa.iter().zip(vs).all(|(p, v)| self.matches(p, v))
                    }
                    (J::Object(pm), Kind::Map(vm) | Kind::Object(vm)) => {
                        pm.len() == vm.len()
                            && pm
                                .iter()
                                .all(|(k, p)| vm.get(k).is_some_and(|v| self.matches(p, v)))
                    }
                    _ => va == vb,
                }
            }
            _ => *planned == plain,
        }
    }
}

/// `j` with every object's keys in order (serde_json keeps insertion order here).
fn canonical(j: &J) -> J {
    match j {
        J::Object(o) => {
            let sorted: BTreeMap<&String, &J> = o.iter().collect();
            J::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect(),
            )
        }
        J::Array(a) => J::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn number(n: Number) -> J {
    match n {
        Number::Int(i) => J::from(i),
        Number::Float(f) => serde_json::Number::from_f64(f)
            .map(J::Number)
            .unwrap_or(J::Null),
    }
}

/// How a sealed node comes back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unseal {
    /// Unknown and sensitive: configurations, which apply then evaluates again with the
    /// sensitive variables given anew.
    Unknown,
    /// A sensitive placeholder that stays equal to itself: values that are only shown
    /// (the renderers hide sensitive values, and equal digests diff as unchanged).
    Placeholder,
}

/// Decodes what [`Sealer::encode`] wrote.
pub fn decode(j: &J, unseal: Unseal) -> Result<Value, String> {
    Ok(match j {
        J::Null => Value::null(),
        J::Bool(b) => Value::bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::int(i),
            None => Value::float(n.as_f64().ok_or("a number out of range")?),
        },
        J::String(s) => Value::string(s.clone()),
        J::Array(_) => return Err("an array where a tagged value belongs".into()),
        J::Object(o) => {
            if let Some(d) = o.get("sealed").and_then(J::as_str) {
                let ty = decode_type(o.get("type").unwrap_or(&J::Null))?;
                return Ok(match unseal {
                    Unseal::Unknown => Value::unknown(ty),
                    Unseal::Placeholder => Value::string(format!("(sealed {d})")),
                }
                .mark_sensitive());
            }
            if let (Some(t), Some(J::Bool(true))) = (o.get("unknown"), o.get("sensitive")) {
                return Ok(Value::unknown(decode_type(t)?).mark_sensitive());
            }
            let (tag, body) = o
                .iter()
                .next()
                .filter(|_| o.len() == 1)
                .ok_or("an object without exactly one tag")?;
            let items = || -> Result<Vec<Value>, String> {
                body.as_array()
                    .ok_or_else(|| format!("\"{tag}\" without an array"))?
                    .iter()
                    .map(|i| decode(i, unseal))
                    .collect()
            };
            let entries = || -> Result<BTreeMap<String, Value>, String> {
                body.as_object()
                    .ok_or_else(|| format!("\"{tag}\" without an object"))?
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), decode(v, unseal)?)))
                    .collect()
            };
            match tag.as_str() {
                "list" => Value::list(items()?),
                "tuple" => Value::tuple(items()?),
                "set" => Value::set(items()?),
                "map" => Value::map(entries()?),
                "object" => Value::object(entries()?),
                "unknown" => Value::unknown(decode_type(body)?),
                other => return Err(format!("an unknown value tag \"{other}\"")),
            }
        }
    })
}

/// Whether an encoded value holds a sealed node anywhere.
pub fn has_sealed(j: &J) -> bool {
    match j {
        J::Object(o) => o.contains_key("sealed") || o.values().any(has_sealed),
        J::Array(a) => a.iter().any(has_sealed),
        _ => false,
    }
}

/// Types as cty writes them in JSON: `"string"`, `["list", "number"]`,
/// `["object", {"a": "bool"}]`.
pub fn encode_type(t: &Type) -> J {
    match t {
        Type::Any => json!("dynamic"),
        Type::Bool => json!("bool"),
        Type::Number => json!("number"),
        Type::String => json!("string"),
        Type::List(e) => json!(["list", encode_type(e)]),
        Type::Set(e) => json!(["set", encode_type(e)]),
        Type::Map(e) => json!(["map", encode_type(e)]),
        Type::Tuple(es) => json!(["tuple", es.iter().map(encode_type).collect::<Vec<_>>()]),
        Type::Object(o) => json!([
            "object",
            o.attrs
                .iter()
                .map(|(k, t)| (k.clone(), encode_type(t)))
                .collect::<Map<_, _>>()
        ]),
    }
}

pub fn decode_type(j: &J) -> Result<Type, String> {
    let bad = || format!("an unknown type {j}");
    Ok(match j {
        J::String(s) => match s.as_str() {
            "dynamic" => Type::Any,
            "bool" => Type::Bool,
            "number" => Type::Number,
            "string" => Type::String,
            _ => return Err(bad()),
        },
        J::Array(a) if a.len() == 2 => {
            let inner = &a[1];
            match a[0].as_str() {
                Some("list") => Type::List(Box::new(decode_type(inner)?)),
                Some("set") => Type::Set(Box::new(decode_type(inner)?)),
                Some("map") => Type::Map(Box::new(decode_type(inner)?)),
                Some("tuple") => Type::Tuple(
                    inner
                        .as_array()
                        .ok_or_else(bad)?
                        .iter()
                        .map(decode_type)
                        .collect::<Result<_, _>>()?,
                ),
                Some("object") => Type::object(
                    inner
                        .as_object()
                        .ok_or_else(bad)?
                        .iter()
                        .map(|(k, t)| Ok((k.clone(), decode_type(t)?)))
                        .collect::<Result<_, String>>()?,
                ),
                _ => return Err(bad()),
            }
        }
        _ => return Err(bad()),
    })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        Value::object_from([
            ("name", Value::string("web")),
            ("size", Value::int(2)),
            ("ratio", Value::float(0.5)),
            (
                "tags",
                Value::map(BTreeMap::from([("a".into(), Value::string("b"))])),
            ),
            (
                "ports",
                Value::list(vec![Value::int(80), Value::unknown(Type::Number)]),
            ),
            ("set", Value::set(vec![Value::string("x")])),
            ("pair", Value::tuple(vec![Value::null(), Value::bool(true)])),
            ("password", Value::string("hunter2").mark_sensitive()),
        ])
    }

    #[test]
    fn round_trip_keeps_kinds_and_unknowns_and_seals_secrets() {
        let s = Sealer::random();
        let enc = s.encode(&sample());
        let text = enc.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        let back = decode(&enc, Unseal::Unknown).expect("decodes");
        let m = back.as_map().expect("object");
        assert!(matches!(m["tags"].kind, Kind::Map(_)));
        assert!(matches!(m["ports"].kind, Kind::List(_)));
        assert!(matches!(m["set"].kind, Kind::Set(_)));
        assert!(matches!(m["pair"].kind, Kind::Tuple(_)));
        assert!(!m["ports"].is_wholly_known());
        assert!(m["password"].sensitive && !m["password"].is_known());
        assert_eq!(m["ratio"], Value::float(0.5));
    }

    #[test]
    fn matches_checks_known_parts_and_sealed_digests() {
        let s = Sealer::random();
        let planned = s.encode(&sample());
        let mut same = sample().as_map().cloned().unwrap_or_default();
        same.insert(
            "ports".into(),
            Value::list(vec![Value::int(80), Value::int(443)]),
        );
        assert!(s.matches(&planned, &Value::object(same.clone())));
        same.insert("password".into(), Value::string("other").mark_sensitive());
        assert!(!s.matches(&planned, &Value::object(same.clone())));
        same.insert("password".into(), Value::string("hunter2"));
        same.insert("size".into(), Value::int(3));
        assert!(!s.matches(&planned, &Value::object(same)));
    }

    #[test]
    fn a_sensitive_value_not_known_yet_matches_what_apply_learns() {
        let s = Sealer::random();
        let planned = s.encode(&Value::unknown(Type::String).mark_sensitive());
        let back = decode(&planned, Unseal::Unknown).expect("decodes");
        assert!(back.sensitive && !back.is_known());
        assert!(s.matches(&planned, &Value::string("id-1-secret").mark_sensitive()));
    }

    #[test]
    fn keys_differ_per_file() {
        let (a, b) = (Sealer::random(), Sealer::random());
        let v = Value::string("x");
        assert_ne!(a.digest(&v), b.digest(&v));
        let again = Sealer::from_hex(&a.to_hex()).expect("hex");
        assert_eq!(a.digest(&v), again.digest(&v));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for text in [
            r#"[1]"#,
            r#"{"a":1,"b":2}"#,
            r#"{"list":1}"#,
            r#"{"unknown":"nope"}"#,
            r#"{"sealed":"x","type":7}"#,
        ] {
            let j: J = serde_json::from_str(text).expect("json");
            assert!(decode(&j, Unseal::Unknown).is_err(), "{text}");
        }
    }
}
