//! Engine benchmarks, driving plan and apply through the library with the deterministic
//! `test` provider (as `tests/engine_harness` does):
//!
//! 1. **No-change plan of 10,000 resources**: 100 `test_object` blocks × count 100, half
//!    of them referring to the block before; applied once, then planned again with
//!    refresh off (and on). Loading the workspace and reading the state file are timed
//!    too, since `kiln plan` does both.
//! 2. **Durable state updates**: 2,000 independent creates, no latency, applied through
//!    a real [`Journal`] (every change fsynced before it counts): completed changes/s.
//! 3. **Dependency chain under latency**: 10 levels × 100 objects, level k referring to
//!    level k-1, every provider call 50 ms, at `--parallelism` 64 (the default), 100 and
//!    1000. The same graph with references known at plan time (so nothing is evaluated
//!    again during apply) is the control that shows what re-evaluation costs.
//!
//! Run: `cargo bench --bench engine` (figures go to docs/benchmarks.md). Under
//! `cargo test` (no --bench argument) every benchmark does a tiny run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiln_builtin::testing::TestProvider;
use kiln_core::apply::{apply, ApplyOptions, ChangeLog, NoLog, Outcome};
use kiln_core::config::{load_workspace, LoadOptions, MissingVars, Workspace};
use kiln_core::event::NoEvents;
use kiln_core::lang::Functions;
use kiln_core::plan::{self, Action, Engine, PlanOptions, Planned};
use kiln_core::provider::Provider;
use kiln_core::provider_set::Factory;
use kiln_core::schema::Schemas;
use kiln_core::state::{codec, Journal, State};

/// Everything a run needs: a configuration directory, the test provider, the runtime.
struct Rig {
    dir: tempfile::TempDir,
    provider: TestProvider,
    rt: tokio::runtime::Runtime,
    schemas: Schemas,
    functions: Functions,
    factories: BTreeMap<String, Factory>,
}

impl Rig {
    fn new(hcl: &str, provider: TestProvider) -> Rig {
        let dir = tempfile::tempdir().unwrap_or_else(|e| die(&format!("temp dir: {e}")));
        let mut schemas = Schemas::new();
        schemas.add(provider.schema().clone());
        let p = provider.clone();
        let mut factories: BTreeMap<String, Factory> = BTreeMap::new();
        factories.insert(
            "test".into(),
            Arc::new(move || Arc::new(p.clone()) as Arc<dyn Provider>),
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| die(&format!("tokio: {e}")));
        if let Err(e) = std::fs::write(dir.path().join("main.hcl"), hcl) {
            die(&format!("write the configuration: {e}"));
        }
        Rig {
            dir,
            provider,
            rt,
            schemas,
            functions: Functions::standard(),
            factories,
        }
    }

    fn workspace(&self) -> Workspace {
        let (ws, diags) = load_workspace(&LoadOptions {
            dir: self.dir.path().to_path_buf(),
            cwd: self.dir.path().to_path_buf(),
            env: Vec::new(),
            cli_inputs: Vec::new(),
            missing_vars: MissingVars::Error,
            read_data: true,
        });
        if diags.has_errors() {
            die(&format!("configuration errors: {diags:?}"));
        }
        ws
    }

    fn engine(&self) -> Engine<'_> {
        Engine {
            schemas: &self.schemas,
            functions: &self.functions,
            factories: &self.factories,
            events: &NoEvents,
            rt: self.rt.handle(),
        }
    }

    fn plan(&self, ws: &Workspace, state: &State, refresh: bool) -> Planned {
        let opts = PlanOptions {
            refresh,
            ..PlanOptions::default()
        };
        plan::plan(&self.engine(), ws, state, &opts)
            .unwrap_or_else(|d| die(&format!("plan failed: {d:?}")))
    }

    fn apply(
        &self,
        ws: &Workspace,
        planned: Planned,
        log: Arc<dyn ChangeLog>,
        parallelism: usize,
    ) -> Outcome {
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let outcome = apply(
            &self.engine(),
            ws,
            planned,
            log,
            &ApplyOptions {
                parallelism,
                ..Default::default()
            },
            rx,
        );
        if !outcome.failed.is_empty() || outcome.diagnostics.has_errors() {
            die(&format!(
                "apply failed: {} failed, {:?}",
                outcome.failed.len(),
                outcome.diagnostics
            ));
        }
        outcome
    }
}

