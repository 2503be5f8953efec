variable "zone_id" {
  description = "Route 53 hosted zone id of example.com (or of the zone that holds var.domain)."
  type        = string
}

variable "domain" {
  description = "The public name clients use. It fails over to the DR site when no region is healthy."
  type        = string
  default     = "shop.example.com"
}

variable "release" {
  description = "The version to serve. Changing it rolls the new version out wave by wave."
  type        = string
  default     = "2024.06.1"
}
