//! Waiting until an SSH server really answers on a port.
//!
//! A successful TCP connect proves nothing with QEMU's user-mode network: QEMU accepts the
//! connection on the host before the guest listens, then closes it (or leaves it silent)
//! when the guest does not answer. Only the server's identification line (`SSH-2.0-…`,
//! RFC 4253 §4.2) shows that an SSH server is there.
//!
//! A connection that a bastion forwards can be stuck the same way (the bastion may itself
//! be the host of a booting machine), so it gets the same wait, on the one connection the
//! handshake then uses (`wait_on_stream`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::error::{Error, Result};

/// Pause between attempts: short, since a booting guest's server appears at any moment.
const RETRY_DELAY: Duration = Duration::from_millis(100);

/// How long one connection may stay silent before we drop it and dial again. A stuck
/// forwarded connection can stay silent forever while a fresh one would be answered.
const SILENCE_LIMIT: Duration = Duration::from_secs(3);

/// RFC 4253 allows other lines before the identification line; past this much data, the
/// peer is not an SSH server.
const MAX_PREAMBLE: usize = 8 * 1024;

/// Polls `host:port` until the server sends a line starting with `SSH-`, retrying about
/// every 100 ms. Fails after `timeout` with how long it waited and what the last attempt
/// saw (refused, closed, silent, or the first bytes of something else).
pub async fn wait_for_banner(host: &str, port: u16, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    let deadline = start + timeout;
    loop {
        let seen = match probe(host, port, deadline).await {
            Ok(()) => return Ok(()),
            Err(seen) => seen,
        };
        let now = Instant::now();
        if now + RETRY_DELAY >= deadline {
            return Err(Error::BannerTimeout {
                host: host.to_owned(),
                port,
                waited: now - start,
                last: seen,
            });
        }
        tokio::time::sleep(RETRY_DELAY).await;
    }
}

/// One attempt; on failure, says what it saw, in words for the error message.
async fn probe(host: &str, port: u16, deadline: Instant) -> Result<(), String> {
    let mut stream = match timeout_at(deadline, TcpStream::connect((host, port))).await {
        Err(_) => return Err("the TCP connection was not established".to_owned()),
        Ok(Err(e)) => return Err(format!("connecting failed: {e}")),
        Ok(Ok(stream)) => stream,
    };
    read_identification(&mut stream, deadline).await.map(drop)
}

/// Waits until the server at the other end of `stream`, an open connection, sends its
/// identification line, giving up after [`SILENCE_LIMIT`] of silence or at `deadline`.
/// Returns the stream with what was read put back in front, so that the handshake reads
/// it all again; on failure, says what it saw, in words for an error message.
pub(crate) async fn wait_on_stream<S>(mut stream: S, deadline: Instant) -> Result<Replay<S>, String>
where
    S: AsyncRead + Unpin,
{
    let received = read_identification(&mut stream, deadline).await?;
    Ok(Replay {
        received,
        replayed: 0,
        inner: stream,
    })
}

/// Reads until a line starting with `SSH-` has arrived and returns everything read.
async fn read_identification<S>(stream: &mut S, deadline: Instant) -> Result<Vec<u8>, String>
where
    S: AsyncRead + Unpin,
{
    let silence_deadline = deadline.min(Instant::now() + SILENCE_LIMIT);
    let started = Instant::now();
    let mut received = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = match timeout_at(silence_deadline, stream.read(&mut chunk)).await {
            Err(_) => {
                let silent = Instant::now() - started;
                return Err(if received.is_empty() {
                    format!(
                        "the TCP connection was accepted, but nothing was sent for {:.1}s",
                        silent.as_secs_f64()
                    )
                } else {
                    format!("received {} and then nothing", preview(&received))
                });
            }
            Ok(Err(e)) => return Err(format!("reading failed: {e}")),
            Ok(Ok(n)) => n,
        };
        if n == 0 {
            return Err(if received.is_empty() {
                "the TCP connection was accepted, then closed without data".to_owned()
            } else {
                format!(
                    "received {}, then the connection closed",
                    preview(&received)
                )
            });
        }
        received.extend_from_slice(&chunk[..n]);
        if has_ssh_line(&received) {
            return Ok(received);
        }
        if received.len() > MAX_PREAMBLE {
            return Err(format!("received {} but no SSH- line", preview(&received)));
        }
    }
}

/// A stream whose first bytes, already read by [`wait_on_stream`], are read again.
pub(crate) struct Replay<S> {
    received: Vec<u8>,
    /// How much of `received` has been read again.
    replayed: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Replay<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let rest = &this.received[this.replayed..];
        if rest.is_empty() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        let n = rest.len().min(buf.remaining());
        buf.put_slice(&rest[..n]);
        this.replayed += n;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replay<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Whether any line of `data` (complete or not) starts with `SSH-`.
fn has_ssh_line(data: &[u8]) -> bool {
    data.starts_with(b"SSH-") || data.windows(5).any(|w| w == b"\nSSH-")
}

/// The first bytes of what a peer sent, escaped, for an error message.
fn preview(data: &[u8]) -> String {
    const SHOWN: usize = 60;
    let text = String::from_utf8_lossy(&data[..data.len().min(SHOWN)]).into_owned();
    if data.len() > SHOWN {
        format!("{text:?}… ({} bytes)", data.len())
    } else {
        format!("{text:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_line_may_follow_other_lines() {
        assert!(has_ssh_line(b"SSH-2.0-dropbear\r\n"));
        assert!(has_ssh_line(b"SSH-"));
        assert!(has_ssh_line(b"hello\r\nSSH-2.0-x"));
        assert!(!has_ssh_line(b"HTTP/1.1 400\r\n"));
        assert!(!has_ssh_line(b"xSSH-2.0"));
    }

    #[tokio::test]
    async fn a_waited_on_stream_reads_the_same_bytes_again() {
        let (mut server, client) = tokio::io::duplex(64);
        tokio::io::AsyncWriteExt::write_all(&mut server, b"hi\r\nSSH-2.0-x\r\nrest")
            .await
            .expect("write");
        drop(server);
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut replay = wait_on_stream(client, deadline).await.expect("banner");
        let mut all = Vec::new();
        replay.read_to_end(&mut all).await.expect("read");
        assert_eq!(all, b"hi\r\nSSH-2.0-x\r\nrest");
    }

    #[tokio::test]
    async fn a_closed_stream_without_banner_is_described() {
        let (server, client) = tokio::io::duplex(64);
        drop(server);
        let deadline = Instant::now() + Duration::from_secs(5);
        let seen = wait_on_stream(client, deadline).await.map(drop);
        assert_eq!(
            seen.expect_err("closed"),
            "the TCP connection was accepted, then closed without data"
        );
    }

    #[test]
    fn preview_escapes_and_truncates() {
        assert_eq!(preview(b"a\nb"), "\"a\\nb\"");
        assert!(preview(&[b'x'; 100]).ends_with("… (100 bytes)"));
    }
}
