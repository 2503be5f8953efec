variable "name" {
  description = "Name of the service and of its globaldeploy_deployment (the key of its rollouts in the journal)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", var.name))
    error_message = "The name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit."
  }
}

variable "release" {
  description = "The version to serve everywhere. Changing it starts a wave-by-wave rollout."
  type        = string

  validation {
    condition     = length(trimspace(var.release)) > 0
    error_message = "The release must not be empty."
  }
}

variable "zone_id" {
  description = "Route 53 hosted zone id that holds domain, the per-region names and the weighted name."
  type        = string

  validation {
    condition     = can(regex("^(/hostedzone/)?[A-Z0-9]{1,32}$", var.zone_id))
    error_message = "The zone_id must be a Route 53 hosted zone id such as \"Z0123456789ABCDEFGHIJ\"."
  }
}

variable "domain" {
  description = "The public name clients use, e.g. \"api.example.com\". With dr_target it holds the failover policy; without, the global weighted record."
  type        = string

  validation {
    condition     = can(regex("^([A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9])?\\.)+[A-Za-z0-9-]+\\.?$", var.domain))
    error_message = "The domain must be a fully qualified DNS name such as \"api.example.com\"."
  }
}

variable "record_type" {
  description = "Record type of every name: \"A\" for IPv4 targets and aliases, \"AAAA\" for IPv6 targets."
  type        = string
  default     = "A"

  validation {
    condition     = contains(["A", "AAAA"], var.record_type)
    error_message = "The record_type must be \"A\" or \"AAAA\"."
  }
}

