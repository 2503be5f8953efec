output "fqdn" {
  description = "The public name (the failover policy)."
  value       = module.shop.fqdn
}

output "weighted_record_fqdn" {
  description = "The weighted name the failover policy's primary aliases."
  value       = module.shop.weighted_record_fqdn
}

output "health_check_ids" {
  description = "Route 53 health check id of each region."
  value       = module.shop.health_check_ids
}

output "rollout_plan" {
  description = "The schedule of the next rollout (known at plan time)."
  value       = module.shop.rollout_plan
}
