//! The switch process: one thread, one unix datagram socket, a 250 ms tick.
//!
//! The loop receives a frame on `DIR/switch.sock`, asks the [`filter`](super::filter) for a
//! verdict, asks the [`bridge`](super::bridge) where it goes and sends it there from the same
//! socket (QEMU's `dgram` netdev expects frames from the address it sends to). The receive
//! timeout doubles as the tick that polls `rules.json`, expires flows, writes the stats file
//! and notices a stop request. Sends have a short timeout: a peer whose queue is full (a
//! paused or stuck VM) loses that frame instead of stalling the whole segment.
//!
//! Owns `switch.sock`, `switch.pid` and `switch.stats.json` while it runs; on a clean stop it
//! removes the first two (the stats stay for a post-mortem).

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::bridge::{Bridge, Destination};
use super::error::Error;
use super::filter::{self, Verdict};
use super::flows::FlowTable;
use super::frame::{self, Malformed};
use super::rules::Rules;
use super::stats::{self, Stats};
use super::{daemon, PID_FILE, RULES_FILE, SOCKET_FILE, STATS_FILE};

/// How often the rules file is polled, flows expire and stats are written.
pub const TICK: Duration = Duration::from_millis(250);
/// How long a send may wait for room in a peer's queue before the frame is dropped.
const SEND_TIMEOUT: Duration = Duration::from_millis(10);
/// The largest datagram read; QEMU NICs send at most a jumbo frame, far below this.
const MAX_FRAME: usize = 65_536;

/// Requests to a running switch from another thread or a signal handler.
#[derive(Debug, Clone, Default)]
pub struct Control {
    stop: Arc<AtomicBool>,
    reload: Arc<AtomicBool>,
}

impl Control {
    pub fn new() -> Control {
        Control::default()
    }

    /// Asks the switch to stop within one tick.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Asks the switch to re-read `rules.json` even if its modification time did not change.
    pub fn reload(&self) {
        self.reload.store(true, Ordering::SeqCst);
    }
}

/// Runs the switch for `dir` until SIGTERM or SIGINT; SIGHUP re-reads the rules.
/// This is what `kiln qemu-switch DIR` calls.
pub fn run(dir: &Path) -> Result<(), Error> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let control = Control::new();
    let mut ids = Vec::new();
    for (signal, flag) in [
        (SIGTERM, &control.stop),
        (SIGINT, &control.stop),
        (SIGHUP, &control.reload),
    ] {
        let id = signal_hook::flag::register(signal, Arc::clone(flag))
            .map_err(|e| Error::io("install a signal handler", e))?;
        ids.push(id);
    }
    let result = run_with(dir, &control);
    for id in ids {
        signal_hook::low_level::unregister(id);
    }
    result
}

/// Runs the switch for `dir` until `control` asks it to stop; no signal handling. For
/// embedding on a thread (tests).
pub fn run_with(dir: &Path, control: &Control) -> Result<(), Error> {
    let dir = dir
        .canonicalize()
        .map_err(|e| Error::io(format!("open the switch directory {}", dir.display()), e))?;
    let me = std::process::id();
    if let Some(pid) = daemon::running_switch(&dir).filter(|pid| *pid != me) {
        return Err(Error::AlreadyRunning { dir, pid });
    }
    let socket_path = dir.join(SOCKET_FILE);
    let bind_err = |e| Error::io(format!("bind {}", socket_path.display()), e);
    match fs::remove_file(&socket_path) {
        Err(e) if e.kind() != ErrorKind::NotFound => return Err(bind_err(e)),
        _ => {}
    }
    let socket = UnixDatagram::bind(&socket_path).map_err(bind_err)?;
    let _owned = OwnedFiles::claim(&dir, me)?;
    socket
        .set_read_timeout(Some(TICK))
        .and_then(|()| socket.set_write_timeout(Some(SEND_TIMEOUT)))
        .map_err(bind_err)?;

    let mut switch = Switch::new(&dir, me);
    switch.tick(Instant::now(), true);
    eprintln!("kiln qemu-switch: serving {}", socket_path.display());
    let mut buf = vec![0u8; MAX_FRAME];
    let mut next_tick = Instant::now() + TICK;
    while !control.stop.load(Ordering::SeqCst) {
        match socket.recv_from(&mut buf) {
            Ok((len, from)) => {
                let frame = buf.get(..len).unwrap_or_default();
                switch.handle(&socket, frame, from.as_pathname(), Instant::now());
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Error::io(
                    format!("receive on {}", socket_path.display()),
                    e,
                ))
            }
        }
        let now = Instant::now();
        let forced = control.reload.swap(false, Ordering::SeqCst);
        if forced || now >= next_tick {
            switch.tick(now, forced);
            next_tick = now + TICK;
        }
    }
    switch.write_stats();
    eprintln!("kiln qemu-switch: stopped");
    Ok(())
}

