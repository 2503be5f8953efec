output "deployment" {
  description = "What the deployment serves, and each region's rollout status and serving slot."
  value = {
    version        = globaldeploy_deployment.api.version
    active_version = globaldeploy_deployment.api.active_version
    status         = globaldeploy_deployment.api.status
    region_status  = globaldeploy_deployment.api.region_status
    active_slot    = globaldeploy_deployment.api.active_slot
  }
}