variable "waves" {
  description = "The rollout's waves, in order. Each region of var.regions names its wave; max_parallel regions of a wave move at once, bake_time is the observation after a region reaches 100 % (Go duration, e.g. \"10m\"), require_approval waits for `globaldeploy approve`."
  type = list(object({
    name             = string
    max_parallel     = optional(number, 1)
    bake_time        = optional(string, "0s")
    require_approval = optional(bool, false)
  }))

  validation {
    condition     = length(var.waves) > 0
    error_message = "At least one wave is needed."
  }

  validation {
    condition     = length(distinct([for w in var.waves : w.name])) == length(var.waves)
    error_message = "Wave names must be unique."
  }

  validation {
    condition     = alltrue([for w in var.waves : w.max_parallel >= 1 && floor(w.max_parallel) == w.max_parallel])
    error_message = "Each wave's max_parallel must be a whole number of at least 1."
  }

  validation {
    condition     = alltrue([for w in var.waves : can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", w.bake_time))])
    error_message = "Each wave's bake_time must be a Go duration such as \"90s\", \"10m\" or \"1h30m\"."
  }
}

variable "regions" {
  description = <<-EOT
    The regions, keyed by AWS region name. For each: wave (a name from var.waves), global_weight (0..255, its share
    of global traffic), exactly one of target (addresses) and target_alias (e.g. a load balancer), and optionally
    record_name (default "<region>.<domain>"), ttl, health_url and health_check (see modules/region).
  EOT
  type = map(object({
    wave          = string
    global_weight = number
    target        = optional(list(string))
    target_alias = optional(object({
      name                   = string
      zone_id                = string
      evaluate_target_health = optional(bool, true)
    }))
    record_name = optional(string)
    ttl         = optional(number, 60)
    health_url  = optional(string)
    health_check = optional(object({
      type              = optional(string, "HTTPS")
      fqdn              = optional(string)
      ip_address        = optional(string)
      port              = optional(number)
      resource_path     = optional(string, "/healthz")
      search_string     = optional(string)
      request_interval  = optional(number, 30)
      failure_threshold = optional(number, 3)
    }), {})
  }))

  validation {
    condition     = length(var.regions) > 0
    error_message = "At least one region is needed."
  }

  validation {
    condition     = alltrue([for name, _ in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", name))])
    error_message = "Each key of regions must be an AWS region name such as \"us-east-1\"."
  }

  validation {
    condition     = alltrue([for r in values(var.regions) : r.global_weight >= 0 && r.global_weight <= 255 && floor(r.global_weight) == r.global_weight])
    error_message = "Each region's global_weight must be a whole number between 0 and 255 (the Route 53 weight range)."
  }

  validation {
    condition     = anytrue([for r in values(var.regions) : r.global_weight > 0])
    error_message = "At least one region must have a global_weight above 0."
  }

  validation {
    condition     = alltrue([for r in values(var.regions) : (r.target == null) != (r.target_alias == null)])
    error_message = "Each region must set exactly one of target and target_alias."
  }
}

variable "strategy" {
  description = "How each region moves: steps (% of its traffic on the new release, strictly ascending, ending at 100), step_interval (hold at each step while gates are evaluated, Go duration) and on_failure (rollback_region, rollback_all or halt)."
  type = object({
    steps         = optional(list(number), [5, 25, 50, 100])
    step_interval = optional(string, "1m")
    on_failure    = optional(string, "rollback_region")
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for i, step in var.strategy.steps : step >= 1 && step <= 100 && floor(step) == step && (i == 0 || step > var.strategy.steps[max(i - 1, 0)])
    ]) && try(var.strategy.steps[length(var.strategy.steps) - 1], 0) == 100
    error_message = "The strategy.steps must be whole percentages between 1 and 100, strictly ascending, ending at 100 (e.g. [5, 25, 50, 100])."
  }

  validation {
    condition     = contains(["rollback_region", "rollback_all", "halt"], var.strategy.on_failure)
    error_message = "The strategy.on_failure must be \"rollback_region\", \"rollback_all\" or \"halt\"."
  }

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", var.strategy.step_interval))
    error_message = "The strategy.step_interval must be a Go duration such as \"30s\" or \"1m\"."
  }
}

variable "health_gate" {
  description = "The HTTP gate every region must pass at every step: each region's health_url is probed every interval; a step passes after min_samples with at least success_ratio answering with expect_status within timeout (and, if set, p95 latency under max_latency); failure_threshold consecutive failed evaluations roll back. null disables the gate."
  type = object({
    expect_status     = optional(list(number), [200])
    timeout           = optional(string, "2s")
    max_latency       = optional(string)
    interval          = optional(string, "5s")
    min_samples       = optional(number, 5)
    success_ratio     = optional(number, 0.99)
    failure_threshold = optional(number, 3)
  })
  default = {}

  validation {
    condition     = var.health_gate == null ? true : var.health_gate.success_ratio > 0 && var.health_gate.success_ratio <= 1
    error_message = "The health_gate.success_ratio must be above 0 and at most 1."
  }

  validation {
    condition     = var.health_gate == null ? true : var.health_gate.min_samples >= 1 && var.health_gate.failure_threshold >= 1
    error_message = "The health_gate.min_samples and health_gate.failure_threshold must be at least 1."
  }
}

variable "dr_target" {
  description = "Disaster-recovery target for domain: when every region is unhealthy, Route 53 answers with it. Exactly one of records (with ttl) and alias (e.g. a static site or another stack's name). null: no failover policy, domain holds the weighted record."
  type = object({
    records = optional(list(string))
    ttl     = optional(number, 60)
    alias = optional(object({
      name                   = string
      zone_id                = string
      evaluate_target_health = optional(bool, false)
    }))
  })
  default = null

  validation {
    condition     = var.dr_target == null ? true : (var.dr_target.records == null) != (var.dr_target.alias == null)
    error_message = "The dr_target must set exactly one of records and alias."
  }
}

variable "weighted_record_name" {
  description = "Name of the global weighted record across the regions. Default: \"global.<domain>\" with a dr_target (the failover policy's primary aliases it), else domain itself."
  type        = string
  default     = null
}

variable "rollout_timeout" {
  description = "How long one terraform apply may wait for a rollout (create and update), as a Go duration. null: the provider's default (2h)."
  type        = string
  default     = null

  validation {
    condition     = var.rollout_timeout == null ? true : can(regex("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", var.rollout_timeout))
    error_message = "The rollout_timeout must be a Go duration such as \"2h\" or \"90m\"."
  }
}

variable "tags" {
  description = "Tags for every region's health check."
  type        = map(string)
  default     = {}
  nullable    = false
}