/// Removes `switch.sock` and `switch.pid` when the switch ends, unless another switch took
/// the directory over meanwhile.
struct OwnedFiles {
    dir: PathBuf,
    pid: u32,
}

impl OwnedFiles {
    fn claim(dir: &Path, pid: u32) -> Result<OwnedFiles, Error> {
        let owned = OwnedFiles {
            dir: dir.to_path_buf(),
            pid,
        };
        let path = dir.join(PID_FILE);
        let tmp = path.with_extension("pid.tmp");
        fs::write(&tmp, format!("{pid}\n"))
            .and_then(|()| fs::rename(&tmp, &path))
            .map_err(|e| Error::io(format!("write {}", path.display()), e))?;
        Ok(owned)
    }
}

impl Drop for OwnedFiles {
    fn drop(&mut self) {
        if daemon::read_pid(&self.dir) == Some(self.pid) {
            let _ = fs::remove_file(self.dir.join(SOCKET_FILE));
            let _ = fs::remove_file(self.dir.join(PID_FILE));
        }
    }
}

/// The switch's state between frames.
struct Switch {
    dir: PathBuf,
    bridge: Bridge,
    flows: FlowTable,
    rules: Rules,
    /// Identity of the rules file last looked at, to notice a change (a rename changes the
    /// inode, an in-place write the mtime or size).
    rules_stamp: Option<(SystemTime, u64, u64)>,
    stats: Stats,
    stats_dirty: bool,
}

impl Switch {
    fn new(dir: &Path, pid: u32) -> Switch {
        Switch {
            dir: dir.to_path_buf(),
            bridge: Bridge::new(dir),
            flows: FlowTable::default(),
            rules: Rules::default(),
            rules_stamp: None,
            stats: Stats::new(pid),
            stats_dirty: true,
        }
    }

    fn handle(&mut self, socket: &UnixDatagram, frame: &[u8], from: Option<&Path>, now: Instant) {
        self.stats.received += 1;
        self.stats_dirty = true;
        let Some(from) = from.filter(|peer| self.bridge.admit(peer)) else {
            self.stats.drop(stats::DROP_UNADDRESSABLE, || {
                format!("{}: a frame from {from:?}", stats::DROP_UNADDRESSABLE)
            });
            return;
        };
        let eth = match frame::parse_ethernet(frame) {
            Ok(eth) if eth.src.is_multicast() => {
                return self.malformed(Malformed("ethernet: group source address"), from);
            }
            Ok(eth) => eth,
            Err(why) => return self.malformed(why, from),
        };
        self.bridge.learn(eth.src, from);
        if let Verdict::Drop(drop) = filter::decide(&eth, &self.rules, &mut self.flows, now) {
            let name = drop.reason.name();
            self.stats.drop(name, || {
                let packet = drop.packet.map(|p| format!(" {p}")).unwrap_or_default();
                format!("{}:{packet} (from {})", drop.reason, file_name(from))
            });
            return;
        }
        let mut gone = Vec::new();
        match self.bridge.destination(eth.dst, from) {
            Destination::Peer(peer) => {
                self.stats.forwarded += 1;
                send(socket, frame, peer, &mut self.stats, &mut gone);
            }
            Destination::Flood => {
                self.stats.flooded += 1;
                for peer in self.bridge.peers().filter(|p| *p != from) {
                    send(socket, frame, peer, &mut self.stats, &mut gone);
                }
            }
            Destination::Sender => {
                self.stats.drop(stats::DROP_HAIRPIN, || {
                    format!(
                        "{}: to {} (from {})",
                        stats::DROP_HAIRPIN,
                        eth.dst,
                        file_name(from)
                    )
                });
            }
        }
        for peer in gone {
            eprintln!(
                "kiln qemu-switch: {} is gone; forgetting it",
                peer.display()
            );
            self.bridge.forget(&peer);
        }
    }

