//! Kiln's small built-in providers, useful on their own and the way the engine is
//! exercised without any VM or cloud:
//!
//! - `local` ([`LocalProvider`]): `local_file` and `local_sensitive_file` (a file on the
//!   operator's machine) and the `local_command` data source (runs a program at plan time
//!   and exposes its JSON output);
//! - `kiln` ([`KilnProvider`]): `kiln_data` (stores a value; Terraform's `terraform_data`);
//! - `test` ([`testing::TestProvider`]): a deterministic, inspectable provider for engine
//!   tests and benchmarks. It is not registered in the CLI.
//!
//! Each implements [`kiln_core::provider::Provider`] as `docs/provider-lifecycle.md`
//! describes; their schemas are declared exactly as the cloud providers' are.

mod command;
mod files;
mod kiln;
mod local;
mod local_file;
pub mod object;
pub mod testing;

use std::path::Path;

use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::lang::Value;
use kiln_core::provider::DataReader;

pub use command::read_local_command;
pub use kiln::{kiln_schema, KilnProvider};
pub use local::{local_schema, LocalProvider};
pub use local_file::{FileType, LOCAL_FILE, LOCAL_SENSITIVE_FILE};

/// Reads the built-in providers' data sources synchronously, for evaluation at plan and
/// console time. The same code serves [`LocalProvider`]'s `read_data`.
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

/// The error for a type name the engine should not have routed to this provider.
fn unknown_type(provider: &str, type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unknown resource type",
        format!("The {provider} provider has no resource type or data source \"{type_name}\". This is a bug in Kiln's routing of calls to providers; please report it."),
    )
    .into()
}
