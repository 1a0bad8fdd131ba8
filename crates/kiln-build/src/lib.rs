//! # kiln-build
//!
//! The image build pipeline every builder shares (DESIGN.md §2). A provider supplies the
//! steps that are its own (launch a build machine, capture a disk or an AMI); this crate
//! runs them with their cleanups, connects with the communicator, runs the provisioners,
//! streams and keeps their output, and fingerprints the build's inputs so that plans
//! can say why an image is rebuilt.
//!
//! | module | owns |
//! | --- | --- |

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(clippy::unwrap_used)]

pub mod fingerprint;
