//! `local_file` and `local_sensitive_file`: a file on the machine running Kiln, managed like
//! Terraform's resources of the same names.
//!
//! Every argument forces replacement, so `update` only runs if the engine asks for it
//! anyway. The file's bytes come from exactly one of `content`, `content_base64` or
//! `source` (a file to copy). `id` is the SHA-1 of the bytes, as in Terraform, and the
//! `content_*` digests are computed alongside it. `local_sensitive_file` differs only in
//! marking its content sensitive and in stricter default permissions; the digests are
//! never sensitive (they reveal nothing of the content).
//!
//! Unlike Terraform, which resolves a relative `filename` against the working directory,
//! Kiln resolves it against the directory of the module that declares the resource, so a
//! module writes its files next to itself wherever `kiln` runs. State keeps the filename
//! as written.

use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use kiln_core::diag::{Diagnostic, Diagnostics};
use kiln_core::lang::{Type, Value};
use kiln_core::provider::{
    ApplyRequest, ApplyResponse, AttrPath, CallContext, DeleteRequest, ImportRequest,
    ImportResponse, PathStep, PlanRequest, PlanResponse, ReadItem, ReadResponse,
};
use kiln_core::schema::{AttrSchema, ResourceKind, ResourceSchema, Schema};
use sha2::Digest as _;

use crate::files;
use crate::object::{attr, blocking, engine_bug, is_null, is_unknown, set_attr, str_attr};

/// What distinguishes the two file resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub name: &'static str,
    /// `content` and `content_base64` are sensitive.
    pub sensitive: bool,
    /// The default `file_permission`.
    pub file_mode: &'static str,
    /// The default `directory_permission`.
    pub dir_mode: &'static str,
}

pub const LOCAL_FILE: FileType = FileType {
    name: "local_file",
    sensitive: false,
    file_mode: "0644",
    dir_mode: "0755",
};

pub const LOCAL_SENSITIVE_FILE: FileType = FileType {
    name: "local_sensitive_file",
    sensitive: true,
    file_mode: "0600",
    dir_mode: "0700",
};

/// The file type of a resource type name, if it is one.
pub fn file_type(type_name: &str) -> Option<FileType> {
    [LOCAL_FILE, LOCAL_SENSITIVE_FILE]
        .into_iter()
        .find(|t| t.name == type_name)
}

/// The arguments that say what the file holds; exactly one is set.
const CONTENT_ARGS: [&str; 3] = ["content", "content_base64", "source"];

/// The attributes computed from the file's bytes: `id` and the `content_*` digests.
const DIGESTS: [&str; 7] = [
    "id",
    "content_md5",
    "content_sha1",
    "content_sha256",
    "content_sha512",
    "content_base64sha256",
    "content_base64sha512",
];

pub fn schema(t: FileType) -> ResourceSchema {
    let s = || AttrSchema::optional(Type::String).force_new();
    let secret = || {
        let a = s();
        if t.sensitive {
            a.sensitive()
        } else {
            a
        }
    };
    let (file_mode, dir_mode) = if t.sensitive {
        (
            "octal mode of the file; default \"0600\"",
            "octal mode of directories created for it; default \"0700\"",
        )
    } else {
        (
            "octal mode of the file; default \"0644\"",
            "octal mode of directories created for it; default \"0755\"",
        )
    };
    let mut body = Schema::new()
        .attr(
            "filename",
            AttrSchema::required(Type::String)
                .force_new()
                .describe("path of the file; relative paths start at the working directory, so write \"${path.module}/…\" for one inside the module"),
        )
        .attr("content", secret().describe("the file's text"))
        .attr(
            "content_base64",
            secret().describe("the file's bytes, base64-encoded"),
        )
        .attr("source", s().describe("a file to copy"))
        .attr(
            "file_permission",
            AttrSchema::optional_computed(Type::String)
                .force_new()
                .describe(file_mode),
        )
        .attr(
            "directory_permission",
            AttrSchema::optional_computed(Type::String)
                .force_new()
                .describe(dir_mode),
        );
    for name in DIGESTS {
        let describe = if name == "id" {
            "SHA-1 of the content, hex"
        } else {
            "digest of the content"
        };
        body = body.attr(name, AttrSchema::computed(Type::String).describe(describe));
    }
    ResourceSchema {
        kind: ResourceKind::Plain,
        description: if t.sensitive {
            "A file on the machine running Kiln whose content is hidden in plans. Any change replaces it."
        } else {
            "A file on the machine running Kiln. Any change replaces it."
        },
        body,
    }
}

