resource "globaldeploy_health_check" "api_us_east_1" {
  type              = "HTTPS"
  fqdn              = "us-east-1.api.example.com"
  resource_path     = "/healthz"
  request_interval  = 10
  failure_threshold = 3

  tags = {
    service = "api"
    region  = "us-east-1"
  }
}
