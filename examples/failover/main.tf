# Two active regions behind a weighted name, with a static disaster-recovery site behind them:
#
#   shop.example.com         failover: PRIMARY = alias of global.shop.example.com (evaluates health)
#                                      SECONDARY = the DR site's address
#   global.shop.example.com  weighted: us-east-1 60, eu-west-1 40 (health-checked aliases)
#   <region>.shop.example.com          the deployment's blue/green slots of each region
#
# Route 53 answers with the DR site only while every region's health check fails. All of it
# comes from modules/global-deployment, which creates one modules/region per region.

module "shop" {
  source = "../../modules/global-deployment"

  name    = "shop"
  release = var.release
  zone_id = var.zone_id
  domain  = var.domain

  waves = [
    { name = "first", bake_time = "10m" },
    { name = "second", bake_time = "10m" },
  ]

  regions = {
    "us-east-1" = {
      wave          = "first"
      global_weight = 60
      target        = ["192.0.2.10", "192.0.2.11"]
    }
    "eu-west-1" = {
      wave          = "second"
      global_weight = 40
      target        = ["198.51.100.10", "198.51.100.11"]
      health_check  = { request_interval = 10, failure_threshold = 2 }
    }
  }

  strategy = {
    steps         = [10, 50, 100]
    step_interval = "2m"
    on_failure    = "rollback_all"
  }

  health_gate = {
    max_latency   = "800ms"
    success_ratio = 0.995
  }

  # A static "we'll be right back" site in a third region, outside the rollout.
  dr_target = {
    records = ["203.0.113.50"]
    ttl     = 60
  }

  tags = { service = "shop" }
}
