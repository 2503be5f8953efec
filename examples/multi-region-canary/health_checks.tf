# One Route 53 health check per region, on the same endpoint the deployment's gates probe.

resource "globaldeploy_health_check" "us_west_2" {
  type          = "HTTPS"
  ip_address    = "192.0.2.20"
  resource_path = "/healthz"
  tags          = { service = "api", region = "us-west-2" }
}

resource "globaldeploy_health_check" "us_east_1" {
  type          = "HTTPS"
  ip_address    = "192.0.2.10"
  resource_path = "/healthz"
  tags          = { service = "api", region = "us-east-1" }
}

resource "globaldeploy_health_check" "eu_west_1" {
  type          = "HTTPS"
  ip_address    = "198.51.100.10"
  resource_path = "/healthz"
  tags          = { service = "api", region = "eu-west-1" }
}

resource "globaldeploy_health_check" "ap_southeast_1" {
  type          = "HTTPS"
  ip_address    = "203.0.113.10"
  resource_path = "/healthz"
  tags          = { service = "api", region = "ap-southeast-1" }
}

resource "globaldeploy_health_check" "ap_northeast_1" {
  type          = "HTTPS"
  ip_address    = "203.0.113.20"
  resource_path = "/healthz"
  tags          = { service = "api", region = "ap-northeast-1" }
}
