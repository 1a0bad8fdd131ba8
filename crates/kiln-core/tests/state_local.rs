//! The local backend and the store: atomic writes with a backup, file modes, the OS
//! lock (timeouts naming the holder, release on drop, force-unlock), serial handling.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use kiln_core::addr::{InstanceKey, Target};
use kiln_core::state::{
    check_replace, Backend, InstanceState, LocalBackend, LockInfo, State, StateError, Store,
};

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn object(id: &str) -> InstanceState {
    InstanceState {
        status: None,
        attributes: serde_json::json!({ "id": id }),
        sensitive_attributes: Vec::new(),
        dependencies: Vec::new(),
        create_before_destroy: false,
        extra: Default::default(),
    }
}

fn addr(text: &str) -> kiln_core::addr::InstanceAddr {
    match Target::parse(text).unwrap() {
        Target::Instance(i) => i,
        Target::Resource(r) => r.instance(InstanceKey::None),
        Target::Module(_) => panic!("not an instance"),
    }
}

fn locked(path: &Path, op: &str, timeout: Duration) -> Result<Store, StateError> {
    Store::open(
        Box::new(LocalBackend::new(path)),
        Some((LockInfo::new(op, "alice@box", 4242), timeout)),
    )
}

#[test]
fn writes_are_atomic_with_backup_and_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let backend = LocalBackend::new(&path);
    let mut s = State::new("lin".into());
    s.set(&addr("kiln_data.a"), "", "provider.kiln", object("1"));
    backend.write(&s).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert!(!backend.backup_path().exists(), "nothing to back up yet");
    let first = std::fs::read_to_string(&path).unwrap();

    s.serial = 2;
    s.set(&addr("kiln_data.b"), "", "provider.kiln", object("2"));
    backend.write(&s).unwrap();
    assert_eq!(
        std::fs::read_to_string(backend.backup_path()).unwrap(),
        first
    );
    assert_eq!(mode(&backend.backup_path()), 0o600);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(backend.read().unwrap().unwrap(), s);
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn missing_state_is_none_and_a_new_store_writes_nothing_until_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let mut store = locked(&path, "apply", Duration::ZERO).unwrap();
    assert!(!store.exists());
    assert_eq!(store.state().serial, 0);
    let lineage = store.state().lineage.clone();
    assert!(uuid::Uuid::parse_str(&lineage).is_ok(), "{lineage}");
    store.save(store.state().clone()).unwrap();
    assert!(!path.exists(), "an empty new state is not written");

    let mut s = store.state().clone();
    s.set(&addr("kiln_data.a"), "", "provider.kiln", object("1"));
    store.save(s.clone()).unwrap();
    assert_eq!(store.state().serial, 1);
    store.save(store.state().clone()).unwrap();
    assert_eq!(store.state().serial, 1, "no change, no new serial");
    let mut s = store.state().clone();
    s.remove(&addr("kiln_data.a"), "");
    store.save(s).unwrap();
    assert_eq!(store.state().serial, 2);
    drop(store);
    let again = Store::open(Box::new(LocalBackend::new(&path)), None).unwrap();
    assert_eq!(again.state().lineage, lineage);
    assert_eq!(again.state().serial, 2);
}

#[test]
fn lock_conflicts_in_process_and_the_error_names_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let holder = locked(&path, "apply", Duration::ZERO).unwrap();
    let id = holder.lock_info().unwrap().id.clone();
    let lock_file = dir.path().join("kiln.kstate.lock");
    assert_eq!(mode(&lock_file), 0o600);

    let start = Instant::now();
    let err = locked(&path, "state rm", Duration::from_millis(300))
        .err()
        .expect("the second open is refused: flock locks conflict per open file");
    assert!(start.elapsed() >= Duration::from_millis(300), "it waited");
    let StateError::Locked {
        holder: Some(h), ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(h.id, id);
    let detail = err.to_diagnostic().detail;
    for part in [id.as_str(), "alice@box", "apply", "4242", "waited 300ms"] {
        assert!(detail.contains(part), "{part} in {detail}");
    }
    // A read-only open needs no lock.
    assert!(Store::open(Box::new(LocalBackend::new(&path)), None).is_ok());

    drop(holder);
    assert!(!lock_file.exists(), "the holder removes its lock file");
    assert!(locked(&path, "state rm", Duration::ZERO).is_ok());
}

