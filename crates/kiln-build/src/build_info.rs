//! What provisioners know of the build machine (`build.*` in the configuration,
//! `KILN_BUILD_*` in shell-local's environment), and the substitution of the `${build.*}`
//! placeholders that the configuration's `build.*` evaluated to
//! ([`kiln_core::config::image_blocks::build_placeholder_text`]).

use std::path::PathBuf;

use kiln_core::config::image_blocks::build_placeholder_text;
use kiln_core::lang::{Kind, Value};

/// The build machine as provisioners see it. Fields the build does not have (no
/// communicator, no password) are empty.
#[derive(Debug, Clone, Default)]
pub struct BuildInfo {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// The private key that logs in (the per-build key unless the communicator names one).
    pub key_file: Option<PathBuf>,
    /// The build's own id (`build-3f2a9c1e`).
    pub id: String,
    /// The image's address (`qemu_image.app`).
    pub name: String,
}

impl BuildInfo {
    /// `(field, value)` for every `build.*` field, in [`kiln_core::config::image_blocks::BUILD_FIELDS`]'s names.
    fn fields(&self) -> [(&'static str, String); 7] {
        let port = if self.port == 0 {
            String::new()
        } else {
            self.port.to_string()
        };
        [
            ("host", self.host.clone()),
            ("port", port),
            ("user", self.user.clone()),
            ("password", self.password.clone()),
            (
                "ssh_private_key_file",
                self.key_file
                    .as_ref()
                    .map(|k| k.display().to_string())
                    .unwrap_or_default(),
            ),
            ("id", self.id.clone()),
            ("name", self.name.clone()),
        ]
    }

    /// The environment shell-local commands get: `KILN_BUILD_HOST`, `_PORT`, `_USER`,
    /// `_SSH_KEY_FILE`, `_PASSWORD`, `_ID`, `_NAME`.
    pub fn env(&self) -> Vec<(String, String)> {
        self.fields()
            .into_iter()
            .map(|(field, value)| {
                let name = match field {
                    "ssh_private_key_file" => "SSH_KEY_FILE".to_string(),
                    other => other.to_ascii_uppercase(),
                };
                (format!("KILN_BUILD_{name}"), value)
            })
            .collect()
    }

    /// `value` with every `${build.FIELD}` placeholder in every string (keys of maps
    /// included) replaced by this build's value. A string that contained the password
    /// becomes sensitive.
    pub fn substitute(&self, value: &Value) -> Value {
        let fields: Vec<(String, String, bool)> = self
            .fields()
            .into_iter()
            .map(|(f, v)| (build_placeholder_text(f), v, f == "password"))
            .collect();
        replace(value, &fields)
    }
}

fn replace(value: &Value, fields: &[(String, String, bool)]) -> Value {
    let mut sensitive = value.sensitive;
    let kind = match &value.kind {
        Kind::String(s) => {
            let (text, secret) = replace_str(s, fields);
            sensitive |= secret;
            Kind::String(text)
        }
        Kind::List(items) => Kind::List(items.iter().map(|v| replace(v, fields)).collect()),
        Kind::Tuple(items) => Kind::Tuple(items.iter().map(|v| replace(v, fields)).collect()),
        Kind::Set(items) => Kind::Set(items.iter().map(|v| replace(v, fields)).collect()),
        Kind::Map(m) => Kind::Map(
            m.iter()
                .map(|(k, v)| (replace_str(k, fields).0, replace(v, fields)))
                .collect(),
        ),
        Kind::Object(m) => Kind::Object(
            m.iter()
                .map(|(k, v)| (replace_str(k, fields).0, replace(v, fields)))
                .collect(),
        ),
        other => other.clone(),
    };
    Value { kind, sensitive }
}

/// The text with placeholders replaced, and whether a secret went into it.
fn replace_str(s: &str, fields: &[(String, String, bool)]) -> (String, bool) {
    if !s.contains("${build.") {
        return (s.to_string(), false);
    }
    let mut out = s.to_string();
    let mut secret = false;
    for (placeholder, value, is_secret) in fields {
        if out.contains(placeholder.as_str()) {
            out = out.replace(placeholder.as_str(), value);
            secret |= is_secret;
        }
    }
    (out, secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> BuildInfo {
        BuildInfo {
            host: "127.0.0.1".into(),
            port: 2222,
            user: "root".into(),
            password: "hunter2".into(),
            key_file: Some("/b/id_ed25519".into()),
            id: "build-1".into(),
            name: "qemu_image.app".into(),
        }
    }

    #[test]
    fn placeholders_are_replaced_in_nested_strings() {
        let v = Value::object_from([
            (
                "inline",
                Value::tuple(vec![Value::string(
                    "ssh -p ${build.port} ${build.user}@${build.host} -i ${build.ssh_private_key_file}",
                )]),
            ),
            (
                "environment",
                Value::map(
                    [("ID".to_string(), Value::string("${build.id}/${build.name}"))]
                        .into_iter()
                        .collect(),
                ),
            ),
            ("pw", Value::string("${build.password}")),
            ("n", Value::int(3)),
        ]);
        let out = info().substitute(&v);
        let json = out.to_json();
        assert_eq!(
            json["inline"][0],
            "ssh -p 2222 root@127.0.0.1 -i /b/id_ed25519"
        );
        assert_eq!(json["environment"]["ID"], "build-1/qemu_image.app");
        assert_eq!(json["n"], 3);
        let pw = out.as_map().and_then(|m| m.get("pw")).expect("pw");
        assert_eq!(pw.as_str(), Some("hunter2"));
        assert!(pw.sensitive, "a string holding the password is sensitive");
    }

    #[test]
    fn env_names_every_field() {
        let env = info().env();
        let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "KILN_BUILD_HOST",
                "KILN_BUILD_PORT",
                "KILN_BUILD_USER",
                "KILN_BUILD_PASSWORD",
                "KILN_BUILD_SSH_KEY_FILE",
                "KILN_BUILD_ID",
                "KILN_BUILD_NAME"
            ]
        );
    }
}
