variable "release" {
  description = "The version to serve; every region lists its targets for it in var.regions."
  type        = string
  default     = "v1"

  validation {
    condition     = alltrue([for region in values(var.regions) : contains(keys(region.targets), var.release)])
    error_message = "Every region in var.regions needs targets for this release: add it to each region's targets map."
  }
}

variable "zone_id" {
  description = "The Route 53 hosted zone of var.domain (e.g. Z0123456789ABCDEFGHIJ)."
  type        = string
}

variable "domain" {
  description = "Each region's records are named REGION.DOMAIN."
  type        = string
  default     = "api.example.com"
}

variable "regions" {
  description = "The regions: where each release is served (record values by release), the URL the gates probe, and the region's share of global traffic."
  type = map(object({
    targets       = map(list(string))
    health_url    = string
    global_weight = number
  }))
  default = {
    "us-west-2" = {
      targets       = { v1 = ["192.0.2.10"], v2 = ["192.0.2.20"], v3 = ["192.0.2.30"] }
      health_url    = "https://us-west-2.api.example.com/healthz"
      global_weight = 20
    }
    "us-east-1" = {
      targets       = { v1 = ["198.51.100.10"], v2 = ["198.51.100.20"], v3 = ["198.51.100.30"] }
      health_url    = "https://us-east-1.api.example.com/healthz"
      global_weight = 50
    }
    "eu-west-1" = {
      targets       = { v1 = ["203.0.113.10"], v2 = ["203.0.113.20"], v3 = ["203.0.113.30"] }
      health_url    = "https://eu-west-1.api.example.com/healthz"
      global_weight = 30
    }
  }
}

variable "canary_region" {
  description = "The region that takes a release first, alone; the others follow together."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = contains(keys(var.regions), var.canary_region)
    error_message = "The canary region must be one of var.regions."
  }
}

variable "schedule" {
  description = "How fast a release moves: percent steps, the hold at each step, the bake at 100 %, and how the health gates sample."
  type = object({
    steps             = optional(list(number), [10, 50, 100])
    step_interval     = optional(string, "5m")
    bake_time         = optional(string, "15m")
    gate_interval     = optional(string, "10s")
    min_samples       = optional(number, 6)
    failure_threshold = optional(number, 3)
    probe_timeout     = optional(string, "2s")
  })
  default = {}
}

variable "journal" {
  description = "Where rollouts are journaled (file://DIR or s3://BUCKET/PREFIX); `globaldeploy status` and `timeline` read it."
  type        = string
  default     = "file://.globaldeploy"
}

variable "route53_endpoint" {
  description = "Route 53 API endpoint, for a local stand-in such as moto; null uses AWS."
  type        = string
  default     = null
}

variable "skip_credentials_validation" {
  description = "Skip checking the AWS credentials on the first call (a local stand-in has no STS)."
  type        = bool
  default     = false
}
