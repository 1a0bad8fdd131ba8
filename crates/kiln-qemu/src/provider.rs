//! The [`Provider`] implementation: dispatches each call to the resource type's module
//! and turns their errors into diagnostics.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use kiln_builtin::object::{attr, set_attr, str_attr};
use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::lang::{Type, Value};
use kiln_core::provider::{
    ApplyRequest, ApplyResponse, BoxFuture, ConfigureRequest, DeleteRequest,
    DeleteTemporaryRequest, Limits, PathStep, PlanRequest, PlanResponse, Provider, ReadRequest,
    ReadResponse,
};
use kiln_core::schema::ProviderSchema;

use crate::schema::{self, FIREWALL, IMAGE, INSTANCE, NETWORK};
use crate::store::Store;
use crate::{accel, build, fingerprint, firewall, instance, network, provision, source, Settings};

#[derive(Clone)]
pub struct QemuProvider {
    schema: Arc<ProviderSchema>,
    settings: Arc<OnceLock<Settings>>,
    fingerprints: Arc<fingerprint::Memo>,
}

impl Default for QemuProvider {
    fn default() -> Self {
        QemuProvider::new()
    }
}

impl QemuProvider {
    pub fn new() -> QemuProvider {
        QemuProvider {
            schema: Arc::new(schema::provider_schema()),
            settings: Arc::new(OnceLock::new()),
            fingerprints: Arc::default(),
        }
    }

    fn settings(&self) -> Result<&Settings, Diagnostics> {
        self.settings.get().ok_or_else(|| {
            Diagnostic::error(
                "The qemu provider is not configured",
                "Kiln called the qemu provider before configuring it. This is a bug in Kiln.",
            )
            .into()
        })
    }

    /// For an image: its inputs as the build finds them, read off the async workers. The
    /// request comes back with their fingerprint planned, with the record to keep.
    async fn record_inputs(
        &self,
        mut req: ApplyRequest,
    ) -> Result<(ApplyRequest, Option<serde_json::Value>), Diagnostics> {
        if req.type_name != IMAGE {
            return Ok((req, None));
        }
        let planned = str_attr(&req.planned, "fingerprint").map(str::to_string);
        let (config, base) = (req.config.clone(), req.cx.base_dir.clone());
        let (private, key) = (req.prior_private.clone(), req.cx.addr.to_string());
        let memo = self.fingerprints.clone();
        let record = kiln_builtin::object::blocking(move || {
            let planned = planned.as_deref();
            fingerprint::at_build_start(&config, &base, planned, private.as_ref(), &memo, &key)
        })
        .await
        .map_err(failed("Cannot start the image build"))?;
        let fp = Value::string(&record.fingerprint);
        req.planned = set_attr(req.planned, "fingerprint", fp);
        Ok((req, Some(record.to_json())))
    }
}

fn error(summary: &str, detail: impl Into<String>) -> Diagnostics {
    Diagnostic::error(summary, detail).into()
}

fn failed(summary: &str) -> impl Fn(String) -> Diagnostics + '_ {
    move |detail| error(summary, detail)
}