/// Validates the configuration, fills permission defaults and predicts the digests.
pub fn plan(t: FileType, req: PlanRequest) -> PlanResponse {
    let mut diagnostics = Diagnostics::new();
    let mut requires_replace: Vec<AttrPath> = Vec::new();
    let config = &req.config;
    let mut planned = req.proposed;

    let set: Vec<&str> = CONTENT_ARGS
        .into_iter()
        .filter(|a| !is_null(config, a))
        .collect();
    if set.len() != 1 {
        let found = if set.is_empty() {
            "none is".to_string()
        } else {
            format!("{} are", set.join(", "))
        };
        diagnostics.push(Diagnostic::error(
            format!("Invalid {} content", t.name),
            format!("Exactly one of content, content_base64 or source must be set, but {found}. Set the one that holds the file's content."),
        ));
    }
    for (name, default) in [
        ("file_permission", t.file_mode),
        ("directory_permission", t.dir_mode),
    ] {
        match attr(config, name) {
            Some(v) if !v.is_known() => {}
            Some(v) if !v.is_null() => {
                if let Err(msg) = parse_mode(v.as_str().unwrap_or("")) {
                    diagnostics.push(Diagnostic::error(
                        "Invalid permission",
                        format!("{name} {msg}."),
                    ));
                }
            }
            _ => planned = set_attr(planned, name, Value::string(default)),
        }
    }

    let which = set.first().copied().filter(|_| set.len() == 1);
    match which {
        Some("source") => {
            // The source is read at apply: another resource may write it first. The
            // digests are known now only when the file still holds what was copied last.
            let current = str_attr(config, "source")
                .and_then(|src| std::fs::read(req.cx.base_dir.join(src)).ok());
            let prior_sha = req
                .prior
                .as_ref()
                .and_then(|p| str_attr(p, "content_sha256"));
            match (current, prior_sha, &req.prior) {
                (Some(bytes), Some(sha), Some(prior))
                    if hex(&sha2::Sha256::digest(&bytes)) == sha =>
                {
                    for d in DIGESTS {
                        let v = attr(prior, d).cloned().unwrap_or(Value::null());
                        planned = set_attr(planned, d, v);
                    }
                }
                (_, _, prior) => {
                    planned = unknown_digests(planned);
                    if prior.is_some() {
                        requires_replace.push(vec![PathStep::Attr("content_sha256".into())]);
                    }
                }
            }
        }
        Some(arg) if !is_unknown(config, arg) => match bytes_of(config, arg) {
            Ok(bytes) => planned = with_digests(planned, &bytes),
            Err(msg) => {
                diagnostics.push(Diagnostic::error(
                    format!("Invalid {} content", t.name),
                    msg,
                ));
                planned = unknown_digests(planned);
            }
        },
        _ => planned = unknown_digests(planned),
    }
    PlanResponse {
        causes: Vec::new(),
        planned,
        requires_replace,
        diagnostics,
    }
}

/// The file's bytes from an inline content argument (not `source`).
fn bytes_of(obj: &Value, arg: &str) -> Result<Vec<u8>, String> {
    let text = str_attr(obj, arg).unwrap_or("");
    if arg == "content_base64" {
        BASE64
            .decode(text)
            .map_err(|e| format!("content_base64 is not valid base64 ({e}). Encode the bytes with base64encode() or filebase64()."))
    } else {
        Ok(text.as_bytes().to_vec())
    }
}

fn unknown_digests(mut obj: Value) -> Value {
    for d in DIGESTS {
        obj = set_attr(obj, d, Value::unknown(Type::String));
    }
    obj
}

