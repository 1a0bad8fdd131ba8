//! The `local_command` data source: runs a program at plan time and exposes the JSON
//! object it prints (Terraform's `external` data source). The optional `query` map is
//! sent to the program's stdin as a JSON object.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use kiln_core::lang::{Kind, Value};

pub fn read_local_command(config: &Value, module_dir: &Path) -> Result<Value, String> {
    let attrs = config
        .as_map()
        .ok_or("the configuration is not an object")?;
    let program: Vec<String> = attrs
        .get("program")
        .and_then(Value::as_seq)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let Some((exe, args)) = program.split_first() else {
        return Err(
            "program must name the program to run, e.g. program = [\"python3\", \"facts.py\"]"
                .into(),
        );
    };
    let dir = match attrs.get("working_dir").and_then(Value::as_str) {
        Some(d) => module_dir.join(d),
        None => module_dir.to_path_buf(),
    };
    let query = match attrs.get("query").map(|q| &q.kind) {
        Some(Kind::Map(_) | Kind::Object(_)) => {
            attrs.get("query").map(Value::to_json).unwrap_or_default()
        }
        _ => serde_json::json!({}),
    };
    let mut child = Command::new(exe)
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run \"{exe}\" in {}: {e}", dir.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A program that ignores stdin may close it early; that is not an error.
        let _ = stdin.write_all(query.to_string().as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("waiting for \"{exe}\": {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(10).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "\"{exe}\" exited with {}; its last error output:\n{}",
            out.status,
            tail.join("\n")
        ));
    }
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!("\"{exe}\" must print one JSON object on stdout, but its output is not JSON ({e})")
    })?;
    if !parsed.is_object() {
        return Err(format!(
            "\"{exe}\" must print a JSON object, but printed {}",
            kind_of(&parsed)
        ));
    }
    let mut result = attrs.clone();
    result.insert("result".into(), Value::from_json(&parsed));
    result.insert("id".into(), Value::string(program.join(" ")));
    Ok(Value::object(result))
}

fn kind_of(j: &serde_json::Value) -> &'static str {
    match j {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
