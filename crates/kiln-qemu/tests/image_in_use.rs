//! An image that VMs or other images still use is refused deletion, with who uses it.
//! The store's records are real files in a temporary store; no VM is needed to see the
//! refusal, which happens before anything is removed.

use kiln_qemu::build::{delete, users_of};
use kiln_qemu::instance::InstanceMeta;
use kiln_qemu::source::ImageMeta;
use kiln_qemu::store::{write_json, Store};

fn image(store: &Store, id: &str, source: &str) {
    write_json(
        &store.image_meta(id),
        &ImageMeta {
            id: id.into(),
            backing: Some(format!("{source}.qcow2")),
            source: source.into(),
            kernel: None,
            initrd: None,
            kernel_args: String::new(),
            fingerprint: "f".into(),
        },
    )
    .expect("write image record");
    std::fs::write(store.image_disk(id), b"qcow2").expect("write disk");
}

#[test]
fn an_image_in_use_names_its_users_and_a_free_one_has_none() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = Store::new(tmp.path().join(".kiln"));
    image(&store, "qimg-base", "base-0000");
    image(&store, "qimg-app", "qimg-base");
    write_json(
        &store.instance_dir("vm-1").join("meta.json"),
        &InstanceMeta {
            id: "vm-1".into(),
            image: "qimg-app".into(),
            pid: 0,
            firewalls: Vec::new(),
            nics: Vec::new(),
            forwards: Vec::new(),
            host_key: String::new(),
        },
    )
    .expect("write instance record");

    assert_eq!(
        users_of(&store, "qimg-base"),
        vec!["image qimg-app".to_string()]
    );
    assert_eq!(
        users_of(&store, "qimg-app"),
        vec!["instance vm-1".to_string()]
    );

    let refused = delete(&store, "qimg-app").expect_err("in use");
    assert!(
        refused.contains("still in use by instance vm-1"),
        "{refused}"
    );
    assert!(store.image_disk("qimg-app").exists(), "nothing was removed");

    std::fs::remove_dir_all(store.instance_dir("vm-1")).expect("remove the VM");
    assert!(users_of(&store, "qimg-app").is_empty());
    delete(&store, "qimg-app").expect("free now");
    assert!(!store.image_disk("qimg-app").exists());
    assert!(!store.image_meta("qimg-app").exists());
}
