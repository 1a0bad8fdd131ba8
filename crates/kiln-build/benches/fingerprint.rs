//! Fingerprint benchmark: an image that uploads a tree of 3,000 files (70 MB) and runs one
//! script. "Cold" computes with no record (every byte read and hashed; the files are in
//! the page cache after the first run), "warm" with the record of a previous run and
//! nothing changed (every file decided by its metadata alone), which is what a no-change
//! plan pays. The tree is written first and left alone for 2.5 s, as a project is before
//! a plan: the cache does not trust files changed within 2 s of a record.
//!
//! Run: `cargo bench -p kiln-build --bench fingerprint` (figures go to
//! docs/benchmarks.md). Under `cargo test` (no --bench argument) it is a tiny smoke run.

use std::path::Path;
use std::time::{Duration, Instant};

use kiln_build::fingerprint::{compute, provisioner_files, ConfigSpec, Fingerprint, Record};
use kiln_core::lang::Value;

const SPEC: ConfigSpec<'static> = ConfigSpec {
    outputs: &["id", "fingerprint"],
    source: Some("source"),
};

/// A small deterministic generator, so every run hashes the same tree.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Writes `files` files of `total` bytes in all under `root/tree`, 30 directories of two
/// levels; sizes vary from a few bytes to ~30× the mean, as in a real tree.
fn make_tree(root: &Path, files: usize, total: u64) -> std::io::Result<()> {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let weights: Vec<u64> = (0..files)
        .map(|i| match i % 30 {
            0 => 30 + rng.next() % 30,
            _ => 1 + rng.next() % 40,
        })
        .collect();
    let sum: u64 = weights.iter().sum();
    let mut block = vec![0u8; 1 << 20];
    for b in block.chunks_mut(8) {
        b.copy_from_slice(&rng.next().to_le_bytes()[..b.len()]);
    }
    for (i, w) in weights.iter().enumerate() {
        let dir = root.join(format!("tree/d{}/e{}", i % 10, i % 3));
        std::fs::create_dir_all(&dir)?;
        let size = (total * w / sum) as usize;
        let start = (i * 7919) % (block.len() / 2);
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            let n = (size - data.len()).min(block.len() - start);
            data.extend_from_slice(&block[start..start + n]);
        }
        std::fs::write(dir.join(format!("f{i}.dat")), data)?;
    }
    std::fs::write(
        root.join("install.sh"),
        "#!/bin/sh\nset -e\necho installing\n",
    )
}

fn config() -> Value {
    Value::object_from([
        ("source", Value::string("qimg-base")),
        ("memory", Value::int(512)),
        (
            "provisioners",
            Value::list(vec![
                Value::object_from([
                    ("type", Value::string("file")),
                    ("source", Value::string("tree/")),
                    ("destination", Value::string("/srv")),
                ]),
                Value::object_from([
                    ("type", Value::string("shell")),
                    ("script", Value::string("install.sh")),
                ]),
            ]),
        ),
    ])
}

fn run(root: &Path, cache: Option<&Record>) -> (Duration, Fingerprint) {
    let config = config();
    let start = Instant::now();
    let files = provisioner_files(config.as_map().and_then(|m| m.get("provisioners")), root);
    match compute(&config, &SPEC, &files, cache) {
        Ok(fp) => (start.elapsed(), fp),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

fn report(name: &str, mut times: Vec<Duration>, fp: &Fingerprint) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: median {:.1} ms (min {:.1}, max {:.1}; {} runs); {} files, {} read, {:.1} MB hashed",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len(),
        fp.stats.files,
        fp.stats.files_hashed,
        fp.stats.bytes_hashed as f64 / 1e6
    );
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test` this is a smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let (files, total, runs, settle) = if full {
        (3_000, 70_000_000, 7, Duration::from_millis(2_500))
    } else {
        (30, 300_000, 1, Duration::ZERO)
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create a temporary directory: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = make_tree(dir.path(), files, total) {
        eprintln!("cannot write the tree: {e}");
        std::process::exit(1);
    }
    std::thread::sleep(settle);
    let (first, _) = run(dir.path(), None);
    println!(
        "first cold run (tree just written): {:.1} ms",
        first.as_secs_f64() * 1000.0
    );
    let mut cold = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let (t, fp) = run(dir.path(), None);
        cold.push(t);
        last = Some(fp);
    }
    let Some(record) = last else { return };
    report("cold (no record)", cold, &record);
    let mut warm = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let (t, fp) = run(dir.path(), Some(&record.record));
        if fp.digest != record.digest {
            eprintln!("the warm fingerprint differs from the cold one");
            std::process::exit(1);
        }
        warm.push(t);
        last = Some(fp);
    }
    if let Some(fp) = last {
        report("warm (record, nothing changed)", warm, &fp);
        if full && fp.stats.files_hashed != 0 {
            eprintln!("warm runs read {} files", fp.stats.files_hashed);
            std::process::exit(1);
        }
    }
    let size = record.record.to_json().to_string().len();
    println!("record: {:.0} KiB of JSON", size as f64 / 1024.0);
}
