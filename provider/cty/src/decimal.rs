//! Exact decimal numbers in canonical form: the yardstick for comparing and classifying numbers.
//!
//! cty numbers are arbitrary-precision, and go-cty calls two numbers equal when their shortest
//! decimal renderings agree (so the float64 `0.1` equals the decimal `0.1`). Canonicalising every
//! representation — integer, float (via Rust's shortest round-trip formatting) or decimal text —
//! into a [`Decimal`] gives exactly that equality, and tells the encoders whether a decimal can be
//! sent losslessly as an integer or a float64.

/// A finite decimal `±digits × 10^exponent` in canonical form: `digits` has no leading or
/// trailing zeros, and zero is the empty digit string with a positive sign and exponent 0.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
}

impl Decimal {
    /// Parses decimal text: an optional sign, digits with an optional fractional part (at least
    /// one digit in all), and an optional exponent (`e`/`E`, optional sign, digits).
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(split) => (&rest[..split], parse_exponent(&rest[split + 1..])?),
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.len() + fraction.len() == 0 || !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        let fraction_len = i64::try_from(fraction.len()).ok()?;
        let digits = format!("{whole}{fraction}");
        Decimal::normalise(negative, &digits, exponent.checked_sub(fraction_len)?)
    }

    /// The decimal a finite float denotes under cty's rules: its shortest round-trip rendering.
    pub(crate) fn from_f64(value: f64) -> Option<Decimal> {
        if value.is_finite() {
            Decimal::parse(&format!("{value:e}"))
        } else {
            None
        }
    }

    /// The decimal equal to an integer.
    pub(crate) fn from_i64(value: i64) -> Decimal {
        let negative = value < 0;
        let digits = value.unsigned_abs().to_string();
        // An integer's digits with exponent 0 always normalise.
        Decimal::normalise(negative, &digits, 0).unwrap_or(Decimal {
            negative: false,
            digits: String::new(),
            exponent: 0,
        })
    }

    /// The integer this decimal equals, if it is an integer within `i64`.
    pub(crate) fn to_i64(&self) -> Option<i64> {
        if self.digits.is_empty() {
            return Some(0);
        }
        let zeros = usize::try_from(self.exponent).ok()?;
        if self.digits.len() + zeros > 19 {
            return None;
        }
        let mut magnitude: i128 = self.digits.parse().ok()?;
        for _ in 0..zeros {
            magnitude *= 10;
        }
        let signed = if self.negative { -magnitude } else { magnitude };
        i64::try_from(signed).ok()
    }

    /// The float64 this decimal equals exactly under cty's rules, if there is one.
    pub(crate) fn to_exact_f64(&self) -> Option<f64> {
        let sign = if self.negative { "-" } else { "" };
        let digits = if self.digits.is_empty() { "0" } else { &self.digits };
        let float: f64 = format!("{sign}{digits}e{}", self.exponent).parse().ok()?;
        (Decimal::from_f64(float).as_ref() == Some(self)).then_some(float)
    }

    fn normalise(negative: bool, digits: &str, exponent: i64) -> Option<Decimal> {
        let significant = digits.trim_start_matches('0');
        let trimmed = significant.trim_end_matches('0');
        if trimmed.is_empty() {
            return Some(Decimal {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        let dropped = i64::try_from(significant.len() - trimmed.len()).ok()?;
        Some(Decimal {
            negative,
            digits: trimmed.to_owned(),
            exponent: exponent.checked_add(dropped)?,
        })
    }
}

fn parse_exponent(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::Decimal;

    #[test]
    fn equal_values_share_one_canonical_form() {
        let forms = ["1500", "1.5e3", "15e2", "+1500.000", "0001500", "150000e-2"];
        let first = Decimal::parse(forms[0]);
        assert!(first.is_some());
        for form in forms {
            assert_eq!(Decimal::parse(form), first, "{form}");
        }
        assert_eq!(Decimal::parse("-0.0"), Decimal::parse("0"));
        assert_ne!(Decimal::parse("1.5"), Decimal::parse("15"));
    }

    #[test]
    fn rejects_text_that_is_not_a_decimal() {
        for text in [
            "", "-", ".", "1e", "1e+", "e5", "1.2.3", "0x10", " 1", "1 ", "inf", "NaN", "1_000",
        ] {
            assert_eq!(Decimal::parse(text), None, "{text:?}");
        }
        assert!(Decimal::parse(".5").is_some());
        assert!(Decimal::parse("5.").is_some());
    }

    #[test]
    fn exponent_overflow_is_rejected_not_wrapped() {
        assert_eq!(Decimal::parse("1e99999999999999999999"), None);
        assert_eq!(Decimal::parse("0.1e-9223372036854775808"), None);
    }

    #[test]
    fn integers_are_recognised_within_i64_only() {
        assert_eq!(
            Decimal::parse("9223372036854775807").and_then(|d| d.to_i64()),
            Some(i64::MAX)
        );
        assert_eq!(
            Decimal::parse("-9223372036854775808").and_then(|d| d.to_i64()),
            Some(i64::MIN)
        );
        assert_eq!(Decimal::parse("9223372036854775808").and_then(|d| d.to_i64()), None);
        assert_eq!(Decimal::parse("1.5").and_then(|d| d.to_i64()), None);
        assert_eq!(Decimal::parse("12e3").and_then(|d| d.to_i64()), Some(12_000));
        assert_eq!(Decimal::from_i64(i64::MIN).to_i64(), Some(i64::MIN));
    }

    #[test]
    fn floats_compare_by_shortest_rendering() {
        assert_eq!(Decimal::from_f64(0.1), Decimal::parse("0.1"));
        assert_eq!(Decimal::parse("0.1").and_then(|d| d.to_exact_f64()), Some(0.1));
        assert_eq!(
            Decimal::parse("0.10000000000000001").and_then(|d| d.to_exact_f64()),
            None
        );
        assert_eq!(Decimal::parse("1e400").and_then(|d| d.to_exact_f64()), None);
        assert_eq!(Decimal::from_f64(f64::INFINITY), None);
    }
}
