//! Integration tests against a real dropbear on 127.0.0.1 (see `common`): commands,
//! streams, stdin, exit statuses, file transfer, host-key pinning and authentication.

mod common;

use std::time::{Duration, Instant};

use common::Dropbear;
use kiln_ssh::{connect, generate_ed25519, Auth, Error, ExitStatus, Session, Stream, Target};

/// Starts a server or skips the test (printing why) when dropbear is not installed.
macro_rules! server_or_skip {
    () => {
        match Dropbear::start() {
            Some(server) => server,
            None => return,
        }
    };
}

/// Output of one command, split by stream.
struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

async fn run(session: &Session, command: &str, stdin: Option<&[u8]>) -> Output {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = session
        .exec(command, stdin, &mut |stream, chunk| match stream {
            Stream::Stdout => stdout.extend_from_slice(chunk),
            Stream::Stderr => stderr.extend_from_slice(chunk),
        })
        .await
        .unwrap_or_else(|e| panic!("exec {command:?}: {e}"));
    Output {
        status,
        stdout,
        stderr,
    }
}

async fn session(server: &Dropbear) -> Session {
    connect(&server.target())
        .await
        .unwrap_or_else(|e| panic!("connect: {e}\ndropbear log:\n{}", server.log()))
}

#[tokio::test]
async fn exec_reports_exit_codes_and_separates_streams() {
    let server = server_or_skip!();
    let session = session(&server).await;

    let out = run(&session, "echo hello", None).await;
    assert_eq!(out.status, ExitStatus::Code(0));
    assert!(out.status.success());
    assert_eq!(out.stdout, b"hello\n");
    assert!(out.stderr.is_empty());

    let out = run(&session, "echo out; echo err >&2; exit 3", None).await;
    assert_eq!(out.status, ExitStatus::Code(3));
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(out.stdout, b"out\n");
    assert_eq!(out.stderr, b"err\n");

    session.close().await.expect("close");
}

#[tokio::test]
async fn stdin_reaches_the_command_and_is_closed() {
    let server = server_or_skip!();
    let session = session(&server).await;

    let out = run(&session, "cat", Some(b"line one\nline two\n")).await;
    assert_eq!(out.status, ExitStatus::Code(0));
    assert_eq!(out.stdout, b"line one\nline two\n");

    // Without stdin, a reading command sees end-of-file instead of waiting forever.
    let out = run(&session, "cat; echo done", None).await;
    assert_eq!(out.stdout, b"done\n");

    // More than the SSH windows hold, echoed back while it is still being sent: this
    // deadlocks if input is written completely before output is read.
    let big: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let out = run(&session, "cat", Some(&big)).await;
    assert_eq!(out.status, ExitStatus::Code(0));
    assert!(out.stdout == big, "4 MiB echoed back differs");
}

#[tokio::test]
async fn signals_and_lost_connections_are_told_apart_from_exit_codes() {
    let server = server_or_skip!();
    let session = session(&server).await;

    let out = run(&session, "kill -TERM $$", None).await;
    assert!(
        matches!(&out.status, ExitStatus::Signal { name, .. } if name == "TERM"),
        "{:?}",
        out.status
    );
    assert_eq!(out.status.to_string(), "killed by signal TERM");

    // Killing the server process that serves this connection is what a reboot looks like
    // from here: the connection ends and no exit status ever arrives.
    let out = run(&session, "echo bye; kill -KILL $PPID; sleep 5", None).await;
    assert_eq!(out.status, ExitStatus::ClosedWithoutStatus);
    assert_eq!(
        out.status.to_string(),
        "the connection closed without an exit status"
    );
}

/// A machine that reboots can leave the TCP connection open and silent (QEMU's user network
/// does); keep-alives are what end the wait. Freezing the server process that serves the
/// connection reproduces that silence.
#[tokio::test]
async fn keep_alive_ends_a_command_whose_server_went_silent() {
    let server = server_or_skip!();
    let mut target = server.target();
    target.keep_alive = Some(Duration::from_millis(200));
    let session = connect(&target).await.expect("connect");

    // The PID goes to a file, not stdout: stdout would pass through the process being frozen.
    let started = Instant::now();
    let status = session
        .exec(
            "echo $PPID > /root/frozen.pid; kill -STOP $PPID",
            None,
            &mut |_, _| {},
        )
        .await
        .expect("exec");
    let elapsed = started.elapsed();
    // The frozen process was forked by our dropbear for this test; end it by its PID.
    let frozen_pid = std::fs::read_to_string(server.home().join("frozen.pid")).unwrap_or_default();
    assert!(!frozen_pid.trim().is_empty(), "no PID was written");
    let _ = std::process::Command::new("kill")
        .args(["-KILL", frozen_pid.trim()])
        .status();
    assert_eq!(status, ExitStatus::ClosedWithoutStatus);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert!(session.is_closed());
}

#[tokio::test]
async fn upload_and_download_round_trip_awkward_paths() {
    let server = server_or_skip!();
    let session = session(&server).await;

    let data: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let remote = "/root/new dir/it's a \"file\" $HOME.bin";
    session.upload(&data, remote, 0o640).await.expect("upload");
    assert_eq!(session.download(remote).await.expect("download"), data);

    // The file landed exactly where the path said, with the mode asked for.
    let local = server.home().join("new dir/it's a \"file\" $HOME.bin");
    assert_eq!(std::fs::read(&local).expect("read uploaded file"), data);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&local)
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o7777, 0o640);
    }

    // Replacing an existing file, empty content, relative path (from the home directory).
    session
        .upload(b"", "empty", 0o755)
        .await
        .expect("upload empty");
    assert_eq!(session.download("empty").await.expect("download"), b"");

    let missing = session.download("/root/does not exist").await;
    let message = missing.expect_err("missing file").to_string();
    assert!(
        message.starts_with("downloading \"/root/does not exist\" failed (exit code 1"),
        "{message}"
    );
    assert!(message.contains("does not exist"), "{message}");
}

