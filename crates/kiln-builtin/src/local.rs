//! The `local` provider: `local_file`, `local_sensitive_file` and the `local_command` data
//! source, on the machine running Kiln.

use kiln_core::diag::Diagnostics;
use kiln_core::lang::Type;
use kiln_core::provider::{
    ApplyRequest, ApplyResponse, BoxFuture, DeleteRequest, ImportRequest, ImportResponse, Limits,
    PlanRequest, PlanResponse, Provider, ReadDataRequest, ReadDataResponse, ReadRequest,
    ReadResponse,
};
use kiln_core::schema::{AttrSchema, ProviderSchema, ResourceKind, ResourceSchema, Schema};

use crate::object::blocking;
use crate::{command, local_file, unknown_type};

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

pub fn local_schema() -> ProviderSchema {
    let mut p = ProviderSchema {
        name: "local".into(),
        ..Default::default()
    };
    for t in [local_file::LOCAL_FILE, local_file::LOCAL_SENSITIVE_FILE] {
        p.resources.insert(t.name.into(), local_file::schema(t));
    }
    p.data_sources.insert(
        "local_command".into(),
        ResourceSchema {
            kind: ResourceKind::Plain,
            description: "Runs a program at plan time; its stdout must be a JSON object.",
            body: Schema::new()
                .attr(
                    "program",
                    AttrSchema::required(strings()).describe("the program and its arguments"),
                )
                .attr(
                    "query",
                    AttrSchema::optional(Type::Map(Box::new(Type::String)))
                        .describe("passed to the program as a JSON object on stdin"),
                )
                .attr("working_dir", AttrSchema::optional(Type::String))
                .attr("result", AttrSchema::computed(Type::Any))
                .attr("id", AttrSchema::computed(Type::String)),
        },
    );
    p
}

/// Files and commands on this machine. Stateless apart from its schema, so one value
/// serves every call concurrently.
#[derive(Debug, Clone)]
pub struct LocalProvider {
    schema: ProviderSchema,
}

impl LocalProvider {
    pub fn new() -> LocalProvider {
        LocalProvider {
            schema: local_schema(),
        }
    }
}

impl Default for LocalProvider {
    fn default() -> LocalProvider {
        LocalProvider::new()
    }
}

impl Provider for LocalProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    /// Local disks cope with much, but thousands of files at once would exhaust file
    /// descriptors.
    fn limits(&self) -> Limits {
        Limits {
            max_concurrent: Some(64),
            calls_per_second: None,
        }
    }

    fn read(&self, req: ReadRequest) -> BoxFuture<'_, ReadResponse> {
        Box::pin(async move {
            match local_file::file_type(&req.type_name) {
                Some(_) => local_file::read(req.items).await,
                None => ReadResponse {
                    diagnostics: unknown_type("local", &req.type_name),
                    objects: req.items.into_iter().map(|i| Some(i.prior)).collect(),
                },
            }
        })
    }

    fn plan(&self, req: PlanRequest) -> PlanResponse {
        match local_file::file_type(&req.type_name) {
            Some(t) => local_file::plan(t, req),
            None => PlanResponse {
                causes: Vec::new(),
                diagnostics: unknown_type("local", &req.type_name),
                planned: req.proposed,
                requires_replace: Vec::new(),
            },
        }
    }

    fn create(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move {
            match local_file::file_type(&req.type_name) {
                Some(t) => local_file::apply(t, req).await,
                None => ApplyResponse {
                    private: None,
                    new_state: None,
                    diagnostics: unknown_type("local", &req.type_name),
                },
            }
        })
    }

    /// Never needed (every argument forces replacement), but correct: the file is
    /// rewritten, and removed from its old path if the path changed.
    fn update(&self, req: ApplyRequest) -> BoxFuture<'_, ApplyResponse> {
        Box::pin(async move {
            match local_file::file_type(&req.type_name) {
                Some(t) => local_file::apply(t, req).await,
                None => ApplyResponse {
                    private: None,
                    diagnostics: unknown_type("local", &req.type_name),
                    new_state: req.prior,
                },
            }
        })
    }

    fn delete(&self, req: DeleteRequest) -> BoxFuture<'_, Diagnostics> {
        Box::pin(async move {
            match local_file::file_type(&req.type_name) {
                Some(_) => local_file::delete(req).await,
                None => unknown_type("local", &req.type_name),
            }
        })
    }

    fn import(&self, req: ImportRequest) -> BoxFuture<'_, ImportResponse> {
        Box::pin(async move {
            match local_file::file_type(&req.type_name) {
                Some(t) => local_file::import(t, req).await,
                None => ImportResponse {
                    object: None,
                    diagnostics: unknown_type("local", &req.type_name),
                },
            }
        })
    }

    fn read_data(&self, req: ReadDataRequest) -> BoxFuture<'_, ReadDataResponse> {
        Box::pin(async move {
            if req.type_name != "local_command" {
                return ReadDataResponse {
                    state: None,
                    diagnostics: unknown_type("local", &req.type_name),
                };
            }
            let (config, dir) = (req.config, req.cx.base_dir);
            match blocking(move || command::read_local_command(&config, &dir)).await {
                Ok(state) => ReadDataResponse {
                    state: Some(state),
                    diagnostics: Diagnostics::new(),
                },
                Err(msg) => ReadDataResponse {
                    state: None,
                    diagnostics: kiln_core::diag::Diagnostic::error(
                        "Error reading data source",
                        format!("Reading {} failed: {msg}", req.cx.addr),
                    )
                    .with_address(req.cx.addr.to_string())
                    .into(),
                },
            }
        })
    }
}
