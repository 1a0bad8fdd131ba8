//! The provisioners against a real dropbear on 127.0.0.1 (the harness of kiln-ssh's tests:
//! each server runs in its own mount namespace with a temporary /root), and shell-local
//! on this machine.
//!
//! The `powershell` test runs no PowerShell: the host has none. A stand-in `powershell`
//! script on the server's PATH records its arguments, decodes the `-EncodedCommand`
//! bootstrap (base64 → UTF-16LE → UTF-8) and saves its standard input, then exits with
//! the code of an `exit N` line of the script. That checks exactly what Kiln sends and
//! that the remote exit code comes back; whether the bootstrap behaves in a real
//! PowerShell is not tested here.

#[path = "../../kiln-ssh/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Dropbear, Options};
use kiln_build::provision::breakpoint::Scripted;
use kiln_build::provision::powershell;
use kiln_build::{
    run_all, BuildInfo, BuildLog, BuildName, Communicator, Machine, ProvisionError, Provisioning,
};
use kiln_core::addr::InstanceAddr;
use kiln_core::lang::Value;
use kiln_core::run::{Recorder, RunContext};
use kiln_ssh::Session;
use serde_json::json;

macro_rules! server_or_skip {
    ($options:expr) => {
        match Dropbear::start_with(
            common::free_port(),
            kiln_ssh::generate_ed25519().expect("key"),
            $options,
        ) {
            Some(server) => server,
            None => return,
        }
    };
    () => {
        server_or_skip!(Options::default())
    };
}

