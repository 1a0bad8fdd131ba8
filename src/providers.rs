//! The providers compiled into this `kiln`.

use std::path::Path;

use kiln_core::lang::Value;
use kiln_core::provider::DataReader;
use kiln_core::schema::Schemas;

pub fn schemas() -> Schemas {
    let mut s = Schemas::new();
    s.add(kiln_builtin::local_schema());
    s.add(kiln_builtin::kiln_schema());
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