#[test]
fn a_waiter_gets_the_lock_when_the_holder_lets_go() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let holder = locked(&path, "apply", Duration::ZERO).unwrap();
    let p = path.clone();
    let waiter =
        std::thread::spawn(move || locked(&p, "plan", Duration::from_secs(10)).map(|_| ()));
    std::thread::sleep(Duration::from_millis(200));
    drop(holder);
    waiter.join().unwrap().expect("acquired after release");
}

#[test]
fn a_stale_lock_file_does_not_lock() {
    // What a run killed with kill -9 leaves: the file, but no OS lock.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let stale = LockInfo::new("apply", "bob@old", 99999);
    std::fs::write(
        dir.path().join("kiln.kstate.lock"),
        serde_json::to_string(&stale).unwrap() + "\n" + &" ".repeat(500),
    )
    .unwrap();
    let store = locked(&path, "apply", Duration::ZERO).expect("not really locked");
    let text = std::fs::read_to_string(dir.path().join("kiln.kstate.lock")).unwrap();
    let now: LockInfo = serde_json::from_str(&text).expect("only the new holder's info");
    assert_eq!(&now, store.lock_info().unwrap());
    assert_eq!(now.path, path.display().to_string());
}

#[test]
fn force_unlock_cases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let backend = LocalBackend::new(&path);
    assert!(matches!(
        backend.force_unlock("x"),
        Err(StateError::NotLocked { .. })
    ));

    // Held by a live holder (this process): refused, naming the pid.
    let holder = locked(&path, "apply", Duration::ZERO).unwrap();
    let id = holder.lock_info().unwrap().id.clone();
    let err = backend
        .force_unlock(&id)
        .expect_err("cannot break a live lock");
    assert!(
        matches!(err, StateError::HeldByLiveProcess { .. }),
        "{err:?}"
    );
    assert!(err.to_diagnostic().detail.contains("4242"));
    // A wrong id is an error naming the real one.
    let err = backend.force_unlock("nope").expect_err("mismatch");
    assert!(err.to_diagnostic().detail.contains(&id), "{err}");
    drop(holder);

    // Stale information only: removed when the id matches.
    let stale = LockInfo::new("apply", "bob@old", 99999);
    let lock_file = dir.path().join("kiln.kstate.lock");
    std::fs::write(&lock_file, serde_json::to_string(&stale).unwrap()).unwrap();
    assert!(matches!(
        backend.force_unlock("other"),
        Err(StateError::LockIdMismatch { .. })
    ));
    backend.force_unlock(&stale.id).unwrap();
    assert!(!lock_file.exists());
}

#[test]
fn push_checks_lineage_and_serial() {
    let mut current = State::new("a".into());
    current.serial = 5;
    let mut incoming = current.clone();
    incoming.serial = 6;
    assert!(check_replace(&current, &incoming).is_ok());
    incoming.serial = 5;
    assert!(matches!(
        check_replace(&current, &incoming),
        Err(StateError::OlderSerial {
            current: 5,
            incoming: 5
        })
    ));
    incoming.serial = 9;
    incoming.lineage = "b".into();
    assert!(matches!(
        check_replace(&current, &incoming),
        Err(StateError::LineageMismatch { .. })
    ));
}

#[test]
fn save_never_lowers_the_serial() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let mut store = locked(&path, "state push", Duration::ZERO).unwrap();
    let mut s = store.state().clone();
    s.set(&addr("kiln_data.a"), "", "provider.kiln", object("1"));
    s.serial = 10;
    store.save(s).unwrap();
    assert_eq!(store.state().serial, 10, "a pushed higher serial is kept");
    let mut s = store.state().clone();
    s.serial = 3;
    s.set(&addr("kiln_data.b"), "", "provider.kiln", object("2"));
    store.save(s).unwrap();
    assert_eq!(
        store.state().serial,
        11,
        "an older one lands above the stored one"
    );
}
