//! Connecting through a bastion (jump host): two real dropbears on 127.0.0.1 (see `common`),
//! the first forwarding to the second. Which hop failed must be clear from each error, and
//! only what time can fix may be retried.

mod common;

use std::time::{Duration, Instant};

use common::{Dropbear, Options};
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

/// `target` reached through `bastion`, both with pinned host keys.
fn through(bastion: &Dropbear, target: Target) -> Target {
    let mut jump = bastion.target();
    jump.host_key = Some(bastion.host_key.clone());
    let mut target = target;
    target.bastion = Some(Box::new(jump));
    target
}

async fn run(session: &Session, command: &str) -> (ExitStatus, String) {
    let mut stdout = Vec::new();
    let status = session
        .exec(command, None, &mut |stream, chunk| {
            if stream == Stream::Stdout {
                stdout.extend_from_slice(chunk);
            }
        })
        .await
        .unwrap_or_else(|e| panic!("exec {command:?}: {e}"));
    (status, String::from_utf8_lossy(&stdout).into_owned())
}

#[tokio::test]
async fn commands_run_on_a_target_behind_a_bastion() {
    let bastion = server_or_skip!();
    let server = server_or_skip!();
    let mut target = server.target();
    target.host_key = Some(server.host_key.clone());
    let target = through(&bastion, target);

    let session = connect(&target).await.unwrap_or_else(|e| {
        panic!(
            "connect: {e}\nbastion log:\n{}\ntarget log:\n{}",
            bastion.log(),
            server.log()
        )
    });
    // The target's key, not the bastion's, is the one the session reports.
    assert!(
        server.host_key.starts_with(session.server_key_openssh()),
        "{} is not the target's key",
        session.server_key_openssh()
    );
    assert!(format!("{session:?}").contains(&format!("root@127.0.0.1:{}", bastion.port)));

    let (status, stdout) = run(&session, "echo behind; echo oops >&2; exit 5").await;
    assert_eq!(stdout, "behind\n");
    assert_eq!(status, ExitStatus::Code(5));
    session
        .upload(b"through", "/root/hop.txt", 0o600)
        .await
        .expect("upload");
    assert_eq!(
        std::fs::read(server.home().join("hop.txt")).expect("read"),
        b"through"
    );
    session.close().await.expect("close both hops");
}

/// Proof that the traffic really passes through the bastion: ending the bastion's
/// connection process ends the session to the target.
#[tokio::test]
async fn losing_the_bastion_connection_ends_the_session() {
    let bastion = server_or_skip!();
    let server = server_or_skip!();
    let session = connect(&through(&bastion, server.target()))
        .await
        .expect("connect");
    let (status, _) = run(&session, "true").await;
    assert!(status.success());

    let served_by = bastion.connection_pids();
    assert_eq!(served_by.len(), 1, "bastion connections: {served_by:?}");
    // Forked by the dropbear this test started, for this test's connection.
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &served_by[0].to_string()])
        .status();

    let deadline = Instant::now() + Duration::from_secs(5);
    while !session.is_closed() {
        assert!(
            Instant::now() < deadline,
            "the session outlived its bastion"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Closing what is already gone is not an error on either hop.
    session.close().await.expect("close");
}

#[tokio::test]
async fn host_keys_are_pinned_on_each_hop_and_a_mismatch_names_the_hop() {
    let bastion = server_or_skip!();
    let server = server_or_skip!();
    let other = generate_ed25519().expect("key");

    // The target's pin is wrong: final, and about the target.
    let mut target = through(&bastion, server.target());
    target.connect_timeout = Duration::from_secs(30);
    target.host_key = Some(other.public_openssh.clone());
    let started = Instant::now();
    let err = connect(&target).await.expect_err("wrong target pin");
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    let Error::HostKeyMismatch { port, expected, .. } = &err else {
        panic!("expected the target's HostKeyMismatch, got {err:?}");
    };
    assert_eq!(*port, server.port);
    assert_eq!(expected, &other.private_key().fingerprint());
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "the SSH server at 127.0.0.1:{} presented host key",
            server.port
        )),
        "{message}"
    );

    // The bastion's pin is wrong: final, and about the bastion.
    target.host_key = Some(server.host_key.clone());
    if let Some(jump) = target.bastion.as_mut() {
        jump.host_key = Some(other.public_openssh.clone());
    }
    let started = Instant::now();
    let err = connect(&target).await.expect_err("wrong bastion pin");
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    let Error::Bastion {
        bastion: hop,
        source,
    } = &err
    else {
        panic!("expected a bastion error, got {err:?}");
    };
    assert_eq!(hop, &format!("root@127.0.0.1:{}", bastion.port));
    assert!(
        matches!(**source, Error::HostKeyMismatch { port, .. } if port == bastion.port),
        "{source:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "bastion root@127.0.0.1:{0}: the SSH server at 127.0.0.1:{0} presented host key",
            bastion.port
        )),
        "{message}"
    );
}

#[tokio::test]
async fn rejected_credentials_on_either_hop_are_final_and_name_the_hop() {
    let bastion = server_or_skip!();
    let server = server_or_skip!();
    let stranger = generate_ed25519().expect("key");

    let mut target = through(&bastion, server.target());
    target.connect_timeout = Duration::from_secs(30);
    target.auth = Auth::Key(stranger.private_key());
    let started = Instant::now();
    let err = connect(&target)
        .await
        .expect_err("unknown key on the target");
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    assert!(
        matches!(&err, Error::AuthRejected { port, .. } if *port == server.port),
        "{err:?}"
    );

    let mut target = through(&bastion, server.target());
    target.connect_timeout = Duration::from_secs(30);
    if let Some(jump) = target.bastion.as_mut() {
        jump.auth = Auth::Key(stranger.private_key());
    }
    let started = Instant::now();
    let err = connect(&target)
        .await
        .expect_err("unknown key on the bastion");
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    assert!(
        err.to_string().starts_with(&format!(
            "bastion root@127.0.0.1:{0}: the SSH server at 127.0.0.1:{0} rejected public key",
            bastion.port
        )),
        "{err}"
    );
}

