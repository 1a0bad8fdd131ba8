//! Shared by every command that touches state: finds the backend the configuration asks
//! for, and opens a [`Store`] on it, locked when the command changes anything. Who holds
//! the lock (user, host, process) is read from the environment here, since the core
//! never reads the environment.

use std::path::Path;
use std::time::Duration;

use kiln_core::config::model::Settings;
use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::source::SourceMap;
use kiln_core::state::{backend_from_settings, Backend, LocalBackend, LockInfo, Store};

/// Opens the state of the configuration in `dir`, reading only its settings (the
/// `kiln { backend … }` block): state commands must work while the rest of the
/// configuration could not be evaluated. `state_override` (`--state PATH`) names a local
/// state file instead. With `operation`, the lock is taken for it, waiting up to
/// `lock_timeout`. Diagnostics may point into `sources`.
pub fn open_store(
    sources: &mut SourceMap,
    dir: &Path,
    state_override: Option<&Path>,
    operation: Option<&str>,
    lock_timeout: Duration,
) -> Result<Store, Diagnostics> {
    let backend = backend_for(sources, dir, state_override)?;
    open(backend, operation, lock_timeout)
}

/// Opens the state to read it, without the lock (`output`, `show`); `Err` after printing
/// what is wrong.
pub fn open_to_read(
    dir: &Path,
    state_override: Option<&Path>,
    no_color: bool,
) -> Result<Store, ()> {
    let mut sources = SourceMap::new();
    open_store(&mut sources, dir, state_override, None, Duration::ZERO).map_err(|d| {
        crate::ui::print_diagnostics(&sources, &d, no_color);
    })
}

/// The backend for the configuration in `dir` (or the local file `state_override`),
/// without opening it: for `force-unlock`, which must not wait for the lock.
pub fn backend_for(
    sources: &mut SourceMap,
    dir: &Path,
    state_override: Option<&Path>,
) -> Result<Box<dyn Backend>, Diagnostics> {
    match state_override {
        Some(path) => Ok(Box::new(LocalBackend::new(path))),
        None => {
            let settings = load_settings(sources, dir)?;
            Ok(backend_from_settings(&settings, dir)?)
        }
    }
}

/// Like [`open_store`], for commands that have loaded the configuration already
/// (`plan`, `apply`): the backend comes from the root module's `settings`.
pub fn store_from_settings(
    settings: &Settings,
    dir: &Path,
    state_override: Option<&Path>,
    operation: Option<&str>,
    lock_timeout: Duration,
) -> Result<Store, Diagnostics> {
    let backend = match state_override {
        Some(path) => Box::new(LocalBackend::new(path)) as Box<dyn Backend>,
        None => backend_from_settings(settings, dir)?,
    };
    open(backend, operation, lock_timeout)
}

fn open(
    backend: Box<dyn Backend>,
    operation: Option<&str>,
    lock_timeout: Duration,
) -> Result<Store, Diagnostics> {
    let lock = operation.map(|op| (lock_info(op), lock_timeout));
    Store::open(backend, lock).map_err(|e| e.to_diagnostic().into())
}

/// The root module's settings. Any error loading the root module's files is fatal: a
/// file that did not parse may hold the backend block, and guessing the default local
/// file instead could change the wrong state.
fn load_settings(sources: &mut SourceMap, dir: &Path) -> Result<Settings, Diagnostics> {
    if !dir.is_dir() {
        return Err(Diagnostic::error(
            "No configuration directory",
            format!(
                "{} is not a directory. Give the configuration directory with --dir, or the state file with --state.",
                dir.display()
            ),
        )
        .into());
    }
    let mut diags = Diagnostics::new();
    let module = kiln_core::config::load::load_module(dir, sources, &mut diags);
    if diags.has_errors() {
        diags.push(Diagnostic::error(
            "Cannot read the backend settings",
            "Kiln reads the backend from the configuration's kiln block, and the configuration has errors. Fix them first, or name the state file with --state.",
        ));
        return Err(diags);
    }
    Ok(module.settings)
}

/// Lock information for this process: `user@host`, the pid, now.
pub fn lock_info(operation: &str) -> LockInfo {
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_string());
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "localhost".to_string());
    LockInfo::new(operation, &format!("{user}@{host}"), std::process::id())
}

/// Parses `--lock-timeout`: `0s`, `500ms`, `30s`, `2m`, `1h`, `1m30s`; a bare number is
/// seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("\"{text}\" is not a duration: write, for example, 0s, 30s, 2m or 1m30s");
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            _ => return Err(bad()),
        };
        total = total.saturating_add(unit);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        for bad in ["", "s", "2x", "1.5s", "-1s", "m2"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
