//! Shared by the switch's integration tests: "VMs" that are plain unix datagram sockets in the
//! switch's directory, and builders for the frames they send.
#![allow(dead_code)]

use std::fs;
use std::net::Ipv4Addr;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const ARP: u16 = 0x0806;
pub const IPV4: u16 = 0x0800;
pub const BROADCAST: [u8; 6] = [0xff; 6];
pub const SYN: u8 = 0x02;
pub const SYN_ACK: u8 = 0x12;

/// One fake VM NIC: its socket, MAC and IPv4 address.
pub struct Vm {
    pub socket: UnixDatagram,
    pub path: PathBuf,
    pub mac: [u8; 6],
    pub ip: Ipv4Addr,
    switch: PathBuf,
}

impl Vm {
    pub fn new(dir: &Path, name: &str, n: u8, ip: [u8; 4]) -> Vm {
        let path = dir.join(format!("vm-{name}.sock"));
        let socket = UnixDatagram::bind(&path).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        Vm {
            socket,
            path,
            mac: [0x52, 0x54, 0, 0x12, 0x34, n],
            ip: Ipv4Addr::from(ip),
            switch: dir.join("switch.sock"),
        }
    }

    pub fn send(&self, frame: &[u8]) {
        self.socket.send_to(frame, &self.switch).unwrap();
    }

    /// The next frame that arrives, within 2 s.
    pub fn recv(&self) -> Vec<u8> {
        let mut buf = vec![0u8; 65_536];
        match self.socket.recv(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                buf
            }
            Err(e) => panic!("{}: nothing arrived: {e}", self.path.display()),
        }
    }

    pub fn try_recv(&self, wait: Duration) -> Option<Vec<u8>> {
        self.socket.set_read_timeout(Some(wait)).unwrap();
        let mut buf = vec![0u8; 65_536];
        let got = self.socket.recv(&mut buf).ok().map(|n| {
            buf.truncate(n);
            buf
        });
        self.socket
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        got
    }

    /// A broadcast ARP request from this VM; `tag` goes in the target address so tests can
    /// tell markers apart.
    pub fn arp_request(&self, tag: u8) -> Vec<u8> {
        let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1];
        arp.extend_from_slice(&self.mac);
        arp.extend_from_slice(&self.ip.octets());
        arp.extend_from_slice(&[0; 6]);
        arp.extend_from_slice(&[10, 99, 99, tag]);
        ethernet(BROADCAST, self.mac, ARP, &arp)
    }

    /// Announces this VM so the switch learns it as a peer and learns its MAC.
    pub fn hello(&self) {
        self.send(&self.arp_request(0));
    }

    pub fn tcp_to(&self, to: &Vm, src_port: u16, dst_port: u16, flags: u8) -> Vec<u8> {
        let mut seg = vec![0u8; 20];
        seg[..2].copy_from_slice(&src_port.to_be_bytes());
        seg[2..4].copy_from_slice(&dst_port.to_be_bytes());
        seg[12] = 0x50;
        seg[13] = flags;
        let packet = ipv4(self.ip, to.ip, 6, &seg);
        ethernet(to.mac, self.mac, IPV4, &packet)
    }

    pub fn udp_to(&self, to: &Vm, src_port: u16, dst_port: u16, payload: &[u8]) -> Vec<u8> {
        let len = u16::try_from(8 + payload.len()).unwrap();
        let mut dgram = Vec::new();
        dgram.extend_from_slice(&src_port.to_be_bytes());
        dgram.extend_from_slice(&dst_port.to_be_bytes());
        dgram.extend_from_slice(&len.to_be_bytes());
        dgram.extend_from_slice(&[0, 0]);
        dgram.extend_from_slice(payload);
        let packet = ipv4(self.ip, to.ip, 17, &dgram);
        ethernet(to.mac, self.mac, IPV4, &packet)
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

pub fn ethernet(dst: [u8; 6], src: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::new();
    frame.extend_from_slice(&dst);
    frame.extend_from_slice(&src);
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

pub fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, l4: &[u8]) -> Vec<u8> {
    let total = u16::try_from(20 + l4.len()).unwrap().to_be_bytes();
    let mut packet = vec![
        0x45, 0, total[0], total[1], 0, 0, 0x40, 0, 64, protocol, 0, 0,
    ];
    packet.extend_from_slice(&src.octets());
    packet.extend_from_slice(&dst.octets());
    packet.extend_from_slice(l4);
    packet
}

/// Writes the rules the way the provider will: a temporary file, then a rename.
pub fn write_rules(dir: &Path, text: &str) {
    let tmp = dir.join("rules.json.tmp");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, dir.join("rules.json")).unwrap();
}

/// The stats file once `ready` holds for it (the switch writes it every 250 ms).
pub fn stats_when(dir: &Path, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let stats = fs::read_to_string(dir.join("switch.stats.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        match stats {
            Some(s) if ready(&s) => return s,
            Some(s) if Instant::now() >= deadline => panic!("stats never got ready: {s:#}"),
            None if Instant::now() >= deadline => panic!("no stats file"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

pub fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
