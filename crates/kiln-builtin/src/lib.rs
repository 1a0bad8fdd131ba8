//! Kiln's small built-in providers, useful on their own and the way the engine is
//! exercised without any VM or cloud:
//!
//! - `local`: `local_file` (a file on the operator's machine) and the `local_command`
//!   data source (runs a program at plan time and exposes its JSON output);
//! - `kiln`: `kiln_data` (stores a value; Terraform's `terraform_data`).
//!
//! Their schemas are declared exactly as the cloud providers' are.

mod kiln;
mod local;

pub use kiln::kiln_schema;
pub use local::local_schema;
