//! The providers of one run: one configured instance per provider configuration
//! (`local`, `aws.west`), each behind the limits it declared — a semaphore for calls in
//! flight and a pacer for calls per second — so that plan and apply can fire calls
//! freely and the provider is still never driven harder than it allows.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::Value;
use crate::provider::{ConfigureRequest, Limits, Provider};

/// Makes a fresh provider value; one is made per provider configuration.
pub type Factory = Arc<dyn Fn() -> Arc<dyn Provider> + Send + Sync>;

/// A configured provider and its limits.
#[derive(Clone)]
pub struct Handle {
    pub provider: Arc<dyn Provider>,
    in_flight: Option<Arc<Semaphore>>,
    pacer: Option<Arc<Pacer>>,
}

/// Holding it counts as one call in flight.
pub struct Permit {
    _slot: Option<OwnedSemaphorePermit>,
}

impl Handle {
    fn new(provider: Arc<dyn Provider>) -> Handle {
        let Limits {
            max_concurrent,
            calls_per_second,
        } = provider.limits();
        Handle {
            in_flight: max_concurrent.map(|n| Arc::new(Semaphore::new(n.max(1)))),
            pacer: calls_per_second
                .filter(|r| *r > 0.0)
                .map(|r| Arc::new(Pacer::new(r))),
            provider,
        }
    }

    /// Waits until the provider's limits allow one more call.
    pub async fn permit(&self) -> Permit {
        let slot = match &self.in_flight {
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Some(p) = &self.pacer {
            p.wait().await;
        }
        Permit { _slot: slot }
    }
}

/// Spaces call starts evenly at the declared rate.
struct Pacer {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    fn new(per_second: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(None),
        }
    }

    async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let at = next.map_or(now, |n| n.max(now));
            *next = Some(at + self.interval);
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

/// The configured providers of a run, by configuration address.
#[derive(Clone, Default)]
pub struct ProviderSet {
    handles: BTreeMap<String, Handle>,
}

impl ProviderSet {
    /// Makes and configures a provider for every address in `needed` (`local`,
    /// `aws.west`), with the values of its `provider` block from `configs` (or an empty
    /// configuration when there is no block).
    pub async fn configure(
        factories: &BTreeMap<String, Factory>,
        needed: impl IntoIterator<Item = String>,
        configs: &BTreeMap<String, Value>,
        root_dir: &Path,
    ) -> (ProviderSet, Diagnostics) {
        let mut set = ProviderSet::default();
        let mut diags = Diagnostics::new();
        for addr in needed {
            if set.handles.contains_key(&addr) {
                continue;
            }
            let name = addr.split('.').next().unwrap_or_default();
            let Some(factory) = factories.get(name) else {
                diags.push(Diagnostic::error(
                    "Unknown provider",
                    format!("The state or configuration uses the provider \"{name}\", which this Kiln does not have. Use a Kiln built with it."),
                ));
                continue;
            };
            let provider = factory();
            let config = configs
                .get(&addr)
                .cloned()
                .unwrap_or_else(|| empty_config(&provider.schema().config));
            if !config.is_wholly_known() {
                diags.push(Diagnostic::error(
                    "Provider configuration not known",
                    format!("The provider \"{addr}\" is configured with values that are not known until apply. Provider settings must come from variables, locals or data known at plan time."),
                ));
                continue;
            }
            let d = provider
                .configure(ConfigureRequest {
                    config,
                    root_dir: root_dir.to_path_buf(),
                })
                .await;
            diags.extend(d);
            set.handles.insert(addr, Handle::new(provider));
        }
        (set, diags)
    }

    pub fn get(&self, addr: &str) -> Option<&Handle> {
        self.handles.get(addr)
    }
}

/// A provider block with nothing set.
fn empty_config(schema: &crate::schema::Schema) -> Value {
    Value::object(
        schema
            .attributes
            .keys()
            .chain(schema.blocks.keys())
            .map(|k| (k.clone(), Value::null()))
            .collect(),
    )
}

/// `provider.aws.west` (state's spelling) → `aws.west`.
pub fn provider_addr(state_name: &str) -> &str {
    state_name.strip_prefix("provider.").unwrap_or(state_name)
}
