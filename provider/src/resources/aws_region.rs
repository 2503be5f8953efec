//! AWS region names (`us-east-1`, `ap-southeast-1`, `us-gov-west-1`).
//!
//! Regions are names users type by hand in waves and deployments; a typo such as `us-east1`
//! would otherwise surface only when the rollout reaches that wave.

use globaldeploy_sdk::cty::Value;
use globaldeploy_sdk::framework::validators::{self, Validator};

/// Whether `name` has the shape of an AWS region: a two-letter area, one or more words, and a
/// number, joined by hyphens, all lowercase.
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let [area, words @ .., number] = parts.as_slice() else {
        return false;
    };
    area.len() == 2
        && area.bytes().all(|b| b.is_ascii_lowercase())
        && !words.is_empty()
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Validates one region name.
pub fn region_name() -> impl Validator {
    validators::from_fn(|value: &Value| match value.as_str() {
        Some(name) if is_region_name(name) => Ok(()),
        Some(name) => Err(format!(
            "{name:?} is not an AWS region name; expected a name like \"us-east-1\" or \"ap-southeast-2\"."
        )),
        None => Err("expected a region name".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::is_region_name;

    #[test]
    fn accepts_real_regions_and_rejects_typos() {
        for good in [
            "us-east-1",
            "eu-west-1",
            "ap-southeast-1",
            "ap-northeast-1",
            "us-gov-west-1",
            "me-central-1",
        ] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "us-east1",
            "US-EAST-1",
            "useast-1",
            "us--1",
            "us-east-",
            "u-east-1",
            "us-east-1a",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }
}
