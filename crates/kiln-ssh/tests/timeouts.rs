//! Timeouts against ports with no SSH server: a listener that accepts and stays silent
//! (what QEMU's user network does before the guest listens), and a closed port.

use std::time::{Duration, Instant};

use kiln_ssh::{connect, generate_ed25519, wait_for_banner, Auth, Error, Target};

#[tokio::test]
async fn banner_wait_on_a_silent_port_times_out_and_says_so() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // Accept and hold connections without ever writing.
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });

    let timeout = Duration::from_millis(1500);
    let started = Instant::now();
    let err = wait_for_banner("127.0.0.1", port, timeout)
        .await
        .expect_err("nothing answers");
    let elapsed = started.elapsed();
    holder.abort();

    assert!(
        elapsed >= timeout - Duration::from_millis(150),
        "{elapsed:?}"
    );
    assert!(elapsed < timeout + Duration::from_secs(1), "{elapsed:?}");
    let message = err.to_string();
    assert!(matches!(err, Error::BannerTimeout { .. }), "{err:?}");
    assert!(
        message.starts_with(&format!(
            "no SSH server answered on 127.0.0.1:{port} within 1."
        )),
        "{message}"
    );
    assert!(
        message.contains("the TCP connection was accepted, but nothing was sent"),
        "{message}"
    );
}

#[tokio::test]
async fn banner_wait_rejects_a_server_that_is_not_ssh() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let err = wait_for_banner("127.0.0.1", port, Duration::from_millis(500))
        .await
        .expect_err("not SSH");
    server.abort();
    assert!(err.to_string().contains("received \"HTTP/1.1 400"), "{err}");
}

#[tokio::test]
async fn connecting_to_a_closed_port_gives_up_at_the_timeout() {
    // Bind, note the port, close it: nothing listens there now.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let key = generate_ed25519().expect("key");
    let mut target = Target::new("127.0.0.1", port, "root", Auth::Key(key.private_key()));
    target.connect_timeout = Duration::from_secs(1);

    let started = Instant::now();
    let err = connect(&target).await.expect_err("closed port");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    let message = err.to_string();
    assert!(matches!(err, Error::ConnectTimeout { .. }), "{err:?}");
    assert!(
        message.starts_with(&format!(
            "could not connect to root@127.0.0.1:{port} within"
        )),
        "{message}"
    );
    assert!(message.contains("refused"), "{message}");
}