impl Provider for QemuProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// Each VM costs a core while it boots under TCG: more at once only slows all.
    fn limits(&self) -> Limits {
        Limits {
            max_concurrent: Some(4),
            calls_per_second: None,
        }
    }

    fn configure(&self, req: ConfigureRequest) -> BoxFuture<'_, Diagnostics> {
        Box::pin(async move {
            let mut diags = Diagnostics::new();
            let (qemu, found) = match str_attr(&req.config, "qemu_binary") {
                Some(p) => {
                    let p = req.root_dir.join(p);
                    let found = p.is_file();
                    (p, found)
                }
                None => match crate::on_path("qemu-system-x86_64") {
                    Some(p) => (p, true),
                    None => (PathBuf::from("qemu-system-x86_64"), false),
                },
            };
            let accel_choice = match str_attr(&req.config, "accel") {
                None => None,
                Some(a) => match accel::Accel::parse(a) {
                    Some(choice) => choice,
                    None => {
                        diags.push(Diagnostic::error(
                            "Invalid accel",
                            format!("accel = \"{a}\" must be \"auto\", \"kvm\" or \"tcg\"."),
                        ));
                        None
                    }
                },
            };
            let store = match str_attr(&req.config, "store_dir") {
                Some(d) => req.root_dir.join(d),
                None => req.root_dir.join(".kiln"),
            };
            // Daemonized QEMU changes to `/`: every path it is given must be absolute.
            let store = std::path::absolute(&store).unwrap_or(store);
            let kiln_exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("kiln"));
            let _ = self.settings.set(Settings {
                qemu,
                qemu_found: found,
                store: Store::new(store),
                kiln_exe,
                accel_choice,
                accel: Default::default(),
            });
            diags
        })
    }

    fn read(&self, req: ReadRequest) -> BoxFuture<'_, ReadResponse> {
        Box::pin(async move {
            let settings = match self.settings() {
                Ok(s) => s,
                Err(d) => {
                    return ReadResponse {
                        objects: Vec::new(),
                        diagnostics: d,
                    }
                }
            };
            let store = &settings.store;
            let mut resp = ReadResponse::default();
            for item in req.items {
                let prior = item.prior;
                let id = str_attr(&prior, "id").unwrap_or("").to_string();
                let found = match req.type_name.as_str() {
                    IMAGE => Ok(store.image_disk(&id).exists().then_some(prior)),
                    INSTANCE => instance::read(store, &prior),
                    NETWORK => Ok(store.network_dir(&id).exists().then_some(prior)),
                    FIREWALL => Ok(firewall::exists(store, &id).then_some(prior)),
                    _ => Ok(None),
                };
                match found {
                    Ok(v) => resp.objects.push(v),
                    Err(e) => {
                        resp.diagnostics.extend(error("Cannot refresh", e));
                        resp.objects.push(None);
                    }
                }
            }
            resp
        })
    }

    fn plan(&self, req: PlanRequest) -> PlanResponse {
        let mut diags = Diagnostics::new();
        let mut planned = req.proposed;
        let mut requires_replace = Vec::new();
        let mut causes = Vec::new();
        let creating = req.prior.is_none();
        let config = &req.config;
        let settings = self.settings.get();
        let needs_qemu = matches!(req.type_name.as_str(), IMAGE | INSTANCE);
        if let Some(s) = settings.filter(|s| needs_qemu && !s.qemu_found) {
            diags.push(Diagnostic::error(
                "QEMU not found",
                format!(
                    "The qemu provider needs QEMU to build images and run VMs, and \"{}\" does not exist. Install it (Debian/Ubuntu: apt-get install qemu-system-x86 qemu-utils) or point qemu_binary in the provider \"qemu\" block at it.",
                    s.qemu.display()
                ),
            ));
        }
        match req.type_name.as_str() {
            IMAGE => {
                for p in attr(config, "provisioners")
                    .and_then(Value::as_seq)
                    .unwrap_or_default()
                {
                    let kind = str_attr(p, "type").unwrap_or("");
                    if let Some(why) = provision::unsupported(kind) {
                        diags.push(Diagnostic::error(
                            "Provisioner not supported here",
                            format!(
                                "A \"{kind}\" provisioner cannot run in a qemu_image build: {why}."
                            ),
                        ));
                    }
                }
                let key = req.cx.addr.to_string();
                let prior_private = req.prior_private.as_ref();
                let (base, memo) = (&req.cx.base_dir, &*self.fingerprints);
                match fingerprint::plan(config, base, req.prior.as_ref(), prior_private, memo, &key)
                {
                    Ok(fp) => {
                        if fp.changed {
                            if !creating {
                                requires_replace.push(vec![PathStep::Attr("fingerprint".into())]);
                            }
                            for k in ["id", "path", "size", "build_log"] {
                                planned = set_attr(planned, k, Value::unknown(Type::Any));
                            }
                        }
                        let known = fp.fingerprint.map(Value::string);
                        let value = known.unwrap_or(Value::unknown(Type::String));
                        planned = set_attr(planned, "fingerprint", value);
                        causes = fp.causes;
                    }
                    Err(e) => diags.push(Diagnostic::error("Cannot read an image input", e)),
                }
            }
            INSTANCE => {
                if let Some(prior) = &req.prior {
                    planned = keep_assigned_ips(planned, prior);
                    let status = str_attr(prior, "status").unwrap_or("running");
                    if status != "running" {
                        planned = set_attr(planned, "status", Value::string("running"));
                        requires_replace.push(vec![PathStep::Attr("status".into())]);
                    }
                } else if let (Some(s), Some(image)) = (settings, str_attr(config, "image")) {
                    if let Err(e) = source::image_meta(&s.store, image) {
                        diags.push(Diagnostic::error("Unknown image", e));
                    }
                }
            }
            FIREWALL if config.is_wholly_known() => {
                if let Err(e) = firewall::rules_from_config(config) {
                    diags.push(Diagnostic::error("Invalid firewall rule", e));
                }
            }
            NETWORK => {
                if let Some(c) = str_attr(config, "cidr") {
                    if let Err(e) = network::check_cidr(c) {
                        diags.push(Diagnostic::error("Invalid cidr", e));
                    }
                }
            }
            _ => {}
        }
        PlanResponse {
            causes,
            planned,
            requires_replace,
            diagnostics: diags,
        }
    }

    fn create(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move {
            let settings = match self.settings() {
                Ok(s) => s,
                Err(d) => return failure(d),
            };
            let (req, private) = match self.record_inputs(req).await {
                Ok(r) => r,
                Err(d) => return failure(d),
            };
            let planned = req.planned;
            let base_dir = req.cx.base_dir.clone();
            let mut warnings = Diagnostics::new();
            let r: Result<Value, Diagnostics> = match req.type_name.as_str() {
                IMAGE => {
                    let fp = str_attr(&planned, "fingerprint").unwrap_or("").to_string();
                    let build_name = kiln_build::BuildName::new(&req.cx.addr, "qemu");
                    match build::build(settings, build_name, &req.config, &base_dir, &fp, &req.run)
                        .await
                    {
                        Ok(b) => {
                            for w in &b.warnings {
                                warnings.push(Diagnostic::warning(
                                    "The image was built, but cleaning up after the build failed",
                                    format!("{w}\nThe next kiln apply tries again."),
                                ));
                            }
                            let mut v = set_attr(planned, "id", Value::string(b.id));
                            v = set_attr(v, "path", Value::string(b.path.display().to_string()));
                            v = set_attr(v, "size", Value::int(b.size as i64));
                            Ok(set_attr(
                                v,
                                "build_log",
                                Value::string(b.log.display().to_string()),
                            ))
                        }
                        Err(e) => Err(error("Image build failed", e)),
                    }
                }
                INSTANCE => {
                    let host = instance::hostname_for(
                        &req.cx
                            .addr
                            .to_string()
                            .replace(&format!("{}.", req.cx.addr.resource.type_name), ""),
                    );
                    instance::create(settings, &planned, &host)
                        .await
                        .map_err(failed("Cannot start the VM"))
                }
                NETWORK => {
                    let cidr = str_attr(&planned, "cidr").unwrap_or("").to_string();
                    network::create(settings, &cidr)
                        .map(|id| set_attr(planned, "id", Value::string(id)))
                        .map_err(failed("Cannot create the network"))
                }
                FIREWALL => firewall::create(settings, &planned)
                    .await
                    .map(|id| set_attr(planned, "id", Value::string(id)))
                    .map_err(failed("Cannot create the firewall")),
                other => Err(error(
                    "Unknown resource type",
                    format!("qemu has no {other}"),
                )),
            };
            match r {
                Ok(v) => ApplyResponse {
                    private,
                    new_state: Some(v),
                    diagnostics: warnings,
                },
                Err(d) => failure(d),
            }
        })
    }

    /// Only labels change images, instances and networks in place; firewalls change
    /// their rules in place too.
    fn update(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move {
            let settings = match self.settings() {
                Ok(s) => s,
                Err(d) => return failure(d),
            };
            if req.type_name == FIREWALL {
                let id = req
                    .prior
                    .as_ref()
                    .and_then(|p| str_attr(p, "id"))
                    .unwrap_or("")
                    .to_string();
                if let Err(e) = firewall::update(settings, &id, &req.planned).await {
                    return failure(error("Cannot update the firewall", e));
                }
            }
            ApplyResponse {
                private: None,
                new_state: Some(req.planned),
                diagnostics: Diagnostics::new(),
            }
        })
    }

    fn delete_temporary(&self, req: DeleteTemporaryRequest) -> BoxFuture<'_, Diagnostics> {
        Box::pin(self.remove_temporary(req))
    }

    fn delete(&self, req: DeleteRequest) -> BoxFuture<'_, Diagnostics> {
        Box::pin(async move {
            let settings = match self.settings() {
                Ok(s) => s,
                Err(d) => return d,
            };
            let id = str_attr(&req.prior, "id").unwrap_or("").to_string();
            let r = match req.type_name.as_str() {
                IMAGE => build::delete(&settings.store, &id),
                INSTANCE => instance::delete(settings, &req.prior).await,
                NETWORK => network::delete(settings, &id),
                FIREWALL => firewall::delete(settings, &id).await,
                _ => Ok(()),
            };
            match r {
                Ok(()) => Diagnostics::new(),
                Err(e) => error("Cannot destroy", e),
            }
        })
    }
}

