//! What the evaluator needs from providers today: reading data sources whose
//! configuration is known, so facts can be read at plan (and console) time. The full
//! provider trait (schemas, batched read, plan, create/update/delete, import) grows from
//! here with the engine.

use std::path::Path;

use crate::lang::Value;

pub trait DataReader {
    /// Reads data source `type_name` with its evaluated configuration `config` (an object
    /// of the schema's settable attributes, all known). Returns the complete value, computed
    /// attributes included, or a message saying what went wrong. `module_dir` is the
    /// directory relative paths resolve against.
    fn read_data(
        &self,
        type_name: &str,
        config: &Value,
        module_dir: &Path,
    ) -> Result<Value, String>;
}