fn die(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let v = f();
    (v, start.elapsed())
}

/// Min, median and max of some timings.
struct Spread {
    min: f64,
    median: f64,
    max: f64,
    runs: usize,
}

impl Spread {
    fn of(mut xs: Vec<f64>) -> Spread {
        xs.sort_by(f64::total_cmp);
        Spread {
            min: xs[0],
            median: xs[xs.len() / 2],
            max: xs[xs.len() - 1],
            runs: xs.len(),
        }
    }

    fn secs(&self) -> String {
        format!("{:.3} / {:.3} / {:.3} s", self.min, self.median, self.max)
    }
}

/// The rows of the printed table: benchmark, figure, target.
struct Table(Vec<(String, String, String)>);

impl Table {
    fn row(&mut self, what: impl Into<String>, figure: impl Into<String>, target: &str) {
        self.0
            .push((what.into(), figure.into(), target.to_string()));
    }

    fn print(&self) {
        let w0 = self.0.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let w1 = self.0.iter().map(|r| r.1.len()).max().unwrap_or(0);
        println!();
        println!("{:w0$}  {:w1$}  target", "benchmark", "figure");
        println!("{}", "-".repeat(w0 + w1 + 12));
        for (a, b, c) in &self.0 {
            println!("{a:w0$}  {b:w1$}  {c}");
        }
    }
}

/// Sizes: the full run under `cargo bench`, a tiny one under `cargo test`.
struct Sizes {
    runs: usize,
    plan_blocks: usize,
    plan_count: usize,
    journal_creates: usize,
    chain_levels: usize,
    chain_width: usize,
    chain_latency: Duration,
    /// Runs per parallelism and configuration (the VM's timing noise needs more).
    chain_runs: usize,
    parallelisms: Vec<usize>,
}

// ---- 1. No-change plan ----------------------------------------------------------------

/// `blocks` resource blocks of `count` objects each; every odd block's objects refer to
/// the ids of the block before (unknown until that block is created).
fn plan_config(blocks: usize, count: usize) -> String {
    let mut s = String::new();
    for b in 0..blocks {
        let value = if b % 2 == 1 {
            format!("test_object.r{}[count.index].id", b - 1)
        } else {
            "\"v-${count.index}\"".to_string()
        };
        let _ = write!(
            s,
            "resource \"test_object\" \"r{b}\" {{\n  count  = {count}\n  name   = \"r{b}-${{count.index}}\"\n  value  = {value}\n  labels = {{\n    block = \"r{b}\"\n    team  = \"t{}\"\n  }}\n}}\n\n",
            b % 7
        );
    }
    s
}

