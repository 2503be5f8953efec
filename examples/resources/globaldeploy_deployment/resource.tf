variable "release" {
  type    = string
  default = "v2"
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
}

resource "globaldeploy_deployment" "api" {
  name    = "api"
  version = var.release
  zone_id = "Z0123456789ABCDEFGHIJ"
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
    name        = "eu-west-1"
    record_name = "eu-west-1.api.example.com"
    target_alias {
      name                   = "api-euw1-1234567890.eu-west-1.elb.amazonaws.com"
      zone_id                = "Z32O12XQLNTSW2"
      evaluate_target_health = true
    }
    health_url    = "https://api-euw1-1234567890.eu-west-1.elb.amazonaws.com/healthz"
    global_weight = 30
  }

  gate {
    http {
      expect_status = [200]
      timeout       = "2s"
      max_latency   = "500ms"
    }
    interval          = "5s"
    min_samples       = 10
    success_ratio     = 0.99
    failure_threshold = 3
  }

  timeouts {
    update = "2h"
  }
}
