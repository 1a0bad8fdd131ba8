//! Validation of the blocks only image resources have — `communicator` and `provisioner` —
//! against an inline image type (no provider in this build ships one yet).

use std::path::Path;

use kiln_core::config::{load_configuration, LoadOptions};
use kiln_core::diag_render::render_plain;
use kiln_core::lang::{Functions, Type};
use kiln_core::schema::{
    AttrSchema, ProviderSchema, ResourceKind, ResourceSchema, Schema, Schemas,
};

fn schemas() -> Schemas {
    let mut p = ProviderSchema {
        name: "test".into(),
        ..Default::default()
    };
    p.resources.insert(
        "test_image".into(),
        ResourceSchema {
            kind: ResourceKind::Image,
            description: "",
            body: Schema::new()
                .attr("source_image", AttrSchema::required(Type::String))
                .attr("id", AttrSchema::computed(Type::String)),
        },
    );
    let mut s = Schemas::new();
    s.add(p);
    s
}

/// Loads one `main.hcl`; returns the rendered diagnostics ("" when valid).
fn check(hcl: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), hcl).expect("write");
    std::fs::write(dir.path().join("setup.sh"), "echo hi\n").expect("write");
    let opts = LoadOptions {
        dir: dir.path().to_path_buf(),
        cwd: Path::new("/").to_path_buf(),
        ..Default::default()
    };
    let loaded = load_configuration(&opts, &schemas(), &Functions::standard());
    render_plain(&loaded.sources, &loaded.diagnostics)
}

#[test]
fn provisioners_may_use_build_and_self() {
    let out = check(
        r#"
resource "test_image" "base" {
  source_image = "debian-12"
  communicator "ssh" {
    username = "admin"
    timeout  = "5m"
  }
  provisioner "shell" {
    inline      = ["echo ${self.source_image} on ${build.host}:${build.port}"]
    environment = { IMAGE = self.source_image }
  }
  provisioner "file" {
    source      = "setup.sh"
    destination = "/tmp/setup.sh"
  }
  provisioner "shell-local" {
    command = "ansible-playbook -i ${build.host}, -u ${build.user} site.yml"
  }
}
"#,
    );
    assert_eq!(out, "");
}

#[test]
fn unknown_provisioner_and_communicator_types_are_named() {
    let out = check(
        r#"
resource "test_image" "base" {
  source_image = "debian-12"
  communicator "sshh" {}
  provisioner "shel" {
    inline = ["true"]
  }
}
"#,
    );
    assert!(out.contains("Unknown communicator type"), "{out}");
    assert!(out.contains("Did you mean \"ssh\"?"), "{out}");
    assert!(out.contains("Unknown provisioner type"), "{out}");
    assert!(out.contains("Did you mean \"shell\"?"), "{out}");
    assert!(out.contains("main.hcl:4:3"), "{out}");
}

#[test]
fn shell_needs_exactly_one_source_of_commands() {
    let out = check(
        r#"
resource "test_image" "base" {
  source_image = "debian-12"
  provisioner "shell" {
    inline = ["true"]
    script = "setup.sh"
  }
  provisioner "shell" {
    environment = { A = "b" }
  }
  provisioner "file" {
    source = "setup.sh"
  }
}
"#,
    );
    assert!(
        out.contains("needs exactly one of inline, script or scripts, but 2 were set"),
        "{out}"
    );
    assert!(
        out.contains("needs exactly one of inline, script or scripts, but 0 were set"),
        "{out}"
    );
    assert!(
        out.contains("The argument \"destination\" is required"),
        "{out}"
    );
}

#[test]
fn build_is_not_available_outside_provisioners() {
    let out = check(
        r#"
resource "test_image" "base" {
  source_image = build.host
  provisioner "shell" {
    inlin = ["true"]
  }
}
"#,
    );
    assert!(out.contains("Invalid \"build\" reference"), "{out}");
    assert!(out.contains("Did you mean \"inline\"?"), "{out}");
}
