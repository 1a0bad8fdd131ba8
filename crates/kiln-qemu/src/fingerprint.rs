//! A `qemu_image`'s fingerprint (computed by [`kiln_build::fingerprint`]): which of its
//! attributes are outputs, which files its build reads — a source disk, kernel and
//! initrd given as files, and its provisioners' scripts and uploads — and how `plan` and
//! `create` use the record kept in state.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use kiln_build::fingerprint::{self as fp, ConfigSpec, FileInput, Fingerprint, Record};
use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;
use kiln_core::provider::Cause;

use crate::source::{is_image_id, is_url};

/// The attributes that are outputs of a build, not inputs to it; labels change in place.
const OUTPUTS: [&str; 6] = ["id", "path", "size", "fingerprint", "build_log", "labels"];

pub const SPEC: ConfigSpec<'static> = ConfigSpec {
    outputs: &OUTPUTS,
    source: Some("source"),
};

/// The files a build of `config` reads. A source that is an image id or a URL is no
/// file: the id is an attribute like any other, and a URL's download is checked against
/// `source_checksum`, which is an attribute too.
pub fn file_inputs(config: &Value, base_dir: &Path) -> Vec<FileInput> {
    let mut files = Vec::new();
    if let Some(src) = str_attr(config, "source") {
        if !is_image_id(src) && !is_url(src) {
            files.push(FileInput::new(src, base_dir.join(src)));
        }
    }
    for k in ["kernel", "initrd"] {
        if let Some(p) = str_attr(config, k) {
            files.push(FileInput::new(p, base_dir.join(p)));
        }
    }
    files.extend(fp::provisioner_files(
        attr(config, "provisioners"),
        base_dir,
    ));
    files
}

/// The fingerprint of an image configuration whose values are all known.
pub fn of(config: &Value, base_dir: &Path, cache: Option<&Record>) -> Result<Fingerprint, String> {
    fp::compute(config, &SPEC, &file_inputs(config, base_dir), cache).map_err(|e| e.to_string())
}

/// The records computed in this process, by image address. A replacement is planned a
/// second time as a create (without the prior record), and apply plans and builds again:
/// this lets those computations reuse the first one's digests instead of reading every
/// file again. Entries are only a cache; what they say is checked as the state's is.
#[derive(Debug, Default)]
pub struct Memo(Mutex<HashMap<String, Record>>);

impl Memo {
    fn get(&self, key: &str) -> Option<Record> {
        self.0.lock().ok()?.get(key).cloned()
    }

    fn put(&self, key: &str, record: &Record) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key.to_string(), record.clone());
        }
    }
}

/// What `plan` learns about an image's fingerprint.
#[derive(Debug)]
pub struct Planned {
    /// `None` when the configuration is not wholly known yet.
    pub fingerprint: Option<String>,
    /// Whether it differs from the prior's (always, when unknown).
    pub changed: bool,
    /// Why, for a plan that replaces the prior image; empty for a create.
    pub causes: Vec<Cause>,
}

/// The fingerprint at plan time. `prior` is the image in state, `prior_private` the
/// record kept with it; `key` names the image in `memo`.
pub fn plan(
    config: &Value,
    base_dir: &Path,
    prior: Option<&Value>,
    prior_private: Option<&serde_json::Value>,
    memo: &Memo,
    key: &str,
) -> Result<Planned, String> {
    let prior_fp = prior.and_then(|p| str_attr(p, "fingerprint"));
    let prior_record = prior_private.and_then(Record::from_json);
    // Only a record of the fingerprint in state describes the image's inputs.
    let described = prior_record
        .clone()
        .filter(|r| Some(r.fingerprint.as_str()) == prior_fp);
    // This process's own record is the newest; the state's serves the first plan.
    let cache = memo.get(key).or(prior_record);
    let files = file_inputs(config, base_dir);
    if !config.is_wholly_known() {
        let pending =
            fp::explain_unknown(config, &SPEC, &files, described.as_ref(), cache.as_ref())
                .map_err(|e| e.to_string())?;
        memo.put(key, &pending.known);
        return Ok(Planned {
            fingerprint: None,
            changed: true,
            causes: prior.map(|_| pending.causes).unwrap_or_default(),
        });
    }
    let now = fp::compute(config, &SPEC, &files, cache.as_ref()).map_err(|e| e.to_string())?;
    memo.put(key, &now.record);
    let changed = prior_fp != Some(now.digest.as_str());
    let causes = match prior {
        Some(_) if changed => fp::explain(described.as_ref(), &now.record),
        _ => Vec::new(),
    };
    Ok(Planned {
        fingerprint: Some(now.digest),
        changed,
        causes,
    })
}

