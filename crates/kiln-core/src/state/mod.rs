//! State: the record of what Kiln manages ([`model`]), where it is kept ([`Backend`]),
//! and how every completed change becomes durable at once ([`journal`]).
//!
//! A run opens a [`Store`]: it takes the lock, reads the state, replays a journal left by
//! a run that died, and hands the engine a [`Journal`] to which each completed change is
//! appended (batched fsyncs: group commit). At the end the final state is written
//! atomically and the journal emptied.
//!
//! | file | owns |
//! | --- | --- |
//! | [`model`] | the format-1 data model and its on-disk shape |
//! | [`codec`] | the state file's bytes: canonical writing, version-checked reading |
//! | [`backend`] | the [`Backend`] trait and [`LockInfo`] |
//! | [`local`] | the local file backend: atomic writes, backups, the OS file lock |
//! | [`journal`] | the write-ahead journal with group commit, and its replay |
//! | [`store`] | a run's [`Store`]: lock, read, replay, save; choosing the backend |
//! | [`edit`] | hand edits behind `kiln state list/rm/mv` |
//! | [`view`] | a stored object as a language value, sensitive paths marked |
//! | [`error`] | [`StateError`] and its diagnostics |

pub mod backend;
pub mod codec;
pub mod edit;
pub mod error;
pub mod journal;
pub mod local;
pub mod model;
pub mod store;
mod view;

pub use backend::{Backend, LockGuard, LockInfo};
pub use error::StateError;
pub use journal::{Journal, JournalEntry};
pub use local::LocalBackend;
pub use model::{
    InstanceState, InstanceStatus, OutputState, ResourceState, State, TemporaryState,
    FORMAT_VERSION,
};
pub use store::{backend_from_settings, check_replace, Store, DEFAULT_STATE_FILE};
