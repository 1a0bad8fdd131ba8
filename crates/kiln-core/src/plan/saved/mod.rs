//! Saved plans: `kiln plan --out FILE` writes one, `kiln show FILE` renders it and
//! `kiln apply FILE` carries out exactly its changes, without planning again.
//!
//! A plan file is JSON (readable in a review, diffable) holding the planned changes, what
//! apply needs to carry them out (each instance's evaluated configuration, the order), a
//! digest of every configuration file, the root variables, and the lineage and serial of
//! the state it was planned against. Sensitive values are sealed (see [`seal`]): a plan
//! file can be uploaded as a CI artifact without leaking secrets; apply asks for the
//! sensitive variables again and checks them against their digests.

mod check;
mod files;
mod records;
mod resume;
pub mod seal;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value as J;

pub use check::{check_config, check_state, check_variables};
pub use files::config_digests;
pub use records::{ChangeRecord, OutputRecord};
pub use resume::{resume, SealedConfigs};

use crate::diag::Diagnostic;
use crate::lang::Value;
use crate::plan::{PlanMode, Planned};

/// What a plan file says it is; anything else is refused.
pub const FORMAT: &str = "kiln-plan";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub version: u32,
    /// Unique per plan; the state remembers the last one applied.
    pub id: String,
    pub kiln_version: String,
    /// When the plan was made (RFC 3339, UTC).
    pub created: String,
    pub config: ConfigRecord,
    pub state: StateRecord,
    pub options: OptionsRecord,
    /// Root variables: their values, sealed where sensitive.
    pub variables: BTreeMap<String, J>,
    /// The key of every digest of a sealed value in this file (hex).
    pub key: String,
    pub plan: PlanRecord,
    pub apply: ApplyRecord,
    /// The configuration in Terraform's JSON form, for `kiln show --json FILE`.
    #[serde(default)]
    pub configuration: J,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigRecord {
    /// The configuration directory as given to `kiln plan` (relative to where it ran).
    pub dir: String,
    /// BLAKE3 of every configuration file, by path relative to `dir`.
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateRecord {
    pub lineage: String,
    pub serial: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OptionsRecord {
    pub mode: PlanMode,
    pub refresh: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanRecord {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<ChangeRecord>,
    pub changes: Vec<ChangeRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<OutputRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<crate::plan::Leftover>,
    /// The refreshed state the plan was made against, sensitive attributes sealed.
    pub prior_state: J,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApplyRecord {
    /// Each instance's evaluated configuration (unknowns where apply learns them).
    pub configs: BTreeMap<String, J>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, String>,
    /// Data sources read while planning.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, J>,
    /// For each instance, the instances it depends on.
    pub dependencies: BTreeMap<String, Vec<String>>,
}

/// What the plan was made from, besides the plan itself.
pub struct Origin<'a> {
    pub config_dir: String,
    pub config_files: BTreeMap<String, String>,
    pub options: OptionsRecord,
    pub configuration: J,
    pub variables: &'a BTreeMap<String, Value>,
}

impl PlanFile {
    pub fn new(planned: &Planned, origin: Origin<'_>) -> PlanFile {
        let sealer = seal::Sealer::random();
        let plan = &planned.plan;
        let recorded = &planned.recorded;
        let by_addr = |m: &std::collections::HashMap<crate::addr::InstanceAddr, Value>| {
            m.iter()
                .map(|(a, v)| (a.to_string(), sealer.encode(v)))
                .collect()
        };
        PlanFile {
            format: FORMAT.into(),
            version: VERSION,
            id: uuid::Uuid::new_v4().to_string(),
            kiln_version: crate::config::version::KILN_VERSION.into(),
            created: now(),
            config: ConfigRecord {
                dir: origin.config_dir,
                files: origin.config_files,
            },
            state: StateRecord {
                lineage: plan.prior_state.lineage.clone(),
                serial: plan.prior_state.serial,
            },
            options: origin.options,
            variables: origin
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), sealer.encode(v)))
                .collect(),
            plan: PlanRecord {
                drift: plan
                    .drift
                    .iter()
                    .map(|c| ChangeRecord::new(c, &sealer))
                    .collect(),
                changes: plan
                    .changes
                    .iter()
                    .map(|c| ChangeRecord::new(c, &sealer))
                    .collect(),
                outputs: plan
                    .outputs
                    .iter()
                    .map(|o| OutputRecord::new(o, &sealer))
                    .collect(),
                leftovers: plan.leftovers.clone(),
                prior_state: records::seal_state(&plan.prior_state, &sealer),
            },
            apply: ApplyRecord {
                configs: by_addr(&recorded.configs),
                triggers: recorded
                    .triggers
                    .iter()
                    .map(|(a, t)| (a.to_string(), t.clone()))
                    .collect(),
                data: by_addr(&recorded.data),
                dependencies: planned
                    .deps
                    .iter()
                    .map(|(a, ds)| (a.to_string(), ds.iter().map(|d| d.to_string()).collect()))
                    .collect(),
            },
            key: sealer.to_hex(),
            configuration: origin.configuration,
        }
    }

    /// Writes the file whole or not at all (a temporary file renamed into place), readable
    /// by its owner only: it names every object and may hold non-sensitive secrets of
    /// careless configurations.
    pub fn write(&self, path: &Path) -> Result<(), Diagnostic> {
        let fail = |e: std::io::Error| {
            Diagnostic::error(
                "Cannot write the plan file",
                format!("Writing {} failed: {e}.", path.display()),
            )
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| {
            Diagnostic::error(
                "Cannot write the plan file",
                format!("The plan could not be encoded: {e}."),
            )
        })?;
        text.push('\n');
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "plan".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let result = (|| {
            use std::io::Write;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map_err(fail)
    }

    /// Reads a plan file, refusing anything that is not one this Kiln can apply.
    pub fn read(path: &Path) -> Result<PlanFile, Diagnostic> {
        let title = "Cannot read the plan file";
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::error(title, format!("Reading {} failed: {e}.", path.display()))
        })?;
        let head: J = serde_json::from_str(&text).map_err(|e| {
            Diagnostic::error(
                title,
                format!(
                    "{} is not a plan file saved by kiln plan --out: {e}.",
                    path.display()
                ),
            )
        })?;
        if head.get("format").and_then(J::as_str) != Some(FORMAT) {
            return Err(Diagnostic::error(
                title,
                format!(
                    "{} is not a plan file saved by kiln plan --out (it has no \"format\": \"{FORMAT}\").",
                    path.display()
                ),
            ));
        }
        let version = head.get("version").and_then(J::as_u64).unwrap_or(0);
        if version != u64::from(VERSION) {
            return Err(Diagnostic::error(
                title,
                format!(
                    "{} has plan format version {version}; this Kiln reads version {VERSION}. Make the plan again with this Kiln.",
                    path.display()
                ),
            ));
        }
        serde_json::from_value(head)
            .map_err(|e| Diagnostic::error(title, format!("{} is damaged: {e}.", path.display())))
    }

    pub fn sealer(&self) -> Result<seal::Sealer, Diagnostic> {
        seal::Sealer::from_hex(&self.key).ok_or_else(|| {
            Diagnostic::error(
                "Cannot read the plan file",
                "The plan file's key is damaged.",
            )
        })
    }

    /// The plan as it was made, for rendering: sealed values stay hidden (and equal to
    /// themselves, so unchanged secrets diff as unchanged).
    pub fn to_plan(&self) -> Result<crate::plan::Plan, Diagnostic> {
        records::plan_for_show(self)
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
