# A two-wave rollout plan: a canary region first, then the rest two at a time.
# Run it with `bash scripts/demo.sh` (builds the provider and points Terraform at it).

terraform {
  required_providers {
    globaldeploy = {
      source = "globaldeploy/globaldeploy"
    }
  }
}

# globaldeploy_wave is state only: no AWS credentials are needed for this example.
provider "globaldeploy" {}

resource "globaldeploy_wave" "canary" {
  name    = "canary"
  regions = ["us-west-2"]
}

resource "globaldeploy_wave" "rest" {
  name         = "rest"
  regions      = ["us-east-1", "eu-west-1"]
  max_parallel = 2
  bake_time    = "5m"
}

output "canary_wave_id" {
  value = globaldeploy_wave.canary.id
}

output "rest_wave" {
  value = {
    id           = globaldeploy_wave.rest.id
    regions      = globaldeploy_wave.rest.regions
    max_parallel = globaldeploy_wave.rest.max_parallel
    bake_time    = globaldeploy_wave.rest.bake_time
  }
}
