output "name" {
  description = "The AWS region name."
  value       = var.name
}

output "health_check_id" {
  description = "Id of the region's Route 53 health check."
  value       = globaldeploy_health_check.this.id
}

output "deployment_region" {
  description = "The values of a globaldeploy_deployment `region` block for this region (name, record_name, ttl, target, target_alias, health_url, global_weight); use it in a `dynamic \"region\"` block."
  value = {
    name          = var.name
    record_name   = var.record_name
    ttl           = var.ttl
    target        = var.target
    target_alias  = var.target_alias
    health_url    = local.health_url
    global_weight = var.global_weight
  }
}

output "weighted_endpoint" {
  description = "This region's endpoint in a global globaldeploy_weighted_record: set_identifier, weight, the alias name (record_name) and health_check_id."
  value = {
    set_identifier  = var.name
    weight          = var.global_weight
    alias_name      = var.record_name
    health_check_id = globaldeploy_health_check.this.id
  }
}
