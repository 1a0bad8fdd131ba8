# Standard labels for a server: every team's images and instances carry the same keys,
# so inventories and firewall rules can rely on them.

variable "name" {
  type        = string
  description = "The server's name."
}

variable "env" {
  type        = string
  description = "The environment: dev, staging or prod."

  validation {
    condition     = contains(["dev", "staging", "prod"], var.env)
    error_message = "env must be one of dev, staging or prod."
  }
}

variable "extra" {
  type        = map(string)
  default     = {}
  description = "Additional labels; they may not override the standard ones."
}

locals {
  standard = {
    name       = var.name
    env        = var.env
    managed-by = "kiln"
  }
}

output "labels" {
  value = merge(var.extra, local.standard)
}
