# A health check is imported by its Route 53 id.
terraform import globaldeploy_health_check.api_us_east_1 0b6d3c6e-8f2a-4c1e-9d51-7a2f4e6b8c90