#[tokio::test]
async fn pinned_host_key_is_enforced_and_reported() {
    let server = server_or_skip!();

    // No pin: accepted, and the key seen is the server's.
    let session = session(&server).await;
    let seen = session.server_key_openssh().to_owned();
    let key_part = |line: &str| {
        line.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(key_part(&seen), key_part(&server.host_key));
    session.close().await.expect("close");

    // The right pin: accepted.
    let mut target = server.target();
    target.host_key = Some(server.host_key.clone());
    connect(&target).await.expect("connect with the right pin");

    // A wrong pin: refused at once, naming both fingerprints.
    let other = generate_ed25519().expect("key");
    target.host_key = Some(other.public_openssh.clone());
    let started = Instant::now();
    let err = connect(&target).await.expect_err("wrong pin must fail");
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    let Error::HostKeyMismatch { expected, got, .. } = &err else {
        panic!("expected HostKeyMismatch, got {err:?}");
    };
    assert_eq!(expected, &other.private_key().fingerprint());
    assert!(got.starts_with("SHA256:"), "{got}");
    let message = err.to_string();
    assert!(message.contains(expected.as_str()) && message.contains(got.as_str()));

    // A pin that is not a key at all.
    target.host_key = Some("ssh-ed25519 not-base64".to_owned());
    let err = connect(&target).await.expect_err("bad pin");
    assert!(matches!(err, Error::InvalidPinnedKey { .. }), "{err:?}");
}

#[tokio::test]
async fn rejected_credentials_fail_fast_without_retrying() {
    let server = server_or_skip!();
    let mut target = server.target();
    target.connect_timeout = Duration::from_secs(30);

    let stranger = generate_ed25519().expect("key");
    target.auth = Auth::Key(stranger.private_key());
    let started = Instant::now();
    let err = connect(&target).await.expect_err("unknown key");
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    assert!(
        matches!(
            &err,
            Error::AuthRejected {
                method: "public key",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "the SSH server at 127.0.0.1:{} rejected public key authentication for user \"root\"",
            server.port
        )),
        "{err}"
    );

    // The server runs with password logins disabled (-s).
    target.auth = Auth::Password("hunter2".to_owned());
    let err = connect(&target).await.expect_err("password");
    assert!(
        matches!(
            &err,
            Error::AuthRejected {
                method: "password",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!format!("{target:?}").contains("hunter2"));
}

/// Password logins against a server that allows them (dropbear checks the hash in a shadow
/// file the harness binds over /etc/shadow for that server alone).
#[tokio::test]
async fn password_authentication_logs_in_and_a_wrong_password_is_rejected() {
    let options = common::Options {
        root_password: Some("correct horse".to_owned()),
        ..Default::default()
    };
    let key = generate_ed25519().expect("key");
    let Some(server) = Dropbear::start_with(common::free_port(), key, options) else {
        return;
    };
    let mut target = server.target();
    target.auth = Auth::Password("correct horse".to_owned());
    let session = connect(&target)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}\ndropbear log:\n{}", server.log()));
    let out = run(&session, "echo in; exit 4", None).await;
    assert_eq!(out.stdout, b"in\n");
    assert_eq!(out.status, ExitStatus::Code(4));
    session.close().await.expect("close");

    target.auth = Auth::Password("wrong horse".to_owned());
    target.connect_timeout = Duration::from_secs(30);
    let started = Instant::now();
    let err = connect(&target).await.expect_err("wrong password");
    // dropbear delays a failed password check a little, but never by seconds.
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    assert!(
        matches!(
            &err,
            Error::AuthRejected {
                method: "password",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("horse"), "{err}");
}

/// A machine that is still booting: connect keeps trying until the server appears.
#[tokio::test]
async fn connect_waits_for_a_server_that_starts_late() {
    if Dropbear::start().is_none() {
        return;
    }
    let port = common::free_port();
    let key = generate_ed25519().expect("key");
    let mut target = Target::new("127.0.0.1", port, "root", Auth::Key(key.private_key()));
    target.connect_timeout = Duration::from_secs(15);
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        Dropbear::start_on(port, key).expect("dropbear is installed")
    });

    let started = Instant::now();
    let session = connect(&target)
        .await
        .expect("connect once the server is up");
    assert!(started.elapsed() >= Duration::from_millis(600));
    let out = run(&session, "echo up", None).await;
    assert_eq!(out.stdout, b"up\n");
    let _server = starter.join().expect("starter thread");
}

/// Figures, not assertions: the time for connect + auth + one command against a local
/// dropbear. See them with `cargo test -p kiln-ssh --test dropbear timings -- --nocapture`.
#[tokio::test]
async fn timings() {
    let server = server_or_skip!();
    let target = server.target();
    let mut connect_times = Vec::new();
    let mut exec_times = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let session = connect(&target).await.expect("connect");
        connect_times.push(started.elapsed());
        let started = Instant::now();
        let out = run(&session, "true", None).await;
        exec_times.push(started.elapsed());
        assert!(out.status.success());
        session.close().await.expect("close");
    }
    connect_times.sort();
    exec_times.sort();
    eprintln!(
        "connect+auth: min {:?} median {:?}; exec `true`: min {:?} median {:?} (10 runs)",
        connect_times[0], connect_times[5], exec_times[0], exec_times[5]
    );
}
