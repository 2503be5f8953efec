resource "globaldeploy_failover_policy" "api" {
  zone_id = "Z0123456789ABCDEFGHIJ"
  name    = "api.example.com"
  type    = "A"

  # The weighted group of the regions; unhealthy when none of its endpoints is healthy.
  primary {
    alias {
      name                   = "global.api.example.com"
      zone_id                = "Z0123456789ABCDEFGHIJ"
      evaluate_target_health = true
    }
  }

  # A static maintenance site.
  secondary {
    alias {
      name                   = "maintenance.example.com"
      zone_id                = "Z0123456789ABCDEFGHIJ"
      evaluate_target_health = false
    }
  }
}
