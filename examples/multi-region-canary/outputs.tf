output "rollout_plan" {
  description = "The schedule of the next rollout: wave, region, step, hold and global exposure (known at plan time)."
  value       = globaldeploy_deployment.api.rollout_plan
}

output "active_version" {
  description = "The version every region serves."
  value       = globaldeploy_deployment.api.active_version
}

output "region_status" {
  description = "Each region's status after the last rollout."
  value       = globaldeploy_deployment.api.region_status
}
