//! A deterministic provider for engine tests and benchmarks: `test_object` resources live
//! in an in-memory "real world" that tests can inspect and change behind Kiln's back, and
//! every call is logged.
//!
//! - **Ids** are `obj-<first 8 hex digits of SHA-1 of the address>-<n>`, where `n` counts
//!   creates at that address: the same run gives the same ids whatever the concurrency, and
//!   an object and its create-before-destroy replacement never share one.
//! - **`computed_value`** is `value` in upper case. `plan` leaves it unknown whenever
//!   `value` changes (and `id` unknown whenever a new object is needed), so plans exercise
//!   provider adjustments and unknown propagation.
//! - **`fail`** makes one call fail with an error: `create`, `create_partial` (the object
//!   is created and returned *with* the error), `update`, `delete`, `read`, `plan`.
//! - **`delay_ms`** and [`TestProvider::with_latency`] make calls slow; the peak number of
//!   calls in flight ([`TestProvider::max_in_flight`]) and each call's start time prove
//!   that the engine honours [`Limits`]. [`TestProvider::read_api_calls`] counts `read`
//!   invocations, to prove refresh is batched.
//!
//! A `TestProvider` is a cheap handle: clones share the world and the log.

mod schema;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::lang::{Type, Value};
use kiln_core::provider::{
    ApplyRequest, ApplyResponse, BoxFuture, CallContext, ConfigureRequest, DeleteRequest,
    ImportRequest, ImportResponse, Limits, PlanRequest, PlanResponse, Provider, ReadDataRequest,
    ReadDataResponse, ReadRequest, ReadResponse,
};
use kiln_core::schema::ProviderSchema;
use sha1::Digest as _;

pub use schema::{test_schema, FAIL_VALUES};

use crate::object::{attr, engine_bug, is_unknown, millis, same, set_attr, str_attr};
use crate::unknown_type;

/// One call the engine made: `op` is `configure`, `read` (one entry per item), `plan`,
/// `create`, `update`, `delete`, `import` or `read_data`; `addr` the instance address
/// (empty for `configure`); `at` when the call started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub op: &'static str,
    pub addr: String,
    pub at: Instant,
}

