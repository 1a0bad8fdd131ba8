//! The switch on a thread, driven through real unix datagram sockets with handcrafted frames.
//!
//! "Nothing arrived" is checked without sleeping: after the frame that must be dropped, the
//! sender floods a marker ARP; the switch handles frames in order, so if the next frame the
//! receiver sees is the marker, the dropped frame was not forwarded.

mod switch_support;

use std::fs;
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use kiln_qemu::switch::{self, Control};
use switch_support::*;

struct Lab {
    dir: tempfile::TempDir,
    control: Control,
    thread: Option<JoinHandle<Result<(), switch::Error>>>,
}

impl Lab {
    fn start(rules: Option<&str>) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        if let Some(rules) = rules {
            write_rules(dir.path(), rules);
        }
        let control = Control::new();
        let thread = {
            let (dir, control) = (dir.path().to_path_buf(), control.clone());
            std::thread::spawn(move || switch::run_with(&dir, &control))
        };
        wait_for(&dir.path().join("switch.sock"));
        Lab {
            dir,
            control,
            thread: Some(thread),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A VM that has announced itself, with the announcement drained from `others`.
    fn vm(&self, name: &str, n: u8, ip: [u8; 4], others: &[&Vm]) -> Vm {
        let vm = Vm::new(self.path(), name, n, ip);
        vm.hello();
        for other in others {
            assert_eq!(other.recv(), vm.arp_request(0), "{name}'s hello at {}", n);
        }
        vm
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.control.stop();
        if let Some(thread) = self.thread.take() {
            let result = thread.join().expect("switch thread panicked");
            if !std::thread::panicking() {
                result.expect("switch failed");
                assert!(!self.path().join("switch.sock").exists());
                assert!(!self.path().join("switch.pid").exists());
            }
        }
    }
}

/// Asserts that `to` receives nothing `from` sent before this call (see the module doc).
fn assert_nothing_more(from: &Vm, to: &Vm, tag: u8) {
    let marker = from.arp_request(tag);
    from.send(&marker);
    let got = to.recv();
    assert_eq!(got, marker, "a frame arrived before the marker: {got:02x?}");
}

const WEB_RULES: &str = r#"{"hosts": {"10.0.0.1": {"ingress": [
    {"protocol": "tcp", "port": 80, "from": "10.0.0.0/24"}
]}}}"#;

#[test]
fn arp_floods_and_unicast_goes_only_to_the_learned_peer() {
    let lab = Lab::start(None);
    let a = lab.vm("a", 1, [10, 0, 0, 1], &[]);
    let b = lab.vm("b", 2, [10, 0, 0, 2], &[&a]);
    let c = lab.vm("c", 3, [10, 0, 0, 3], &[&a, &b]);

    // A broadcast reaches everyone but its sender.
    let request = a.arp_request(7);
    a.send(&request);
    assert_eq!(b.recv(), request);
    assert_eq!(c.recv(), request);
    assert_eq!(a.try_recv(Duration::from_millis(50)), None);

    // A unicast ARP reply to a learned MAC reaches only that peer.
    let reply = ethernet(a.mac, b.mac, ARP, &[0, 1, 8, 0, 6, 4, 0, 2]);
    b.send(&reply);
    assert_eq!(a.recv(), reply);
    assert_nothing_more(&b, &c, 1);
    assert_eq!(a.recv(), b.arp_request(1));

    let stats = stats_when(lab.path(), |s| s["macs"].as_object().unwrap().len() == 3);
    assert_eq!(stats["macs"]["52:54:00:12:34:02"], "vm-b.sock");
    assert_eq!(stats["forwarded"], 1);
}

#[test]
fn tcp_follows_the_rules_and_replies_come_back() {
    let lab = Lab::start(Some(WEB_RULES));
    let web = lab.vm("web", 1, [10, 0, 0, 1], &[]);
    let client = lab.vm("client", 2, [10, 0, 0, 2], &[&web]);
    let outsider = lab.vm("outsider", 3, [10, 0, 1, 3], &[&web, &client]);

    let syn = client.tcp_to(&web, 40000, 80, SYN);
    client.send(&syn);
    assert_eq!(web.recv(), syn);

    client.send(&client.tcp_to(&web, 40001, 81, SYN));
    assert_nothing_more(&client, &web, 1);
    assert_eq!(outsider.recv(), client.arp_request(1));

    // The reply of the admitted flow goes back, though the client admits nothing.
    let syn_ack = web.tcp_to(&client, 80, 40000, SYN_ACK);
    web.send(&syn_ack);
    assert_eq!(client.recv(), syn_ack);
    // But the web host cannot open a connection of its own to the client.
    web.send(&web.tcp_to(&client, 80, 40002, SYN));
    assert_nothing_more(&web, &client, 2);

    // The outsider is not in 10.0.0.0/24.
    outsider.send(&outsider.tcp_to(&web, 40000, 80, SYN));
    assert_nothing_more(&outsider, &web, 3);

    let stats = stats_when(lab.path(), |s| s["dropped"]["no_rule"] == 3);
    let recent: Vec<&str> = stats["recent_drops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        recent.contains(&"no_rule: tcp 10.0.1.3:40000 -> 10.0.0.1:80 (from vm-outsider.sock)"),
        "{recent:#?}"
    );
    assert_eq!(stats["flows"], 1);
    assert_eq!(stats["rules"]["source"], "file");
}