/// A target that is still booting behind the bastion: the forwarded connection is refused
/// until its server appears, and that is retried.
#[tokio::test]
async fn connect_through_a_bastion_waits_for_a_target_that_starts_late() {
    let bastion = server_or_skip!();
    let port = common::free_port();
    let key = generate_ed25519().expect("key");
    let mut target = Target::new("127.0.0.1", port, "root", Auth::Key(key.private_key()));
    target.connect_timeout = Duration::from_secs(15);
    let target = through(&bastion, target);
    let starter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1000));
        Dropbear::start_on(port, key).expect("dropbear is installed")
    });

    let started = Instant::now();
    let session = connect(&target)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}\nbastion log:\n{}", bastion.log()));
    assert!(started.elapsed() >= Duration::from_millis(900));
    let (status, stdout) = run(&session, "echo up").await;
    assert!(status.success());
    assert_eq!(stdout, "up\n");
    // One bastion login served every attempt.
    assert_eq!(bastion.connection_pids().len(), 1);
    let _server = starter.join().expect("starter thread");
}

/// A forwarded connection that is accepted and then stays silent (what a stuck port forward
/// in front of a booting machine does) is dropped after a few seconds and dialled again,
/// instead of being waited on until the budget runs out.
#[tokio::test]
async fn a_silent_forwarded_connection_is_dropped_and_dialled_again() {
    let bastion = server_or_skip!();
    let server = server_or_skip!();
    // In front of the target: holds the first connection without a word, relays the rest.
    let front = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let front_port = front.local_addr().expect("addr").port();
    let server_port = server.port;
    let relay = tokio::spawn(async move {
        let _held = front.accept().await;
        while let Ok((mut inbound, _)) = front.accept().await {
            tokio::spawn(async move {
                let dialled = tokio::net::TcpStream::connect(("127.0.0.1", server_port)).await;
                if let Ok(mut outbound) = dialled {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let mut target = server.target();
    target.port = front_port;
    target.connect_timeout = Duration::from_secs(15);
    let target = through(&bastion, target);

    let started = Instant::now();
    let session = connect(&target).await.expect("connect on the second try");
    let elapsed = started.elapsed();
    // Three seconds of silence are allowed before the connection is given up.
    assert!(elapsed >= Duration::from_millis(2900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    let (status, stdout) = run(&session, "echo relayed").await;
    assert!(status.success());
    assert_eq!(stdout, "relayed\n");
    relay.abort();
}

#[tokio::test]
async fn a_target_that_never_listens_times_out_within_the_budget() {
    let bastion = server_or_skip!();
    // Bind, note the port, close it: nothing listens there now.
    let port = common::free_port();
    let key = generate_ed25519().expect("key");
    let mut target = Target::new("127.0.0.1", port, "root", Auth::Key(key.private_key()));
    target.connect_timeout = Duration::from_secs(2);
    let target = through(&bastion, target);

    let started = Instant::now();
    let err = connect(&target).await.expect_err("nothing listens");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(1700), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
    assert!(
        matches!(&err, Error::ConnectTimeout { port: p, attempts, .. } if *p == port && *attempts > 1),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "could not connect to root@127.0.0.1:{port} within"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "last error: the bastion root@127.0.0.1:{} could not open a connection to 127.0.0.1:{port}: connecting failed",
            bastion.port
        )),
        "{message}"
    );
}

/// A bastion that forbids forwarding will not change its mind: no retries.
#[tokio::test]
async fn a_bastion_that_refuses_forwarding_fails_at_once() {
    let options = Options {
        extra_args: vec!["-j".to_owned()],
        ..Default::default()
    };
    let key = generate_ed25519().expect("key");
    let Some(bastion) = Dropbear::start_with(common::free_port(), key, options) else {
        return;
    };
    let server = server_or_skip!();
    let mut target = through(&bastion, server.target());
    target.connect_timeout = Duration::from_secs(30);

    let started = Instant::now();
    let err = connect(&target).await.expect_err("forwarding is off");
    assert!(started.elapsed() < Duration::from_secs(5), "was retried");
    assert!(matches!(&err, Error::Bastion { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "bastion root@127.0.0.1:{}: forwarding a connection to 127.0.0.1:{}",
            bastion.port, server.port
        )),
        "{message}"
    );
}

/// The target's budget covers the bastion too: a bastion that never answers does not get
/// its own five minutes.
#[tokio::test]
async fn an_unreachable_bastion_uses_up_the_targets_budget_and_is_named() {
    let bastion_port = common::free_port();
    let target_port = common::free_port();
    let key = generate_ed25519().expect("key");
    let mut target = Target::new(
        "127.0.0.1",
        target_port,
        "root",
        Auth::Key(key.private_key()),
    );
    target.connect_timeout = Duration::from_secs(1);
    target.bastion = Some(Box::new(Target::new(
        "127.0.0.1",
        bastion_port,
        "jump",
        Auth::Key(key.private_key()),
    )));

    let started = Instant::now();
    let err = connect(&target).await.expect_err("no bastion");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    let Error::Bastion { source, .. } = &err else {
        panic!("expected a bastion error, got {err:?}");
    };
    assert!(
        matches!(**source, Error::ConnectTimeout { port, .. } if port == bastion_port),
        "{source:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "bastion jump@127.0.0.1:{bastion_port}: could not connect to jump@127.0.0.1:{bastion_port} within"
        )),
        "{err}"
    );
}
