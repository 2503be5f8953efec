# A failover policy is imported by ZONEID/name/TYPE (its PRIMARY and SECONDARY sets at once).
terraform import globaldeploy_failover_policy.api Z0123456789ABCDEFGHIJ/api.example.com/A