#[test]
fn rule_changes_apply_within_a_second_and_bad_files_keep_the_old_rules() {
    let lab = Lab::start(Some(WEB_RULES));
    let web = lab.vm("web", 1, [10, 0, 0, 1], &[]);
    let client = lab.vm("client", 2, [10, 0, 0, 2], &[&web]);
    client.send(&client.tcp_to(&web, 50000, 8080, SYN));
    assert_nothing_more(&client, &web, 1);

    write_rules(
        lab.path(),
        r#"{"hosts": {"10.0.0.1": {"ingress": [
            {"protocol": "tcp", "from_port": 8000, "to_port": 8100, "from": "10.0.0.2/32"}
        ]}}}"#,
    );
    let written = Instant::now();
    let mut port = 50001;
    loop {
        let syn = client.tcp_to(&web, port, 8080, SYN);
        client.send(&syn);
        if web.try_recv(Duration::from_millis(20)).as_deref() == Some(&syn[..]) {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(1),
            "rules not applied"
        );
        port += 1;
    }
    let took = written.elapsed();
    assert!(took < Duration::from_secs(1), "{took:?}");

    // Port 80 is no longer admitted.
    client.send(&client.tcp_to(&web, 50100, 80, SYN));
    assert_nothing_more(&client, &web, 2);

    // A broken file is reported and the rules in force stay.
    write_rules(
        lab.path(),
        r#"{"hosts": {"10.0.0.1": {"ingress": [{"protocol": "tcp""#,
    );
    let stats = stats_when(lab.path(), |s| s["rules"]["error"].is_string());
    let error = stats["rules"]["error"].as_str().unwrap();
    assert!(error.contains("keeping the previous rules"), "{error}");
    assert_eq!(stats["rules"]["loads"], 2);
    let syn = client.tcp_to(&web, 50200, 8081, SYN);
    client.send(&syn);
    assert_eq!(web.recv(), syn);

    // Removing the file denies everything new, but the established flow survives.
    fs::remove_file(lab.path().join("rules.json")).unwrap();
    stats_when(lab.path(), |s| s["rules"]["source"] == "none");
    client.send(&client.tcp_to(&web, 50300, 8081, SYN));
    assert_nothing_more(&client, &web, 3);
    let established = client.tcp_to(&web, 50200, 8081, 0x10);
    client.send(&established);
    assert_eq!(web.recv(), established);
}

