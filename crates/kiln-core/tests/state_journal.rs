//! The write-ahead journal: entries survive a crash and are folded in by the next run,
//! a torn last line is ignored, corruption in the middle is an error, and concurrent
//! recorders share fsyncs (group commit).

use std::path::Path;
use std::time::Duration;

use kiln_core::addr::{InstanceKey, Target};
use kiln_core::state::{
    InstanceState, Journal, JournalEntry, LocalBackend, LockInfo, OutputState, StateError, Store,
};

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

fn set(a: &str, id: &str) -> JournalEntry {
    JournalEntry::Set {
        addr: addr(a),
        deposed: String::new(),
        provider: "provider.kiln".into(),
        instance: object(id),
    }
}

fn open_locked(path: &Path) -> Store {
    Store::open(
        Box::new(LocalBackend::new(path)),
        Some((LockInfo::new("apply", "t@h", 1), Duration::ZERO)),
    )
    .expect("opens")
}

#[test]
fn handles_can_be_shared_across_tasks() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Journal>();
    fn object_safe(_: Option<Box<dyn kiln_core::state::Backend>>) {}
    object_safe(None);
}

#[test]
fn entries_round_trip_with_addresses_as_text() {
    let e = JournalEntry::Remove {
        addr: addr("module.net[\"a\"].kiln_data.x[3]"),
        deposed: "d1".into(),
    };
    let line = serde_json::to_string(&e).unwrap();
    assert_eq!(
        line,
        r#"{"remove":{"addr":"module.net[\"a\"].kiln_data.x[3]","deposed":"d1"}}"#
    );
    assert_eq!(serde_json::from_str::<JournalEntry>(&line).unwrap(), e);
    let e = set("data.local_command.facts", "1");
    let back: JournalEntry = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back, e);
}

#[test]
fn replay_after_a_crash_folds_the_entries_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    {
        let mut store = open_locked(&path);
        let mut s = store.state().clone();
        s.set(&addr("kiln_data.old"), "", "provider.kiln", object("0"));
        store.save(s).unwrap();
        let journal = store.journal().unwrap();
        journal.record_blocking(set("kiln_data.a", "1")).unwrap();
        journal.record_blocking(set("kiln_data.b[0]", "2")).unwrap();
        journal
            .record_blocking(JournalEntry::Remove {
                addr: addr("kiln_data.old"),
                deposed: String::new(),
            })
            .unwrap();
        let mut outputs = std::collections::BTreeMap::new();
        outputs.insert(
            "ip".to_string(),
            OutputState {
                value: "10.0.0.1".into(),
                sensitive: false,
            },
        );
        journal
            .record_blocking(JournalEntry::Outputs(outputs))
            .unwrap();
        assert_eq!(
            std::fs::metadata(journal.path()).map(|m| m.len() > 0).ok(),
            Some(true)
        );
        // The run dies here: no save. Dropping releases the lock as the kernel would.
    }
    let journal_path = dir.path().join("kiln.kstate.journal");
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(&journal_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(m & 0o777, 0o600);
    }

    // A read-only open folds in memory and leaves the files alone.
    let before = std::fs::read(&path).unwrap();
    let ro = Store::open(Box::new(LocalBackend::new(&path)), None).unwrap();
    assert!(ro.state().instance(&addr("kiln_data.a")).is_some());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(std::fs::metadata(&journal_path).unwrap().len() > 0);
    drop(ro);

    // A locked open writes the folded state with the next serial and empties the journal.
    let store = open_locked(&path);
    let s = store.state();
    assert_eq!(s.serial, 2);
    assert!(s.instance(&addr("kiln_data.a")).is_some());
    assert!(s.instance(&addr("kiln_data.b[0]")).is_some());
    assert!(s.instance(&addr("kiln_data.old")).is_none());
    assert_eq!(s.outputs["ip"].value, "10.0.0.1");
    assert_eq!(std::fs::metadata(&journal_path).unwrap().len(), 0);
    let on_disk = LocalBackend::new(&path);
    assert_eq!(
        kiln_core::state::Backend::read(&on_disk).unwrap().as_ref(),
        Some(s)
    );
}

