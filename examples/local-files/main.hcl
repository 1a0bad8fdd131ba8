# The built-in providers on their own: one file per server and a recorded release. A
# tour of the language (variables with validation, modules with for_each, heredocs) that
# needs no VM; `examples/quickstart` is the same idea with real images and VMs.

kiln {
  required_version = ">= 0.1"
}

variable "app_version" {
  type        = string
  default     = "1.0.0"
  description = "Version shown by the app's page."

  validation {
    condition     = length(var.app_version) > 0
    error_message = "app_version must not be empty."
  }
}

variable "servers" {
  type = map(object({ memory = optional(number, 256), role = string }))
  default = {
    web1 = { role = "web" }
    web2 = { role = "web", memory = 512 }
  }
}

locals {
  page = <<-EOT
    <h1>Hello from Kiln</h1>
    <p>version ${var.app_version}</p>
  EOT
}

module "labels" {
  source   = "../../modules/server-labels"
  for_each = var.servers
  name     = each.key
  env      = "dev"
  extra    = { role = each.value.role }
}

# A file on this machine, one per server: what each server would be told at boot.
resource "local_file" "boot" {
  for_each = var.servers
  filename = "${path.module}/out/${each.key}.env"
  content  = join("", [for k, v in module.labels[each.key].labels : "${upper(replace(k, "-", "_"))}=${v}\n"])
}

resource "kiln_data" "release" {
  input            = { version = var.app_version, servers = [for name, s in var.servers : name] }
  triggers_replace = var.app_version
}

output "boot_files" {
  value = [for f in local_file.boot : f.filename]
}

output "release" {
  value = kiln_data.release.input
}
