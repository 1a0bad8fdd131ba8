//! The providers compiled into this `kiln`: the only place that names concrete ones.

use std::path::Path;
use std::sync::Arc;

use kiln_core::lang::Value;
use kiln_core::provider::{DataReader, Provider};
use kiln_core::schema::Schemas;

/// The schemas of every provider in [`factories`], for loading and validating
/// configuration.
pub fn schemas() -> Schemas {
    let mut s = Schemas::new();
    for make in factories().values() {
        s.add(make().schema().clone());
    }
    s
}

/// Routes data source reads to the provider that owns the type.
pub struct AllData;

impl DataReader for AllData {
    fn read_data(
        &self,
        type_name: &str,
        config: &Value,
        module_dir: &Path,
    ) -> Result<Value, String> {
        kiln_builtin::BuiltinData.read_data(type_name, config, module_dir)
    }
}

/// A factory per provider name: the engine makes one provider value per provider
/// configuration (`aws`, `aws.west`).
pub fn factories() -> std::collections::BTreeMap<String, kiln_core::provider_set::Factory> {
    let mut f: std::collections::BTreeMap<String, kiln_core::provider_set::Factory> =
        std::collections::BTreeMap::new();
    f.insert(
        "local".into(),
        Arc::new(|| Arc::new(kiln_builtin::LocalProvider::new()) as Arc<dyn Provider>),
    );
    f.insert(
        "kiln".into(),
        Arc::new(|| Arc::new(kiln_builtin::KilnProvider::new()) as Arc<dyn Provider>),
    );
    f.insert(
        "qemu".into(),
        Arc::new(|| Arc::new(kiln_qemu::QemuProvider::new()) as Arc<dyn Provider>),
    );
    f
}
