//! Go-style duration strings ("90s", "1h30m", "1.5h", "250ms").
//!
//! Terraform users write durations the way Go's `time.ParseDuration` reads them, and so does
//! every other provider; accepting exactly that grammar (minus negative values, which no
//! setting here can mean) keeps configurations portable. No crate implements Go's grammar
//! exactly (humantime, for one, wants spaces and rejects fractions), hence this file.

use std::time::Duration;

use thiserror::Error;

/// Why a duration string was rejected.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DurationError {
    /// Empty string.
    #[error("a duration must not be empty; write a number and a unit such as \"30s\" or \"1h30m\"")]
    Empty,
    /// A leading minus sign.
    #[error("durations cannot be negative")]
    Negative,
    /// A number without a unit, or text that is not a number.
    #[error(
        "{0:?} is not a duration: expected a sequence of numbers with units (ns, us, ms, s, m, h), e.g. \"1h30m\""
    )]
    Malformed(String),
    /// A unit Go does not know.
    #[error("unknown unit {unit:?} in duration {input:?}; valid units are ns, us (or µs), ms, s, m, h")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole input.
        input: String,
    },
    /// Larger than Go's int64 nanoseconds.
    #[error("duration {0:?} is too large")]
    Overflow(String),
}

/// Parses a Go-style duration. "0" alone is accepted, as in Go.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let text = input.trim();
    let text = text.strip_prefix('+').unwrap_or(text);
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if text.starts_with('-') {
        return Err(DurationError::Negative);
    }
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let malformed = || DurationError::Malformed(input.to_owned());
    let mut total_nanos: f64 = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(malformed());
        }
        let value: f64 = number.parse().map_err(|_| malformed())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(malformed()),
            other => {
                return Err(DurationError::UnknownUnit {
                    unit: other.to_owned(),
                    input: input.to_owned(),
                })
            }
        };
        total_nanos += value * scale;
    }
    // Go stores durations as int64 nanoseconds.
    if total_nanos > i64::MAX as f64 {
        return Err(DurationError::Overflow(input.to_owned()));
    }
    // Sums of non-negative numbers, checked above to fit int64 nanoseconds.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(Duration::from_nanos(total_nanos.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_examples() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2h45m30.5s"), Ok(Duration::from_millis(9_930_500)));
        assert_eq!(parse_duration("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(parse_duration("10µs"), Ok(Duration::from_micros(10)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration(".5s"), Ok(Duration::from_millis(500)));
    }

    #[test]
    fn rejects_what_go_rejects() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("-5s"), Err(DurationError::Negative));
        assert!(matches!(parse_duration("5"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("s"), Err(DurationError::Malformed(_))));
        assert!(matches!(parse_duration("1..2s"), Err(DurationError::Malformed(_))));
        assert!(matches!(
            parse_duration("5 minutes"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(parse_duration("3d"), Err(DurationError::UnknownUnit { .. })));
        assert!(matches!(parse_duration("9999999999h"), Err(DurationError::Overflow(_))));
    }
}
