# Five regions in three waves: a canary region, then the two big US/EU regions together, then
# Asia-Pacific after a manual approval. Each region moves 5 % → 25 % → 50 % → 100 % of its
# traffic, holding one minute per step while its health gates are evaluated; a failing gate
# rolls that region back. api.example.com spreads clients over the regions by global weight.

resource "globaldeploy_wave" "canary" {
  name      = "canary"
  regions   = ["us-west-2"]
  bake_time = "15m"

  # The canary is held to a stricter latency budget than the deployment-wide gate below.
  gate {
    http {
      max_latency = "250ms"
    }
    interval      = "10s"
    min_samples   = 6
    success_ratio = 1
  }
}

resource "globaldeploy_wave" "americas_europe" {
  name         = "americas-europe"
  regions      = ["us-east-1", "eu-west-1"]
  max_parallel = 2
  bake_time    = "10m"
}

resource "globaldeploy_wave" "asia_pacific" {
  name             = "asia-pacific"
  regions          = ["ap-southeast-1", "ap-northeast-1"]
  max_parallel     = 2
  bake_time        = "10m"
  require_approval = true # `globaldeploy approve api` lets this wave start
}

resource "globaldeploy_deployment" "api" {
  name    = "api"
  version = var.release
  zone_id = var.zone_id
  waves = [
    globaldeploy_wave.canary,
    globaldeploy_wave.americas_europe,
    globaldeploy_wave.asia_pacific,
  ]

  strategy {
    steps         = [5, 25, 50, 100]
    step_interval = "1m"
    on_failure    = "rollback_region"
  }

  region {
    name          = "us-west-2"
    record_name   = "us-west-2.${var.domain}"
    target        = ["192.0.2.20"]
    health_url    = "https://192.0.2.20/healthz"
    global_weight = 10
  }

  region {
    name          = "us-east-1"
    record_name   = "us-east-1.${var.domain}"
    target        = ["192.0.2.10"]
    health_url    = "https://192.0.2.10/healthz"
    global_weight = 30
  }

  region {
    name          = "eu-west-1"
    record_name   = "eu-west-1.${var.domain}"
    target        = ["198.51.100.10"]
    health_url    = "https://198.51.100.10/healthz"
    global_weight = 25
  }

  region {
    name          = "ap-southeast-1"
    record_name   = "ap-southeast-1.${var.domain}"
    target        = ["203.0.113.10"]
    health_url    = "https://203.0.113.10/healthz"
    global_weight = 20
  }

  region {
    name          = "ap-northeast-1"
    record_name   = "ap-northeast-1.${var.domain}"
    target        = ["203.0.113.20"]
    health_url    = "https://203.0.113.20/healthz"
    global_weight = 15
  }

  # Every region, at every step: 99 % of probes of its health_url answer 200 within 500 ms (p95).
  gate {
    http {
      expect_status = [200]
      timeout       = "2s"
      max_latency   = "500ms"
    }
    interval          = "5s"
    min_samples       = 10
    success_ratio     = 0.99
    failure_threshold = 3
  }

  timeouts {
    create = "2h"
    update = "3h"
  }
}

# The global name: one weighted alias per region, weighted like the regions' global_weight and
# skipped while the region's health check fails.
resource "globaldeploy_weighted_record" "api" {
  zone_id = var.zone_id
  name    = var.domain
  type    = "A"

  endpoint {
    set_identifier  = "us-west-2"
    weight          = 10
    health_check_id = globaldeploy_health_check.us_west_2.id
    alias {
      name                   = "us-west-2.${var.domain}"
      zone_id                = var.zone_id
      evaluate_target_health = true
    }
  }

  endpoint {
    set_identifier  = "us-east-1"
    weight          = 30
    health_check_id = globaldeploy_health_check.us_east_1.id
    alias {
      name                   = "us-east-1.${var.domain}"
      zone_id                = var.zone_id
      evaluate_target_health = true
    }
  }

  endpoint {
    set_identifier  = "eu-west-1"
    weight          = 25
    health_check_id = globaldeploy_health_check.eu_west_1.id
    alias {
      name                   = "eu-west-1.${var.domain}"
      zone_id                = var.zone_id
      evaluate_target_health = true
    }
  }

  endpoint {
    set_identifier  = "ap-southeast-1"
    weight          = 20
    health_check_id = globaldeploy_health_check.ap_southeast_1.id
    alias {
      name                   = "ap-southeast-1.${var.domain}"
      zone_id                = var.zone_id
      evaluate_target_health = true
    }
  }

  endpoint {
    set_identifier  = "ap-northeast-1"
    weight          = 15
    health_check_id = globaldeploy_health_check.ap_northeast_1.id
    alias {
      name                   = "ap-northeast-1.${var.domain}"
      zone_id                = var.zone_id
      evaluate_target_health = true
    }
  }

  # The aliases need their targets: the deployment creates the per-region names.
  depends_on = [globaldeploy_deployment.api]
}
