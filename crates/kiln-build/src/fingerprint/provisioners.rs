//! Which files an image's provisioners read, found in the provisioner list the evaluator
//! hands to the provider (the `provisioners` attribute: objects with a `type`).

use std::path::Path;

use kiln_core::lang::Value;

use super::FileInput;

/// The files the provisioners read, in order, each once:
///
/// - `shell`, `powershell` and `shell-local`: `script` and `scripts` (kept as text for
///   diffs: scripts are code, and short);
/// - `file`: `source`, a file or a directory, unless `direction = "download"` (then it
///   names a path on the build machine). Uploaded files may hold credentials, so their
///   text is never copied into the record.
///
/// Inline commands, `content` and files read by `file()` or `templatefile()` are part of
/// the configuration already. Paths resolve against `base_dir` as the build resolves
/// them; labels keep them as written.
pub fn provisioner_files(provisioners: Option<&Value>, base_dir: &Path) -> Vec<FileInput> {
    let mut out: Vec<FileInput> = Vec::new();
    let mut add = |input: FileInput| {
        if !out.iter().any(|f| f.label == input.label) {
            out.push(input);
        }
    };
    for p in provisioners.and_then(Value::as_seq).unwrap_or_default() {
        match string(p, "type") {
            Some("shell" | "powershell" | "shell-local") => {
                let scripts = string(p, "script").into_iter().chain(strings(p, "scripts"));
                for s in scripts {
                    add(FileInput::script(s, base_dir.join(s)));
                }
            }
            Some("file") if string(p, "direction") != Some("download") => {
                if let Some(s) = string(p, "source") {
                    add(FileInput::new(s, base_dir.join(s)));
                }
            }
            _ => {}
        }
    }
    out
}

fn string<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    obj.as_map()?.get(name)?.as_str()
}

fn strings<'a>(obj: &'a Value, name: &str) -> impl Iterator<Item = &'a str> {
    obj.as_map()
        .and_then(|m| m.get(name))
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov(pairs: Vec<(&str, Value)>) -> Value {
        Value::object_from(pairs)
    }

    #[test]
    fn reads_scripts_and_uploads_but_not_downloads() {
        let list = Value::list(vec![
            prov(vec![
                ("type", Value::string("shell")),
                ("script", Value::string("a.sh")),
                (
                    "scripts",
                    Value::list(vec![Value::string("b.sh"), Value::string("a.sh")]),
                ),
            ]),
            prov(vec![
                ("type", Value::string("file")),
                ("source", Value::string("files/")),
            ]),
            prov(vec![
                ("type", Value::string("file")),
                ("source", Value::string("/etc/hostname")),
                ("direction", Value::string("download")),
            ]),
            prov(vec![
                ("type", Value::string("shell-local")),
                ("scripts", Value::list(vec![Value::string("local.sh")])),
            ]),
            prov(vec![
                ("type", Value::string("powershell")),
                ("script", Value::string("win.ps1")),
            ]),
        ]);
        let files = provisioner_files(Some(&list), Path::new("/base"));
        let got: Vec<(&str, bool)> = files
            .iter()
            .map(|f| (f.label.as_str(), f.keep_text))
            .collect();
        assert_eq!(
            got,
            [
                ("a.sh", true),
                ("b.sh", true),
                ("files/", false),
                ("local.sh", true),
                ("win.ps1", true)
            ]
        );
        assert_eq!(files[0].path, Path::new("/base/a.sh"));
    }

    #[test]
    fn no_provisioners_no_files() {
        assert!(provisioner_files(None, Path::new("/")).is_empty());
        assert!(provisioner_files(Some(&Value::null()), Path::new("/")).is_empty());
    }
}
