//! Journal benchmark: durable completed changes per second. 64 recorders (tokio tasks, as
//! apply's workers would be) each record changes one after another, every `record`
//! returning only once its entry is fsynced; group commit lets them share fsyncs. One
//! recorder alone is measured too: that is one fsync per change.
//!
//! Run: `cargo bench --bench journal` (figures go to docs/benchmarks.md). Under
//! `cargo test` (no --bench argument) it is a tiny smoke run.

use std::time::Instant;

use kiln_core::addr::{InstanceKey, Mode, ModulePath, ResourceAddr};
use kiln_core::state::{InstanceState, Journal, JournalEntry};

const RECORDERS: usize = 64;

/// A change as apply would record it: an instance with a dozen attributes.
fn entry(recorder: usize, i: usize) -> JournalEntry {
    let addr = ResourceAddr::new(
        ModulePath::root(),
        Mode::Managed,
        "qemu_instance",
        &format!("web{recorder}"),
    )
    .instance(InstanceKey::Int(i as i64));
    JournalEntry::Set {
        addr,
        deposed: String::new(),
        provider: "provider.qemu".into(),
        instance: InstanceState {
            status: None,
            attributes: serde_json::json!({
                "id": format!("vm-{recorder}-{i}"),
                "name": format!("web-{recorder}-{i}"),
                "image_id": "img-app-3e7a91",
                "memory": 512,
                "cpus": 2,
                "ip": "10.0.2.15",
                "mac": "52:54:00:12:34:56",
                "network": "main",
                "disk_size": "8G",
                "user_data": "#!/bin/sh\necho hello > /etc/motd\n",
                "tags": { "env": "prod", "role": "web" },
            }),
            sensitive_attributes: Vec::new(),
            dependencies: vec!["qemu_image.app".into(), "qemu_network.main".into()],
            create_before_destroy: true,
            extra: Default::default(),
        },
    }
}

/// Records `per_recorder` entries from each of `recorders` tasks; returns (entries per
/// second, entries per fsync).
fn run(rt: &tokio::runtime::Runtime, recorders: usize, per_recorder: usize) -> (f64, f64) {
    let dir = std::env::temp_dir().join(format!("kiln-bench-journal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    let journal = match Journal::open(&dir.join("kiln.kstate.journal")) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = (0..recorders)
            .map(|r| {
                let j = journal.clone();
                tokio::spawn(async move {
                    for i in 0..per_recorder {
                        j.record(entry(r, i)).await?;
                    }
                    Ok::<(), kiln_core::state::StateError>(())
                })
            })
            .collect();
        for t in tasks {
            match t.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
                Err(e) => {
                    eprintln!("recorder failed: {e}");
                    std::process::exit(1);
                }
            }
        }
    });
    let secs = start.elapsed().as_secs_f64();
    let total = (recorders * per_recorder) as f64;
    let syncs = journal.sync_count().max(1) as f64;
    drop(journal);
    let _ = std::fs::remove_dir_all(&dir);
    (total / secs, total / syncs)
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test` this is a smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let (runs, per_recorder, alone) = if full { (5, 500, 2_000) } else { (1, 3, 10) };
    let rt = match tokio::runtime::Builder::new_multi_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            std::process::exit(1);
        }
    };
    let (single, _) = run(&rt, 1, alone);
    println!("1 recorder: {single:.0} durable changes/s (one fsync each, {alone} changes)");
    let mut rates = Vec::new();
    let mut batches = Vec::new();
    for _ in 0..runs {
        let (rate, batch) = run(&rt, RECORDERS, per_recorder);
        rates.push(rate);
        batches.push(batch);
    }
    rates.sort_by(f64::total_cmp);
    batches.sort_by(f64::total_cmp);
    println!(
        "{RECORDERS} recorders x {per_recorder} changes: min {:.0}, median {:.0}, max {:.0} durable changes/s ({runs} runs); median {:.1} changes per fsync",
        rates[0],
        rates[rates.len() / 2],
        rates[rates.len() - 1],
        batches[batches.len() / 2]
    );
}
