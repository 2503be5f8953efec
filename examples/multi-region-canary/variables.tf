variable "zone_id" {
  description = "Route 53 hosted zone id of example.com (or of the zone that holds var.domain)."
  type        = string
}

variable "domain" {
  description = "The public name clients use; the per-region names are <region>.<domain>."
  type        = string
  default     = "api.example.com"
}

variable "release" {
  description = "The version to serve. Changing it rolls the new version out wave by wave."
  type        = string
  default     = "v2"
}
