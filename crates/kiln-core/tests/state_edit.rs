//! Hand edits behind `kiln state list|rm|mv`, on the shipped v1 example.

use std::path::Path;

use kiln_core::addr::Target;
use kiln_core::state::{codec, edit, State};

fn example() -> State {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../state/examples/v1.kstate");
    codec::from_bytes(&std::fs::read(&path).unwrap(), &path).unwrap()
}

fn t(text: &str) -> Target {
    Target::parse(text).unwrap()
}

fn listed(state: &State, filters: &[&str]) -> Vec<String> {
    let targets: Vec<Target> = filters.iter().map(|f| t(f)).collect();
    edit::select(state, &targets)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn select_lists_instances_once_in_address_order() {
    let s = example();
    let all = listed(&s, &[]);
    assert_eq!(
        all,
        [
            "kiln_data.db_credentials",
            "kiln_data.release",
            "local_file.boot[\"web1\"]",
            "local_file.boot[\"web2\"]",
            "qemu_image.app",
            "qemu_instance.web[0]",
            "qemu_instance.web[1]",
            "data.local_command.facts",
            "module.labels[\"web1\"].kiln_data.labels",
            "module.labels[\"web2\"].kiln_data.labels",
        ]
    );
    assert_eq!(listed(&s, &["qemu_instance.web"]).len(), 2);
    assert_eq!(
        listed(&s, &["qemu_instance.web[1]"]),
        ["qemu_instance.web[1]"]
    );
    assert_eq!(
        listed(&s, &["module.labels"]).len(),
        2,
        "a key-less module step selects every instance"
    );
    assert_eq!(listed(&s, &["module.labels[\"web2\"]"]).len(), 1);
    assert!(listed(&s, &["local_file.nope"]).is_empty());
}

#[test]
fn remove_takes_deposed_objects_too_and_is_all_or_nothing() {
    let mut s = example();
    let before = s.clone();
    assert!(edit::remove(&mut s, &[t("qemu_instance.web[0]"), t("local_file.nope")]).is_err());
    assert_eq!(
        s, before,
        "nothing removed when one address matches nothing"
    );
    let removed = edit::remove(&mut s, &[t("qemu_instance.web[0]")]).unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(listed(&s, &["qemu_instance.web"]), ["qemu_instance.web[1]"]);
    assert_eq!(s.objects().filter(|(_, d, ..)| !d.is_empty()).count(), 0);
    edit::remove(&mut s, &[t("module.labels")]).unwrap();
    assert!(listed(&s, &["module.labels"]).is_empty());
}

#[test]
fn move_instance_resource_and_module() {
    let mut s = example();
    // An instance, with its deposed object.
    let moved = edit::move_to(
        &mut s,
        &t("qemu_instance.web[0]"),
        &t("qemu_instance.web[5]"),
    )
    .unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(
        listed(&s, &["qemu_instance.web"]),
        ["qemu_instance.web[1]", "qemu_instance.web[5]"]
    );
    assert_eq!(
        s.objects()
            .filter(|(a, d, ..)| !d.is_empty() && a.to_string() == "qemu_instance.web[5]")
            .count(),
        1
    );
    // Onto an existing one: refused.
    let err = edit::move_to(
        &mut s,
        &t("qemu_instance.web[1]"),
        &t("qemu_instance.web[5]"),
    )
    .unwrap_err();
    assert!(err.contains("already exists"), "{err}");
    // A whole resource.
    let moved = edit::move_to(
        &mut s,
        &t("local_file.boot"),
        &t("module.files.local_file.boot"),
    )
    .unwrap();
    assert_eq!(moved.len(), 2);
    assert_eq!(listed(&s, &["module.files"]).len(), 2);
    // A module instance, with everything in it.
    let moved = edit::move_to(
        &mut s,
        &t("module.labels[\"web1\"]"),
        &t("module.tags[\"web1\"]"),
    )
    .unwrap();
    assert_eq!(
        moved[0].1.to_string(),
        "module.tags[\"web1\"].kiln_data.labels"
    );
    let err = edit::move_to(
        &mut s,
        &t("module.labels[\"web2\"]"),
        &t("module.tags[\"web1\"]"),
    )
    .unwrap_err();
    assert!(err.contains("already has objects"), "{err}");
    // Between an uncounted resource and an instance key.
    edit::move_to(&mut s, &t("kiln_data.release"), &t("kiln_data.releases[0]")).unwrap();
    assert_eq!(
        listed(&s, &["kiln_data.releases"]),
        ["kiln_data.releases[0]"]
    );
    // Kinds that don't fit.
    assert!(edit::move_to(&mut s, &t("qemu_image.app"), &t("kiln_data.app")).is_err());
    assert!(edit::move_to(&mut s, &t("module.tags"), &t("kiln_data.x")).is_err());
    assert!(edit::move_to(&mut s, &t("kiln_data.missing"), &t("kiln_data.y")).is_err());

    // A whole module call: every instance keeps its key.
    let moved = edit::move_to(&mut s, &t("module.tags"), &t("module.labels2")).unwrap();
    assert_eq!(
        moved[0].1.to_string(),
        "module.labels2[\"web1\"].kiln_data.labels"
    );
    let err = edit::move_to(&mut s, &t("module.labels"), &t("module.labels2")).unwrap_err();
    assert!(
        err.contains("module.labels2[\"web2\"] already has objects"),
        "{err}"
    );
}