fn bench_plan(sizes: &Sizes, table: &mut Table) {
    let n = sizes.plan_blocks * sizes.plan_count;
    println!("== 1. no-change plan of {n} resources ==");
    let rig = Rig::new(
        &plan_config(sizes.plan_blocks, sizes.plan_count),
        TestProvider::new(),
    );

    // Apply once (no latency) to have a state.
    let ws = rig.workspace();
    let empty = State::new("bench".into());
    let (planned, t_plan0) = time(|| rig.plan(&ws, &empty, true));
    let creates = planned
        .plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .count();
    let (outcome, t_apply0) = time(|| rig.apply(&ws, planned, Arc::new(NoLog), 64));
    println!(
        "setup: plan of {creates} creates {:.3} s, apply {:.3} s ({} created)",
        secs(t_plan0),
        secs(t_apply0),
        outcome.added
    );
    if outcome.added != n {
        die(&format!("expected {n} creates, got {}", outcome.added));
    }
    let state = outcome.state;

    // The state file, as `kiln plan` reads it.
    let state_path = rig.dir.path().join("kiln.kstate");
    let (bytes, t_encode) = time(|| codec::to_bytes(&state));
    if let Err(e) = std::fs::write(&state_path, &bytes) {
        die(&format!("write the state: {e}"));
    }
    let mut t_read = Vec::new();
    let mut t_load = Vec::new();
    for _ in 0..sizes.runs {
        let (read, t) = time(|| {
            let b = std::fs::read(&state_path).unwrap_or_else(|e| die(&format!("read: {e}")));
            codec::from_bytes(&b, &state_path).unwrap_or_else(|e| die(&format!("{e}")))
        });
        if read.managed_count() != state.managed_count() {
            die("the state read back differs");
        }
        t_read.push(secs(t));
        let (_, t) = time(|| rig.workspace());
        t_load.push(secs(t));
    }
    let mib = bytes.len() as f64 / 1048576.0;
    let t_read = Spread::of(t_read);
    let t_load = Spread::of(t_load);
    println!(
        "state: {mib:.1} MiB of JSON; encode {:.3} s; read + parse min/median/max {}",
        secs(t_encode),
        t_read.secs()
    );
    println!("load workspace: min/median/max {}", t_load.secs());

    let run_plans = |refresh: bool| {
        let reads_before = rig.provider.read_api_calls();
        let mut ts = Vec::new();
        for _ in 0..sizes.runs {
            let (planned, t) = time(|| rig.plan(&ws, &state, refresh));
            let changed = planned
                .plan
                .changes
                .iter()
                .filter(|c| c.action != Action::NoOp)
                .count();
            if changed != 0 || planned.plan.changes.len() != n {
                die(&format!(
                    "expected {n} no-ops, got {} changes of which {changed} are not no-ops",
                    planned.plan.changes.len()
                ));
            }
            // Dropping a plan of 10,000 objects is part of the command too.
            let (_, t_drop) = time(|| drop(planned));
            ts.push(secs(t + t_drop));
        }
        let reads = (rig.provider.read_api_calls() - reads_before) / sizes.runs;
        (Spread::of(ts), reads)
    };
    let (off, _) = run_plans(false);
    println!(
        "plan, refresh off: min/median/max {} ({} runs)",
        off.secs(),
        off.runs
    );
    let (on, reads) = run_plans(true);
    println!(
        "plan, refresh on: min/median/max {} ({} runs, {reads} read call(s) per plan)",
        on.secs(),
        on.runs
    );
    let total = t_read.median + t_load.median + off.median;
    table.row(
        format!("1. no-change plan, {n} resources, refresh off"),
        format!("{:.3} s median (min {:.3})", off.median, off.min),
        &format!("<= 2 s: {}", verdict(off.median <= 2.0)),
    );
    table.row(
        "   + load workspace + read state (median)",
        format!(
            "{:.3} s + {:.3} s = {total:.3} s total",
            t_load.median, t_read.median
        ),
        "",
    );
    table.row(
        format!("   state file ({n} objects)"),
        format!("{mib:.1} MiB"),
        "",
    );
    table.row(
        "   no-change plan, refresh on",
        format!("{:.3} s median ({reads} read call)", on.median),
        "",
    );
    table.row(
        "   (setup) plan + apply of all creates",
        format!("{:.3} s + {:.3} s", secs(t_plan0), secs(t_apply0)),
        "",
    );
}

// ---- 2. Durable state updates -----------------------------------------------------------