#[derive(Debug)]
struct Shared {
    schema: ProviderSchema,
    calls: Mutex<Vec<Call>>,
    /// The objects that exist, by id.
    world: Mutex<BTreeMap<String, Value>>,
    /// Creates so far per address, for ids.
    creates: Mutex<BTreeMap<String, u64>>,
    configured: Mutex<Option<Value>>,
    read_api_calls: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// The `test` provider. See the module documentation.
#[derive(Debug, Clone)]
pub struct TestProvider {
    shared: Arc<Shared>,
    limits: Limits,
    latency: Duration,
}

impl Default for TestProvider {
    fn default() -> TestProvider {
        TestProvider::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not hide the log from the others.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TestProvider {
    /// An empty world, no limits, no latency.
    pub fn new() -> TestProvider {
        TestProvider {
            shared: Arc::new(Shared {
                schema: test_schema(),
                calls: Mutex::default(),
                world: Mutex::default(),
                creates: Mutex::default(),
                configured: Mutex::default(),
                read_api_calls: AtomicUsize::new(0),
                in_flight: AtomicUsize::new(0),
                max_in_flight: AtomicUsize::new(0),
            }),
            limits: Limits::NONE,
            latency: Duration::ZERO,
        }
    }

    /// The limits [`Provider::limits`] reports.
    pub fn with_limits(mut self, limits: Limits) -> TestProvider {
        self.limits = limits;
        self
    }

    /// A base latency every call but `plan` sleeps before doing its work (on top of any
    /// `delay_ms`), like a remote API's round trip.
    pub fn with_latency(mut self, latency: Duration) -> TestProvider {
        self.latency = latency;
        self
    }

    /// Every call so far, in the order they started.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.shared.calls).clone()
    }

    /// The calls as `(op, addr)` pairs, for terse assertions.
    pub fn ops(&self) -> Vec<(&'static str, String)> {
        lock(&self.shared.calls)
            .iter()
            .map(|c| (c.op, c.addr.clone()))
            .collect()
    }

    /// Forgets the call log (not the world, nor the counters).
    pub fn clear_calls(&self) {
        lock(&self.shared.calls).clear();
    }

    /// How many times `read` was called, however many objects each call refreshed.
    pub fn read_api_calls(&self) -> usize {
        self.shared.read_api_calls.load(Ordering::SeqCst)
    }

    /// The most calls (other than `plan`) that were ever in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// The configuration `configure` received, if it was called.
    pub fn configured(&self) -> Option<Value> {
        lock(&self.shared.configured).clone()
    }

    /// Every object that exists, by id.
    pub fn world(&self) -> BTreeMap<String, Value> {
        lock(&self.shared.world).clone()
    }

    pub fn world_get(&self, id: &str) -> Option<Value> {
        lock(&self.shared.world).get(id).cloned()
    }

    /// Creates or replaces an object behind Kiln's back (drift, or one to import).
    pub fn world_set(&self, id: &str, object: Value) {
        lock(&self.shared.world).insert(id.to_string(), object);
    }

    /// Changes one attribute of an existing object behind Kiln's back; false when no
    /// object has that id.
    pub fn world_set_attr(&self, id: &str, name: &str, value: Value) -> bool {
        let mut world = lock(&self.shared.world);
        let Some(obj) = world.remove(id) else {
            return false;
        };
        world.insert(id.to_string(), set_attr(obj, name, value));
        true
    }

    /// Deletes an object behind Kiln's back.
    pub fn world_remove(&self, id: &str) -> Option<Value> {
        lock(&self.shared.world).remove(id)
    }

    fn record(&self, op: &'static str, addr: String) {
        lock(&self.shared.calls).push(Call {
            op,
            addr,
            at: Instant::now(),
        });
    }

    /// Marks a call in flight until the guard drops, after sleeping the base latency
    /// plus `delay`.
    async fn enter(&self, delay: Duration) -> InFlight<'_> {
        let shared = &*self.shared;
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let guard = InFlight(shared);
        let wait = self.latency + delay;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        guard
    }

    fn new_id(&self, addr: &str) -> String {
        let mut creates = lock(&self.shared.creates);
        let n = creates.entry(addr.to_string()).or_insert(0);
        *n += 1;
        let digest = sha1::Sha1::digest(addr.as_bytes());
        let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        format!("obj-{hash}-{n}")
    }

    /// The new object: `planned` with its id and `computed_value` filled in.
    fn realize(&self, cx: &CallContext, planned: Value, id: Option<&str>) -> Value {
        let id = match id.or_else(|| str_attr(&planned, "id")) {
            Some(id) => id.to_string(),
            None => self.new_id(&cx.addr.to_string()),
        };
        let computed = match attr(&planned, "value") {
            Some(v) if v.as_str().is_some() => {
                Value::string(v.as_str().unwrap_or("").to_uppercase()).with_sensitive(v.sensitive)
            }
            _ => Value::null(),
        };
        let obj = set_attr(planned, "id", Value::string(id));
        set_attr(obj, "computed_value", computed)
    }
}

struct InFlight<'a>(&'a Shared);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The `fail` value of an object, when known.
fn fail_of(obj: &Value) -> Option<&str> {
    str_attr(obj, "fail")
}

fn planned_failure(op: &str, cx: &CallContext) -> Diagnostics {
    Diagnostic::error(
        "Planned failure",
        format!(
            "{} has fail = \"{op}\", so this {op} fails as the test asked.",
            cx.addr
        ),
    )
    .with_address(cx.addr.to_string())
    .into()
}

/// Configured attributes must be known by apply; only `id` and `computed_value` may not.
fn check_known(req: &ApplyRequest) -> Diagnostics {
    let unknown: Vec<&String> = req
        .planned
        .as_map()
        .into_iter()
        .flatten()
        .filter(|(k, v)| *k != "id" && *k != "computed_value" && !v.is_wholly_known())
        .map(|(k, _)| k)
        .collect();
    if unknown.is_empty() {
        Diagnostics::new()
    } else {
        engine_bug(
            "Unknown planned values",
            format!(
                "{} was applied with {unknown:?} not yet known.",
                req.cx.addr
            ),
        )
    }
}

