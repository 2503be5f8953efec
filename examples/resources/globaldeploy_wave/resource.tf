resource "globaldeploy_wave" "canary" {
  name             = "canary"
  regions          = ["us-west-2"]
  max_parallel     = 1
  bake_time        = "15m"
  require_approval = false

  # Applies to every region of this wave, on top of the deployment's gates.
  gate {
    http {
      expect_status = [200]
      max_latency   = "250ms"
    }
    interval      = "10s"
    min_samples   = 6
    success_ratio = 1
  }
}

resource "globaldeploy_wave" "rest" {
  name             = "rest"
  regions          = ["us-east-1", "eu-west-1", "ap-southeast-1"]
  max_parallel     = 2
  bake_time        = "10m"
  require_approval = true # starts after `globaldeploy approve <deployment>`
}
