//! A small QMP client: the JSON control socket of a running QEMU. Kiln uses it to power a
//! VM down, to quit it, and to add or remove host port forwards while it runs.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

pub struct Qmp {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

const TIMEOUT: Duration = Duration::from_secs(10);

impl Qmp {
    /// Connects and leaves capabilities negotiation mode.
    pub async fn connect(socket: &Path) -> Result<Qmp, String> {
        let stream = tokio::time::timeout(TIMEOUT, UnixStream::connect(socket))
            .await
            .map_err(|_| format!("timed out connecting to {}", socket.display()))?
            .map_err(|e| format!("cannot connect to {}: {e}", socket.display()))?;
        let (r, w) = stream.into_split();
        let mut qmp = Qmp {
            reader: BufReader::new(r),
            writer: w,
        };
        let greeting = qmp.read_message().await?;
        if greeting.get("QMP").is_none() {
            return Err(format!("{} did not greet as QMP", socket.display()));
        }
        qmp.execute("qmp_capabilities", None).await?;
        Ok(qmp)
    }

    async fn read_message(&mut self) -> Result<Value, String> {
        let mut line = String::new();
        let n = tokio::time::timeout(TIMEOUT, self.reader.read_line(&mut line))
            .await
            .map_err(|_| "QEMU did not answer on its control socket".to_string())?
            .map_err(|e| format!("reading QEMU's control socket: {e}"))?;
        if n == 0 {
            return Err("QEMU closed its control socket".into());
        }
        serde_json::from_str(&line).map_err(|e| format!("QEMU sent unreadable JSON: {e}"))
    }

    /// Runs one command; its `return` value, or QEMU's error as text. Events that arrive
    /// meanwhile are skipped.
    pub async fn execute(&mut self, command: &str, args: Option<Value>) -> Result<Value, String> {
        let mut msg = json!({ "execute": command });
        if let Some(a) = args {
            msg["arguments"] = a;
        }
        let mut text = msg.to_string();
        text.push('\n');
        self.writer
            .write_all(text.as_bytes())
            .await
            .map_err(|e| format!("writing to QEMU's control socket: {e}"))?;
        loop {
            let m = self.read_message().await?;
            if let Some(r) = m.get("return") {
                return Ok(r.clone());
            }
            if let Some(e) = m.get("error") {
                return Err(format!(
                    "QEMU refused {command}: {}",
                    e["desc"].as_str().unwrap_or("no reason given")
                ));
            }
        }
    }

    /// A human monitor command (`hostfwd_add …`); its output, which is empty on success.
    pub async fn hmp(&mut self, command: &str) -> Result<String, String> {
        let r = self
            .execute(
                "human-monitor-command",
                Some(json!({ "command-line": command })),
            )
            .await?;
        let out = r.as_str().unwrap_or("").trim().to_string();
        if out.is_empty() {
            Ok(out)
        } else {
            Err(format!("QEMU: {out}"))
        }
    }

    /// Waits until QEMU closes the socket (it exited), up to `timeout`.
    pub async fn wait_closed(&mut self, timeout: Duration) -> bool {
        let wait = async {
            loop {
                let mut line = String::new();
                match self.reader.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok()
    }
}
