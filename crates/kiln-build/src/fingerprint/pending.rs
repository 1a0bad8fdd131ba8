//! Images whose configuration is not wholly known at plan time, typically because their
//! source image is rebuilt first and its new id is known only after apply. Their
//! fingerprint is unknown until then, but the plan can still say why they are rebuilt:
//! what is not known yet, and which of the inputs that are known changed.

use kiln_core::lang::{Kind, Value};
use kiln_core::provider::Cause;

use super::explain::changes;
use super::record::{Record, RECORD_VERSION};
use super::{attrs, compute, ConfigSpec, FileInput, FingerprintError};

/// What a plan can say about an image whose fingerprint is not known yet.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The attributes not known yet (the source image first: "its source image is
    /// rebuilt"), then the known inputs that differ from `prior`'s. Inputs that are gone
    /// are not named: with parts of the configuration unknown, the list of files the
    /// build reads may be incomplete.
    pub causes: Vec<Cause>,
    /// The inputs known so far: a cache for the next computation, not a fingerprint.
    pub known: Record,
}

/// Reads the known inputs as [`compute`] does (`cache` saving what it can) and compares
/// them with `prior`, the record of the image being replaced.
pub fn explain_unknown(
    config: &Value,
    spec: &ConfigSpec<'_>,
    files: &[FileInput],
    prior: Option<&Record>,
    cache: Option<&Record>,
) -> Result<Pending, FingerprintError> {
    let mut unknown = attrs::unknown_attributes(config, spec);
    unknown.sort_by_key(|name| spec.source != Some(*name));
    let mut causes: Vec<Cause> = unknown
        .iter()
        .map(|name| {
            if spec.source == Some(*name) {
                Cause::new("its source image is rebuilt")
            } else {
                Cause::new(format!("attribute {name} is not known yet"))
            }
        })
        .collect();
    let known = compute(&without(config, &unknown), spec, files, cache)?.record;
    if let Some(prior) = prior.filter(|p| p.version == RECORD_VERSION) {
        causes.extend(changes(prior, &known, false));
    }
    Ok(Pending { causes, known })
}

/// The configuration without the named attributes.
fn without(config: &Value, names: &[&str]) -> Value {
    match &config.kind {
        Kind::Object(m) | Kind::Map(m) => Value::object(
            m.iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
        .with_sensitive(config.sensitive),
        _ => config.clone(),
    }
}
