//! Validators: reusable checks on configured values, reported at the attribute's path.
//!
//! Validators only ever see known values: an attribute whose value is unknown at validate time
//! (it depends on another resource) is skipped by the framework, and collection validators skip
//! unknown elements, so a configuration is never rejected for what Terraform cannot know yet.

use std::time::Duration;

use globaldeploy_cty::Value;

use super::diagnostics::Diagnostics;
use super::duration::parse_duration;
use super::path::AttributePath;

/// A check on one attribute's known, non-null value.
pub trait Validator: Send + Sync {
    /// Adds an error to `diags`, at `path`, when `value` is invalid.
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics);
}

/// A check across the attributes and nested blocks of one block instance.
pub trait BlockValidator: Send + Sync {
    /// Adds an error to `diags` when `object` (one instance of the block, at `path`) is invalid.
    fn validate(&self, object: &Value, path: &AttributePath, diags: &mut Diagnostics);
}

/// A validator from a function returning the reason a value is invalid.
struct FnValidator<F>(F);

impl<F> Validator for FnValidator<F>
where
    F: Fn(&Value) -> Result<(), String> + Send + Sync,
{
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Err(detail) = (self.0)(value) {
            diags.error_at(
                path.clone(),
                format!("Invalid value for \"{}\"", last_name(path)),
                detail,
            );
        }
    }
}

/// The last attribute name of `path`, for summaries.
fn last_name(path: &AttributePath) -> String {
    path.steps()
        .iter()
        .rev()
        .find_map(|step| match step {
            super::path::PathStep::Attribute(name) => Some(name.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// A validator from a function returning why the value is invalid.
pub fn from_fn(check: impl Fn(&Value) -> Result<(), String> + Send + Sync + 'static) -> impl Validator {
    FnValidator(check)
}

/// A string that is one of `allowed`.
pub fn one_of(allowed: &'static [&'static str]) -> impl Validator {
    from_fn(move |value| match value.as_str() {
        Some(s) if allowed.contains(&s) => Ok(()),
        Some(s) => Err(format!(
            "{s:?} is not allowed; expected one of: {}.",
            allowed.join(", ")
        )),
        None => Err("expected a string".to_owned()),
    })
}

/// A non-empty string.
pub fn not_empty() -> impl Validator {
    from_fn(|value| match value.as_str() {
        Some("") => Err("must not be empty".to_owned()),
        _ => Ok(()),
    })
}

/// A whole number in `min..=max`.
pub fn int_between(min: i64, max: i64) -> impl Validator {
    from_fn(move |value| match value.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(()),
        Some(n) => Err(format!(
            "{n} is out of range: expected a whole number from {min} to {max}."
        )),
        None => Err(format!("expected a whole number from {min} to {max}.")),
    })
}

/// A whole number that is one of `allowed`.
pub fn int_one_of(allowed: &'static [i64]) -> impl Validator {
    from_fn(move |value| {
        let choices = allowed.iter().map(i64::to_string).collect::<Vec<_>>().join(" or ");
        match value.as_i64() {
            Some(n) if allowed.contains(&n) => Ok(()),
            Some(n) => Err(format!("{n} is not allowed; expected {choices}.")),
            None => Err(format!("expected {choices}.")),
        }
    })
}

/// A whole number of at least `min`.
pub fn int_at_least(min: i64) -> impl Validator {
    from_fn(move |value| match value.as_i64() {
        Some(n) if n >= min => Ok(()),
        Some(n) => Err(format!("{n} is too small: expected a whole number of at least {min}.")),
        None => Err(format!("expected a whole number of at least {min}.")),
    })
}

/// A number in the half-open interval `(min, max]`.
pub fn number_above_up_to(min: f64, max: f64) -> impl Validator {
    from_fn(move |value| match value.as_f64() {
        Some(n) if n > min && n <= max => Ok(()),
        Some(n) => Err(format!(
            "{n} is out of range: expected a number greater than {min} and at most {max}."
        )),
        None => Err(format!("expected a number greater than {min} and at most {max}.")),
    })
}

/// A number in the closed interval `[min, max]`.
pub fn number_between(min: f64, max: f64) -> impl Validator {
    from_fn(move |value| match value.as_f64() {
        Some(n) if (min..=max).contains(&n) => Ok(()),
        Some(n) => Err(format!("{n} is out of range: expected a number from {min} to {max}.")),
        None => Err(format!("expected a number from {min} to {max}.")),
    })
}

/// A Go-style duration such as "30s" or "1h30m", of at least `min`, in whole milliseconds:
/// the engine counts time in milliseconds, so a finer duration would silently become another
/// one (`"500us"` would become `0ms`, and a gate every 0 ms spins).
pub fn duration_at_least(min: Duration) -> impl Validator {
    from_fn(move |value| {
        let Some(text) = value.as_str() else {
            return Err("expected a duration string such as \"30s\"".to_owned());
        };
        let duration = parse_duration(text).map_err(|e| e.to_string())?;
        if duration.subsec_nanos() % 1_000_000 != 0 {
            Err(format!(
                "{text:?} is not a whole number of milliseconds; durations are counted in milliseconds, e.g. \"1ms\" or \"1.5s\"."
            ))
        } else if duration < min {
            Err(format!(
                "{text:?} is too short: expected at least {}.",
                humantime::format_duration(min)
            ))
        } else {
            Ok(())
        }
    })
}

/// A list or set with between `min` and `max` known elements.
pub fn length_between(min: usize, max: usize) -> impl Validator {
    from_fn(move |value| {
        let len = value.as_list().map_or(0, <[Value]>::len);
        if (min..=max).contains(&len) {
            Ok(())
        } else if min == max {
            Err(format!("expected exactly {min} element(s), got {len}."))
        } else {
            Err(format!("expected from {min} to {max} element(s), got {len}."))
        }
    })
}

/// A list whose known elements are pairwise distinct; the error points at the repeat.
pub fn unique() -> impl Validator {
    Unique
}

struct Unique;

impl Validator for Unique {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(items) = value.as_list() else { return };
        let mut seen: Vec<&Value> = Vec::new();
        for (index, item) in items.iter().enumerate() {
            if !item.is_wholly_known() {
                continue;
            }
            if seen.contains(&item) {
                diags.error_at(
                    path.index(index),
                    format!("Duplicate value in \"{}\"", last_name(path)),
                    format!(
                        "{} appears more than once; each value may be listed only once.",
                        describe(item)
                    ),
                );
            } else {
                seen.push(item);
            }
        }
    }
}

/// Applies `inner` to every known element of a list (paths point at the element).
pub fn each(inner: impl Validator + 'static) -> impl Validator {
    Each(Box::new(inner))
}

struct Each(Box<dyn Validator>);

impl Validator for Each {
    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(items) = value.as_list() else { return };
        let is_set = matches!(value, Value::Set(_));
        for (index, item) in items.iter().enumerate() {
            if item.is_null() || !item.is_known() {
                continue;
            }
            // Set elements cannot be addressed on the wire: point at the set itself.
            let element_path = if is_set { path.clone() } else { path.index(index) };
            self.0.validate(item, &element_path, diags);
        }
    }
}

