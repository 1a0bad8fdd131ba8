//! Running one command on the remote machine: feeding its standard input, streaming its
//! output as it arrives, and reporting how it ended.

use std::fmt;

use russh::{ChannelMsg, Sig};

use crate::error::{Error, Result};
use crate::session::Session;

/// Which output stream a chunk of command output came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How a remote command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// The command exited with this code.
    Code(u32),
    /// The command was killed by a signal (`name` without the `SIG` prefix, e.g. `TERM`).
    Signal {
        name: String,
        core_dumped: bool,
        /// The server's explanation, often empty.
        message: String,
    },
    /// The channel or the whole connection closed before the server reported an exit
    /// status. This is what a command that reboots or powers off the machine looks like,
    /// so a provisioner that expects a disconnect treats it as success.
    ClosedWithoutStatus,
}

impl ExitStatus {
    /// Whether the command exited with code 0.
    pub fn success(&self) -> bool {
        *self == ExitStatus::Code(0)
    }

    /// The exit code, if the command exited normally.
    pub fn code(&self) -> Option<u32> {
        match self {
            ExitStatus::Code(code) => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Code(code) => write!(f, "exit code {code}"),
            ExitStatus::Signal {
                name, core_dumped, ..
            } => {
                write!(f, "killed by signal {name}")?;
                if *core_dumped {
                    f.write_str(" (core dumped)")?;
                }
                Ok(())
            }
            ExitStatus::ClosedWithoutStatus => {
                f.write_str("the connection closed without an exit status")
            }
        }
    }
}

impl Session {
    /// Runs `command` through the remote user's shell.
    ///
    /// `stdin` is sent in full and then closed; with `None` the command sees end-of-file at
    /// once, so nothing waits for input that never comes. Output is handed to `on_output`
    /// in chunks as it arrives, tagged with its stream. Returns once the server closes the
    /// channel; an error means the command could not be started at all.
    pub async fn exec(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
        on_output: &mut (dyn FnMut(Stream, &[u8]) + Send),
    ) -> Result<ExitStatus> {
        let context = || format!("running {command:?} on {}", self.label);
        let channel = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| Error::ssh(context(), e))?;
        channel
            .exec(true, command)
            .await
            .map_err(|e| Error::ssh(context(), e))?;
        let (mut reader, writer) = channel.split();

        // Input and output flow at the same time: a command may fill its output window
        // before it has read all its input, so writing everything first could deadlock.
        let feed = async {
            if let Some(data) = stdin {
                writer.data(data).await?;
            }
            writer.eof().await
        };
        let drain = async {
            let mut status = None;
            while let Some(msg) = reader.wait().await {
                match msg {
                    ChannelMsg::Data { data } => on_output(Stream::Stdout, &data),
                    // Extended data type 1 is stderr (RFC 4254 §5.2); no other type is defined.
                    ChannelMsg::ExtendedData { data, ext: 1 } => on_output(Stream::Stderr, &data),
                    ChannelMsg::ExitStatus { exit_status } => {
                        status = Some(ExitStatus::Code(exit_status));
                    }
                    ChannelMsg::ExitSignal {
                        signal_name,
                        core_dumped,
                        error_message,
                        ..
                    } => {
                        status = Some(ExitStatus::Signal {
                            name: signal_text(signal_name),
                            core_dumped,
                            message: error_message,
                        });
                    }
                    ChannelMsg::Failure => return Err(()),
                    // Output may still follow the status, so only the channel's end stops us.
                    _ => {}
                }
            }
            Ok(status.unwrap_or(ExitStatus::ClosedWithoutStatus))
        };

        tokio::pin!(feed, drain);
        let mut fed = false;
        let drained = loop {
            tokio::select! {
                // A failed write is not reported: it means the channel closed, and the
                // exit status (or its absence) read below says why.
                _ = &mut feed, if !fed => fed = true,
                drained = &mut drain => break drained,
            }
        };
        drained.map_err(|()| Error::ssh(context(), russh::Error::RequestDenied))
    }
}

/// The signal's name as the server sent it, without a `SIG` prefix.
fn signal_text(sig: Sig) -> String {
    match sig {
        Sig::ABRT => "ABRT",
        Sig::ALRM => "ALRM",
        Sig::FPE => "FPE",
        Sig::HUP => "HUP",
        Sig::ILL => "ILL",
        Sig::INT => "INT",
        Sig::KILL => "KILL",
        Sig::PIPE => "PIPE",
        Sig::QUIT => "QUIT",
        Sig::SEGV => "SEGV",
        Sig::TERM => "TERM",
        Sig::USR1 => "USR1",
        Sig::Custom(name) => return name,
    }
    .to_owned()
}
