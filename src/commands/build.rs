//! `kiln build [DIR]`: plan and apply only the images (and what they need), like
//! `packer build`. The configuration is planned once whole to learn its image instances
//! (module instances included), then again targeted at the selected ones, against the
//! state the first plan refreshed. A rebuilt image that running machines still use is
//! kept (deposed) until the next `kiln apply` replaces them.

use std::path::Path;

use kiln_core::addr::{InstanceAddr, Target};
use kiln_core::apply::ApplyOptions;
use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::plan::{PlanMode, PlanOptions, Planned};
use kiln_core::schema::{ResourceKind, Schemas};
use kiln_core::state::State;

use crate::cli::BuildArgs;

pub fn run(args: BuildArgs) -> u8 {
    let no_color = args.config.no_color;
    let Ok((parts, ws)) = super::engine::start(&args.config, args.json) else {
        return 1;
    };
    let fail = |d: &Diagnostics| {
        parts.report(&ws.sources, d, no_color);
        1
    };
    if args.parallel_builds == Some(0) {
        return fail(
            &Diagnostic::error(
                "Invalid --parallel-builds",
                "At least one build must be able to run: give 1 or more.",
            )
            .into(),
        );
    }
    let (only, except) = match (
        targets(&args.only, "--only"),
        targets(&args.except, "--except"),
    ) {
        (Ok(o), Ok(e)) => (o, e),
        (Err(d), _) | (_, Err(d)) => return fail(&d),
    };
    let mut store = match super::engine::open_state(&ws, &args.state, "build") {
        Ok(s) => s,
        Err(d) => return fail(&d),
    };
    let engine = parts.engine();
    let whole = PlanOptions {
        refresh: args.refresh,
        ..PlanOptions::default()
    };
    let first = match kiln_core::plan::plan(&engine, &ws, store.state(), &whole) {
        Ok(p) => p,
        Err(d) => return fail(&d),
    };
    let images = image_instances(&first, &parts.schemas);
    let selected = match select(&images, &only, &except) {
        Ok(s) => s,
        Err(d) => return fail(&d),
    };
    let chosen: Vec<Target> = selected.iter().cloned().map(Target::Instance).collect();
    let opts = PlanOptions {
        mode: PlanMode::Normal,
        refresh: false,
        targets: chosen.clone(),
        excludes: Vec::new(),
        replace: if args.force { chosen } else { Vec::new() },
    };
    let refreshed: State = first.plan.prior_state.clone();
    drop(first);
    let mut planned = match kiln_core::plan::plan(&engine, &ws, &refreshed, &opts) {
        Ok(p) => p,
        Err(d) => return fail(&d),
    };
    kiln_core::plan::keep_replaced_in_use(&mut planned.plan);
    let run = super::apply::Run {
        parts: &parts,
        ws: &ws,
        no_color,
        mode: PlanMode::Normal,
        // Like `packer build`: building is what was asked for. Nothing outside the
        // images is touched, and images still in use are kept.
        ask: false,
        show_plan: true,
        applied_plan: None,
        options: ApplyOptions {
            parallelism: args.parallel_builds.unwrap_or(1024),
            on_error: args.on_error.into(),
        },
    };
    let outcome = match super::apply::execute(&run, &mut store, planned) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if let Some(path) = &args.manifest {
        let m = manifest(&selected, store.state(), outcome.as_ref());
        if let Err(d) = write_manifest(path, &m) {
            return fail(&d);
        }
        if !parts.json {
            println!("\nManifest written to {}.", path.display());
        }
    }
    0
}

fn targets(list: &[String], flag: &str) -> Result<Vec<Target>, Diagnostics> {
    list.iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            Target::parse(t.trim()).map_err(|e| {
                Diagnostic::error(
                    format!("Invalid {flag} address"),
                    format!("{e}. Give an image address such as qemu_image.app or module.web.qemu_image.app."),
                )
                .into()
            })
        })
        .collect()
}

/// The image instances the configuration has (not those only left in state).
fn image_instances(planned: &Planned, schemas: &Schemas) -> Vec<InstanceAddr> {
    planned
        .plan
        .changes
        .iter()
        .filter(|c| c.deposed.is_empty() && c.after.is_some())
        .filter(|c| {
            schemas
                .resource(&c.addr.resource.type_name)
                .is_some_and(|s| s.kind == ResourceKind::Image)
        })
        .map(|c| c.addr.clone())
        .collect()
}

/// The images `--only` / `--except` leave; every address given must name an image.
fn select(
    images: &[InstanceAddr],
    only: &[Target],
    except: &[Target],
) -> Result<Vec<InstanceAddr>, Diagnostics> {
    let names: Vec<String> = images.iter().map(|a| a.to_string()).collect();
    let known = if names.is_empty() {
        "The configuration has no images.".to_string()
    } else {
        format!("The images are: {}.", names.join(", "))
    };
    if images.is_empty() {
        return Err(Diagnostic::error("Nothing to build", known).into());
    }
    for (flag, list) in [("--only", only), ("--except", except)] {
        for t in list {
            if !images.iter().any(|a| t.contains(a)) {
                return Err(Diagnostic::error(
                    format!("{flag} names no image"),
                    format!("\"{t}\" is not an image of this configuration. {known}"),
                )
                .into());
            }
        }
    }
    let selected: Vec<InstanceAddr> = images
        .iter()
        .filter(|a| only.is_empty() || only.iter().any(|t| t.contains(a)))
        .filter(|a| !except.iter().any(|t| t.contains(a)))
        .cloned()
        .collect();
    if selected.is_empty() {
        return Err(Diagnostic::error(
            "Nothing to build",
            format!("--only and --except leave no image. {known}"),
        )
        .into());
    }
    Ok(selected)
}

/// The artifacts, as Packer's manifest lists its builds: one entry per selected image,
/// whether it was built in this run or was already up to date.
fn manifest(
    selected: &[InstanceAddr],
    state: &State,
    outcome: Option<&kiln_core::apply::Outcome>,
) -> serde_json::Value {
    let builds: Vec<serde_json::Value> = selected
        .iter()
        .filter_map(|addr| {
            let provider = state.resources.get(&addr.resource)?.provider.clone();
            let attrs = &state.instance(addr)?.attributes;
            let text = |k: &str| attrs.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let built = outcome.and_then(|o| o.creates.get(addr));
            Some(serde_json::json!({
                "address": addr.to_string(),
                "provider": provider,
                "artifact_id": text("id"),
                "fingerprint": text("fingerprint"),
                "source_image": text("source_image").or_else(|| text("source")),
                "built": built.is_some(),
                "build_time": built.map(|(at, _)| rfc3339(*at)),
                "build_duration_seconds": built.map(|(_, d)| (d.as_secs_f64() * 1000.0).round() / 1000.0),
            }))
        })
        .collect();
    serde_json::json!({
        "kiln_version": kiln_core::config::version::KILN_VERSION,
        "builds": builds,
    })
}

fn rfc3339(t: std::time::SystemTime) -> String {
    time::OffsetDateTime::from(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Written beside its final name and renamed, so a reader never sees half a manifest.
fn write_manifest(path: &Path, m: &serde_json::Value) -> Result<(), Diagnostics> {
    let fail = |e: std::io::Error| {
        Diagnostics::from(Diagnostic::error(
            "Cannot write the manifest",
            format!("{}: {e}", path.display()),
        ))
    };
    let mut text = serde_json::to_string_pretty(m).unwrap_or_default();
    text.push('\n');
    let tmp = path.with_extension("kiln-tmp");
    std::fs::write(&tmp, text).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}
