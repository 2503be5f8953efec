//! cty numbers: arbitrary-precision values held in the cheapest faithful representation.
//!
//! Most numbers in practice are small integers or ordinary floats; the rest (huge integers,
//! decimals with more precision than float64) keep their exact decimal text. Equality follows
//! go-cty: two numbers are equal when their shortest decimal renderings agree, whatever their
//! representation (`Int(5) == Float(5.0) == Big("5e0")`, and `-0 == 0`).

use crate::decimal::Decimal;

/// A cty number.
#[derive(Clone, Debug)]
pub enum Number {
    /// An integer within `i64`.
    Int(i64),
    /// A float64. NaN is not a cty number and is refused by the encoders; infinities are allowed
    /// in msgpack but not in JSON.
    Float(f64),
    /// Decimal text such as `18446744073709551615` or `1e400`, for numbers neither `Int` nor
    /// `Float` can hold exactly.
    Big(String),
}

/// How an encoder should write a number so that nothing is lost (go-cty's rule: integer when
/// exact, else float64 when exact, else decimal text).
pub(crate) enum WireNumber<'a> {
    Int(i64),
    Float(f64),
    Text(&'a str),
}

impl Number {
    /// Parses decimal text (`-12`, `1.5`, `6.02e23`) into the cheapest exact representation:
    /// `Int` if it is an integer within `i64`, `Float` if a float64 equals it, `Big` otherwise.
    /// Returns `None` when the text is not a decimal number.
    pub fn parse(text: &str) -> Option<Number> {
        let decimal = Decimal::parse(text)?;
        Some(if let Some(int) = decimal.to_i64() {
            Number::Int(int)
        } else if let Some(float) = decimal.to_exact_f64() {
            Number::Float(float)
        } else {
            Number::Big(text.to_owned())
        })
    }

    /// The number as an `i64`, if it is an integer within range (whatever its representation).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(int) => Some(*int),
            Number::Float(_) | Number::Big(_) => self.canonical()?.to_i64(),
        }
    }

    /// The nearest `f64` (infinite when a `Big` exceeds float64's range); `None` for a `Big`
    /// whose text is not a decimal number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            // Rounding to the nearest float is what this accessor promises.
            Number::Int(int) => Some(*int as f64),
            Number::Float(float) => Some(*float),
            Number::Big(text) => Decimal::parse(text).and_then(|_| text.parse().ok()),
        }
    }

    /// How to put this number on the wire; `None` for NaN or a malformed `Big`.
    pub(crate) fn wire(&self) -> Option<WireNumber<'_>> {
        match self {
            Number::Int(int) => Some(WireNumber::Int(*int)),
            Number::Float(float) if float.is_nan() => None,
            Number::Float(float) => Some(match self.as_i64() {
                Some(int) => WireNumber::Int(int),
                None => WireNumber::Float(*float),
            }),
            Number::Big(text) => {
                let decimal = Decimal::parse(text)?;
                Some(if let Some(int) = decimal.to_i64() {
                    WireNumber::Int(int)
                } else if let Some(float) = decimal.to_exact_f64() {
                    WireNumber::Float(float)
                } else {
                    WireNumber::Text(text)
                })
            }
        }
    }

    /// The exact decimal value; `None` for non-finite floats and malformed text.
    fn canonical(&self) -> Option<Decimal> {
        match self {
            Number::Int(int) => Some(Decimal::from_i64(*int)),
            Number::Float(float) => Decimal::from_f64(*float),
            Number::Big(text) => Decimal::parse(text),
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            // Distinct floats have distinct shortest renderings, so float equality agrees with
            // the decimal rule (and handles infinities, which have no decimal form).
            (Number::Float(a), Number::Float(b)) => a == b,
            (Number::Big(a), Number::Big(b)) if a == b => true,
            _ => match (self.canonical(), other.canonical()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Number {
        Number::Int(value)
    }
}

impl From<f64> for Number {
    fn from(value: f64) -> Number {
        Number::Float(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Number;

    #[test]
    fn equality_is_numeric_across_representations() {
        assert_eq!(Number::Int(5), Number::Float(5.0));
        assert_eq!(Number::Float(5.0), Number::Big("5e0".into()));
        assert_eq!(Number::Float(-0.0), Number::Int(0));
        assert_eq!(Number::Float(0.1), Number::Big("0.1".into()));
        assert_ne!(Number::Int(5), Number::Float(5.5));
        assert_ne!(Number::Float(f64::NAN), Number::Float(f64::NAN));
        assert_ne!(Number::Float(f64::INFINITY), Number::Big("1e400".into()));
    }

    #[test]
    fn parse_picks_the_cheapest_exact_form() {
        assert!(matches!(Number::parse("42"), Some(Number::Int(42))));
        assert!(matches!(Number::parse("4.2e1"), Some(Number::Int(42))));
        assert!(matches!(Number::parse("1.5"), Some(Number::Float(f)) if f == 1.5));
        assert!(matches!(Number::parse("1e400"), Some(Number::Big(t)) if t == "1e400"));
        assert!(Number::parse("forty-two").is_none());
    }

    #[test]
    fn as_i64_accepts_exact_integers_only() {
        assert_eq!(Number::Float(3.0).as_i64(), Some(3));
        assert_eq!(Number::Float(3.5).as_i64(), None);
        assert_eq!(Number::Float(1e19).as_i64(), None);
        assert_eq!(Number::Big("-7000e-3".into()).as_i64(), Some(-7));
        assert_eq!(Number::Big("18446744073709551615".into()).as_i64(), None);
    }
}
