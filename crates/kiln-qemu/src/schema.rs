//! The qemu provider's schema: its provider block and its four resource types.

use kiln_core::config::image_blocks::with_build_blocks;
use kiln_core::lang::types::ObjectType;
use kiln_core::lang::Type;
use kiln_core::schema::{
    AttrSchema, BlockSchema, Nesting, ProviderSchema, ResourceKind, ResourceSchema, Schema,
};

pub const IMAGE: &str = "qemu_image";
pub const INSTANCE: &str = "qemu_instance";
pub const NETWORK: &str = "qemu_network";
pub const FIREWALL: &str = "qemu_firewall";

fn strings() -> Type {
    Type::List(Box::new(Type::String))
}

fn labels() -> AttrSchema {
    AttrSchema::optional(Type::Map(Box::new(Type::String)))
        .describe("free-form labels; the only attribute that changes in place")
}

pub fn provider_schema() -> ProviderSchema {
    let mut p = ProviderSchema {
        name: "qemu".into(),
        config: Schema::new()
            .attr(
                "qemu_binary",
                AttrSchema::optional(Type::String)
                    .describe("the qemu-system-x86_64 to run (default: found on PATH)"),
            )
            .attr(
                "accel",
                AttrSchema::optional(Type::String)
                    .describe("\"auto\" (KVM when it works, else TCG), \"kvm\" or \"tcg\""),
            )
            .attr(
                "store_dir",
                AttrSchema::optional(Type::String)
                    .describe("where images and VMs live (default: .kiln beside the state)"),
            ),
        ..Default::default()
    };
    p.resources.insert(IMAGE.into(), image());
    p.resources.insert(INSTANCE.into(), instance());
    p.resources.insert(NETWORK.into(), network());
    p.resources.insert(FIREWALL.into(), firewall());
    p
}

fn image() -> ResourceSchema {
    let body = Schema::new()
        .attr(
            "source",
            AttrSchema::required(Type::String)
                .describe("a qcow2 file, an http(s) URL of one, or another qemu_image's id"),
        )
        .attr(
            "source_checksum",
            AttrSchema::optional(Type::String)
                .describe("\"sha256:HEX\" or \"blake3:HEX\" of the source file; required for URLs"),
        )
        .attr(
            "kernel",
            AttrSchema::optional(Type::String)
                .describe("a kernel to boot directly (default: the source image's)"),
        )
        .attr("initrd", AttrSchema::optional(Type::String))
        .attr("kernel_args", AttrSchema::optional(Type::String))
        .attr(
            "memory",
            AttrSchema::optional(Type::Number).describe("MiB for the build machine (256)"),
        )
        .attr("cpus", AttrSchema::optional(Type::Number))
        .attr(
            "flatten",
            AttrSchema::optional(Type::Bool)
                .describe("write a standalone image instead of an overlay on the source"),
        )
        .attr("labels", labels())
        .attr(
            "id",
            AttrSchema::computed(Type::String).describe("content-addressed image id"),
        )
        .attr("path", AttrSchema::computed(Type::String))
        .attr("size", AttrSchema::computed(Type::Number))
        .attr(
            "fingerprint",
            AttrSchema::computed(Type::String).describe(
                "digest of the configuration, the source and every file the provisioners read",
            ),
        )
        .attr("build_log", AttrSchema::computed(Type::String));
    ResourceSchema {
        kind: ResourceKind::Image,
        body: with_build_blocks(body),
        description: "A qcow2 image built by booting its source and running provisioners.",
    }
}

fn instance() -> ResourceSchema {
    let nic = Schema::new()
        .attr("network", AttrSchema::required(Type::String))
        .attr(
            "ip",
            AttrSchema::optional_computed(Type::String)
                .describe("a static address in the network's cidr (default: assigned)"),
        );
    let ssh = Type::Object(ObjectType {
        attrs: [
            ("host".to_string(), Type::String),
            ("port".to_string(), Type::Number),
            ("user".to_string(), Type::String),
            ("host_key".to_string(), Type::String),
        ]
        .into_iter()
        .collect(),
        ..Default::default()
    });
    let body = Schema::new()
        .attr("image", AttrSchema::required(Type::String))
        .attr("memory", AttrSchema::optional(Type::Number))
        .attr("cpus", AttrSchema::optional(Type::Number))
        .attr("firewalls", AttrSchema::optional(strings()))
        .attr(
            "user_data",
            AttrSchema::optional(Type::String).describe("a script run once, at first boot"),
        )
        .attr("ssh_authorized_keys", AttrSchema::optional(strings()))
        .attr("hostname", AttrSchema::optional(Type::String))
        .attr("labels", labels())
        .block("network_interface", BlockSchema::new(Nesting::List, nic))
        .attr("id", AttrSchema::computed(Type::String))
        .attr(
            "ip",
            AttrSchema::computed(Type::String).describe("the address on the first private network"),
        )
        .attr(
            "host_ports",
            AttrSchema::computed(Type::Map(Box::new(Type::Number)))
                .describe("guest port → host port on 127.0.0.1, for published ports"),
        )
        .attr(
            "ssh",
            AttrSchema::computed(ssh).describe("how to reach port 22, when a rule publishes it"),
        )
        .attr("console_log", AttrSchema::computed(Type::String))
        .attr(
            "status",
            AttrSchema::computed(Type::String)
                .describe("\"running\"; anything else (found by refresh) means replacement"),
        );
    ResourceSchema {
        kind: ResourceKind::Instance,
        body,
        description: "A long-running VM from a qemu_image, on the operator's machine.",
    }
}

fn network() -> ResourceSchema {
    ResourceSchema {
        kind: ResourceKind::Plain,
        body: Schema::new()
            .attr(
                "cidr",
                AttrSchema::required(Type::String)
                    .force_new()
                    .describe("the segment's IPv4 range, e.g. 10.10.0.0/24"),
            )
            .attr("labels", labels())
            .attr("id", AttrSchema::computed(Type::String)),
        description: "A private L2 segment between the project's VMs.",
    }
}

fn firewall() -> ResourceSchema {
    let rule = Schema::new()
        .attr("port", AttrSchema::optional(Type::Number))
        .attr(
            "protocol",
            AttrSchema::optional(Type::String)
                .describe("\"tcp\" (default), \"udp\", \"icmp\" or \"all\""),
        )
        .attr(
            "from",
            AttrSchema::required(Type::String)
                .describe("\"host\" (publish on 127.0.0.1) or a CIDR of peers"),
        )
        .attr(
            "host_port",
            AttrSchema::optional(Type::Number)
                .describe("with from = \"host\": the host port (default: chosen per instance)"),
        );
    ResourceSchema {
        kind: ResourceKind::Plain,
        body: Schema::new()
            .block("ingress", BlockSchema::new(Nesting::List, rule))
            .attr("labels", labels())
            .attr("id", AttrSchema::computed(Type::String)),
        description: "Inbound rules for the instances that use it; changes apply in place.",
    }
}
