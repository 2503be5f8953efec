# The weights of a name managed elsewhere (another stack, the console, `globaldeploy adopt`).
data "globaldeploy_weighted_record" "api" {
  zone_id = "Z0123456789ABCDEFGHIJ"
  name    = "api.example.com"
  type    = "A"
}

output "api_weights" {
  value = data.globaldeploy_weighted_record.api.weights # e.g. { "eu-west-1" = 40, "us-east-1" = 60 }
}
