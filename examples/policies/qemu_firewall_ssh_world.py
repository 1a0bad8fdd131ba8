"""Kiln policy for checkov: no qemu_firewall may publish SSH (port 22) to the whole world.

checkov reads Kiln's JSON plan (`kiln plan --format json`) as a Terraform plan: each
qemu_firewall in `planned_values` arrives here as `conf`, with every attribute wrapped in
a one-element list, and each `ingress` block as a dict of such lists.
"""

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

# A CIDR with prefix length 0 admits every address of its family.
WORLD_SUFFIX = "/0"
SSH_PORT = 22


def _scalar(value):
    """The value of an attribute as checkov hands it over: `[22]` -> 22."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _opens_ssh_to_world(rule):
    source = _scalar(rule.get("from"))
    if not isinstance(source, str) or not source.endswith(WORLD_SUFFIX):
        return False
    # Kiln's default protocol is tcp; "all" admits every port, 22 included.
    protocol = _scalar(rule.get("protocol")) or "tcp"
    if protocol == "all":
        return True
    return protocol == "tcp" and _scalar(rule.get("port")) == SSH_PORT


class QemuFirewallSshWorld(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="qemu_firewall must not admit SSH (port 22) from 0.0.0.0/0",
            id="CKV_KILN_1",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("qemu_firewall",),
        )

    def scan_resource_conf(self, conf):
        for rule in conf.get("ingress") or []:
            if isinstance(rule, dict) and _opens_ssh_to_world(rule):
                return CheckResult.FAILED
        return CheckResult.PASSED


check = QemuFirewallSshWorld()
