//! State: the record of what Kiln manages ([`model`]), where it is kept ([`Backend`]),
//! and how every completed change becomes durable at once ([`journal`]).
//!
//! A run opens a [`Store`]: it takes the lock, reads the state, replays a journal left by
//! a run that died, and hands the engine a [`Journal`] to which each completed change is
//! appended (batched fsyncs: group commit). At the end the final state is written
//! atomically and the journal emptied.

pub mod model;

pub use model::{InstanceState, InstanceStatus, OutputState, State, FORMAT_VERSION};