fn bench_journal(sizes: &Sizes, table: &mut Table) {
    let n = sizes.journal_creates;
    println!("== 2. {n} independent creates through the journal ==");
    let hcl = format!(
        "resource \"test_object\" \"j\" {{\n  count = {n}\n  name  = \"j-${{count.index}}\"\n  value = \"v-${{count.index}}\"\n}}\n"
    );
    let mut rates = Vec::new();
    let mut per_sync = Vec::new();
    let mut nolog = Vec::new();
    for _ in 0..sizes.runs {
        // Fresh world and state each run; the journal file lives in the temp directory.
        let rig = Rig::new(&hcl, TestProvider::new());
        let ws = rig.workspace();
        let empty = State::new("bench".into());
        let journal = Journal::open(&rig.dir.path().join("kiln.kstate.journal"))
            .unwrap_or_else(|e| die(&format!("{e}")));
        let planned = rig.plan(&ws, &empty, false);
        let (outcome, t) = time(|| rig.apply(&ws, planned, Arc::new(journal.clone()), 64));
        if outcome.added != n {
            die(&format!("expected {n} creates, got {}", outcome.added));
        }
        let entries = Journal::replay(journal.path())
            .unwrap_or_else(|e| die(&format!("{e}")))
            .len();
        // A create is recorded twice: `creating` before the call, the object after.
        if entries != 2 * n {
            die(&format!(
                "expected {} journal entries, found {entries}",
                2 * n
            ));
        }
        rates.push(n as f64 / secs(t));
        per_sync.push(entries as f64 / journal.sync_count().max(1) as f64);
        drop(journal);

        // The same walk without durability, for comparison.
        let rig = Rig::new(&hcl, TestProvider::new());
        let ws = rig.workspace();
        let planned = rig.plan(&ws, &empty, false);
        let (_, t) = time(|| rig.apply(&ws, planned, Arc::new(NoLog), 64));
        nolog.push(n as f64 / secs(t));
    }
    let rates = Spread::of(rates);
    let per_sync = Spread::of(per_sync);
    let nolog = Spread::of(nolog);
    println!(
        "journal: min/median/max {:.0} / {:.0} / {:.0} completed changes/s ({} runs), median {:.1} journal entries per fsync (2 per create)",
        rates.min, rates.median, rates.max, rates.runs, per_sync.median
    );
    println!(
        "no log: min/median/max {:.0} / {:.0} / {:.0} completed changes/s",
        nolog.min, nolog.median, nolog.max
    );
    table.row(
        format!("2. {n} creates, journal on, parallelism 64"),
        format!(
            "{:.0} changes/s median (min {:.0})",
            rates.median, rates.min
        ),
        &format!(">= 1,000 /s: {}", verdict(rates.median >= 1000.0)),
    );
    table.row(
        "   journal entries per fsync (median)",
        format!("{:.1}", per_sync.median),
        "",
    );
    table.row(
        "   same walk, no journal",
        format!("{:.0} changes/s median", nolog.median),
        "",
    );
}

// ---- 3. Dependency chain under latency --------------------------------------------------

/// `levels` blocks of `width` objects; level k refers to level k-1's `id` (unknown at
/// plan: configurations are evaluated again during apply) or, for the control, its
/// `name` (known at plan: the same graph, nothing to evaluate again).
fn chain_config(levels: usize, width: usize, known: bool) -> String {
    let mut s = String::new();
    for k in 0..levels {
        let value = if k == 0 {
            "\"root-${count.index}\"".to_string()
        } else if known {
            format!("test_object.l{}[count.index].name", k - 1)
        } else {
            format!("test_object.l{}[count.index].id", k - 1)
        };
        let _ = write!(
            s,
            "resource \"test_object\" \"l{k}\" {{\n  count = {width}\n  name  = \"l{k}-${{count.index}}\"\n  value = {value}\n}}\n\n"
        );
    }
    s
}

/// Every object of level k > 0 holds the id (or name) of its partner in level k-1.
fn check_chain(state: &State, levels: usize, width: usize, known: bool) {
    let attr = |k: usize, i: usize, name: &str| -> String {
        let addr = kiln_core::addr::ResourceAddr::new(
            kiln_core::addr::ModulePath::root(),
            kiln_core::addr::Mode::Managed,
            "test_object",
            &format!("l{k}"),
        )
        .instance(kiln_core::addr::InstanceKey::Int(i as i64));
        state
            .instance(&addr)
            .and_then(|o| o.attributes[name].as_str().map(str::to_string))
            .unwrap_or_else(|| die(&format!("{addr} has no {name} in state")))
    };
    for k in 1..levels {
        for i in 0..width {
            let want = attr(k - 1, i, if known { "name" } else { "id" });
            if attr(k, i, "value") != want {
                die(&format!("test_object.l{k}[{i}].value is not {want}"));
            }
        }
    }
}

