//! Load + validate benchmark: generates a configuration of 10,000 resource instances
//! (nested blocks, dynamic blocks, references, interpolations, for_each) and times
//! `load_configuration` on it, then reports peak memory (VmHWM).
//!
//! Run: `cargo bench --bench load` (figures go to docs/benchmarks.md).

use std::fmt::Write as _;
use std::time::Instant;

use kiln_core::config::{load_configuration, LoadOptions};
use kiln_core::lang::{Functions, Type};
use kiln_core::schema::{
    AttrSchema, BlockSchema, Nesting, ProviderSchema, ResourceKind, ResourceSchema, Schema, Schemas,
};

const GROUPS: usize = 2_500;
const EACH_BLOCKS: usize = 50;
const EACH_KEYS: usize = 100;

/// A cloud-like provider: groups with nested rule blocks, instances that refer to them.
fn bench_schemas() -> Schemas {
    let rule = Schema::new()
        .attr("port", AttrSchema::required(Type::Number))
        .attr("protocol", AttrSchema::optional(Type::String))
        .attr("cidr", AttrSchema::optional(Type::String));
    let mut p = ProviderSchema {
        name: "bench".into(),
        ..Default::default()
    };
    p.resources.insert(
        "bench_group".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "",
            body: Schema::new()
                .attr("name", AttrSchema::required(Type::String))
                .attr(
                    "tags",
                    AttrSchema::optional(Type::Map(Box::new(Type::String))),
                )
                .attr("id", AttrSchema::computed(Type::String))
                .block("ingress", BlockSchema::new(Nesting::List, rule)),
        },
    );
    p.resources.insert(
        "bench_instance".into(),
        ResourceSchema {
            kind: ResourceKind::Instance,
            description: "",
            body: Schema::new()
                .attr("name", AttrSchema::required(Type::String))
                .attr("group_id", AttrSchema::required(Type::String))
                .attr("size", AttrSchema::optional(Type::String))
                .attr("user_data", AttrSchema::optional(Type::String))
                .attr("id", AttrSchema::computed(Type::String))
                .attr("ip", AttrSchema::computed(Type::String)),
        },
    );
    let mut s = Schemas::new();
    s.add(p);
    s
}

fn generate(dir: &std::path::Path) -> std::io::Result<()> {
    let mut head = String::new();
    head.push_str("variable \"env\" {\n  type    = string\n  default = \"prod\"\n}\n\n");
    head.push_str(
        "variable \"ports\" {\n  type    = list(number)\n  default = [80, 443, 8080]\n}\n\n",
    );
    head.push_str("locals {\n  prefix = \"${var.env}-app\"\n  keys   = { for i in [");
    let keys: Vec<String> = (0..EACH_KEYS).map(|i| format!("\"k{i}\"")).collect();
    head.push_str(&keys.join(", "));
    head.push_str("] : i => upper(i) }\n}\n");
    std::fs::write(dir.join("main.hcl"), head)?;
    let per_file = 500;
    for chunk in 0..(GROUPS / per_file) {
        let mut s = String::new();
        for i in chunk * per_file..(chunk + 1) * per_file {
            let _ = write!(
                s,
                "resource \"bench_group\" \"g{i}\" {{\n  name = \"${{local.prefix}}-g{i}\"\n  tags = {{\n    env  = var.env\n    team = \"t{}\"\n  }}\n  ingress {{\n    port = 22\n    cidr = \"10.0.0.0/8\"\n  }}\n  dynamic \"ingress\" {{\n    for_each = var.ports\n    content {{\n      port     = ingress.value\n      protocol = \"tcp\"\n    }}\n  }}\n}}\n\n",
                i % 7
            );
            let _ = write!(
                s,
                "resource \"bench_instance\" \"i{i}\" {{\n  name      = \"vm-${{var.env}}-{i}\"\n  group_id  = bench_group.g{i}.id\n  size      = {i} % 2 == 0 ? \"small\" : \"large\"\n  user_data = <<-EOT\n    #!/bin/sh\n    echo ${{bench_group.g{i}.name}} > /etc/role\n  EOT\n}}\n\n"
            );
        }
        std::fs::write(dir.join(format!("gen{chunk}.hcl")), s)?;
    }
    let mut s = String::new();
    for b in 0..EACH_BLOCKS {
        let _ = write!(
            s,
            "resource \"bench_instance\" \"each{b}\" {{\n  for_each = local.keys\n  name     = \"${{each.key}}-${{each.value}}-{b}\"\n  group_id = bench_group.g{b}.id\n}}\n\n"
        );
    }
    std::fs::write(dir.join("each.hcl"), s)
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("kiln-bench-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|_| generate(&dir)) {
        eprintln!("cannot generate the benchmark configuration: {e}");
        std::process::exit(1);
    }
    let bytes: u64 = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    let schemas = bench_schemas();
    let functions = Functions::standard();
    let opts = LoadOptions {
        dir: dir.clone(),
        cwd: dir.clone(),
        ..Default::default()
    };
    // `cargo bench` passes --bench; under `cargo test` this is a one-run smoke test.
    let runs = if std::env::args().any(|a| a == "--bench") {
        5
    } else {
        1
    };
    let mut times = Vec::new();
    let mut instances = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let loaded = load_configuration(&opts, &schemas, &functions);
        times.push(start.elapsed().as_secs_f64());
        if loaded.diagnostics.has_errors() {
            eprintln!(
                "{}",
                kiln_core::diag_render::render_plain(&loaded.sources, &loaded.diagnostics)
            );
            std::process::exit(1);
        }
        instances = loaded
            .evaluated
            .as_ref()
            .map(|e| {
                e.all_resources()
                    .iter()
                    .map(|r| r.keys.len())
                    .sum::<usize>()
            })
            .unwrap_or(0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "configuration: {instances} resource instances, {:.1} MiB of HCL in {} files",
        bytes as f64 / 1048576.0,
        GROUPS / 500 + 2
    );
    println!(
        "load + validate: min {:.3} s, median {:.3} s, max {:.3} s ({runs} runs)",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
    if let Some(rss) = peak_rss_mib() {
        println!("peak memory (VmHWM): {rss:.0} MiB");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
