# Every weighted set of api.example.com, written in one atomic change batch.
resource "globaldeploy_weighted_record" "api" {
  zone_id = "Z0123456789ABCDEFGHIJ"
  name    = "api.example.com"
  type    = "A"
  ttl     = 60

  endpoint {
    set_identifier  = "us-east-1"
    weight          = 60
    records         = ["192.0.2.10", "192.0.2.11"]
    health_check_id = "0b6d3c6e-8f2a-4c1e-9d51-7a2f4e6b8c90"
  }

  endpoint {
    set_identifier = "eu-west-1"
    weight         = 40
    records        = ["198.51.100.10"]
  }
}