fn bench_chain(sizes: &Sizes, table: &mut Table) {
    let (levels, width, latency) = (sizes.chain_levels, sizes.chain_width, sizes.chain_latency);
    let n = levels * width;
    let ideal = levels as f64 * secs(latency);
    let target = 1.1 * ideal + 0.5;
    println!(
        "== 3. apply of {n} resources, {levels} levels x {width}, {} ms per call ==",
        latency.as_millis()
    );
    println!("target: <= 1.1 x {ideal:.3} s + 0.5 s = {target:.3} s");
    // A full evaluation of the configuration, which apply repeats per batch of ready
    // operations whose configuration was not known at plan.
    {
        let rig = Rig::new(&chain_config(levels, width, false), TestProvider::new());
        let ws = rig.workspace();
        let mut ts = Vec::new();
        for _ in 0..sizes.runs.max(3) {
            let (_, t) = time(|| ws.evaluate(&rig.schemas, &rig.functions, None));
            ts.push(secs(t));
        }
        let ev = Spread::of(ts);
        println!(
            "one evaluation of the whole configuration (no hook): median {:.1} ms",
            ev.median * 1000.0
        );
        table.row(
            format!("3. one full evaluation of the {n}-object configuration"),
            format!("{:.1} ms median", ev.median * 1000.0),
            "",
        );
    }
    for &parallelism in &sizes.parallelisms {
        let mut medians = [0.0; 2];
        for known in [false, true] {
            let mut ts = Vec::new();
            let mut plans = Vec::new();
            let mut peak = 0;
            let mut replans = 0;
            for _ in 0..sizes.chain_runs {
                let provider = TestProvider::new().with_latency(latency);
                let rig = Rig::new(&chain_config(levels, width, known), provider);
                let ws = rig.workspace();
                let empty = State::new("bench".into());
                let (planned, t_plan) = time(|| rig.plan(&ws, &empty, true));
                let plan_calls = rig.provider.calls().len();
                let (outcome, t) = time(|| rig.apply(&ws, planned, Arc::new(NoLog), parallelism));
                if outcome.added != n {
                    die(&format!("expected {n} creates, got {}", outcome.added));
                }
                check_chain(&outcome.state, levels, width, known);
                // Provider `plan` calls during apply: one per object planned again.
                replans = rig.provider.calls()[plan_calls..]
                    .iter()
                    .filter(|c| c.op == "plan")
                    .count();
                peak = rig.provider.max_in_flight();
                ts.push(secs(t));
                plans.push(secs(t_plan));
            }
            let s = Spread::of(ts);
            let p = Spread::of(plans);
            medians[usize::from(known)] = s.median;
            let what = if known {
                "control (known at plan)"
            } else {
                "refers to ids (re-evaluated)"
            };
            println!(
                "parallelism {parallelism}, {what}: apply min/median/max {} ({} runs); plan {:.3} s; peak {peak} calls in flight; {replans} objects planned again",
                s.secs(),
                s.runs,
                p.median
            );
            table.row(
                format!("   parallelism {parallelism}, {what}"),
                format!(
                    "{:.3} s median (min {:.3}, max {:.3})",
                    s.median, s.min, s.max
                ),
                &if known {
                    String::new()
                } else {
                    format!("<= {target:.3} s: {}", verdict(s.median <= target))
                },
            );
        }
        table.row(
            format!("   parallelism {parallelism}, cost of re-evaluation"),
            format!(
                "{:.3} s (difference of the medians)",
                medians[0] - medians[1]
            ),
            "",
        );
    }
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test` every benchmark is a tiny run.
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full {
        Sizes {
            runs: 3,
            plan_blocks: 100,
            plan_count: 100,
            journal_creates: 2_000,
            chain_levels: 10,
            chain_width: 100,
            chain_latency: Duration::from_millis(50),
            chain_runs: 5,
            parallelisms: vec![64, 100, 1000],
        }
    } else {
        Sizes {
            runs: 1,
            plan_blocks: 4,
            plan_count: 25,
            journal_creates: 100,
            chain_levels: 3,
            chain_width: 10,
            chain_latency: Duration::from_millis(5),
            chain_runs: 1,
            // 4: more operations ready than may start, as 64 is with 100 per level.
            parallelisms: vec![64, 4],
        }
    };
    // `cargo bench --bench engine -- chain` runs one benchmark; other arguments (a test
    // filter given to `cargo test`) are not names of these and are ignored.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| ["plan", "journal", "chain"].contains(&a.as_str()))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut table = Table(Vec::new());
    if wanted("plan") {
        bench_plan(&sizes, &mut table);
    }
    if wanted("journal") {
        bench_journal(&sizes, &mut table);
    }
    if wanted("chain") {
        bench_chain(&sizes, &mut table);
    }
    table.print();
}