#[test]
fn malformed_frames_are_counted_and_do_not_stop_the_switch() {
    let lab = Lab::start(Some(WEB_RULES));
    let web = lab.vm("web", 1, [10, 0, 0, 1], &[]);
    let client = lab.vm("client", 2, [10, 0, 0, 2], &[&web]);

    let good = client.tcp_to(&web, 40000, 80, SYN);
    let mut bad_ihl = good.clone();
    bad_ihl[14] = 0x4f; // IHL 15: 60 bytes of header in a 40-byte packet
    let mut bad_version = good.clone();
    bad_version[14] = 0x65;
    let mut bad_offset = good.clone();
    bad_offset[14 + 20 + 12] = 0xf0; // TCP data offset 60 in a 20-byte segment
    let mut long_total = good.clone();
    long_total[16..18].copy_from_slice(&9000u16.to_be_bytes());
    let mut group_source = good.clone();
    group_source[6] = 0x01;
    let mut frames: Vec<Vec<u8>> = vec![
        vec![],
        vec![0xff; 5],
        good[..14].to_vec(),
        good[..33].to_vec(),
        good[..40].to_vec(), // TCP header cut short
        bad_ihl,
        bad_version,
        bad_offset,
        long_total,
        group_source,
    ];
    let specific = frames.len();
    // Every prefix of a valid frame, and some pseudo-random garbage.
    frames.extend((0..good.len()).map(|n| good[..n].to_vec()));
    let mut x: u32 = 0x1234_5678;
    for len in (0..1600).step_by(37) {
        let frame = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x.to_le_bytes()[0]
            })
            .collect();
        frames.push(frame);
    }
    for frame in &frames {
        client.send(frame);
    }
    let mut garbage_that_passed = 0;
    let marker = client.arp_request(9);
    client.send(&marker);
    loop {
        let got = web.recv();
        if got == marker {
            break;
        }
        // Random bytes may make a frame of an EtherType the switch floods (ARP), never IPv4.
        assert_ne!(got.get(12..14), Some(&[8u8, 0][..]), "{got:02x?}");
        garbage_that_passed += 1;
    }
    let stats = stats_when(lab.path(), |s| s["received"] == frames.len() as u64 + 3);
    // The specific ones and every strict prefix of the good frame are malformed.
    let malformed = stats["dropped"]["malformed"].as_u64().unwrap();
    assert!(malformed >= (specific + good.len()) as u64, "{stats:#}");
    assert!(garbage_that_passed < 3, "{garbage_that_passed}");

    // Still switching.
    client.send(&good);
    assert_eq!(web.recv(), good);
}

#[test]
fn ipv6_and_strangers_are_dropped_and_gone_peers_forgotten() {
    let lab = Lab::start(Some(
        r#"{"hosts": {"10.0.0.1": {"ingress": [{"protocol": "all", "from": "0.0.0.0/0"}]}}}"#,
    ));
    let a = lab.vm("a", 1, [10, 0, 0, 1], &[]);
    let b = lab.vm("b", 2, [10, 0, 0, 2], &[&a]);

    // IPv6 neighbour solicitation to the all-nodes group.
    let ipv6 = ethernet([0x33, 0x33, 0, 0, 0, 1], b.mac, 0x86dd, &[0x60; 48]);
    b.send(&ipv6);
    assert_nothing_more(&b, &a, 1);

    // A socket outside the switch directory is not a peer.
    let outside_dir = tempfile::tempdir().unwrap();
    let stranger = Vm::new(outside_dir.path(), "x", 9, [10, 0, 0, 9]);
    stranger
        .socket
        .send_to(&stranger.arp_request(0), lab.path().join("switch.sock"))
        .unwrap();
    assert_nothing_more(&b, &a, 2);

    // IPv4 broadcast passes when every listed host admits all from the sender.
    let bcast = ethernet(
        BROADCAST,
        b.mac,
        IPV4,
        &ipv4(
            b.ip,
            [255, 255, 255, 255].into(),
            17,
            &[0, 68, 0, 67, 0, 8, 0, 0],
        ),
    );
    b.send(&bcast);
    assert_eq!(a.recv(), bcast);

    // B goes away; the next flood forgets it.
    drop(b);
    a.hello();
    let stats = stats_when(lab.path(), |s| s["peers"].as_array().unwrap().len() == 1);
    assert_eq!(stats["peers"][0], "vm-a.sock");
    assert_eq!(stats["dropped"]["ipv6"], 1);
    assert_eq!(stats["dropped"]["unaddressable_sender"], 1);
}

/// Throughput of 1 400-byte UDP frames between two peers; run with
/// `cargo test --release -p kiln-qemu --test switch_forwarding -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let lab = Lab::start(Some(
        r#"{"hosts": {"10.0.0.1": {"ingress": [{"protocol": "udp", "port": 9, "from": "10.0.0.0/24"}]}}}"#,
    ));
    let sink = lab.vm("sink", 1, [10, 0, 0, 1], &[]);
    let source = lab.vm("source", 2, [10, 0, 0, 2], &[&sink]);
    let frame = source.udp_to(&sink, 4000, 9, &[0xab; 1400 - 42]);
    let count = 200_000;
    let receiver = std::thread::spawn(move || {
        let mut got = 0;
        while sink.try_recv(Duration::from_millis(500)).is_some() {
            got += 1;
        }
        got
    });
    let start = Instant::now();
    for _ in 0..count {
        source.send(&frame);
    }
    let got = receiver.join().unwrap();
    let secs = start.elapsed().as_secs_f64() - 0.5;
    println!(
        "{got}/{count} frames in {secs:.2} s: {:.0} frames/s, {:.1} MB/s",
        f64::from(got) / secs,
        f64::from(got) * 1400.0 / secs / 1e6
    );
}
