//! A run's view of state: [`Store`] holds the lock, the state as read (with a dead run's
//! journal folded in), the journal for this run's changes, and writes the final state.
//!
//! The order of writes is what makes a crash safe: each change reaches the journal before
//! the engine goes on; at the end the state file is written (durably) **before** the
//! journal is emptied. A crash between the two leaves entries that are already in the
//! state, and replaying them again changes nothing.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use super::backend::{Backend, LockGuard, LockInfo};
use super::error::StateError;
use super::journal::Journal;
use super::local::LocalBackend;
use super::model::{State, FORMAT_VERSION};
use crate::config::model::Settings;
use crate::diag::Diagnostic;

pub struct Store {
    backend: Box<dyn Backend>,
    state: State,
    /// What the backend holds now, to tell whether a save changes anything.
    persisted: Option<State>,
    journal: Mutex<Option<Journal>>,
    /// Declared last so it is dropped last: the lock outlives everything above.
    guard: Option<Box<dyn LockGuard>>,
}

impl Store {
    /// Locks (when `lock` is given: the holder's information and how long to wait),
    /// reads the state and folds in a journal left by a run that died.
    ///
    /// With the lock held, the folded state is written at once and the journal emptied,
    /// so this run starts from a clean journal. Without it (read-only commands), the
    /// journal is folded in memory only: it may belong to a run still in progress.
    pub fn open(
        backend: Box<dyn Backend>,
        lock: Option<(LockInfo, Duration)>,
    ) -> Result<Store, StateError> {
        let guard = match &lock {
            Some((info, timeout)) => Some(backend.lock(info, *timeout)?),
            None => None,
        };
        let persisted = backend.read()?;
        let state = persisted
            .clone()
            .unwrap_or_else(|| State::new(uuid::Uuid::new_v4().to_string()));
        let mut store = Store {
            backend,
            state,
            persisted,
            journal: Mutex::new(None),
            guard,
        };
        if let Some(path) = store.backend.journal_path() {
            let entries = Journal::replay(&path)?;
            if !entries.is_empty() {
                let mut folded = store.state.clone();
                for e in &entries {
                    e.apply_to(&mut folded);
                }
                if store.guard.is_some() {
                    store.save(folded)?;
                } else {
                    store.state = folded;
                }
            }
        }
        Ok(store)
    }

    /// The current state (a new, unwritten one if the backend had none).
    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    /// The lock this store holds, if any.
    pub fn lock_info(&self) -> Option<&LockInfo> {
        self.guard.as_ref().map(|g| g.info())
    }

    /// Whether the backend holds a state (as opposed to a new one not yet written).
    pub fn exists(&self) -> bool {
        self.persisted.is_some()
    }

    /// The journal for this run's changes (opened on first use; clones share a writer).
    pub fn journal(&self) -> Result<Journal, StateError> {
        let mut slot = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(j) = slot.as_ref() {
            return Ok(j.clone());
        }
        let path = self
            .backend
            .journal_path()
            .ok_or_else(|| StateError::NoJournal {
                backend: self.backend.describe(),
            })?;
        let j = Journal::open(&path)?;
        *slot = Some(j.clone());
        Ok(j)
    }

    /// Makes `state` the stored state. When its lineage, resources or outputs differ from
    /// what is stored, it is written with a serial above the stored one (and never below
    /// its own); then the journal is emptied, its entries being part of `state`.
    ///
    /// Call it holding the lock: without one, another run's journal could be emptied
    /// under it.
    pub fn save(&mut self, mut state: State) -> Result<(), StateError> {
        let changed = match &self.persisted {
            None => {
                !state.resources.is_empty()
                    || !state.outputs.is_empty()
                    || !state.temporaries.is_empty()
            }
            Some(p) => {
                p.lineage != state.lineage
                    || p.resources != state.resources
                    || p.outputs != state.outputs
                    || p.temporaries != state.temporaries
            }
        };
        if changed {
            let next = self.persisted.as_ref().map_or(0, |p| p.serial) + 1;
            state.serial = state.serial.max(next);
            state.version = FORMAT_VERSION;
            state.kiln_version = crate::config::version::KILN_VERSION.to_string();
            self.backend.write(&state)?;
            self.persisted = Some(state.clone());
        } else if let Some(p) = &self.persisted {
            // Nothing to write: keep the stored serial so the next change counts from it.
            state.serial = p.serial;
        }
        self.state = state;
        self.empty_journal()
    }

    /// Empties the journal (only once the state holding its entries is durable).
    fn empty_journal(&self) -> Result<(), StateError> {
        let Some(path) = self.backend.journal_path() else {
            return Ok(());
        };
        match std::fs::OpenOptions::new().write(true).open(&path) {
            Ok(f) => f
                .set_len(0)
                .and_then(|()| f.sync_all())
                .map_err(|e| StateError::io("empty the journal", &path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StateError::io("open the journal", &path, e)),
        }
    }
}

/// Checks that `incoming` may replace `current` (`state push`): same lineage, higher
/// serial. `--force` skips this.
pub fn check_replace(current: &State, incoming: &State) -> Result<(), StateError> {
    if current.lineage != incoming.lineage {
        return Err(StateError::LineageMismatch {
            current: current.lineage.clone(),
            incoming: incoming.lineage.clone(),
        });
    }
    if incoming.serial <= current.serial {
        return Err(StateError::OlderSerial {
            current: current.serial,
            incoming: incoming.serial,
        });
    }
    Ok(())
}

/// The file name of the local state when the configuration names none.
pub const DEFAULT_STATE_FILE: &str = "kiln.kstate";

/// The backend the configuration's `kiln { backend … }` block asks for (the local file
/// `kiln.kstate` in `config_dir` when there is none). Relative paths are relative to
/// the configuration directory, not to where Kiln runs.
pub fn backend_from_settings(
    settings: &Settings,
    config_dir: &Path,
) -> Result<Box<dyn Backend>, Diagnostic> {
    let Some(b) = &settings.backend else {
        return Ok(Box::new(LocalBackend::new(
            config_dir.join(DEFAULT_STATE_FILE),
        )));
    };
    if b.kind != "local" {
        return Err(Diagnostic::error(
            "Backend not supported yet",
            format!(
                "This version of Kiln keeps state only in the \"local\" backend; \"{}\" is planned but not supported yet. Remove the backend block or use backend \"local\".",
                b.kind
            ),
        )
        .at(b.span));
    }
    if let Some(block) = b.body.blocks.first() {
        return Err(Diagnostic::error(
            "Unsupported block type",
            format!(
                "The local backend takes no blocks, only the argument \"path\"; remove the \"{}\" block.",
                block.kind
            ),
        )
        .at(block.header_span));
    }
    let mut path = config_dir.join(DEFAULT_STATE_FILE);
    for a in &b.body.attributes {
        if a.name != "path" {
            return Err(Diagnostic::error(
                "Unsupported argument",
                format!(
                    "The local backend has no argument \"{}\"; it takes only \"path\".",
                    a.name
                ),
            )
            .at(a.name_span));
        }
        match a.expr.as_literal_str() {
            Some(p) if !p.is_empty() => path = config_dir.join(p),
            _ => {
                return Err(Diagnostic::error(
                    "Invalid value",
                    "The local backend's path must be a literal, non-empty string, such as \"state/prod.kstate\": the backend is chosen before anything is evaluated, so references and functions cannot be used here.",
                )
                .at(a.expr.span))
            }
        }
    }
    Ok(Box::new(LocalBackend::new(path)))
}
