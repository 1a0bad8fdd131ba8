//! The address fields every resource entry of the JSON plan format carries (`address`,
//! `mode`, `type`, `name`, `index`, `module_address`, `provider_name`), and the schema
//! that goes with a resource's mode and type.

use serde_json::Value as J;

use kiln_core::addr::{InstanceAddr, InstanceKey, Mode};
use kiln_core::schema::{ResourceSchema, Schemas};

/// `"managed"` or `"data"`.
pub(super) fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Managed => "managed",
        Mode::Data => "data",
    }
}

/// The instance key as Terraform's `index`: a number for count, a string for for_each.
pub(super) fn index(key: &InstanceKey) -> Option<J> {
    match key {
        InstanceKey::None => None,
        InstanceKey::Int(i) => Some(J::from(*i)),
        InstanceKey::Str(s) => Some(J::String(s.clone())),
    }
}

/// The provider's name without the `provider.` prefix or an alias (`provider.qemu.west`
/// → `qemu`): Terraform's `provider_name` names the provider, not one configuration of
/// it. Kiln's providers are built in, so there is no registry source address to give.
pub(super) fn provider_name(provider: &str) -> String {
    let local = provider.strip_prefix("provider.").unwrap_or(provider);
    local.split('.').next().unwrap_or(local).to_string()
}

/// The fields that say which object an entry is about, in Terraform's order.
pub(super) fn fields(addr: &InstanceAddr, provider: &str) -> Vec<(&'static str, Option<J>)> {
    let r = &addr.resource;
    vec![
        ("address", Some(J::String(addr.to_string()))),
        (
            "module_address",
            (!r.module.is_root()).then(|| J::String(r.module.to_string())),
        ),
        ("mode", Some(J::String(mode_name(r.mode).into()))),
        ("type", Some(J::String(r.type_name.clone()))),
        ("name", Some(J::String(r.name.clone()))),
        ("index", index(&addr.key)),
        ("provider_name", Some(J::String(provider_name(provider)))),
    ]
}

/// The schema of a resource or data source type, if a provider declares it.
pub(super) fn schema_of<'s>(
    schemas: &'s Schemas,
    mode: Mode,
    type_name: &str,
) -> Option<&'s ResourceSchema> {
    match mode {
        Mode::Managed => schemas.resource(type_name),
        Mode::Data => schemas.data_source(type_name),
    }
}
