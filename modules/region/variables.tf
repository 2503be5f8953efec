variable "name" {
  description = "AWS region this instance describes, e.g. \"us-east-1\". Used as the deployment region's name and as the set identifier in the global weighted record."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.name))
    error_message = "The name must be an AWS region name such as \"us-east-1\" or \"ap-southeast-2\"."
  }
}

variable "record_name" {
  description = "The per-region DNS name (e.g. \"us-east-1.api.example.com\") whose blue/green weighted record sets the deployment owns. The global weighted record aliases this name."
  type        = string

  validation {
    condition     = can(regex("^([A-Za-z0-9_*]([A-Za-z0-9_-]*[A-Za-z0-9])?\\.)+[A-Za-z0-9-]+\\.?$", var.record_name))
    error_message = "The record_name must be a fully qualified DNS name such as \"us-east-1.api.example.com\"."
  }
}

variable "target" {
  description = "Where the release is served in this region: IPv4/IPv6 addresses. Set exactly one of target and target_alias."
  type        = list(string)
  default     = null

  validation {
    condition     = var.target == null ? true : length(var.target) >= 1 && length(var.target) <= 100
    error_message = "The target must list between 1 and 100 addresses (or be left unset when target_alias is used)."
  }
}

variable "target_alias" {
  description = "Where the release is served in this region as a Route 53 alias, e.g. a load balancer's DNS name and hosted zone id. Set exactly one of target and target_alias."
  type = object({
    name                   = string
    zone_id                = string
    evaluate_target_health = optional(bool, true)
  })
  default = null
}

variable "ttl" {
  description = "TTL in seconds of the per-region record sets (used with target only; aliases take their target's TTL)."
  type        = number
  default     = 60

  validation {
    condition     = var.ttl >= 0 && var.ttl <= 2147483647 && floor(var.ttl) == var.ttl
    error_message = "The ttl must be a whole number of seconds between 0 and 2147483647."
  }
}

variable "global_weight" {
  description = "This region's share of global traffic: its Route 53 weight in the global weighted record and its weight for the rollout's global exposure."
  type        = number

  validation {
    condition     = var.global_weight >= 0 && var.global_weight <= 255 && floor(var.global_weight) == var.global_weight
    error_message = "The global_weight must be a whole number between 0 and 255 (the Route 53 weight range)."
  }
}

variable "health_check" {
  description = <<-EOT
    The Route 53 health check of this region's endpoint. type is HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH or TCP.
    Without fqdn and ip_address the check targets the first address of target, or the alias name of target_alias.
    search_string is required by the *_STR_MATCH types; port by TCP.
  EOT
  type = object({
    type              = optional(string, "HTTPS")
    fqdn              = optional(string)
    ip_address        = optional(string)
    port              = optional(number)
    resource_path     = optional(string, "/healthz")
    search_string     = optional(string)
    request_interval  = optional(number, 30)
    failure_threshold = optional(number, 3)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"], var.health_check.type)
    error_message = "The health_check.type must be one of HTTP, HTTPS, HTTP_STR_MATCH, HTTPS_STR_MATCH or TCP."
  }

  validation {
    condition     = contains([10, 30], var.health_check.request_interval)
    error_message = "The health_check.request_interval must be 10 or 30 (seconds)."
  }

  validation {
    condition     = var.health_check.failure_threshold >= 1 && var.health_check.failure_threshold <= 10
    error_message = "The health_check.failure_threshold must be between 1 and 10."
  }

  validation {
    condition     = endswith(var.health_check.type, "_STR_MATCH") == (var.health_check.search_string != null)
    error_message = "The health_check.search_string must be set exactly when health_check.type is HTTP_STR_MATCH or HTTPS_STR_MATCH."
  }

  validation {
    condition     = var.health_check.type != "TCP" || var.health_check.port != null
    error_message = "The health_check.port is required when health_check.type is TCP."
  }
}

variable "health_url" {
  description = "URL the deployment's http gates probe for this region. Default: built from the health check (scheme from its type, its host, port and resource_path)."
  type        = string
  default     = null

  validation {
    condition     = var.health_url == null ? true : can(regex("^https?://", var.health_url))
    error_message = "The health_url must be an http:// or https:// URL."
  }
}

variable "tags" {
  description = "Tags for the health check (a \"globaldeploy:region\" tag with the region name is always added)."
  type        = map(string)
  default     = {}
  nullable    = false
}
