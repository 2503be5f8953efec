# The configuration the workflow plans: a change of var.release (or of a region's target) is a
# rollout, and the pull-request comment shows its schedule wave by wave.

terraform {
  required_version = ">= 1.5"

  required_providers {
    globaldeploy = {
      source = "globaldeploy/globaldeploy"
    }
  }

  # Plans in CI need the state of the last apply, e.g.:
  # backend "s3" {
  #   bucket = "my-terraform-state"
  #   key    = "globaldeploy/api.tfstate"
  #   region = "us-east-1"
  # }
}

provider "globaldeploy" {
  region = "us-east-1"
}

variable "zone_id" {
  description = "Route 53 hosted zone id that holds the per-region names."
  type        = string
}

variable "release" {
  description = "The version to serve; a pull request that bumps it gets the rollout schedule as a comment."
  type        = string
  default     = "v1.4.0"
}

resource "globaldeploy_wave" "canary" {
  name      = "canary"
  regions   = ["us-west-2"]
  bake_time = "10m"
}

resource "globaldeploy_wave" "rest" {
  name         = "rest"
  regions      = ["us-east-1", "eu-west-1"]
  max_parallel = 2
  bake_time    = "5m"
}

resource "globaldeploy_deployment" "api" {
  name    = "api"
  version = var.release
  zone_id = var.zone_id
  waves   = [globaldeploy_wave.canary, globaldeploy_wave.rest]

  strategy {
    steps         = [5, 25, 50, 100]
    step_interval = "1m"
    on_failure    = "rollback_region"
  }

  region {
    name          = "us-west-2"
    record_name   = "us-west-2.api.example.com"
    target        = ["192.0.2.20"]
    health_url    = "https://192.0.2.20/healthz"
    global_weight = 20
  }

  region {
    name          = "us-east-1"
    record_name   = "us-east-1.api.example.com"
    target        = ["192.0.2.10"]
    health_url    = "https://192.0.2.10/healthz"
    global_weight = 50
  }

  region {
    name          = "eu-west-1"
    record_name   = "eu-west-1.api.example.com"
    target        = ["198.51.100.10"]
    health_url    = "https://198.51.100.10/healthz"
    global_weight = 30
  }

  gate {
    http {
      expect_status = [200]
      max_latency   = "500ms"
    }
    min_samples   = 10
    success_ratio = 0.99
  }
}
