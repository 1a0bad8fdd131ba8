//! The state file's bytes: how a [`State`] is written (pretty JSON, two-space indent,
//! trailing newline — stable, so state files diff well) and how bytes are read back,
//! refusing versions this Kiln does not read before looking at anything else.

use std::path::Path;

use serde::Deserialize;

use super::error::StateError;
use super::model::{State, FORMAT_VERSION};

/// The canonical bytes of a state.
pub fn to_bytes(state: &State) -> Vec<u8> {
    // Serialising plain data into memory cannot fail: every map key is a string.
    let mut bytes = serde_json::to_vec_pretty(state).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Parses a state file's bytes; `path` is only for messages.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<State, StateError> {
    // The version is checked first and on its own: a newer format may not fit today's
    // model at all, and "upgrade Kiln" is more useful than a shape error.
    #[derive(Deserialize)]
    struct Probe {
        version: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| corrupt(path, &e))?;
    match probe.version {
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(FORMAT_VERSION) => {}
            Some(v) if v > FORMAT_VERSION => {
                return Err(StateError::NewerVersion {
                    path: path.to_path_buf(),
                    version: v,
                })
            }
            _ => {
                return Err(StateError::BadVersion {
                    path: path.to_path_buf(),
                    found: n.to_string(),
                })
            }
        },
        Some(other) => {
            return Err(StateError::BadVersion {
                path: path.to_path_buf(),
                found: other.to_string(),
            })
        }
        None => {
            return Err(StateError::Corrupt {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: "there is no \"version\" field, so this is not a Kiln state file"
                    .to_string(),
            })
        }
    }
    serde_json::from_slice(bytes).map_err(|e| corrupt(path, &e))
}

fn corrupt(path: &Path, e: &serde_json::Error) -> StateError {
    // serde_json appends " at line L column C"; the position is reported separately.
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    StateError::Corrupt {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message,
    }
}
