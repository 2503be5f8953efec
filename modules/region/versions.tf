terraform {
  required_version = ">= 1.5"

  required_providers {
    globaldeploy = {
      source = "globaldeploy/globaldeploy"
    }
  }
}
