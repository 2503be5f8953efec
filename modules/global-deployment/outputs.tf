output "deployment_id" {
  description = "Id of the globaldeploy_deployment (its name)."
  value       = globaldeploy_deployment.this.id
}

output "rollout_plan" {
  description = "The planned schedule: one row per wave, region and step with the hold and the global exposure at that point (known at plan time)."
  value       = globaldeploy_deployment.this.rollout_plan
}

output "active_version" {
  description = "The release every region serves."
  value       = globaldeploy_deployment.this.active_version
}

output "status" {
  description = "Outcome of the last rollout: succeeded, rolled_back or halted."
  value       = globaldeploy_deployment.this.status
}

output "region_status" {
  description = "Each region's rollout status, by region name."
  value       = globaldeploy_deployment.this.region_status
}

output "wave_ids" {
  description = "Ids of the wave resources, by wave name."
  value       = { for name, wave in globaldeploy_wave.this : name => wave.id }
}

output "health_check_ids" {
  description = "Route 53 health check id of each region, by region name."
  value       = { for name, region in module.region : name => region.health_check_id }
}

output "region_record_names" {
  description = "The per-region DNS name of each region (the deployment's blue/green slots), by region name."
  value       = { for name, region in module.region : name => region.deployment_region.record_name }
}

output "weighted_record_fqdn" {
  description = "Fully qualified name of the global weighted record."
  value       = globaldeploy_weighted_record.global.fqdn
}

output "failover_policy_id" {
  description = "Id (ZONEID/name/TYPE) of the failover policy in front of the weighted record; null without dr_target."
  value       = one(globaldeploy_failover_policy.dr[*].id)
}

output "fqdn" {
  description = "The public name clients use: the failover policy's name with dr_target, else the weighted record's."
  value       = var.dr_target == null ? globaldeploy_weighted_record.global.fqdn : one(globaldeploy_failover_policy.dr[*].fqdn)
}
