//! Refresh: ask providers what really exists, many objects per call, and report what
//! changed outside Kiln. Objects whose create was interrupted (`creating`) are looked
//! for here: found, they become tainted (to be replaced); not found, they are forgotten.

use std::collections::BTreeMap;
use std::time::Instant;

use super::values::{copy_marks, from_state, same, to_state};
use super::{Action, Reason, ResourceChange};
use crate::addr::{InstanceAddr, Mode};
use crate::diag::Diagnostics;
use crate::event::{Event, EventSink};
use crate::lang::Value;
use crate::provider::{CallContext, ReadItem, ReadRequest};
use crate::provider_set::{provider_addr, ProviderSet};
use crate::schema::Schemas;
use crate::state::{InstanceStatus, State};

pub struct Refreshed {
    pub state: State,
    pub drift: Vec<ResourceChange>,
    pub diagnostics: Diagnostics,
}

/// Refreshes every current managed object in `prior`. Relative paths resolve against
/// `base_dir` (the working directory).
pub async fn refresh(
    prior: &State,
    providers: &ProviderSet,
    schemas: &Schemas,
    base_dir: &std::path::Path,
    events: &dyn EventSink,
) -> Refreshed {
    // Group by provider configuration and type: one read request per group.
    let mut groups: BTreeMap<(String, String), Vec<(InstanceAddr, Value)>> = BTreeMap::new();
    for (addr, deposed, provider, inst) in prior.objects() {
        if addr.resource.mode != Mode::Managed || !deposed.is_empty() {
            continue;
        }
        let schema = schemas.resource(&addr.resource.type_name);
        groups
            .entry((
                provider_addr(provider).to_string(),
                addr.resource.type_name.clone(),
            ))
            .or_default()
            .push((addr.clone(), from_state(inst, schema)));
    }
    let reads = groups
        .into_iter()
        .map(|((paddr, type_name), items)| async move {
            let mut diags = Diagnostics::new();
            let Some(h) = providers.get(&paddr) else {
                return (items, None, diags);
            };
            let started = Instant::now();
            let count = items.len();
            events.event(Event::RefreshStart {
                type_name: type_name.clone(),
                count,
            });
            let req = ReadRequest {
                type_name: type_name.clone(),
                items: items
                    .iter()
                    .map(|(addr, prior)| ReadItem {
                        cx: CallContext {
                            addr: addr.clone(),
                            base_dir: base_dir.to_path_buf(),
                        },
                        prior: prior.clone(),
                    })
                    .collect(),
            };
            let resp = {
                let _permit = h.permit().await;
                h.provider.read(req).await
            };
            events.event(Event::RefreshDone {
                type_name,
                count,
                elapsed: started.elapsed(),
            });
            diags.extend(resp.diagnostics);
            (items, Some(resp.objects), diags)
        });
    let results = futures_util::future::join_all(reads).await;

    let mut state = prior.clone();
    let mut drift = Vec::new();
    let mut diagnostics = Diagnostics::new();
    for (items, objects, diags) in results {
        let failed = diags.has_errors();
        diagnostics.extend(diags);
        let Some(objects) = objects.filter(|o| o.len() == items.len() && !failed) else {
            continue;
        };
        for ((addr, before), now) in items.into_iter().zip(objects) {
            let Some(old) = state.instance(&addr).cloned() else {
                continue;
            };
            let provider = state
                .resources
                .get(&addr.resource)
                .map(|r| r.provider.clone())
                .unwrap_or_default();
            let creating = old.status == Some(InstanceStatus::Creating);
            match now {
                None => {
                    state.remove(&addr, "");
                    if !creating {
                        drift.push(drift_change(&addr, &provider, Action::Delete, before, None));
                    }
                }
                Some(mut now) => {
                    copy_marks(&before, &mut now);
                    let (attributes, sensitive_attributes) = to_state(&now);
                    let mut inst = old.clone();
                    inst.attributes = attributes;
                    inst.sensitive_attributes = sensitive_attributes;
                    if creating {
                        inst.status = Some(InstanceStatus::Tainted);
                    } else if !same(&before, &now) {
                        drift.push(drift_change(
                            &addr,
                            &provider,
                            Action::Update,
                            before,
                            Some(now),
                        ));
                    }
                    state.set(&addr, "", &provider, inst);
                }
            }
        }
    }
    Refreshed {
        state,
        drift,
        diagnostics,
    }
}

fn drift_change(
    addr: &InstanceAddr,
    provider: &str,
    action: Action,
    before: Value,
    after: Option<Value>,
) -> ResourceChange {
    ResourceChange {
        addr: addr.clone(),
        deposed: String::new(),
        provider: provider.to_string(),
        action,
        reason: Reason::None,
        before: Some(before),
        after,
        replace_paths: Vec::new(),
        causes: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        keep_old: false,
    }
}
