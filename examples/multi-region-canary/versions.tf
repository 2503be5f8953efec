terraform {
  required_version = ">= 1.5"

  required_providers {
    globaldeploy = {
      source = "globaldeploy/globaldeploy"
    }
  }
}

# Credentials, region and endpoints come from the usual AWS environment (AWS_PROFILE,
# AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL_ROUTE_53 for moto, ...). The rollout journal is the local
# directory .globaldeploy; use journal = "s3://bucket/prefix" when a team shares the deployment.
provider "globaldeploy" {
  region = "us-east-1"
}