/// A provisioner value as the configuration makes it: an object with `type`.
fn prov(kind: &str, attrs: serde_json::Value) -> Value {
    let mut obj = attrs.as_object().cloned().unwrap_or_default();
    obj.insert("type".into(), json!(kind));
    Value::from_json(&serde_json::Value::Object(obj))
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// A build's surroundings: a working directory, a log whose lines a recorder keeps, and
/// the build's names.
struct Fixture {
    dir: tempfile::TempDir,
    log: BuildLog,
    rec: Arc<Recorder>,
    build: BuildInfo,
    name: BuildName,
    console: Scripted,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let (run, rec) = RunContext::detached();
        let log = BuildLog::create(&dir.path().join("logs/build.log"), run.output).expect("log");
        let addr = InstanceAddr::parse("qemu_image.app").expect("address");
        Fixture {
            log,
            rec,
            build: BuildInfo {
                // Unique: the tests' servers share the host's /tmp, where scripts go.
                id: format!("build-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)),
                name: addr.to_string(),
                ..Default::default()
            },
            name: BuildName::new(&addr, "qemu"),
            console: Scripted {
                interactive: false,
                lines: Mutex::new(Vec::new()),
                delay: Duration::ZERO,
            },
            dir,
        }
    }

    /// The build info of a connection to `server`.
    fn connected(mut self, server: &Dropbear) -> Fixture {
        let key = self.dir.path().join("id_ed25519");
        server.client_key.write_private(&key).expect("write key");
        self.build.host = "127.0.0.1".into();
        self.build.port = server.port;
        self.build.user = "root".into();
        self.build.key_file = Some(key);
        self
    }

    fn base(&self) -> &Path {
        self.dir.path()
    }

    fn env<'a>(&'a self, session: Option<&'a Session>) -> Provisioning<'a> {
        Provisioning {
            session,
            base_dir: self.dir.path(),
            build: &self.build,
            name: &self.name,
            log: &self.log,
            console: &self.console,
        }
    }

    async fn run(&self, session: Option<&Session>, ps: &[Value]) -> Result<(), ProvisionError> {
        run_all(ps, self.env(session)).await
    }

    fn lines(&self) -> Vec<String> {
        self.rec.lines()
    }

    fn saw(&self, line: &str) -> bool {
        self.lines().iter().any(|l| l == line)
    }
}

async fn connect(server: &Dropbear) -> Session {
    kiln_ssh::connect(&server.target())
        .await
        .unwrap_or_else(|e| panic!("connect: {e}\n{}", server.log()))
}

#[tokio::test]
async fn shell_runs_inline_and_scripts_with_environment_and_exit_codes() {
    let server = server_or_skip!();
    let session = connect(&server).await;
    let fx = Fixture::new().connected(&server);
    std::fs::write(
        fx.base().join("fail.sh"),
        "echo about to fail >&2\nexit 3\n",
    )
    .expect("write");

    let inline = prov(
        "shell",
        json!({"inline": ["echo \"hello $WHO\"", "echo \"$QUOTED\""],
               "environment": {"WHO": "world", "QUOTED": "it's \"here\""}}),
    );
    fx.run(Some(&session), &[inline])
        .await
        .expect("inline runs");
    assert!(fx.saw("hello world"), "{:?}", fx.lines());
    assert!(fx.saw("it's \"here\""), "{:?}", fx.lines());

    let failing = prov("shell", json!({"script": "fail.sh"}));
    let err = fx
        .run(Some(&session), std::slice::from_ref(&failing))
        .await
        .expect_err("exit 3 fails");
    assert_eq!(err.exit_code, Some(3));
    assert_eq!((err.index, err.kind.as_str()), (1, "shell"));
    assert!(
        err.message.contains("fail.sh exited with status 3"),
        "{err}"
    );
    assert!(err.output.contains("about to fail"), "{err}");

    let accepted = prov(
        "shell",
        json!({"script": "fail.sh", "valid_exit_codes": [0, 3]}),
    );
    fx.run(Some(&session), &[accepted])
        .await
        .expect("3 is valid");

    let custom = prov(
        "shell",
        json!({"inline": ["echo \"$A via custom\""], "environment": {"A": "x"},
               "execute_command": "{{.Vars}} sh -x {{.Path}}"}),
    );
    fx.run(Some(&session), &[custom])
        .await
        .expect("custom runs");
    assert!(fx.saw("x via custom"), "{:?}", fx.lines());
    assert!(
        fx.lines().iter().any(|l| l.starts_with("+ echo")),
        "sh -x ran the script: {:?}",
        fx.lines()
    );
}

#[tokio::test]
async fn output_streams_line_by_line_while_the_script_runs() {
    let server = server_or_skip!();
    let session = connect(&server).await;
    let fx = Fixture::new().connected(&server);
    let slow = prov(
        "shell",
        json!({"inline": ["echo first", "sleep 3", "echo second"]}),
    );
    let ps = [slow];
    let run = fx.run(Some(&session), &ps);
    tokio::pin!(run);
    let started = Instant::now();
    let seen_first = loop {
        tokio::select! {
            r = &mut run => panic!("finished before its first line was seen: {r:?}"),
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
        if fx.saw("first") {
            break started.elapsed();
        }
    };
    assert!(!fx.saw("second"));
    run.await.expect("runs");
    assert!(seen_first < Duration::from_secs(3), "{seen_first:?}");
    assert!(fx.saw("second"));
    let file = std::fs::read_to_string(fx.log.path()).expect("log file");
    assert!(file.contains("first\nsecond\n"), "{file}");
}

#[tokio::test]
async fn file_uploads_a_tree_and_downloads_a_file() {
    use std::os::unix::fs::PermissionsExt;
    let server = server_or_skip!();
    let session = connect(&server).await;
    let fx = Fixture::new().connected(&server);
    let app = fx.base().join("app");
    std::fs::create_dir_all(app.join("bin")).expect("mkdir");
    std::fs::write(app.join("index.html"), "<h1>hi</h1>\n").expect("write");
    std::fs::write(app.join("bin/start"), "#!/bin/sh\necho up\n").expect("write");
    std::fs::set_permissions(
        app.join("bin/start"),
        std::fs::Permissions::from_mode(0o750),
    )
    .expect("chmod");

    let ps = [
        prov(
            "file",
            json!({"source": "app/", "destination": "/root/contents"}),
        ),
        prov(
            "file",
            json!({"source": "app", "destination": "/root/whole"}),
        ),
        prov(
            "file",
            json!({"content": "v=1\n", "destination": "/root/etc/app.conf"}),
        ),
        prov(
            "shell",
            json!({"inline": ["/root/contents/bin/start > /root/started"]}),
        ),
        prov(
            "file",
            json!({"direction": "download", "source": "/root/started", "destination": "back/started.txt"}),
        ),
    ];
    fx.run(Some(&session), &ps)
        .await
        .expect("file provisioners");
    let home = server.home();
    assert_eq!(
        std::fs::read_to_string(home.join("contents/index.html")).expect("uploaded"),
        "<h1>hi</h1>\n"
    );
    assert!(home.join("whole/app/bin/start").is_file());
    let mode = std::fs::metadata(home.join("contents/bin/start"))
        .expect("uploaded")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o750, "modes are kept");
    assert_eq!(
        std::fs::read_to_string(home.join("etc/app.conf")).expect("content"),
        "v=1\n"
    );
    assert_eq!(
        std::fs::read_to_string(fx.base().join("back/started.txt")).expect("downloaded"),
        "up\n"
    );
}

#[tokio::test]
async fn shell_local_sees_the_build_machine_and_placeholders_are_replaced() {
    let server = server_or_skip!();
    let session = connect(&server).await;
    let mut fx = Fixture::new().connected(&server);
    fx.build.password = "s3cret".into();
    std::fs::create_dir_all(fx.base().join("work")).expect("mkdir");
    let key = fx.build.key_file.clone().expect("key file");
    let ps = [
        prov(
            "shell-local",
            json!({"inline": [
                "echo \"$KILN_BUILD_HOST $KILN_BUILD_PORT $KILN_BUILD_USER $KILN_BUILD_SSH_KEY_FILE $KILN_BUILD_PASSWORD $KILN_BUILD_ID $KILN_BUILD_NAME\" > env.txt",
                "pwd > pwd.txt",
                "echo \"$EXTRA\""],
               "working_dir": "work",
               "environment": {"EXTRA": "from environment"}}),
        ),
        prov(
            "shell-local",
            json!({"command": "echo 'ssh -p ${build.port} ${build.user}@${build.host} -i ${build.ssh_private_key_file} ${build.id} ${build.name} ${build.password}' > placeholders.txt"}),
        ),
        // The placeholders reach the remote side too, and the machine answers there.
        prov(
            "shell",
            json!({"inline": ["echo ${build.name} > /root/name.txt"]}),
        ),
    ];
    fx.run(Some(&session), &ps).await.expect("runs");
    let env = std::fs::read_to_string(fx.base().join("work/env.txt")).expect("env.txt");
    assert_eq!(
        env.trim(),
        format!(
            "127.0.0.1 {} root {} s3cret {} qemu_image.app",
            server.port,
            key.display(),
            fx.build.id
        )
    );
    let pwd = std::fs::read_to_string(fx.base().join("work/pwd.txt")).expect("pwd.txt");
    assert!(pwd.trim().ends_with("/work"), "{pwd}");
    assert!(fx.saw("from environment"));
    let placeholders =
        std::fs::read_to_string(fx.base().join("placeholders.txt")).expect("placeholders.txt");
    assert_eq!(
        placeholders.trim(),
        format!(
            "ssh -p {} root@127.0.0.1 -i {} {} qemu_image.app s3cret",
            server.port,
            key.display(),
            fx.build.id
        )
    );
    assert_eq!(
        std::fs::read_to_string(server.home().join("name.txt")).expect("name.txt"),
        "qemu_image.app\n"
    );
}

#[tokio::test]
async fn only_and_except_skip_provisioners_by_address_type_or_provider() {
    let fx = Fixture::new();
    let touch = |file: &str, extra: serde_json::Value| {
        let mut attrs = json!({"inline": [format!("touch {file}")]});
        for (k, v) in extra.as_object().into_iter().flatten() {
            attrs[k] = v.clone();
        }
        prov("shell-local", attrs)
    };
    let ps = [
        touch("only-aws", json!({"only": ["aws", "aws_image"]})),
        touch("only-qemu", json!({"only": ["qemu"]})),
        touch("only-address", json!({"only": ["qemu_image.app"]})),
        touch("except-type", json!({"except": ["qemu_image"]})),
        touch("except-other", json!({"except": ["qemu_image.other"]})),
    ];
    fx.run(None, &ps).await.expect("runs");
    let exists = |f: &str| fx.base().join(f).exists();
    assert!(!exists("only-aws"));
    assert!(exists("only-qemu"));
    assert!(exists("only-address"));
    assert!(!exists("except-type"));
    assert!(exists("except-other"));
    assert!(
        fx.lines().iter().any(|l| l
            .starts_with("==> provisioner 4 (shell-local): skipped, except names \"qemu_image\"")),
        "{:?}",
        fx.lines()
    );
}

#[tokio::test]
async fn max_retries_runs_a_failing_provisioner_again() {
    let server = server_or_skip!();
    let session = connect(&server).await;
    let fx = Fixture::new().connected(&server);
    // Fails on the first two runs, succeeds on the third.
    let flaky = |retries: u32, counter: &str| {
        prov(
            "shell",
            json!({"inline": [
                format!("n=$(cat /root/{counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > /root/{counter}"),
                "echo attempt $n",
                "[ $n -ge 3 ]"],
               "max_retries": retries}),
        )
    };
    let err = fx
        .run(Some(&session), &[flaky(1, "a")])
        .await
        .expect_err("two attempts are not enough");
    assert_eq!(err.exit_code, Some(1));
    assert!(err.output.contains("attempt 2"), "{err}");
    fx.run(Some(&session), &[flaky(2, "b")])
        .await
        .expect("the third attempt succeeds");
    assert!(fx.saw("attempt 3"));
    assert!(
        fx.lines().iter().any(|l| l.contains("retry 2 of 2")),
        "{:?}",
        fx.lines()
    );
}

/// Whether a live process has `needle` in its command line.
fn process_with(needle: &str) -> bool {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .any(|e| {
            let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'));
            !zombie && String::from_utf8_lossy(&cmd).contains(needle)
        })
}

#[tokio::test]
async fn timeout_fails_an_attempt_and_kills_local_commands() {
    let fx = Fixture::new();
    // A unique duration names this test's sleep among the machine's processes.
    let slow = prov(
        "shell-local",
        json!({"inline": ["sleep 31.4159 & wait"], "timeout": "500ms"}),
    );
    let started = Instant::now();
    let err = fx.run(None, &[slow]).await.expect_err("times out");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.message, "timed out after 500 ms");
    // The group is killed synchronously on drop; the kernel needs a moment to reap.
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_with("31.4159") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!process_with("31.4159"), "the background sleep was killed");
}

