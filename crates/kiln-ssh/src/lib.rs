//! # kiln-ssh
//!
//! Kiln's SSH communicator: how builds and provisioners reach a machine. It connects with
//! [`russh`], runs commands and copies files, and knows nothing about providers, plans or
//! terminals; it reports through return values only and never prints.
//!
//! | module | owns |
//! | --- | --- |
//! | [`keys`] | generating, loading and writing SSH keys |
//! | [`target`] | where to connect and how to authenticate |
//! | [`banner`] | waiting until an SSH server really answers on a port |
//! | [`mod@connect`] | handshake, host-key pinning, authentication and retries |
//! | [`bastion`] | reaching a target through a jump host: the bastion connection and the forwarded one |
//! | [`session`] | the open connection |
//! | [`exec`] | running a command: stdin, streamed output, exit status |
//! | [`transfer`] | upload and download over plain shell commands (no sftp on the guest) |
//! | [`mod@quote`] | quoting words for `sh` |
//! | [`error`] | the crate's error type |

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(clippy::unwrap_used)]

pub mod banner;
pub mod bastion;
pub mod connect;
pub mod error;
pub mod exec;
pub mod keys;
pub mod quote;
pub mod session;
pub mod target;
pub mod transfer;

pub use banner::wait_for_banner;
pub use connect::connect;
pub use error::{Error, Result};
pub use exec::{ExitStatus, Stream};
pub use keys::{generate_ed25519, private_key_file, KeyPair, PrivateKey};
pub use quote::quote;
pub use session::Session;
pub use target::{Auth, Target};
