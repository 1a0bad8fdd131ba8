//! A real dropbear server for the integration tests, started on 127.0.0.1 with a fresh host
//! key and an `authorized_keys` holding a key made by `generate_ed25519`.
//!
//! dropbear reads `~/.ssh/authorized_keys` from the login user's home in /etc/passwd and
//! has no option to point elsewhere. Rather than touch /root/.ssh or add a user, each server
//! runs in its own mount namespace (`unshare --mount`) where a temporary directory is bound
//! over /root: nothing outside the test's temp dir changes, and concurrent tests cannot see
//! each other's keys. This needs root, as CI has.
//!
//! Password logins are off unless a test asks for them ([`Options::root_password`]); then a
//! one-line shadow file with that password's hash is bound over /etc/shadow the same way.

#![allow(dead_code)] // each test file uses a different part of the harness

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kiln_ssh::{generate_ed25519, Auth, KeyPair, Target};

pub struct Dropbear {
    child: Child,
    pub port: u16,
    /// The server's host key, as `dropbearkey -y` prints it (with its comment).
    pub host_key: String,
    /// The key in the server's authorized_keys.
    pub client_key: KeyPair,
    dir: tempfile::TempDir,
}

/// Finds a program in PATH or the sbin directories, which a non-login PATH may lack.
fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn run(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("could not run {command:?}: {e}"));
    assert!(out.status.success(), "{command:?} failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a server is started with beyond the defaults.
#[derive(Default)]
pub struct Options {
    /// Let root log in with this password too (by default dropbear runs with `-s`, no
    /// password logins).
    pub root_password: Option<String>,
    /// More dropbear arguments, e.g. `-j` to refuse TCP forwarding.
    pub extra_args: Vec<String>,
    /// A directory bound over /usr/local/sbin in the server's namespace: programs in it
    /// are on the PATH of root's sessions (dropbear's default root PATH starts there),
    /// e.g. a stand-in for a program the host lacks.
    pub bin_dir: Option<PathBuf>,
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

impl Dropbear {
    /// Starts a server, or returns `None` after printing why the test is skipped.
    pub fn start() -> Option<Dropbear> {
        let client_key = generate_ed25519().expect("generate client key");
        Self::start_on(free_port(), client_key)
    }

    /// Starts a server on `port` that lets `client_key` in as root, or returns `None` after
    /// printing why the test is skipped.
    pub fn start_on(port: u16, client_key: KeyPair) -> Option<Dropbear> {
        Self::start_with(port, client_key, Options::default())
    }

    /// [`Dropbear::start_on`] with `options`; `None` (after printing why) also when a
    /// password is asked for and no password hash can be made here.
    pub fn start_with(port: u16, client_key: KeyPair, options: Options) -> Option<Dropbear> {
        let (Some(dropbear), Some(dropbearkey)) = (find("dropbear"), find("dropbearkey")) else {
            eprintln!("SKIPPED: dropbear not installed");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".ssh")).expect("mkdir home/.ssh");
        std::fs::write(
            home.join(".ssh/authorized_keys"),
            format!("{}\n", client_key.public_openssh),
        )
        .expect("write authorized_keys");

        let host_key_file = dir.path().join("host_key");
        run(Command::new(&dropbearkey)
            .args(["-t", "ed25519", "-f"])
            .arg(&host_key_file));
        let printed = run(Command::new(&dropbearkey)
            .arg("-y")
            .arg("-f")
            .arg(&host_key_file));
        let host_key = printed
            .lines()
            .find(|line| line.starts_with("ssh-ed25519 "))
            .expect("dropbearkey -y prints the public key")
            .to_owned();

        let shadow = dir.path().join("shadow");
        let mut dropbear_args: Vec<String> = ["-F", "-E", "-m"].map(String::from).to_vec();
        match &options.root_password {
            None => dropbear_args.push("-s".to_owned()),
            Some(password) => {
                let hash = crypt_sha512(password)?;
                // The other fields: changed in 2022, never expires.
                std::fs::write(&shadow, format!("root:{hash}:19000:0:99999:7:::\n"))
                    .expect("write shadow");
            }
        }
        dropbear_args.extend(options.extra_args.iter().cloned());

        let log = std::fs::File::create(dir.path().join("dropbear.log")).expect("log file");
        // `exec` keeps one process from unshare to dropbear, so the PID we hold is dropbear's.
        let child = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(concat!(
                r#"home=$1 shadow=$2 bin=$3; shift 3; mount --bind "$home" /root && "#,
                r#"{ [ ! -e "$shadow" ] || mount --bind "$shadow" /etc/shadow; } && "#,
                r#"{ [ -z "$bin" ] || mount --bind "$bin" /usr/local/sbin; } && exec "$@""#
            ))
            .arg("sh")
            .arg(&home)
            .arg(&shadow)
            .arg(options.bin_dir.as_deref().unwrap_or(Path::new("")))
            .arg(&dropbear)
            .args(&dropbear_args)
            .arg("-p")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-r")
            .arg(&host_key_file)
            .arg("-P")
            .arg(dir.path().join("dropbear.pid"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone log"))
            .stderr(log)
            .spawn()
            .expect("spawn unshare + dropbear");
        let mut server = Dropbear {
            child,
            port,
            host_key,
            client_key,
            dir,
        };
        server.wait_ready();
        Some(server)
    }

    /// Waits until the server sends its banner, checked here with std only, so the harness
    /// does not depend on the code under test.
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "dropbear exited at start ({status}); it needs root and `unshare --mount`. Log:\n{}",
                    self.log()
                );
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let mut buf = [0u8; 4];
                if stream.read_exact(&mut buf).is_ok() && &buf == b"SSH-" {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("dropbear did not answer within 10 s. Log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dropbear.log")).unwrap_or_default()
    }

    /// The host directory that the server's sessions see as /root.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn temp(&self) -> &Path {
        self.dir.path()
    }

    /// The server process's ID (dropbear itself: see `start_with`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The processes the server forked to serve connections, found by their parent.
    pub fn connection_pids(&self) -> Vec<u32> {
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| parent_of(pid) == Some(self.pid()))
            .collect()
    }

    /// A target for root with the authorized key and a short timeout.
    pub fn target(&self) -> Target {
        let mut target = Target::new(
            "127.0.0.1",
            self.port,
            "root",
            Auth::Key(self.client_key.private_key()),
        );
        target.connect_timeout = Duration::from_secs(20);
        target
    }
}

/// The parent of process `pid`, from `/proc/PID/stat` ("PID (COMM) STATE PPID …"; COMM
/// may hold spaces and parentheses, so the fields are counted from the last ')').
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(1)?.parse().ok()
}

/// `password` hashed for /etc/shadow (SHA-512 crypt) by perl's `crypt`, which is libcrypt's,
/// the one dropbear checks with; perl is essential on Debian. `None` after printing why.
fn crypt_sha512(password: &str) -> Option<String> {
    let out = Command::new("perl")
        .args(["-e", "print crypt($ARGV[0], '$6$kilntest$')", password])
        .output();
    let hash = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        other => {
            eprintln!("SKIPPED: perl could not hash a password: {other:?}");
            return None;
        }
    };
    if !hash.starts_with("$6$kilntest$") {
        eprintln!("SKIPPED: this libcrypt cannot make SHA-512 password hashes: {hash:?}");
        return None;
    }
    Some(hash)
}

impl Drop for Dropbear {
    fn drop(&mut self) {
        // Only the process we started; per-connection children exit with their connections.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
