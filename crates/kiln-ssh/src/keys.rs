//! SSH keys as Kiln handles them: generating an ed25519 key pair for a fresh machine, loading
//! a private key from a file, and writing one with owner-only permissions. Encoding is
//! OpenSSH's own text formats, via the `ssh-key` crate that russh re-exports, so there is one
//! crypto stack in the build.

use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use russh::keys::ssh_key::private::{Ed25519Keypair, PrivateKey as SshPrivateKey};
use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg};

use crate::error::{Error, Result};

/// The comment written after generated public keys, so a person reading
/// `authorized_keys` can tell where the line came from.
const COMMENT: &str = "kiln";

/// A parsed private key, cheap to clone (connection retries reuse it).
#[derive(Clone)]
pub struct PrivateKey(pub(crate) Arc<SshPrivateKey>);

impl PrivateKey {
    /// Parses an OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`). Encrypted keys
    /// are refused: Kiln runs unattended and has no passphrase to ask for.
    pub fn from_openssh(pem: &str) -> Result<Self> {
        Self::parse(pem, || "the private key".to_owned())
    }

    fn parse(pem: &str, what: impl Fn() -> String) -> Result<Self> {
        let key = SshPrivateKey::from_openssh(pem).map_err(|e| Error::KeyFormat {
            what: what(),
            message: e.to_string(),
        })?;
        if key.is_encrypted() {
            return Err(Error::KeyFormat {
                what: what(),
                message: "it is encrypted with a passphrase, which Kiln cannot supply".to_owned(),
            });
        }
        // russh is built without RSA (see Cargo.toml), so only these can sign. Saying so here
        // beats an authentication that fails the same way on every retry.
        if !matches!(
            key.algorithm(),
            Algorithm::Ed25519 | Algorithm::Ecdsa { .. }
        ) {
            return Err(Error::KeyFormat {
                what: what(),
                message: format!(
                    "{} keys are not supported; use an ed25519 or ECDSA key",
                    key.algorithm()
                ),
            });
        }
        Ok(PrivateKey(Arc::new(key)))
    }

    /// The public half as one `authorized_keys` line.
    pub fn public_openssh(&self) -> Result<String> {
        self.0
            .public_key()
            .to_openssh()
            .map_err(|e| Error::KeyFormat {
                what: "the public key".to_owned(),
                message: e.to_string(),
            })
    }

    /// The SHA-256 fingerprint of the public half, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint(HashAlg::Sha256).to_string()
    }
}

/// Never print secret material, even in debug output.
impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PrivateKey")
            .field(&self.fingerprint())
            .finish()
    }
}

/// Reads and parses an OpenSSH private key file; errors name the file.
pub fn private_key_file(path: impl AsRef<Path>) -> Result<PrivateKey> {
    let path = path.as_ref();
    let pem = std::fs::read_to_string(path).map_err(|source| Error::KeyFile {
        action: "read",
        path: path.to_owned(),
        source,
    })?;
    PrivateKey::parse(&pem, || format!("the private key file {}", path.display()))
}

/// A freshly generated key pair in OpenSSH text form, ready to be written to disk and into
/// a machine's `authorized_keys`.
pub struct KeyPair {
    /// The private key in OpenSSH PEM form; zeroed in memory when dropped.
    pub private_openssh: zeroize::Zeroizing<String>,
    /// The public key as one line: `ssh-ed25519 AAAA… kiln`.
    pub public_openssh: String,
    key: PrivateKey,
}

impl KeyPair {
    /// The private key, parsed, for [`crate::Auth::Key`].
    pub fn private_key(&self) -> PrivateKey {
        self.key.clone()
    }

    /// Writes the private key to `path`, readable and writable by the owner only. The mode is
    /// set when the file is created, so the key is never briefly readable by others.
    pub fn write_private(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let err = |source| Error::KeyFile {
            action: "write",
            path: path.to_owned(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            options.mode(0o600);
            let mut file = options.open(path).map_err(err)?;
            // `mode` only applies to new files; an existing file keeps its old mode.
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(err)?;
            file.write_all(self.private_openssh.as_bytes())
                .map_err(err)?;
            file.sync_all().map_err(err)
        }
        #[cfg(not(unix))]
        {
            let mut file = options.open(path).map_err(err)?;
            file.write_all(self.private_openssh.as_bytes())
                .map_err(err)?;
            file.sync_all().map_err(err)
        }
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_openssh", &self.public_openssh)
            .finish_non_exhaustive()
    }
}

/// Generates a new ed25519 key pair from the operating system's random source.
pub fn generate_ed25519() -> Result<KeyPair> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| Error::KeyGeneration(e.to_string()))?;
    let mut key = SshPrivateKey::from(Ed25519Keypair::from_seed(&seed));
    key.set_comment(COMMENT);
    let format_err = |e: russh::keys::ssh_key::Error| Error::KeyFormat {
        what: "the generated key".to_owned(),
        message: e.to_string(),
    };
    let private_openssh = key.to_openssh(LineEnding::LF).map_err(format_err)?;
    let public_openssh = key.public_key().to_openssh().map_err(format_err)?;
    Ok(KeyPair {
        private_openssh,
        public_openssh,
        key: PrivateKey(Arc::new(key)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_pair_round_trips_through_openssh_text() -> Result<()> {
        let pair = generate_ed25519()?;
        assert!(pair.public_openssh.starts_with("ssh-ed25519 AAAA"));
        assert!(pair.public_openssh.ends_with(" kiln"));
        assert!(pair
            .private_openssh
            .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
        let parsed = PrivateKey::from_openssh(&pair.private_openssh)?;
        assert_eq!(parsed.public_openssh()?, pair.public_openssh);
        assert_eq!(parsed.fingerprint(), pair.private_key().fingerprint());
        Ok(())
    }

    #[test]
    fn two_generated_keys_differ() -> Result<()> {
        assert_ne!(
            generate_ed25519()?.public_openssh,
            generate_ed25519()?.public_openssh
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn private_key_file_is_owner_only_and_loads_back() -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("id_ed25519");
        // An existing, world-readable file must be tightened, not just overwritten.
        std::fs::write(&path, "old").expect("write");
        let pair = generate_ed25519()?;
        pair.write_private(&path)?;
        let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            private_key_file(&path)?.public_openssh()?,
            pair.public_openssh
        );
        Ok(())
    }

    #[test]
    fn bad_key_files_are_named_in_the_error() {
        let missing = private_key_file("/nonexistent/kiln/id_ed25519");
        let msg = missing.map(|_| ()).expect_err("missing file").to_string();
        assert!(
            msg.contains("could not read the key file /nonexistent/kiln/id_ed25519"),
            "{msg}"
        );

        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("garbage");
        std::fs::write(&path, "not a key").expect("write");
        let msg = private_key_file(&path)
            .map(|_| ())
            .expect_err("garbage")
            .to_string();
        assert!(msg.starts_with("the private key file "), "{msg}");
        assert!(msg.contains("garbage is not a usable OpenSSH key"), "{msg}");
    }
}
