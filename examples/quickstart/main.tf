# The quickstart: one service, "api", in three regions, rolled out in two waves: a canary
# region first, then the other two together. Each region's name (us-east-1.api.example.com,
# ...) has two weighted record sets, blue and green. A new release is published on the idle
# one and its share of the region's traffic moves step by step (var.schedule.steps), each step
# held while health gates probe the region; a failing gate returns every region the rollout
# touched to its exact prior weights (on_failure = "rollback_all").
#
# `bash scripts/demo.sh` runs it against a local Route 53 (moto) and local region servers:
# v1, then v2 through the waves, then a v3 that goes bad in us-east-1 and is rolled back.
# For real use set zone_id, domain and regions (variables.tf), and change `release` to roll out.

terraform {
  required_version = ">= 1.9" # validations that refer to other variables
  required_providers {
    globaldeploy = {
      source = "globaldeploy/globaldeploy"
    }
  }
}

# Credentials and region follow the usual AWS_* variables and shared config files.
provider "globaldeploy" {
  journal                     = var.journal
  skip_credentials_validation = var.skip_credentials_validation
  endpoints {
    route53 = var.route53_endpoint
  }
}

locals {
  # Every region but the canary, in a stable order.
  other_regions = sort([for name in keys(var.regions) : name if name != var.canary_region])
}

resource "globaldeploy_wave" "canary" {
  name      = "canary"
  regions   = [var.canary_region]
  bake_time = var.schedule.bake_time
}

resource "globaldeploy_wave" "rest" {
  name         = "rest"
  regions      = local.other_regions
  max_parallel = length(local.other_regions)
  bake_time    = var.schedule.bake_time
}

resource "globaldeploy_deployment" "api" {
  name    = "api"
  version = var.release
  zone_id = var.zone_id
  waves   = [globaldeploy_wave.canary, globaldeploy_wave.rest]

  strategy {
    steps         = var.schedule.steps
    step_interval = var.schedule.step_interval
    on_failure    = "rollback_all"
  }

  dynamic "region" {
    for_each = var.regions
    content {
      name          = region.key
      record_name   = "${region.key}.${var.domain}"
      target        = region.value.targets[var.release]
      health_url    = region.value.health_url
      global_weight = region.value.global_weight
    }
  }

  # Every region, at every step: all of the last min_samples probes of its health_url answer 200.
  gate {
    http {
      timeout = var.schedule.probe_timeout
    }
    interval          = var.schedule.gate_interval
    min_samples       = var.schedule.min_samples
    success_ratio     = 1
    failure_threshold = var.schedule.failure_threshold
  }
}