#[tokio::test]
async fn timeout_applies_to_remote_scripts_too() {
    let server = server_or_skip!();
    let session = connect(&server).await;
    let fx = Fixture::new().connected(&server);
    let slow = prov(
        "shell",
        json!({"inline": ["sleep 20"], "timeout": "1s", "max_retries": 1}),
    );
    let started = Instant::now();
    let err = fx
        .run(Some(&session), &[slow])
        .await
        .expect_err("times out");
    assert_eq!(err.message, "timed out after 1 s");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "two attempts of 1 s: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn powershell_sends_the_script_on_stdin_with_an_encoded_bootstrap() {
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().expect("temp dir");
    let fake = bin.path().join("powershell");
    std::fs::write(
        &fake,
        r#"#!/bin/sh
# Stand-in for Windows PowerShell: records what it is sent, runs none of it.
out=/root/ps
mkdir -p "$out"
printf '%s\n' "$@" > "$out/args"
for a; do last=$a; done
printf '%s' "$last" | base64 -d | iconv -f UTF-16LE -t UTF-8 > "$out/bootstrap"
cat > "$out/stdin"
echo "stand-in powershell got $(wc -c < "$out/stdin") bytes"
code=$(sed -n 's/^exit \([0-9][0-9]*\)$/\1/p' "$out/stdin" | head -n 1)
exit "${code:-0}"
"#,
    )
    .expect("write the stand-in");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(bin.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let server = server_or_skip!(Options {
        bin_dir: Some(bin.path().to_path_buf()),
        ..Default::default()
    });
    let session = connect(&server).await;
    let fx = Fixture::new().connected(&server);

    let p = prov(
        "powershell",
        json!({"inline": ["Write-Output \"hi $env:GREETING\""],
               "environment": {"GREETING": "it's me"}}),
    );
    fx.run(Some(&session), &[p]).await.expect("runs");
    let ps = server.home().join("ps");
    let read = |f: &str| std::fs::read_to_string(ps.join(f)).expect(f);
    let args: Vec<String> = read("args").lines().map(str::to_string).collect();
    assert_eq!(
        args[..5],
        [
            "-NoProfile",
            "-NonInteractive",
            "-ExecutionPolicy",
            "Bypass",
            "-EncodedCommand"
        ]
    );
    assert_eq!(args.len(), 6, "{args:?}");
    let expected = powershell::bootstrap(
        &[("GREETING".into(), "it's me".into())],
        &format!("kiln-{}-0.ps1", fx.build.id),
        None,
    )
    .expect("bootstrap");
    assert_eq!(read("bootstrap"), expected);
    assert!(
        expected.contains("${env:GREETING} = 'it''s me'"),
        "{expected}"
    );
    assert_eq!(read("stdin"), "Write-Output \"hi $env:GREETING\"\n");
    assert!(
        fx.lines()
            .iter()
            .any(|l| l.starts_with("stand-in powershell got")),
        "{:?}",
        fx.lines()
    );

    let failing = prov(
        "powershell",
        json!({"inline": ["Write-Error 'no'", "exit 7"]}),
    );
    let err = fx
        .run(Some(&session), &[failing])
        .await
        .expect_err("exit 7");
    assert_eq!(err.exit_code, Some(7));
    assert_eq!(err.kind, "powershell");
}

#[tokio::test]
async fn communicator_none_fails_remote_provisioners_clearly_and_runs_local_ones() {
    let fx = Fixture::new();
    fx.run(
        None,
        &[prov("shell-local", json!({"inline": ["echo local works"]}))],
    )
    .await
    .expect("shell-local needs no connection");
    assert!(fx.saw("local works"));
    for kind in ["shell", "file", "powershell"] {
        let p = prov(
            kind,
            json!({"inline": ["true"], "destination": "/x", "content": "x"}),
        );
        let err = fx.run(None, &[p]).await.expect_err("needs a connection");
        assert!(
            err.message.contains("communicator is \"none\""),
            "{kind}: {err}"
        );
    }
}

#[tokio::test]
async fn breakpoint_waits_for_a_line_and_continues_at_once_without_a_terminal() {
    let mut fx = Fixture::new();
    let bp = prov("breakpoint", json!({"note": "look at the machine now"}));

    // No terminal: continues at once and says why.
    let started = Instant::now();
    fx.run(None, std::slice::from_ref(&bp))
        .await
        .expect("continues");
    assert!(started.elapsed() < Duration::from_millis(500));
    assert!(fx.saw("look at the machine now"));
    assert!(
        fx.lines().iter().any(|l| l.contains("not a terminal")),
        "{:?}",
        fx.lines()
    );

    // A person answers after a while.
    fx.console = Scripted {
        interactive: true,
        lines: Mutex::new(vec!["\n".into()]),
        delay: Duration::from_millis(300),
    };
    let started = Instant::now();
    fx.run(None, std::slice::from_ref(&bp))
        .await
        .expect("continues");
    assert!(started.elapsed() >= Duration::from_millis(300), "it waited");
    assert!(
        fx.lines()
            .iter()
            .any(|l| l.contains("press Enter to continue")),
        "{:?}",
        fx.lines()
    );
    assert!(fx.saw("==> breakpoint: continuing"));

    // The input ends instead: continues and says so.
    fx.console.delay = Duration::ZERO;
    fx.run(None, std::slice::from_ref(&bp))
        .await
        .expect("continues");
    assert!(fx.saw("==> breakpoint: standard input ended; continuing"));

    // Nobody answers: dropping the run (what cancellation does) ends the wait.
    fx.console.delay = Duration::from_secs(3600);
    let waited = tokio::time::timeout(Duration::from_millis(200), fx.run(None, &[bp])).await;
    assert!(waited.is_err(), "still waiting until dropped");
}

#[tokio::test]
async fn the_communicator_connects_with_the_generated_key_or_a_password() {
    let server = server_or_skip!(Options {
        root_password: Some("open sesame".into()),
        ..Default::default()
    });
    let base = Path::new("/");
    let key = server.client_key.private_key();
    let machine = Machine {
        host: "127.0.0.1".into(),
        port: server.port,
        default_user: "root",
        generated_key: Some(&key),
        host_key: Some(&server.host_key),
    };
    let Communicator::Ssh(by_key) = Communicator::from_config(None, base).expect("default") else {
        panic!("ssh expected");
    };
    let target = by_key.target(&machine).expect("target");
    let s = kiln_ssh::connect(&target).await.expect("key login");
    s.close().await.expect("close");

    let config = prov("ssh", json!({"password": "open sesame", "timeout": "20s"}));
    let Communicator::Ssh(by_pw) = Communicator::from_config(Some(&config), base).expect("ssh")
    else {
        panic!("ssh expected");
    };
    let target = by_pw.target(&machine).expect("target");
    assert!(matches!(target.auth, kiln_ssh::Auth::Password(_)));
    let s = kiln_ssh::connect(&target).await.expect("password login");
    s.close().await.expect("close");

    let wrong_key = prov(
        "ssh",
        json!({"host_key": kiln_ssh::generate_ed25519().expect("key").public_openssh}),
    );
    let Communicator::Ssh(pinned) = Communicator::from_config(Some(&wrong_key), base).expect("ssh")
    else {
        panic!("ssh expected");
    };
    let e = kiln_ssh::connect(&pinned.target(&machine).expect("target"))
        .await
        .expect_err("a different host key is refused");
    assert!(e.to_string().contains("host key"), "{e}");
}
