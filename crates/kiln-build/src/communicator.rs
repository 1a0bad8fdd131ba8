//! The image's `communicator` block, read into how to reach the build machine.
//!
//! `communicator "ssh"` takes (all optional):
//!
//! | argument | meaning | default |
//! | --- | --- | --- |
//! | `username` | the user to log in as | the provider's default user |
//! | `password` | log in with this password instead of a key | – |
//! | `private_key_file` | log in with this key instead of the per-build one | the per-build key |
//! | `port` | the machine's SSH port (qemu forwards a host port to it) | 22 |
//! | `timeout` | how long to keep trying to connect (Packer's `ssh_timeout`) | `"5m"` |
//! | `keep_alive_interval` | keep-alive period; `"0s"` turns keep-alives off | `"5s"` |
//! | `host_key` | pin the machine's host key (an OpenSSH public key line) | the key the provider made, if any |
//! | `bastion_host`, `bastion_port`, `bastion_username`, `bastion_private_key_file` | connect through a jump host | port 22, `username`, `private_key_file` |
//!
//! `communicator "none"` makes no connection: provisioners that need one fail with a clear
//! error, `shell-local` and `breakpoint` still run. No block at all is `ssh` with defaults.
//!
//! Which credential logs in: `private_key_file` when set, else `password` when set, else
//! the key the provider generated for this build.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;
use kiln_ssh::{Auth, PrivateKey, Target};

use crate::duration::duration_attr;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(5);

/// How a build reaches its machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Communicator {
    None,
    /// Boxed: the configuration is large and `None` is empty.
    Ssh(Box<SshConfig>),
}

/// `communicator "ssh"`, parsed; paths resolved against the working directory.
#[derive(Debug, Clone, PartialEq)]
pub struct SshConfig {
    pub username: Option<String>,
    pub password: Option<String>,
    pub private_key_file: Option<PathBuf>,
    pub port: u16,
    pub timeout: Duration,
    pub keep_alive: Option<Duration>,
    pub host_key: Option<String>,
    pub bastion: Option<BastionConfig>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BastionConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub private_key_file: Option<PathBuf>,
}

/// What the provider knows about its build machine when it connects.
pub struct Machine<'a> {
    /// Where to connect: for qemu, 127.0.0.1 and the host port forwarded to [`SshConfig::port`].
    pub host: String,
    pub port: u16,
    /// The user when the communicator names none ("root" for qemu guests).
    pub default_user: &'a str,
    /// The per-build key the provider installed on the machine.
    pub generated_key: Option<&'a PrivateKey>,
    /// The host key the provider made the machine use, to pin.
    pub host_key: Option<&'a str>,
}

impl Communicator {
    /// Reads the image's `communicator` value (an object with `type`, or null).
    pub fn from_config(value: Option<&Value>, base_dir: &Path) -> Result<Communicator, String> {
        let Some(v) = value.filter(|v| !v.is_null()) else {
            return Ok(Communicator::Ssh(Box::default()));
        };
        match str_attr(v, "type").unwrap_or("ssh") {
            "none" => Ok(Communicator::None),
            "ssh" => SshConfig::from_config(v, base_dir).map(|c| Communicator::Ssh(Box::new(c))),
            other => Err(format!(
                "communicator \"{other}\" is not known; use \"ssh\" or \"none\""
            )),
        }
    }

    pub fn ssh(&self) -> Option<&SshConfig> {
        match self {
            Communicator::Ssh(s) => Some(s),
            Communicator::None => None,
        }
    }
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            username: None,
            password: None,
            private_key_file: None,
            port: 22,
            timeout: DEFAULT_TIMEOUT,
            keep_alive: Some(DEFAULT_KEEP_ALIVE),
            host_key: None,
            bastion: None,
        }
    }
}

fn port_attr(v: &Value, name: &str, default: u16) -> Result<u16, String> {
    let Some(n) = attr(v, name).and_then(Value::as_number) else {
        return Ok(default);
    };
    let f = n.as_f64();
    if f.fract() == 0.0 && (1.0..=65535.0).contains(&f) {
        Ok(f as u16)
    } else {
        Err(format!("{name} = {f} is not a TCP port (1 to 65535)"))
    }
}

impl SshConfig {
    fn from_config(v: &Value, base_dir: &Path) -> Result<SshConfig, String> {
        let path = |name: &str| str_attr(v, name).map(|p| base_dir.join(p));
        let keep_alive = match duration_attr(v, "keep_alive_interval")? {
            Some(d) if d.is_zero() => None,
            Some(d) => Some(d),
            None => Some(DEFAULT_KEEP_ALIVE),
        };
        let bastion = match str_attr(v, "bastion_host") {
            None => None,
            Some(host) => Some(BastionConfig {
                host: host.to_string(),
                port: port_attr(v, "bastion_port", 22)?,
                username: str_attr(v, "bastion_username").map(str::to_string),
                private_key_file: path("bastion_private_key_file"),
            }),
        };
        Ok(SshConfig {
            username: str_attr(v, "username").map(str::to_string),
            password: str_attr(v, "password").map(str::to_string),
            private_key_file: path("private_key_file"),
            port: port_attr(v, "port", 22)?,
            timeout: duration_attr(v, "timeout")?.unwrap_or(DEFAULT_TIMEOUT),
            keep_alive,
            host_key: str_attr(v, "host_key").map(str::to_string),
            bastion,
        })
    }