    fn malformed(&mut self, why: Malformed, from: &Path) {
        self.stats.drop("malformed", || {
            format!("malformed ({why}) (from {})", file_name(from))
        });
    }

    /// The periodic work: rules, flow expiry, stats.
    fn tick(&mut self, now: Instant, force_reload: bool) {
        self.reload_rules(force_reload);
        let before = self.flows.len();
        self.flows.expire(now);
        self.stats_dirty |= self.flows.len() != before;
        if self.stats_dirty {
            self.write_stats();
        }
    }

    fn reload_rules(&mut self, force: bool) {
        let path = self.dir.join(RULES_FILE);
        let stamp = match fs::metadata(&path) {
            Ok(meta) => Some((
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                meta.len(),
                meta.ino(),
            )),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => return self.rules_error(format!("cannot read {}: {e}", path.display())),
        };
        if stamp == self.rules_stamp && !force {
            return;
        }
        self.rules_stamp = stamp;
        self.stats_dirty = true;
        if stamp.is_none() {
            if self.stats.rules.source != "none" || force {
                eprintln!(
                    "kiln qemu-switch: no {}; all IPv4 between VMs is dropped",
                    path.display()
                );
            }
            self.rules = Rules::default();
            self.stats.rules.source = "none";
            self.stats.rules.hosts = 0;
            self.stats.rules.error = None;
            return;
        }
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => return self.rules_error(format!("cannot read {}: {e}", path.display())),
        };
        match Rules::parse(&text) {
            Ok(rules) => {
                self.stats.rules.source = "file";
                self.stats.rules.hosts = rules.hosts.len();
                self.stats.rules.loads += 1;
                self.stats.rules.error = None;
                eprintln!(
                    "kiln qemu-switch: loaded {} ({} hosts)",
                    path.display(),
                    rules.hosts.len()
                );
                self.rules = rules;
            }
            Err(e) => self.rules_error(format!(
                "{} is invalid, keeping the previous rules: {e}",
                path.display()
            )),
        }
    }

    fn rules_error(&mut self, message: String) {
        if self.stats.rules.error.as_ref() != Some(&message) {
            eprintln!("kiln qemu-switch: {message}");
        }
        self.stats.rules.error = Some(message);
        self.stats_dirty = true;
    }

    fn write_stats(&mut self) {
        self.stats.flows = self.flows.len();
        self.stats.peers = self.bridge.peers().map(file_name).collect();
        self.stats.macs = self
            .bridge
            .macs()
            .map(|(mac, peer)| (mac.to_string(), file_name(peer)))
            .collect();
        let path = self.dir.join(STATS_FILE);
        if let Err(e) = self.stats.write(&path) {
            eprintln!("kiln qemu-switch: cannot write {}: {e}", path.display());
        }
        self.stats_dirty = false;
    }
}

/// Sends one frame to one peer; a peer whose socket is gone is put on `gone`.
fn send(
    socket: &UnixDatagram,
    frame: &[u8],
    peer: &Path,
    stats: &mut Stats,
    gone: &mut Vec<PathBuf>,
) {
    match socket.send_to(frame, peer) {
        Ok(_) => stats.delivered += 1,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
            gone.push(peer.to_path_buf());
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            stats.drop(stats::DROP_PEER_BUSY, || {
                format!("{}: {}", stats::DROP_PEER_BUSY, file_name(peer))
            });
        }
        Err(e) => stats.drop(stats::DROP_SEND_ERROR, || {
            format!("{}: {}: {e}", stats::DROP_SEND_ERROR, file_name(peer))
        }),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}
