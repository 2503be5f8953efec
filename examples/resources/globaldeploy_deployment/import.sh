# A deployment is imported by its name; the configuration is rebuilt from the rollout journal
# (the provider's `journal`), so import with the journal it was rolled out with.
terraform import globaldeploy_deployment.api api