    /// The user that logs in.
    pub fn user(&self, m: &Machine) -> String {
        self.username
            .clone()
            .unwrap_or_else(|| m.default_user.to_string())
    }

    /// The target to connect to; loads key files (errors name them).
    pub fn target(&self, m: &Machine) -> Result<Target, String> {
        let auth = if let Some(file) = &self.private_key_file {
            Auth::Key(load_key(file, "private_key_file")?)
        } else if let Some(pw) = &self.password {
            Auth::Password(pw.clone())
        } else if let Some(k) = m.generated_key {
            Auth::Key(k.clone())
        } else {
            return Err(
                "the communicator has no credential: set private_key_file or password".into(),
            );
        };
        let mut target = Target::new(m.host.clone(), m.port, self.user(m), auth);
        target.host_key = self
            .host_key
            .clone()
            .or_else(|| m.host_key.map(str::to_string));
        target.connect_timeout = self.timeout;
        target.keep_alive = self.keep_alive;
        if let Some(b) = &self.bastion {
            let auth = match (&b.private_key_file, &self.private_key_file) {
                (Some(f), _) => Auth::Key(load_key(f, "bastion_private_key_file")?),
                (None, Some(f)) => Auth::Key(load_key(f, "private_key_file")?),
                (None, None) => {
                    return Err("a bastion needs a key: set bastion_private_key_file".into())
                }
            };
            let user = b.username.clone().unwrap_or_else(|| self.user(m));
            let mut bastion = Target::new(b.host.clone(), b.port, user, auth);
            bastion.connect_timeout = self.timeout;
            bastion.keep_alive = self.keep_alive;
            target.bastion = Some(Box::new(bastion));
        }
        Ok(target)
    }
}

fn load_key(file: &Path, what: &str) -> Result<PrivateKey, String> {
    kiln_ssh::private_key_file(file).map_err(|e| format!("communicator {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssh(attrs: Vec<(&str, Value)>) -> Value {
        let mut a = vec![("type", Value::string("ssh"))];
        a.extend(attrs);
        Value::object_from(a)
    }

    #[test]
    fn null_is_ssh_with_defaults_and_none_is_none() {
        let base = Path::new("/w");
        assert_eq!(
            Communicator::from_config(None, base),
            Ok(Communicator::Ssh(Box::default()))
        );
        assert_eq!(
            Communicator::from_config(Some(&Value::null()), base),
            Ok(Communicator::Ssh(Box::default()))
        );
        let none = Value::object_from([("type", Value::string("none"))]);
        assert_eq!(
            Communicator::from_config(Some(&none), base),
            Ok(Communicator::None)
        );
    }

    #[test]
    fn every_argument_is_read() {
        let v = ssh(vec![
            ("username", Value::string("admin")),
            ("password", Value::string("pw")),
            ("port", Value::int(2200)),
            ("timeout", Value::string("2m")),
            ("keep_alive_interval", Value::string("0s")),
            ("host_key", Value::string("ssh-ed25519 AAAA")),
            ("bastion_host", Value::string("jump.example")),
            ("bastion_username", Value::string("hop")),
            ("bastion_private_key_file", Value::string("keys/jump")),
        ]);
        let Ok(Communicator::Ssh(c)) = Communicator::from_config(Some(&v), Path::new("/w")) else {
            panic!("ssh expected");
        };
        assert_eq!(c.username.as_deref(), Some("admin"));
        assert_eq!(c.password.as_deref(), Some("pw"));
        assert_eq!(c.port, 2200);
        assert_eq!(c.timeout, Duration::from_secs(120));
        assert_eq!(c.keep_alive, None);
        assert_eq!(c.host_key.as_deref(), Some("ssh-ed25519 AAAA"));
        let b = c.bastion.expect("bastion");
        assert_eq!(
            (b.host.as_str(), b.port, b.username.as_deref()),
            ("jump.example", 22, Some("hop"))
        );
        assert_eq!(b.private_key_file, Some(PathBuf::from("/w/keys/jump")));
    }

    #[test]
    fn bad_values_say_which_argument() {
        let bad = ssh(vec![("timeout", Value::string("soon"))]);
        let e = Communicator::from_config(Some(&bad), Path::new("/")).expect_err("bad");
        assert!(e.contains("timeout = \"soon\""), "{e}");
        let bad = ssh(vec![("port", Value::int(70000))]);
        let e = Communicator::from_config(Some(&bad), Path::new("/")).expect_err("bad");
        assert!(e.contains("port = 70000"), "{e}");
    }

    #[test]
    fn password_wins_over_the_generated_key_and_the_provider_pins_its_host_key() {
        let key = kiln_ssh::generate_ed25519().expect("key");
        let pk = key.private_key();
        let m = Machine {
            host: "127.0.0.1".into(),
            port: 4022,
            default_user: "root",
            generated_key: Some(&pk),
            host_key: Some("ssh-ed25519 HOST"),
        };
        let t = SshConfig::default().target(&m).expect("target");
        assert!(matches!(t.auth, Auth::Key(_)));
        assert_eq!((t.user.as_str(), t.port), ("root", 4022));
        assert_eq!(t.host_key.as_deref(), Some("ssh-ed25519 HOST"));
        let with_pw = SshConfig {
            password: Some("pw".into()),
            ..SshConfig::default()
        };
        assert!(matches!(
            with_pw.target(&m).expect("target").auth,
            Auth::Password(_)
        ));
    }
}
