# The last rollout of deployment "api", from the provider's rollout journal.
data "globaldeploy_rollout" "api" {
  deployment = "api"
}

output "api_rollout" {
  value = {
    status          = data.globaldeploy_rollout.api.status # running | succeeded | rolled_back | halted
    target_version  = data.globaldeploy_rollout.api.target_version
    serving_version = data.globaldeploy_rollout.api.serving_version
    region_status   = data.globaldeploy_rollout.api.region_status
  }
}
