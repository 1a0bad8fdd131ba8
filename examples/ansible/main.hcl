# Kiln with Ansible: an image configured by a real `ansible-playbook`, run on the
# operator's machine against the build VM by a `shell-local` provisioner, then checked
# from inside the guest so the build fails if Ansible did not do its job.
#
# Needs `ansible-playbook` and `ssh` on PATH (e.g. `pip install ansible-core`; .ci/run
# makes a venv with it) and the base image that `scripts/make-base-image` writes:
#
#   scripts/make-base-image examples/quickstart/base    # or pass --var base_dir=DIR
#   cd examples/ansible && kiln apply --auto-approve
#   kiln output build_log                               # the PLAY RECAP is in there
#   kiln destroy --auto-approve

variable "base_dir" {
  type        = string
  default     = ""
  description = "Where make-base-image wrote the base image (default: the quickstart's ./base)."
}

variable "message" {
  type        = string
  default     = "configured by Ansible"
  description = "Passed to the playbook as an extra var and written to /etc/kiln-ansible."
}

locals {
  base = var.base_dir != "" ? var.base_dir : "${path.module}/../quickstart/base"
}

resource "qemu_image" "configured" {
  source = "${local.base}/base.qcow2"
  kernel = "${local.base}/vmlinuz"
  initrd = "${local.base}/initrd.img"

  # Runs here, not in the guest: run-playbook.sh writes an inventory for the build VM
  # from the KILN_BUILD_* variables Kiln sets and calls ansible-playbook.
  provisioner "shell-local" {
    script = "run-playbook.sh"
    environment = {
      KILN_ANSIBLE_EXTRA_VARS = jsonencode({ message = var.message })
      # The fingerprint covers scripts but not files they read: hashing the playbook
      # here makes an edit to it rebuild the image.
      KILN_ANSIBLE_PLAYBOOK_SHA256 = filesha256("${path.module}/playbook.yml")
    }
  }

  # Checked in the guest, over Kiln's own SSH connection: a playbook that "succeeded"
  # without writing the file still fails the build.
  provisioner "shell" {
    environment = { EXPECTED = var.message }
    inline = [
      "grep -qxF \"$EXPECTED\" /etc/kiln-ansible",
      "grep -q 'Ansible' /etc/motd",
      "echo 'verified: /etc/kiln-ansible and /etc/motd were written by Ansible'",
    ]
  }
}

output "image" {
  value = qemu_image.configured.id
}

output "build_log" {
  description = "The build's log, with Ansible's output."
  value       = qemu_image.configured.build_log
}
