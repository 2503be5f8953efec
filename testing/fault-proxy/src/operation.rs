//! Which Route 53 (or path-style S3) operation an HTTP request is, from its method and path
//! alone.
//!
//! Route 53 is a REST-XML API: the operation is fully determined by the method and the path
//! under the API version (`/2013-04-01/...`), e.g. `POST /2013-04-01/hostedzone/Z1/rrset` is
//! ChangeResourceRecordSets. Counting calls by these names lets tests assert costs such as
//! "one listing page per 300 sets".

/// The operation name of a request: Route 53's (under its API version), else path-style S3's
/// (`/BUCKET` or `/BUCKET/KEY`, what the journal store sends to moto and MinIO), else
/// `Other:<METHOD> <path>`.
pub fn operation_name(method: &str, path_and_query: &str) -> String {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Skip the API version segment ("2013-04-01").
    let rest = match segments.split_first() {
        Some((version, rest)) if version.starts_with("20") => rest,
        Some((_bucket, key)) => {
            return s3_operation(method, !key.is_empty(), query)
                .map_or_else(|| format!("Other:{method} {path}"), str::to_owned)
        }
        None => return format!("Other:{method} {path}"),
    };
    let name = match (method, rest) {
        ("POST", ["hostedzone"]) => "CreateHostedZone",
        ("GET", ["hostedzone"]) => "ListHostedZones",
        ("GET", ["hostedzone", _]) => "GetHostedZone",
        ("POST", ["hostedzone", _]) => "UpdateHostedZoneComment",
        ("DELETE", ["hostedzone", _]) => "DeleteHostedZone",
        ("POST", ["hostedzone", _, "rrset"]) => "ChangeResourceRecordSets",
        ("GET", ["hostedzone", _, "rrset"]) => "ListResourceRecordSets",
        ("GET", ["hostedzonesbyname"]) => "ListHostedZonesByName",
        ("GET", ["hostedzonecount"]) => "GetHostedZoneCount",
        ("GET", ["change", _]) => "GetChange",
        ("POST", ["healthcheck"]) => "CreateHealthCheck",
        ("GET", ["healthcheck"]) => "ListHealthChecks",
        ("GET", ["healthcheckcount"]) => "GetHealthCheckCount",
        ("GET", ["healthcheck", _]) => "GetHealthCheck",
        ("POST", ["healthcheck", _]) => "UpdateHealthCheck",
        ("DELETE", ["healthcheck", _]) => "DeleteHealthCheck",
        ("GET", ["healthcheck", _, "status"]) => "GetHealthCheckStatus",
        ("GET", ["healthcheck", _, "lastfailurereason"]) => "GetHealthCheckLastFailureReason",
        ("GET", ["tags", _, _]) => "ListTagsForResource",
        ("POST", ["tags", _, _]) => "ChangeTagsForResource",
        ("POST", ["tags", _]) => "ListTagsForResources",
        _ => return format!("Other:{method} {path}"),
    };
    name.to_owned()
}

/// The S3 operation of a path-style request on a bucket, or on an object when `object`.
fn s3_operation(method: &str, object: bool, query: &str) -> Option<&'static str> {
    Some(match (method, object) {
        ("GET", true) => "GetObject",
        ("PUT", true) => "PutObject",
        ("HEAD", true) => "HeadObject",
        ("DELETE", true) => "DeleteObject",
        ("GET", false) if query.split('&').any(|p| p == "list-type=2") => "ListObjectsV2",
        ("PUT", false) => "CreateBucket",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::operation_name;

    #[test]
    fn route53_paths_map_to_operations() {
        let cases = [
            ("POST", "/2013-04-01/hostedzone/Z1/rrset", "ChangeResourceRecordSets"),
            ("POST", "/2013-04-01/hostedzone/Z1/rrset/", "ChangeResourceRecordSets"),
            (
                "GET",
                "/2013-04-01/hostedzone/Z1/rrset?maxitems=300",
                "ListResourceRecordSets",
            ),
            ("GET", "/2013-04-01/change/C2682N5HXP0BZ4", "GetChange"),
            ("POST", "/2013-04-01/healthcheck", "CreateHealthCheck"),
            ("GET", "/2013-04-01/healthcheck/abc/status", "GetHealthCheckStatus"),
            ("POST", "/2013-04-01/tags/healthcheck/abc", "ChangeTagsForResource"),
            ("GET", "/2013-04-01/hostedzone/Z1", "GetHostedZone"),
        ];
        for (method, path, want) in cases {
            assert_eq!(operation_name(method, path), want, "{method} {path}");
        }
        assert_eq!(operation_name("GET", "/"), "Other:GET /");
    }

    #[test]
    fn path_style_s3_requests_map_to_operations() {
        let cases = [
            ("GET", "/team/prod/api/lease.json", "GetObject"),
            (
                "PUT",
                "/team/prod/api/journal/00000000000000000003.json?x-id=PutObject",
                "PutObject",
            ),
            (
                "GET",
                "/team?list-type=2&prefix=prod%2Fapi%2Fjournal%2F",
                "ListObjectsV2",
            ),
            ("PUT", "/team", "CreateBucket"),
            ("POST", "/team/key", "Other:POST /team/key"),
        ];
        for (method, path, want) in cases {
            assert_eq!(operation_name(method, path), want, "{method} {path}");
        }
    }
}
