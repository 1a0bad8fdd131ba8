//! Filesystem functions: reading files (recorded in `files_read` for fingerprints), file
//! sets by glob, templates, and lexical path manipulation.
//!
//! Relative paths resolve against the working directory (`FuncCtx::base_dir`), as in
//! Terraform — configurations write `"${path.module}/…"` for files inside a module —
//! and `abspath` resolves against it too.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::args::{arg, str_at};
use super::{glob, paths, template, FuncCtx, FuncError, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn specs() -> Vec<FuncSpec> {
    let p = || Param::new("path", Type::String);
    let path1 = |name, ret, f| FuncSpec::new(name, vec![p()], ret, f);
    vec![
        path1("file", Type::String, file),
        path1("filebase64", Type::String, filebase64),
        path1("fileexists", Type::Bool, fileexists),
        path1("abspath", Type::String, abspath),
        path1("dirname", Type::String, dirname),
        path1("basename", Type::String, basename),
        path1("pathexpand", Type::String, pathexpand),
        FuncSpec::new(
            "fileset",
            vec![p(), Param::new("pattern", Type::String)],
            Type::Set(Box::new(Type::String)),
            fileset,
        ),
        FuncSpec::new(
            "templatefile",
            vec![p(), Param::new("vars", Type::Any).unknowns()],
            Type::Any,
            templatefile,
        ),
    ]
}

/// Reads the file named by argument 0 and records the read.
pub fn read(ctx: &FuncCtx<'_>, args: &[Value]) -> Result<Vec<u8>, FuncError> {
    let given = str_at(args, 0);
    let path = ctx.resolve(given);
    let bytes = std::fs::read(&path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no file exists at this path".to_string(),
            _ => e.to_string(),
        };
        FuncError::arg(0, format!("cannot read \"{given}\": {why}"))
    })?;
    ctx.record_read(&path);
    Ok(bytes)
}

fn read_text(ctx: &FuncCtx<'_>, args: &[Value]) -> Result<String, FuncError> {
    let bytes = read(ctx, args)?;
    String::from_utf8(bytes).map_err(|_| {
        FuncError::arg(
            0,
            format!(
                "contents of \"{}\" are not valid UTF-8; use filebase64 to read binary files",
                str_at(args, 0)
            ),
        )
    })
}

fn file(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    read_text(ctx, &args).map(Value::string)
}

fn filebase64(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(STANDARD.encode(read(ctx, &args)?)))
}

fn fileexists(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let given = str_at(&args, 0);
    match std::fs::metadata(ctx.resolve(given)) {
        Ok(m) if m.is_dir() => Err(FuncError::arg(
            0,
            format!("\"{given}\" is a directory, not a file"),
        )),
        Ok(_) => Ok(Value::bool(true)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::bool(false)),
        Err(e) => Err(FuncError::arg(0, format!("cannot stat \"{given}\": {e}"))),
    }
}

fn abspath(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let given = str_at(&args, 0);
    let full = if Path::new(given).is_absolute() {
        given.to_string()
    } else {
        let cwd = std::env::current_dir()
            .map_err(|e| FuncError::new(format!("cannot determine the working directory: {e}")))?;
        format!("{}/{given}", paths::slashed(&cwd))
    };
    Ok(Value::string(paths::clean(&full)))
}

fn dirname(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(paths::dirname(str_at(&args, 0))))
}

fn basename(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    Ok(Value::string(paths::basename(str_at(&args, 0))))
}

/// Replaces a leading `~` with the home directory.
fn pathexpand(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let given = str_at(&args, 0);
    let rest = match given.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => return Ok(Value::string(given)),
    };
    let home = std::env::var("HOME").map_err(|_| {
        FuncError::arg(
            0,
            "cannot expand \"~\": the home directory is unknown (HOME is not set)",
        )
    })?;
    Ok(Value::string(format!("{home}{rest}")))
}

/// Files (not directories) under `path` whose path relative to it matches `pattern`.
fn fileset(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    /// Deep enough for any real tree, shallow enough to stop symlink loops.
    const MAX_DEPTH: usize = 64;
    fn walk(dir: &Path, rel: &str, depth: usize, out: &mut Vec<String>) -> std::io::Result<()> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let meta = std::fs::metadata(entry.path())?;
            if meta.is_dir() {
                walk(&entry.path(), &rel, depth + 1, out)?;
            } else {
                out.push(rel);
            }
        }
        Ok(())
    }
    let pattern = glob::compile(str_at(&args, 1)).map_err(|e| FuncError::arg(1, e))?;
    let root = ctx.resolve(str_at(&args, 0));
    let mut found = Vec::new();
    if root.is_dir() {
        walk(&root, "", 0, &mut found)
            .map_err(|e| FuncError::arg(0, format!("cannot list \"{}\": {e}", str_at(&args, 0))))?;
    }
    Ok(Value::set(
        found
            .into_iter()
            .filter(|p| pattern.is_match(p))
            .map(Value::string)
            .collect(),
    ))
}

fn templatefile(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    let text = read_text(ctx, &args)?;
    template::render(ctx, &text, str_at(&args, 0), arg(&args, 1))
}
