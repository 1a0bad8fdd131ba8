# Kiln quickstart: a base image, an app image chained on it, a private network, a
# firewall and two VMs serving a page — all with QEMU on this machine.
#
# The base image's inputs (kernel, initrd, a busybox + dropbear root disk) are made from
# Debian packages by `scripts/make-base-image examples/quickstart/base`, which
# `scripts/quickstart` runs for you.

variable "environment" {
  type        = string
  default     = "dev"
  description = "Written into each VM at first boot by user_data; the page shows it."
}

variable "ssh_authorized_keys" {
  type        = list(string)
  default     = []
  description = "Public keys allowed to log in as root (publish port 22 with a firewall rule to use them)."
}

variable "base_dir" {
  type        = string
  default     = ""
  description = "Where make-base-image wrote the base image (default: ./base beside this file)."
}

locals {
  base = var.base_dir != "" ? var.base_dir : "${path.module}/base"
}

# The base: the imported root disk, hardened a little, written as a standalone image
# (flatten) so it no longer depends on the imported file.
resource "qemu_image" "base" {
  source  = "${local.base}/base.qcow2"
  kernel  = "${local.base}/vmlinuz"
  initrd  = "${local.base}/initrd.img"
  flatten = true

  provisioner "shell" {
    inline = ["echo 'Kiln base image' > /etc/motd"]
  }
}

# The app, chained on the base: a tiny web service. Edit app/install.sh and plan: this
# image is rebuilt and both instances are replaced.
resource "qemu_image" "app" {
  source = qemu_image.base.id

  provisioner "shell" {
    script = "${path.module}/app/install.sh"
  }
}

resource "qemu_network" "lan" {
  cidr = "10.10.0.0/24"
}

resource "qemu_firewall" "web" {
  # Port 80 of each instance, published on a host port Kiln chooses.
  ingress {
    port = 80
    from = "host"
  }
  # The instances may reach each other's port 80 on the private network.
  ingress {
    port = 80
    from = "10.10.0.0/24"
  }
}

resource "qemu_instance" "web" {
  count     = 2
  image     = qemu_image.app.id
  firewalls = [qemu_firewall.web.id]

  network_interface {
    network = qemu_network.lan.id
  }

  ssh_authorized_keys = var.ssh_authorized_keys

  user_data = <<-EOT
    #!/bin/sh
    echo "${var.environment}" > /etc/kiln-environment
  EOT
}

output "urls" {
  description = "The page of each instance."
  value       = [for vm in qemu_instance.web : "http://127.0.0.1:${vm.host_ports["80"]}/"]
}

output "private_ips" {
  value = qemu_instance.web[*].ip
}
