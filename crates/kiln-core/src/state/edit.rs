//! Hand edits to a state, behind `kiln state list|rm|mv`: selecting objects by the
//! addresses users type, forgetting them, and moving them to new addresses. These change
//! only the record; nothing real is created or destroyed.

use crate::addr::{InstanceAddr, InstanceKey, ModulePath, ResourceAddr, Target};

use super::model::{ResourceState, State};

/// Whether `addr` is selected by `target`. A module step written without a key
/// (`module.net`) selects every instance of that module call, as users expect from
/// `kiln state list module.net`.
pub fn selects(target: &Target, addr: &InstanceAddr) -> bool {
    match target {
        Target::Module(m) => module_prefix(m, &addr.resource.module),
        _ => target.contains(addr),
    }
}

fn module_prefix(prefix: &ModulePath, path: &ModulePath) -> bool {
    prefix.0.len() <= path.0.len()
        && prefix
            .0
            .iter()
            .zip(&path.0)
            .all(|((pn, pk), (n, k))| pn == n && (*pk == InstanceKey::None || pk == k))
}

/// The instances (each once, deposed objects folded into their instance) selected by any
/// of `targets`, or all of them when there are none; in address order.
pub fn select(state: &State, targets: &[Target]) -> Vec<InstanceAddr> {
    let mut out: Vec<InstanceAddr> = state
        .objects()
        .map(|(addr, ..)| addr)
        .filter(|addr| targets.is_empty() || targets.iter().any(|t| selects(t, addr)))
        .collect();
    out.dedup();
    out
}

/// Forgets every object selected by `targets`. All or nothing: if any target selects
/// nothing, the state is left alone and the error names it.
pub fn remove(state: &mut State, targets: &[Target]) -> Result<Vec<InstanceAddr>, String> {
    for t in targets {
        if select(state, std::slice::from_ref(t)).is_empty() {
            return Err(format!("No object in the state matches the address {t}."));
        }
    }
    let removed = select(state, targets);
    for addr in &removed {
        if let Some(rs) = state.resources.get_mut(&addr.resource) {
            rs.instances.retain(|(k, _), _| *k != addr.key);
            if rs.instances.is_empty() {
                state.resources.remove(&addr.resource);
            }
        }
    }
    Ok(removed)
}

/// Moves `from` to `to`: one instance, a whole resource, or a module instance with
/// everything in it. Returns the (old, new) instance addresses moved. Refuses to move
/// onto anything that exists, or between kinds of address that don't fit.
pub fn move_to(
    state: &mut State,
    from: &Target,
    to: &Target,
) -> Result<Vec<(InstanceAddr, InstanceAddr)>, String> {
    let (f, t) = match (from, to) {
        (Target::Module(f), Target::Module(t)) => return move_module(state, f, t),
        (Target::Resource(f), Target::Resource(t)) => return move_resource(state, f, t),
        // A resource without count or for_each is its one instance: `mv a b[0]` and
        // `mv a[0] b` move single instances between counted and uncounted resources.
        (Target::Instance(f), Target::Instance(t)) => (f.clone(), t.clone()),
        (Target::Instance(f), Target::Resource(t)) => (f.clone(), t.instance(InstanceKey::None)),
        (Target::Resource(f), Target::Instance(t)) => (f.instance(InstanceKey::None), t.clone()),
        _ => {
            return Err(format!(
                "Cannot move {from} to {to}: a module moves only to a module address, and a resource or instance only to a resource or instance address."
            ))
        }
    };
    move_instance(state, &f, &t)
}

fn move_instance(
    state: &mut State,
    from: &InstanceAddr,
    to: &InstanceAddr,
) -> Result<Vec<(InstanceAddr, InstanceAddr)>, String> {
    if from.resource.mode != to.resource.mode || from.resource.type_name != to.resource.type_name {
        return Err(format!(
            "Cannot move {from} to {to}: an object keeps its resource type; only its name, key or module may change."
        ));
    }
    let (provider, objects): (String, Vec<_>) = match state.resources.get(&from.resource) {
        Some(rs) => (
            rs.provider.clone(),
            rs.instances
                .iter()
                .filter(|((k, _), _)| *k == from.key)
                .map(|((_, d), inst)| (d.clone(), inst.clone()))
                .collect(),
        ),
        None => (String::new(), Vec::new()),
    };
    if objects.is_empty() {
        return Err(format!("No object in the state has the address {from}."));
    }
    if from == to {
        return Ok(Vec::new());
    }
    // An existing key is taken; and a resource's instances either all have keys or
    // none has (a key-less `b` beside `b[0]` would be neither counted nor not).
    let none = InstanceKey::None;
    if let Some(rs) = state.resources.get(&to.resource) {
        if rs.instances.keys().any(|(k, _)| *k == to.key) {
            return Err(format!(
                "Cannot move {from} to {to}: {to} already exists in the state. Remove it first (kiln state rm {to}) if it should be replaced."
            ));
        }
        if rs
            .instances
            .keys()
            .any(|(k, _)| (*k == none) != (to.key == none))
        {
            return Err(format!(
                "Cannot move {from} to {to}: {} already has instances {}, and a resource's instances must either all have keys or none.",
                to.resource,
                if to.key == none { "with keys" } else { "without a key" }
            ));
        }
    }
    for (deposed, inst) in objects {
        state.remove(from, &deposed);
        state.set(to, &deposed, &provider, inst);
    }
    Ok(vec![(from.clone(), to.clone())])
}