/// Exactly one of the named attributes or nested blocks is set in each block instance.
pub fn exactly_one_of(names: &'static [&'static str]) -> impl BlockValidator {
    ExactlyOneOf(names)
}

struct ExactlyOneOf(&'static [&'static str]);

impl BlockValidator for ExactlyOneOf {
    fn validate(&self, object: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let mut set = Vec::new();
        for name in self.0 {
            match object.get(name) {
                Some(value) if !value.is_known() => return,
                Some(value) if is_present(value) => set.push(*name),
                _ => {}
            }
        }
        let choices = self.0.join(", ");
        match set.len() {
            1 => {}
            // Terraform cannot locate a bare block instance in the source; a path to its first
            // choice resolves to the block itself.
            0 => diags.error_at(
                path.join(self.0[0]),
                "Missing required argument",
                format!("exactly one of {choices} must be set; none is."),
            ),
            _ => diags.error_at(
                path.join(set[1]),
                "Conflicting configuration arguments",
                format!("exactly one of {choices} must be set; found {}.", set.join(" and ")),
            ),
        }
    }
}

/// Whether an attribute or block value counts as "set": non-null, and non-empty for blocks
/// written as lists.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::List(items) | Value::Set(items) => !items.is_empty(),
        _ => true,
    }
}

/// A short rendering of a value for messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => value.as_f64().map(|n| n.to_string()).unwrap_or_default(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(validator: &dyn Validator, value: Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        validator.validate(&value, &AttributePath::attr("x"), &mut diags);
        diags
            .iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    d.detail
                )
            })
            .collect()
    }

    #[test]
    fn ranges() {
        assert!(errors(&int_between(1, 10), Value::int(10)).is_empty());
        assert_eq!(errors(&int_between(1, 10), Value::int(11)).len(), 1);
        assert!(errors(&number_above_up_to(0.0, 1.0), Value::float(1.0)).is_empty());
        assert_eq!(errors(&number_above_up_to(0.0, 1.0), Value::float(0.0)).len(), 1);
        assert_eq!(errors(&int_at_least(1), Value::int(0)).len(), 1);
    }

    #[test]
    fn unique_points_at_the_repeat_and_skips_unknowns() {
        let list = Value::list(vec![
            Value::string("a"),
            Value::Unknown,
            Value::string("a"),
            Value::Unknown,
        ]);
        assert_eq!(
            errors(&unique(), list),
            vec!["x[2]: \"a\" appears more than once; each value may be listed only once."]
        );
    }

    #[test]
    fn each_uses_element_paths() {
        let list = Value::list(vec![Value::string("5s"), Value::string("soon")]);
        let found = errors(&each(duration_at_least(Duration::ZERO)), list);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("x[1]: "), "{found:?}");
    }

    #[test]
    fn exactly_one_of_counts_blocks_and_skips_unknown() {
        let check = exactly_one_of(&["a", "b"]);
        let run = |object: Value| {
            let mut diags = Diagnostics::new();
            check.validate(&object, &AttributePath::attr("gate").index(0), &mut diags);
            diags.iter().map(|d| d.summary.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            run(Value::object([("a", Value::list(vec![])), ("b", Value::Null)])),
            vec!["Missing required argument"]
        );
        assert!(run(Value::object([
            ("a", Value::list(vec![Value::object([("u", Value::Null)])])),
            ("b", Value::Null)
        ]))
        .is_empty());
        assert!(run(Value::object([("a", Value::Unknown), ("b", Value::string("x"))])).is_empty());
        assert_eq!(
            run(Value::object([("a", Value::string("x")), ("b", Value::string("y"))])),
            vec!["Conflicting configuration arguments"]
        );
    }
}
