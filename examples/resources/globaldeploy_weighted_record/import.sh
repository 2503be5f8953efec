# A weighted record is imported by ZONEID/name/TYPE (all its weighted sets at once).
terraform import globaldeploy_weighted_record.api Z0123456789ABCDEFGHIJ/api.example.com/A