impl QemuProvider {
    /// [`Provider::delete_temporary`]: what a killed or kept image build left.
    async fn remove_temporary(&self, req: DeleteTemporaryRequest) -> Diagnostics {
        // Unconfigured (no qemu block evaluated yet), the default binary name is still
        // enough to recognise a build's QEMU by its arguments.
        let qemu = self
            .settings
            .get()
            .map(|s| s.qemu.clone())
            .unwrap_or_else(|| PathBuf::from("qemu-system-x86_64"));
        match build::temporaries::delete(&req.kind, &req.data, &qemu).await {
            Ok(()) => Diagnostics::new(),
            Err(e) => error(
                &format!("Cannot remove what the build of {} left", req.owner),
                e,
            ),
        }
    }
}

fn failure(diagnostics: Diagnostics) -> ApplyResponse {
    ApplyResponse {
        private: None,
        new_state: None,
        diagnostics,
    }
}

/// An address Kiln assigned (`ip` left unset) stays the instance's address: the planned
/// NIC takes it from the prior one on the same network, so an unchanged configuration
/// plans no change.
fn keep_assigned_ips(planned: Value, prior: &Value) -> Value {
    let (Some(new), Some(old)) = (
        attr(&planned, "network_interface").and_then(Value::as_seq),
        attr(prior, "network_interface").and_then(Value::as_seq),
    ) else {
        return planned;
    };
    let nics: Vec<Value> = new
        .iter()
        .zip(old.iter().map(Some).chain(std::iter::repeat(None)))
        .map(|(n, o)| match o {
            Some(o)
                if attr(n, "ip").is_none_or(Value::is_null)
                    && str_attr(n, "network") == str_attr(o, "network") =>
            {
                set_attr(
                    n.clone(),
                    "ip",
                    attr(o, "ip").cloned().unwrap_or(Value::null()),
                )
            }
            _ => n.clone(),
        })
        .collect();
    set_attr(planned, "network_interface", Value::list(nics))
}
