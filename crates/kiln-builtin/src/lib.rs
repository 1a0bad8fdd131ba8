//! Kiln's small built-in providers, useful on their own and the way the engine is
//! exercised without any VM or cloud:
//!
//! - `local`: `local_file` (a file on the operator's machine) and the `local_command`
//!   data source (runs a program at plan time and exposes its JSON output);
//! - `kiln`: `kiln_data` (stores a value; Terraform's `terraform_data`).
//!
//! Their schemas are declared exactly as the cloud providers' are.

mod command;
mod kiln;
mod local;

use std::path::Path;

use kiln_core::lang::Value;
use kiln_core::provider::DataReader;

pub use command::read_local_command;
pub use kiln::kiln_schema;
pub use local::local_schema;

/// Reads the built-in providers' data sources.
pub struct BuiltinData;

impl DataReader for BuiltinData {
    fn read_data(
        &self,
        type_name: &str,
        config: &Value,
        module_dir: &Path,
    ) -> Result<Value, String> {
        match type_name {
            "local_command" => read_local_command(config, module_dir),
            other => Err(format!(
                "the built-in providers have no data source \"{other}\""
            )),
        }
    }
}