fn move_resource(
    state: &mut State,
    from: &ResourceAddr,
    to: &ResourceAddr,
) -> Result<Vec<(InstanceAddr, InstanceAddr)>, String> {
    if from.mode != to.mode || from.type_name != to.type_name {
        return Err(format!(
            "Cannot move {from} to {to}: a resource keeps its type; only its name or module may change."
        ));
    }
    if from == to {
        return Ok(Vec::new());
    }
    if state.resources.contains_key(to) {
        return Err(format!(
            "Cannot move {from} to {to}: {to} already exists in the state. Remove it first (kiln state rm {to}) if it should be replaced."
        ));
    }
    let rs = state
        .resources
        .remove(from)
        .ok_or_else(|| format!("No object in the state has the address {from}."))?;
    let moved = instance_pairs(from, to, &rs);
    state.resources.insert(to.clone(), rs);
    Ok(moved)
}

fn move_module(
    state: &mut State,
    from: &ModulePath,
    to: &ModulePath,
) -> Result<Vec<(InstanceAddr, InstanceAddr)>, String> {
    if from == to {
        return Ok(Vec::new());
    }
    if to.0.starts_with(&from.0) {
        return Err(format!("Cannot move {from} into itself ({to})."));
    }
    // `module.a` names one instance (no count or for_each) or, when there is none such,
    // the whole module call: every `module.a[KEY]` then moves to `module.b[KEY]`.
    let exact = |m: &ModulePath| state.resources.keys().any(|r| r.module.0.starts_with(&m.0));
    let whole_call = !exact(from)
        && from.0.last().is_some_and(|(_, k)| *k == InstanceKey::None)
        && to.0.last().is_some_and(|(_, k)| *k == InstanceKey::None);
    let mapping = |path: &ModulePath| -> Option<ModulePath> {
        let n = from.0.len();
        let inside = if whole_call {
            path.0.len() >= n
                && path.0[..n - 1] == from.0[..n - 1]
                && path.0[n - 1].0 == from.0[n - 1].0
        } else {
            path.0.starts_with(&from.0)
        };
        if !inside {
            return None;
        }
        let mut steps = to.0.clone();
        if whole_call {
            if let Some(last) = steps.last_mut() {
                last.1 = path.0[n - 1].1.clone();
            }
        }
        steps.extend_from_slice(&path.0[n..]);
        Some(ModulePath(steps))
    };
    let moving: Vec<(ResourceAddr, ResourceAddr)> = state
        .resources
        .keys()
        .filter_map(|r| {
            let module = mapping(&r.module)?;
            Some((
                r.clone(),
                ResourceAddr {
                    module,
                    ..r.clone()
                },
            ))
        })
        .collect();
    if moving.is_empty() {
        return Err(format!("No object in the state is in {from}."));
    }
    for (_, new) in &moving {
        // The module instance moved into: `to`, with the key filled in for a whole call.
        let dest = ModulePath(new.module.0[..to.0.len()].to_vec());
        // A whole call must not land beside instances of a call of that name at all.
        let taken = |r: &&ResourceAddr| {
            if whole_call {
                module_prefix(to, &r.module)
            } else {
                r.module.0.starts_with(&dest.0)
            }
        };
        if let Some(r) = state.resources.keys().find(taken) {
            return Err(format!(
                "Cannot move {from} to {to}: {dest} already has objects in the state ({r}). Remove them first if they should be replaced."
            ));
        }
    }
    let mut moved = Vec::new();
    for (old, new) in moving {
        if let Some(rs) = state.resources.remove(&old) {
            moved.extend(instance_pairs(&old, &new, &rs));
            state.resources.insert(new, rs);
        }
    }
    Ok(moved)
}

fn instance_pairs(
    from: &ResourceAddr,
    to: &ResourceAddr,
    rs: &ResourceState,
) -> Vec<(InstanceAddr, InstanceAddr)> {
    let mut pairs: Vec<_> = rs
        .instances
        .keys()
        .map(|(k, _)| (from.instance(k.clone()), to.instance(k.clone())))
        .collect();
    pairs.dedup();
    pairs
}
