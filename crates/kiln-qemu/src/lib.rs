//! Kiln's local QEMU platform. For now only the [`switch`] that links VMs on a private
//! segment and filters their traffic; the provider and image builder will live beside it.
#![deny(clippy::print_stdout)]

pub mod switch;
