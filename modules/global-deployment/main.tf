# A global deployment from a map of regions: one modules/region instance (health check) per
# region, the waves, the deployment that rolls the release out wave by wave, one global weighted
# record over the per-region names and, with a DR target, a failover policy in front of it.

locals {
  regions = {
    for name, region in var.regions : name => merge(region, {
      record_name = coalesce(region.record_name, "${name}.${trimsuffix(var.domain, ".")}")
    })
  }

  # With a DR target the public name holds the failover pair, so the weighted group needs a name of its own.
  weighted_record_name = coalesce(var.weighted_record_name, var.dr_target == null ? var.domain : "global.${trimsuffix(var.domain, ".")}")

  wave_names = [for wave in var.waves : wave.name]
  # "region -> wave" for every region whose wave is not in var.waves (a typo, usually).
  misplaced_regions = [for name, region in local.regions : "${name} -> ${region.wave}" if !contains(local.wave_names, region.wave)]
}

module "region" {
  source   = "../region"
  for_each = local.regions

  name          = each.key
  record_name   = each.value.record_name
  target        = each.value.target
  target_alias  = each.value.target_alias
  ttl           = each.value.ttl
  global_weight = each.value.global_weight
  health_check  = each.value.health_check
  health_url    = each.value.health_url
  tags          = var.tags
}

resource "globaldeploy_wave" "this" {
  for_each = { for wave in var.waves : wave.name => wave }

  name             = each.key
  regions          = sort([for name, region in local.regions : name if region.wave == each.key])
  max_parallel     = each.value.max_parallel
  bake_time        = each.value.bake_time
  require_approval = each.value.require_approval

  lifecycle {
    precondition {
      condition     = anytrue([for region in values(local.regions) : region.wave == each.key])
      error_message = "Wave ${each.key} has no regions: set wave = \"${each.key}\" on at least one region of var.regions, or remove the wave.${length(local.misplaced_regions) == 0 ? "" : " Regions whose wave is not in var.waves: ${join(", ", local.misplaced_regions)}."}"
    }
  }
}

resource "globaldeploy_deployment" "this" {
  name    = var.name
  version = var.release
  zone_id = var.zone_id
  # The wave resources themselves, in the order of var.waves.
  waves = [for name in local.wave_names : globaldeploy_wave.this[name]]

  strategy {
    steps         = var.strategy.steps
    step_interval = var.strategy.step_interval
    on_failure    = var.strategy.on_failure
  }

  dynamic "region" {
    for_each = module.region
    content {
      name          = region.value.deployment_region.name
      record_name   = region.value.deployment_region.record_name
      ttl           = region.value.deployment_region.ttl
      target        = region.value.deployment_region.target
      health_url    = region.value.deployment_region.health_url
      global_weight = region.value.deployment_region.global_weight

      dynamic "target_alias" {
        for_each = region.value.deployment_region.target_alias == null ? [] : [region.value.deployment_region.target_alias]
        content {
          name                   = target_alias.value.name
          zone_id                = target_alias.value.zone_id
          evaluate_target_health = target_alias.value.evaluate_target_health
        }
      }
    }
  }

  dynamic "gate" {
    for_each = var.health_gate == null ? [] : [var.health_gate]
    content {
      http {
        expect_status = gate.value.expect_status
        timeout       = gate.value.timeout
        max_latency   = gate.value.max_latency
      }
      interval          = gate.value.interval
      min_samples       = gate.value.min_samples
      success_ratio     = gate.value.success_ratio
      failure_threshold = gate.value.failure_threshold
    }
  }

  dynamic "timeouts" {
    for_each = var.rollout_timeout == null ? [] : [var.rollout_timeout]
    content {
      create = timeouts.value
      update = timeouts.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.health_gate == null || alltrue([for region in module.region : region.deployment_region.health_url != null])
      error_message = "The health_gate probes each region's health_url, but these regions have none (a TCP health check has no URL): ${join(", ", [for name, region in module.region : name if region.deployment_region.health_url == null])}. Set their health_url, or health_gate = null."
    }
    precondition {
      condition     = length(local.misplaced_regions) == 0
      error_message = "Every region's wave must be one of var.waves (${join(", ", local.wave_names)}); regions whose wave is not: ${join(", ", local.misplaced_regions)}."
    }
  }
}

# Clients resolve the weighted name to one region by global_weight, skipping regions whose
# health check fails; each endpoint aliases the region's own name, whose blue/green slots the
# deployment moves.
resource "globaldeploy_weighted_record" "global" {
  zone_id = var.zone_id
  name    = local.weighted_record_name
  type    = var.record_type

  dynamic "endpoint" {
    for_each = module.region
    content {
      set_identifier  = endpoint.value.weighted_endpoint.set_identifier
      weight          = endpoint.value.weighted_endpoint.weight
      health_check_id = endpoint.value.weighted_endpoint.health_check_id
      alias {
        name                   = endpoint.value.weighted_endpoint.alias_name
        zone_id                = var.zone_id
        evaluate_target_health = true
      }
    }
  }

  # Route 53 accepts an alias only once its target name exists: the deployment creates the
  # per-region names.
  depends_on = [globaldeploy_deployment.this]

  lifecycle {
    precondition {
      # An alias must have the type of its target: IPv6 targets make AAAA per-region records.
      condition     = alltrue([for region in values(local.regions) : region.target == null || alltrue([for address in region.target : strcontains(address, ":") == (var.record_type == "AAAA")])])
      error_message = "With record_type = \"${var.record_type}\" every region's target must be ${var.record_type == "A" ? "IPv4" : "IPv6"} addresses; these are not: ${join(", ", [for name, region in local.regions : name if region.target != null && !alltrue([for address in coalesce(region.target, []) : strcontains(address, ":") == (var.record_type == "AAAA")])])}."
    }
  }
}

# With a DR target: the public name answers with the weighted group while any region is
# healthy, else with the DR target.
resource "globaldeploy_failover_policy" "dr" {
  count = var.dr_target == null ? 0 : 1

  zone_id = var.zone_id
  name    = var.domain
  type    = var.record_type
  ttl     = var.dr_target.records == null ? null : var.dr_target.ttl

  primary {
    alias {
      name                   = globaldeploy_weighted_record.global.name
      zone_id                = var.zone_id
      evaluate_target_health = true
    }
  }

  secondary {
    records = var.dr_target.records

    dynamic "alias" {
      for_each = var.dr_target.alias == null ? [] : [var.dr_target.alias]
      content {
        name                   = alias.value.name
        zone_id                = alias.value.zone_id
        evaluate_target_health = alias.value.evaluate_target_health
      }
    }
  }
}
