//! Which Route 53 operation an HTTP request is, from its method and path alone.
//!
//! Route 53 is a REST-XML API: the operation is fully determined by the method and the path
//! under the API version (`/2013-04-01/...`), e.g. `POST /2013-04-01/hostedzone/Z1/rrset` is
//! ChangeResourceRecordSets. Counting calls by these names lets tests assert costs such as
//! "one listing page per 300 sets".

/// The Route 53 operation name of a request, or `Other:<METHOD> <path>` for anything else.
pub fn operation_name(method: &str, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Skip the API version segment ("2013-04-01").
    let rest = match segments.split_first() {
        Some((version, rest)) if version.starts_with("20") => rest,
        _ => return format!("Other:{method} {path}"),
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
        assert_eq!(operation_name("GET", "/bucket/key"), "Other:GET /bucket/key");
    }
}
