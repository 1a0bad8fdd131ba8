//! Reading the plain arguments provisioners share: string lists, environment maps, exit
//! codes, and the scripts of `inline` / `script` / `scripts`.

use std::path::Path;

use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;

/// The known strings of the list attribute `name`; empty when absent or null.
pub fn strings(p: &Value, name: &str) -> Vec<String> {
    attr(p, name)
        .and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `environment`, as (name, value) pairs in name order.
pub fn environment(p: &Value) -> Vec<(String, String)> {
    attr(p, "environment")
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub fn flag(p: &Value, name: &str) -> bool {
    attr(p, name).and_then(Value::as_bool).unwrap_or(false)
}

/// `valid_exit_codes`, or `[0]`.
pub fn valid_exit_codes(p: &Value) -> Vec<u32> {
    let codes: Vec<u32> = attr(p, "valid_exit_codes")
        .and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|n| n.as_number()?.as_i64())
                .filter_map(|n| u32::try_from(n).ok())
                .collect()
        })
        .unwrap_or_default();
    if codes.is_empty() {
        vec![0]
    } else {
        codes
    }
}

/// The files of `script` and `scripts`, in that order, as written.
pub fn script_files(p: &Value) -> Vec<String> {
    let mut files = strings(p, "scripts");
    if let Some(s) = str_attr(p, "script") {
        files.insert(0, s.to_string());
    }
    files
}

/// The scripts a remote provisioner runs, as (name for messages, content): `inline` as
/// one script made of its lines with `prelude` first, else each of `script` / `scripts`
/// read from the working directory.
pub fn scripts(
    p: &Value,
    base_dir: &Path,
    prelude: &str,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let inline = strings(p, "inline");
    if !inline.is_empty() {
        let mut text = prelude.to_string();
        for line in inline {
            text.push_str(&line);
            text.push('\n');
        }
        return Ok(vec![("the inline script".into(), text.into_bytes())]);
    }
    let files = script_files(p);
    if files.is_empty() {
        return Err("set inline, script or scripts".into());
    }
    files
        .into_iter()
        .map(|f| {
            let path = base_dir.join(&f);
            std::fs::read(&path)
                .map(|b| (f.clone(), b))
                .map_err(|e| format!("cannot read the script {}: {e}", path.display()))
        })
        .collect()
}