/// The record of the inputs as they are when a build starts. The new state must keep the
/// planned fingerprint, so a file changed since the plan fails the build before it
/// starts, saying which one.
pub fn at_build_start(
    config: &Value,
    base_dir: &Path,
    planned: Option<&str>,
    prior_private: Option<&serde_json::Value>,
    memo: &Memo,
    key: &str,
) -> Result<Record, String> {
    let planned_record = memo.get(key);
    let cache = planned_record
        .clone()
        .or_else(|| prior_private.and_then(Record::from_json));
    let now = of(config, base_dir, cache.as_ref())?;
    memo.put(key, &now.record);
    match planned {
        Some(p) if p != now.digest => {
            let described = planned_record.filter(|r| r.fingerprint == p);
            let why: Vec<String> = match described {
                Some(r) => fp::explain(Some(&r), &now.record)
                    .into_iter()
                    .map(|c| c.summary)
                    .collect(),
                None => vec!["its inputs are not what they were".to_string()],
            };
            Err(format!(
                "The image's inputs changed after the plan ({}): the plan promised fingerprint {p}, the files now give {}. Nothing was built; run the plan again to see the change.",
                why.join("; "),
                now.digest
            ))
        }
        _ => Ok(now.record),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(dir: &Path, script: &str) -> std::io::Result<Value> {
        std::fs::write(dir.join("install.sh"), script)?;
        Ok(Value::object_from([
            ("source", Value::string("qimg-base")),
            ("labels", Value::null()),
            ("fingerprint", Value::null()),
            (
                "provisioners",
                Value::list(vec![Value::object_from([
                    ("type", Value::string("shell")),
                    ("script", Value::string("install.sh")),
                ])]),
            ),
        ]))
    }

    #[test]
    fn labels_and_outputs_do_not_count() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = image(dir.path(), "echo 1\n")?;
        let a = of(&config, dir.path(), None)?;
        let labelled = kiln_builtin::object::set_attr(
            config,
            "labels",
            Value::object_from([("env", Value::string("prod"))]),
        );
        assert_eq!(of(&labelled, dir.path(), None)?.digest, a.digest);
        Ok(())
    }

    #[test]
    fn plan_explains_a_changed_script() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = image(dir.path(), "echo 1\n")?;
        let built = at_build_start(&config, dir.path(), None, None, &Memo::default(), "a")?;
        let prior = Value::object_from([("fingerprint", Value::string(&built.fingerprint))]);
        let private = built.to_json();
        let same = plan(
            &config,
            dir.path(),
            Some(&prior),
            Some(&private),
            &Memo::default(),
            "a",
        )?;
        assert!(!same.changed && same.causes.is_empty(), "{same:?}");
        let config = image(dir.path(), "echo 2\n")?;
        let p = plan(
            &config,
            dir.path(),
            Some(&prior),
            Some(&private),
            &Memo::default(),
            "a",
        )?;
        assert!(p.changed);
        assert_eq!(p.causes.len(), 1, "{:?}", p.causes);
        assert_eq!(p.causes[0].summary, "file install.sh modified");
        assert!(p.causes[0]
            .diff
            .as_deref()
            .unwrap_or("")
            .contains("+echo 2"));
        Ok(())
    }

    #[test]
    fn an_old_state_without_a_record_says_so() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = image(dir.path(), "echo 1\n")?;
        let prior = Value::object_from([("fingerprint", Value::string("0123"))]);
        let p = plan(
            &config,
            dir.path(),
            Some(&prior),
            None,
            &Memo::default(),
            "a",
        )?;
        assert_eq!(
            p.causes[0].summary,
            "fingerprint changed (no record of the previous inputs)"
        );
        Ok(())
    }

    #[test]
    fn an_unknown_source_is_a_rebuilt_source() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = kiln_builtin::object::set_attr(
            image(dir.path(), "echo 1\n")?,
            "source",
            Value::unknown(kiln_core::lang::Type::String),
        );
        let prior = Value::object_from([("fingerprint", Value::string("0123"))]);
        let p = plan(
            &config,
            dir.path(),
            Some(&prior),
            None,
            &Memo::default(),
            "a",
        )?;
        assert_eq!(p.fingerprint, None);
        assert_eq!(p.causes[0].summary, "its source image is rebuilt");
        Ok(())
    }

    #[test]
    fn a_change_after_the_plan_stops_the_build() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let memo = Memo::default();
        let config = image(dir.path(), "echo 1\n")?;
        let planned = plan(&config, dir.path(), None, None, &memo, "a")?.fingerprint;
        let config = image(dir.path(), "echo 2\n")?;
        let err = at_build_start(&config, dir.path(), planned.as_deref(), None, &memo, "a")
            .err()
            .unwrap_or_default();
        assert!(err.contains("file install.sh modified"), "{err}");
        Ok(())
    }
}
