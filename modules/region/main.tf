# One region of a global deployment: its Route 53 health check and the values of the
# deployment's `region` block. The per-region record sets themselves belong to the deployment
# (blue/green slots), so this module only describes them.

locals {
  hc = var.health_check

  # The host the health check probes: what the caller names, else the region's own endpoint.
  ip_address = local.hc.ip_address != null ? local.hc.ip_address : (local.hc.fqdn == null && var.target != null ? var.target[0] : null)
  fqdn       = local.hc.fqdn != null ? local.hc.fqdn : (local.ip_address == null && var.target_alias != null ? var.target_alias.name : null)

  is_tcp = local.hc.type == "TCP"
  # IPv6 addresses go in brackets inside URLs.
  url_host = local.fqdn != null ? local.fqdn : (local.ip_address == null ? null : (strcontains(local.ip_address, ":") ? "[${local.ip_address}]" : local.ip_address))
  url_port = local.hc.port == null ? "" : ":${local.hc.port}"
  scheme   = startswith(local.hc.type, "HTTPS") ? "https" : "http"
  # The gate probes the same endpoint as the health check unless told otherwise; a TCP check has no URL.
  health_url = var.health_url != null ? var.health_url : (local.is_tcp || local.url_host == null ? null : "${local.scheme}://${local.url_host}${local.url_port}${local.hc.resource_path}")
}

resource "globaldeploy_health_check" "this" {
  type              = local.hc.type
  fqdn              = local.fqdn
  ip_address        = local.ip_address
  port              = local.hc.port
  resource_path     = local.is_tcp ? null : local.hc.resource_path
  search_string     = local.hc.search_string
  request_interval  = local.hc.request_interval
  failure_threshold = local.hc.failure_threshold
  tags              = merge(var.tags, { "globaldeploy:region" = var.name })

  lifecycle {
    precondition {
      condition     = (var.target == null) != (var.target_alias == null)
      error_message = "Region ${var.name}: set exactly one of target and target_alias."
    }
  }
}
