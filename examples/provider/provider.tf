# Credentials and region follow the AWS conventions (environment, shared profiles, instance
# roles); everything below is optional.
provider "globaldeploy" {
  region                  = "us-east-1"
  profile                 = "deploy"
  api_requests_per_second = 5                      # shared by every Route 53 call
  journal                 = "file://.globaldeploy" # the default; or s3://bucket/prefix for a team

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/globaldeploy"
    session_name = "terraform"
  }
}
