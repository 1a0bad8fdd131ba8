//! # kiln-build
//!
//! The image build pipeline every builder shares (DESIGN.md §2). A provider supplies the
//! steps that are its own (launch a build machine, capture a disk or an AMI); this crate
//! runs them with their cleanups, connects with the communicator, runs the provisioners,
//! streams and keeps their output, and fingerprints the build's inputs so that plans
//! can say why an image is rebuilt.
//!
//! It never prints: output goes to the run's [`kiln_core::run::OutputSink`] through a
//! [`output::BuildLog`].
//!
//! | module | owns |
//! | --- | --- |
//! | [`runner`] | named steps over a typed context, with cleanups in reverse order on success, failure and cancellation; `--on-error=abort` |
//! | [`output`] | the build log: live lines to the run's output, the log file, the tail for errors |
//! | [`communicator`] | the `communicator` block, read into an SSH target (or none) |
//! | [`build_info`] | `build.*` / `KILN_BUILD_*`: the machine as provisioners see it, and the `${build.*}` placeholder substitution |
//! | [`filter`] | provisioners' `only` / `except` |
//! | [`provision`] | the provisioners: `shell`, `file`, `shell-local`, `powershell`, `breakpoint`, with `pause_before`, `max_retries`, `timeout` |
//! | [`fingerprint`] | an image's inputs digested with blake3, a record kept in state that caches file digests and keeps scripts' text, and the plan causes two records explain |
//! | [`duration`] | `"90s"`, `"5m"`, `"1h30m"` |

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(clippy::unwrap_used)]

pub mod build_info;
pub mod communicator;
pub mod duration;
pub mod filter;
pub mod fingerprint;
pub mod output;
pub mod provision;
pub mod runner;

pub use build_info::BuildInfo;
pub use communicator::{Communicator, Machine, SshConfig};
pub use duration::parse_duration;
pub use filter::BuildName;
pub use output::BuildLog;
pub use provision::{run_all, Console, ProvisionError, Provisioning, Stdin};
pub use runner::{Outcome, Runner, Step, StepContext, StepFuture};