fn with_digests(mut obj: Value, bytes: &[u8]) -> Value {
    let values = [
        hex(&sha1::Sha1::digest(bytes)),
        hex(&md5::Md5::digest(bytes)),
        hex(&sha1::Sha1::digest(bytes)),
        hex(&sha2::Sha256::digest(bytes)),
        hex(&sha2::Sha512::digest(bytes)),
        BASE64.encode(sha2::Sha256::digest(bytes)),
        BASE64.encode(sha2::Sha512::digest(bytes)),
    ];
    for (name, v) in DIGESTS.into_iter().zip(values) {
        obj = set_attr(obj, name, Value::string(v));
    }
    obj
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An octal permission string: three or four octal digits.
pub fn parse_mode(text: &str) -> Result<u32, String> {
    let ok = (3..=4).contains(&text.len()) && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
    if !ok {
        return Err(format!(
            "must be an octal permission of three or four digits such as \"0644\", not \"{text}\""
        ));
    }
    u32::from_str_radix(text, 8).map_err(|e| e.to_string())
}

/// Creates (or, for `update`, rewrites) the file. On failure the new state is what still
/// exists: nothing for a create, the prior file for an update.
pub async fn apply(t: FileType, req: ApplyRequest) -> ApplyResponse {
    let planned = req.planned;
    let prior = req.prior;
    let failed = |diagnostics: Diagnostics| ApplyResponse {
        private: None,
        new_state: prior.clone(),
        diagnostics,
    };
    let cannot =
        |msg: &str| failed(Diagnostic::error(format!("Cannot write {}", t.name), msg).into());
    let Some(filename) = str_attr(&planned, "filename").map(str::to_string) else {
        return failed(engine_bug(
            "Unknown filename",
            format!(
                "{} was asked to write a file whose filename is not known.",
                t.name
            ),
        ));
    };
    let unknown: Vec<&String> = planned
        .as_map()
        .into_iter()
        .flatten()
        .filter(|(k, v)| !DIGESTS.contains(&k.as_str()) && !v.is_wholly_known())
        .map(|(k, _)| k)
        .collect();
    if !unknown.is_empty() {
        return failed(engine_bug(
            "Unknown planned values",
            format!(
                "{} was asked to write {filename} while {unknown:?} are not known yet.",
                t.name
            ),
        ));
    }
    let Some(arg) = CONTENT_ARGS.into_iter().find(|a| !is_null(&planned, a)) else {
        return cannot("The configuration sets no content; plan should have said so.");
    };
    let modes = (
        mode_of(&planned, "file_permission", t.file_mode),
        mode_of(&planned, "directory_permission", t.dir_mode),
    );
    let (Ok(file_mode), Ok(dir_mode)) = modes else {
        return cannot(
            "file_permission and directory_permission must be octal modes such as \"0644\".",
        );
    };
    let dir = req.cx.base_dir.clone();
    let path = dir.join(&filename);
    let old_path = prior
        .as_ref()
        .and_then(|p| str_attr(p, "filename"))
        .map(|f| dir.join(f))
        .filter(|old| *old != path);
    let source = (arg == "source").then(|| dir.join(str_attr(&planned, "source").unwrap_or("")));
    let inline = if arg == "source" {
        Vec::new()
    } else {
        match bytes_of(&planned, arg) {
            Ok(b) => b,
            Err(msg) => return cannot(&msg),
        }
    };
    let written = blocking(move || -> Result<Vec<u8>, String> {
        let bytes = match &source {
            Some(src) => std::fs::read(src)
                .map_err(|e| format!("cannot read source {}: {e}", src.display()))?,
            None => inline,
        };
        files::write_atomic(&path, &bytes, file_mode, dir_mode)?;
        if let Some(old) = old_path {
            files::remove(&old)?;
        }
        Ok(bytes)
    })
    .await;
    let bytes = match written {
        Ok(b) => b,
        Err(msg) => return cannot(&msg),
    };
    let new_state = with_digests(planned.clone(), &bytes);
    let mut diagnostics = Diagnostics::new();
    if let Some(d) = DIGESTS.into_iter().find(|d| {
        let (p, n) = (attr(&planned, d), attr(&new_state, d));
        p.is_some_and(Value::is_known) && !crate::object::same(p, n)
    }) {
        diagnostics.push(Diagnostic::error(
            "File content changed during apply",
            format!("The content written to {filename} is not what the plan showed ({d} differs): its source changed after planning. The file was written; run plan again to see the difference."),
        ));
    }
    ApplyResponse {
        private: None,
        new_state: Some(new_state),
        diagnostics,
    }
}

fn mode_of(obj: &Value, name: &str, default: &str) -> Result<u32, String> {
    parse_mode(str_attr(obj, name).unwrap_or(default))
}

/// Refreshes many files in one blocking job.
pub async fn read(items: Vec<ReadItem>) -> ReadResponse {
    blocking(move || {
        let mut resp = ReadResponse::default();
        for item in items {
            let object = read_one(&item.cx, item.prior, &mut resp.diagnostics);
            resp.objects.push(object);
        }
        resp
    })
    .await
}

fn read_one(cx: &CallContext, prior: Value, diags: &mut Diagnostics) -> Option<Value> {
    let Some(filename) = str_attr(&prior, "filename") else {
        diags.push(Diagnostic::error(
            "Invalid file state",
            format!("The state of {} has no filename, so the file cannot be found. Remove it from state with `kiln state rm` and import it again.", cx.addr),
        ).with_address(cx.addr.to_string()));
        return Some(prior);
    };
    let path = cx.base_dir.join(filename);
    match files::read(&path) {
        Ok(None) => None,
        Ok(Some(f)) => Some(refreshed(prior, &f.bytes, f.mode)),
        Err(msg) => {
            diags
                .push(Diagnostic::error("Cannot read file", msg).with_address(cx.addr.to_string()));
            Some(prior)
        }
    }
}

/// `prior` brought up to date with the file's bytes and mode. Where the file still means
/// what `prior` says, `prior`'s own spelling is kept ("644" stays "644").
fn refreshed(prior: Value, bytes: &[u8], mode: Option<u32>) -> Value {
    let mut obj = prior;
    if let Some(mode) = mode {
        let recorded = str_attr(&obj, "file_permission").and_then(|m| parse_mode(m).ok());
        if recorded != Some(mode) {
            obj = set_attr(obj, "file_permission", Value::string(format!("{mode:04o}")));
        }
    }
    if str_attr(&obj, "id") == Some(hex(&sha1::Sha1::digest(bytes)).as_str()) {
        return obj;
    }
    // Drift: the file was changed outside Kiln. Report its content in the argument the
    // configuration uses, so the plan shows the difference.
    let arg = CONTENT_ARGS.into_iter().find(|a| !is_null(&obj, a));
    let sensitive = arg.is_some_and(|a| attr(&obj, a).is_some_and(Value::contains_sensitive));
    let now = match arg {
        Some("content_base64") => Some(Value::string(BASE64.encode(bytes))),
        Some("source") | None => None,
        Some(_) => Some(Value::string(String::from_utf8_lossy(bytes))),
    };
    if let (Some(arg), Some(now)) = (arg, now) {
        obj = set_attr(obj, arg, now.with_sensitive(sensitive));
    }
    with_digests(obj, bytes)
}

/// Removes the file; one that is already gone is fine.
pub async fn delete(req: DeleteRequest) -> Diagnostics {
    let Some(filename) = str_attr(&req.prior, "filename") else {
        return Diagnostics::new();
    };
    let path = req.cx.base_dir.join(filename);
    match blocking(move || files::remove(&path)).await {
        Ok(()) => Diagnostics::new(),
        Err(msg) => Diagnostic::error("Cannot delete file", msg).into(),
    }
}

/// Adopts an existing file; `id` is its path (relative to the working directory, or
/// absolute). Text files get `content`, others `content_base64`.
pub async fn import(t: FileType, req: ImportRequest) -> ImportResponse {
    let path: PathBuf = req.cx.base_dir.join(&req.id);
    let id = req.id.clone();
    let found = blocking(move || files::read(&path)).await;
    let mut diagnostics = Diagnostics::new();
    let object = match found {
        Ok(Some(f)) => Some(imported(t, &id, &f.bytes, f.mode)),
        Ok(None) => {
            diagnostics.push(Diagnostic::error(
                "Cannot import non-existent file",
                format!("There is no file at {} (relative paths start at the working directory, {}). Check the path given to import.", id, req.cx.base_dir.display()),
            ));
            None
        }
        Err(msg) => {
            diagnostics.push(Diagnostic::error("Cannot import file", msg));
            None
        }
    };
    ImportResponse {
        object,
        diagnostics,
    }
}

fn imported(t: FileType, filename: &str, bytes: &[u8], mode: Option<u32>) -> Value {
    let (text, base64) = match std::str::from_utf8(bytes) {
        Ok(t) => (Value::string(t), Value::null()),
        Err(_) => (Value::null(), Value::string(BASE64.encode(bytes))),
    };
    let mode = mode.map_or_else(|| t.file_mode.to_string(), |m| format!("{m:04o}"));
    let obj = Value::object_from([
        ("filename", Value::string(filename)),
        ("content", text),
        ("content_base64", base64),
        ("source", Value::null()),
        ("file_permission", Value::string(mode)),
        ("directory_permission", Value::string(t.dir_mode)),
    ]);
    let mut obj = with_digests(obj, bytes);
    if t.sensitive {
        for arg in ["content", "content_base64"] {
            let v = attr(&obj, arg).cloned().unwrap_or(Value::null());
            obj = set_attr(obj, arg, v.mark_sensitive());
        }
    }
    obj
}