#[test]
fn save_empties_the_journal_after_the_state_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let mut store = open_locked(&path);
    let journal = store.journal().unwrap();
    let e = set("kiln_data.a", "1");
    journal.record_blocking(e.clone()).unwrap();
    let mut s = store.state().clone();
    e.apply_to(&mut s);
    store.save(s).unwrap();
    assert_eq!(std::fs::metadata(journal.path()).unwrap().len(), 0);
    // The writer appends from the start after the truncation (no hole of zeros).
    journal.record_blocking(set("kiln_data.b", "2")).unwrap();
    let text = std::fs::read_to_string(journal.path()).unwrap();
    assert!(text.starts_with("{\"set\""), "{text:?}");
    assert_eq!(Journal::replay(journal.path()).unwrap().len(), 1);
}

#[test]
fn torn_last_line_is_ignored_and_trimmed_before_appending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let good = serde_json::to_string(&set("kiln_data.a", "1")).unwrap();
    let torn = &serde_json::to_string(&set("kiln_data.b", "2")).unwrap()[..20];
    std::fs::write(&path, format!("{good}\n{torn}")).unwrap();
    assert_eq!(
        Journal::replay(&path).unwrap(),
        vec![set("kiln_data.a", "1")]
    );
    // Zeros after the last line (a size extended without its data) are a torn tail too.
    std::fs::write(&path, format!("{good}\n\0\0\0\0")).unwrap();
    assert_eq!(Journal::replay(&path).unwrap().len(), 1);

    std::fs::write(&path, format!("{good}\n{torn}")).unwrap();
    let j = Journal::open(&path).unwrap();
    j.record_blocking(set("kiln_data.c", "3")).unwrap();
    assert_eq!(
        Journal::replay(&path).unwrap(),
        vec![set("kiln_data.a", "1"), set("kiln_data.c", "3")]
    );
}

#[test]
fn corruption_in_the_middle_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate.journal");
    let good = serde_json::to_string(&set("kiln_data.a", "1")).unwrap();
    std::fs::write(&path, format!("{good}\n{{garbage\n{good}\n")).unwrap();
    let err = Journal::replay(&path).expect_err("corrupt");
    assert!(
        matches!(err, StateError::JournalCorrupt { line: 2, .. }),
        "{err:?}"
    );
    let state = dir.path().join("kiln.kstate");
    let err = Store::open(Box::new(LocalBackend::new(&state)), None)
        .err()
        .expect("a store refuses to open over a corrupt journal");
    assert!(
        err.to_diagnostic().detail.contains("kiln.kstate.journal:2"),
        "{err}"
    );
}

#[test]
fn group_commit_shares_fsyncs_between_concurrent_recorders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j");
    let journal = Journal::open(&path).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    const N: usize = 1000;
    rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..N {
            let j = journal.clone();
            tasks.push(tokio::spawn(async move {
                j.record(set(&format!("kiln_data.x[{i}]"), &i.to_string()))
                    .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    });
    let syncs = journal.sync_count();
    assert_eq!(Journal::replay(&path).unwrap().len(), N);
    assert!(syncs >= 1);
    // Typically 2–60 here; the bound leaves room for a loaded machine.
    assert!(
        syncs <= (N / 4) as u64,
        "{syncs} fsyncs for {N} entries: group commit should batch them"
    );
}

/// A build's temporary resource, recorded in the journal before it existed, survives a
/// crash, and a save that changes only temporaries is written (the apply that kept a
/// failed build machine under --on-error=abort changes nothing else).
#[test]
fn temporaries_survive_a_crash_and_saves_that_change_only_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiln.kstate");
    let temporary = kiln_core::state::TemporaryState {
        owner: "qemu_image.app".into(),
        provider: "provider.qemu".into(),
        kind: "build_vm".into(),
        description: "build machine".into(),
        data: serde_json::json!({ "pid": 42 }),
    };
    {
        let store = open_locked(&path);
        let journal = store.journal().unwrap();
        journal
            .record_blocking(JournalEntry::TemporarySet {
                id: "build-1/vm".into(),
                temporary: temporary.clone(),
            })
            .unwrap();
    }
    let mut store = open_locked(&path);
    assert_eq!(
        store.state().temporaries.get("build-1/vm"),
        Some(&temporary)
    );
    let mut s = store.state().clone();
    s.temporaries.clear();
    store.save(s).unwrap();
    drop(store);
    let reopened = Store::open(Box::new(LocalBackend::new(&path)), None).unwrap();
    assert!(reopened.state().temporaries.is_empty());

    let mut store = open_locked(&path);
    let mut s = store.state().clone();
    s.temporaries.insert("build-2/vm".into(), temporary.clone());
    store.save(s).unwrap();
    drop(store);
    let reopened = Store::open(Box::new(LocalBackend::new(&path)), None).unwrap();
    assert_eq!(reopened.state().temporaries.len(), 1);
}