impl Provider for TestProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.shared.schema
    }

    fn limits(&self) -> Limits {
        self.limits
    }

    fn configure(&self, req: ConfigureRequest) -> BoxFuture<'_, Diagnostics> {
        Box::pin(async move {
            self.record("configure", String::new());
            let _flight = self.enter(Duration::ZERO).await;
            *lock(&self.shared.configured) = Some(req.config);
            Diagnostics::new()
        })
    }

    /// One "API call" for all items, as slow as the slowest item.
    fn read(&self, req: ReadRequest) -> BoxFuture<'_, ReadResponse> {
        Box::pin(async move {
            self.shared.read_api_calls.fetch_add(1, Ordering::SeqCst);
            for item in &req.items {
                self.record("read", item.cx.addr.to_string());
            }
            let delay = req
                .items
                .iter()
                .map(|i| millis(&i.prior, "delay_ms"))
                .max()
                .unwrap_or_default();
            let _flight = self.enter(delay).await;
            let mut resp = ReadResponse::default();
            if req.type_name != "test_object" {
                resp.diagnostics = unknown_type("test", &req.type_name);
                resp.objects = req.items.into_iter().map(|i| Some(i.prior)).collect();
                return resp;
            }
            let world = lock(&self.shared.world);
            for item in req.items {
                if fail_of(&item.prior) == Some("read") {
                    resp.diagnostics.extend(planned_failure("read", &item.cx));
                    resp.objects.push(Some(item.prior));
                    continue;
                }
                let found = str_attr(&item.prior, "id").and_then(|id| world.get(id).cloned());
                resp.objects.push(found);
            }
            resp
        })
    }

    /// Leaves `id` unknown for a new object and `computed_value` unknown when `value`
    /// changes; everything else as the engine proposed.
    fn plan(&self, req: PlanRequest) -> PlanResponse {
        self.record("plan", req.cx.addr.to_string());
        let mut diagnostics = Diagnostics::new();
        if req.type_name != "test_object" {
            return PlanResponse {
                causes: Vec::new(),
                diagnostics: unknown_type("test", &req.type_name),
                planned: req.proposed,
                requires_replace: Vec::new(),
            };
        }
        let config = &req.config;
        match fail_of(config) {
            Some("plan") => diagnostics.extend(planned_failure("plan", &req.cx)),
            Some(f) if !FAIL_VALUES.contains(&f) => diagnostics.push(Diagnostic::error(
                "Invalid fail value",
                format!(
                    "fail = \"{f}\" names no call. Use one of: {}.",
                    FAIL_VALUES.join(", ")
                ),
            )),
            _ => {}
        }
        let new_object = match &req.prior {
            None => true,
            Some(prior) => {
                is_unknown(config, "replace_me")
                    || !same(attr(prior, "replace_me"), attr(config, "replace_me"))
            }
        };
        let value_changes = new_object
            || is_unknown(config, "value")
            || req
                .prior
                .as_ref()
                .is_some_and(|p| !same(attr(p, "value"), attr(config, "value")));
        let mut planned = req.proposed;
        if new_object {
            planned = set_attr(planned, "id", Value::unknown(Type::String));
        }
        if value_changes {
            planned = set_attr(planned, "computed_value", Value::unknown(Type::String));
        }
        PlanResponse {
            causes: Vec::new(),
            planned,
            requires_replace: Vec::new(),
            diagnostics,
        }
    }

    fn create(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move {
            self.record("create", req.cx.addr.to_string());
            let _flight = self.enter(millis(&req.planned, "delay_ms")).await;
            let mut diagnostics = check_type(&req.type_name);
            diagnostics.extend(check_known(&req));
            if diagnostics.has_errors() {
                return ApplyResponse {
                    private: None,
                    new_state: None,
                    diagnostics,
                };
            }
            let fail = fail_of(&req.planned).map(str::to_string);
            if fail.as_deref() == Some("create") {
                return ApplyResponse {
                    private: None,
                    new_state: None,
                    diagnostics: planned_failure("create", &req.cx),
                };
            }
            let obj = self.realize(&req.cx, req.planned, None);
            let id = str_attr(&obj, "id").unwrap_or_default().to_string();
            lock(&self.shared.world).insert(id, obj.clone());
            if fail.as_deref() == Some("create_partial") {
                diagnostics.extend(planned_failure("create_partial", &req.cx));
            }
            ApplyResponse {
                private: None,
                new_state: Some(obj),
                diagnostics,
            }
        })
    }

    fn update(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move {
            self.record("update", req.cx.addr.to_string());
            let _flight = self.enter(millis(&req.planned, "delay_ms")).await;
            let mut diagnostics = check_type(&req.type_name);
            diagnostics.extend(check_known(&req));
            let prior_id = req
                .prior
                .as_ref()
                .and_then(|p| str_attr(p, "id"))
                .map(str::to_string);
            let Some(id) = prior_id.filter(|_| !diagnostics.has_errors()) else {
                diagnostics.extend(engine_bug(
                    "Update without a prior object",
                    format!("{} was updated without a prior object id.", req.cx.addr),
                ));
                return ApplyResponse {
                    private: None,
                    new_state: req.prior,
                    diagnostics,
                };
            };
            if fail_of(&req.planned) == Some("update") {
                return ApplyResponse {
                    private: None,
                    new_state: req.prior,
                    diagnostics: planned_failure("update", &req.cx),
                };
            }
            if lock(&self.shared.world).get(&id).is_none() {
                return ApplyResponse {
                    private: None,
                    new_state: None,
                    diagnostics: Diagnostic::error(
                        "Object not found",
                        format!("{} ({id}) no longer exists, so it cannot be updated. Run plan again to create it anew.", req.cx.addr),
                    )
                    .with_address(req.cx.addr.to_string())
                    .into(),
                };
            }
            let obj = self.realize(&req.cx, req.planned, Some(&id));
            lock(&self.shared.world).insert(id, obj.clone());
            ApplyResponse {
                private: None,
                new_state: Some(obj),
                diagnostics,
            }
        })
    }

    fn delete(&self, req: DeleteRequest) -> BoxFuture<'_, Diagnostics> {
        Box::pin(async move {
            self.record("delete", req.cx.addr.to_string());
            let _flight = self.enter(millis(&req.prior, "delay_ms")).await;
            let diagnostics = check_type(&req.type_name);
            if diagnostics.has_errors() {
                return diagnostics;
            }
            if fail_of(&req.prior) == Some("delete") {
                return planned_failure("delete", &req.cx);
            }
            if let Some(id) = str_attr(&req.prior, "id") {
                // Already gone is fine: the goal is that it does not exist.
                lock(&self.shared.world).remove(id);
            }
            Diagnostics::new()
        })
    }

    fn import(&self, req: ImportRequest) -> BoxFuture<'_, ImportResponse> {
        Box::pin(async move {
            self.record("import", req.cx.addr.to_string());
            let _flight = self.enter(Duration::ZERO).await;
            let mut diagnostics = check_type(&req.type_name);
            let object = lock(&self.shared.world).get(&req.id).cloned();
            if object.is_none() && !diagnostics.has_errors() {
                diagnostics.push(Diagnostic::error(
                    "Cannot import non-existent object",
                    format!("The test provider has no object with id \"{}\".", req.id),
                ));
            }
            ImportResponse {
                object: object.filter(|_| !diagnostics.has_errors()),
                diagnostics,
            }
        })
    }

    fn read_data(&self, req: ReadDataRequest) -> BoxFuture<'_, ReadDataResponse> {
        Box::pin(async move {
            self.record("read_data", req.cx.addr.to_string());
            let _flight = self.enter(Duration::ZERO).await;
            if req.type_name != "test_echo" {
                return ReadDataResponse {
                    state: None,
                    diagnostics: unknown_type("test", &req.type_name),
                };
            }
            let input = attr(&req.config, "input").cloned().unwrap_or(Value::null());
            ReadDataResponse {
                state: Some(set_attr(req.config, "output", input)),
                diagnostics: Diagnostics::new(),
            }
        })
    }
}

fn check_type(type_name: &str) -> Diagnostics {
    if type_name == "test_object" {
        Diagnostics::new()
    } else {
        unknown_type("test", type_name)
    }
}
