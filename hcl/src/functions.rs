//! The Terraform functions configurations use most for shaping data (`length`, `keys`,
//! `sort`, `merge`, `lookup`, ...), for hcl-rs, which has none built in. They are pure; calls of
//! any other function evaluate to unknown (with a warning) rather than fail.

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Number, Value};

type Result = std::result::Result<Value, String>;
/// A function as hcl-rs calls it.
type Function = fn(FuncArgs) -> Result;

/// Declares every function of this module in `context`.
pub(crate) fn declare(context: &mut Context<'_>) {
    let functions: &[(&str, Function)] = &[
        ("length", length),
        ("keys", keys),
        ("values", values),
        ("sort", sort),
        ("contains", contains),
        ("concat", concat),
        ("merge", merge),
        ("lookup", lookup),
        ("lower", lower),
        ("upper", upper),
        ("join", join),
        ("split", split),
        ("tostring", tostring),
        ("tonumber", tonumber),
        ("tolist", tolist),
        ("toset", toset),
        ("tomap", tomap),
        ("distinct", distinct),
        ("flatten", flatten),
        ("element", element),
        ("min", min),
        ("max", max),
        ("coalesce", coalesce),
        ("alltrue", alltrue),
        ("anytrue", anytrue),
        ("range", range),
        ("zipmap", zipmap),
        ("replace", replace),
        ("trimspace", trimspace),
        ("trimprefix", trimprefix),
        ("trimsuffix", trimsuffix),
        ("startswith", startswith),
        ("endswith", endswith),
        ("strcontains", strcontains),
        ("one", one),
        ("jsonencode", jsonencode),
    ];
    for (name, function) in functions {
        context.declare_func(
            *name,
            FuncDef::builder().variadic_param(ParamType::Any).build(*function),
        );
    }
}

fn arity(args: &FuncArgs, n: usize) -> std::result::Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!("expected {n} argument(s), found {}", args.len()))
    }
}

fn list(value: &Value) -> std::result::Result<&Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("expected a list, found {value}"))
}

fn object(value: &Value) -> std::result::Result<&Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| format!("expected a map or object, found {value}"))
}

fn string(value: &Value) -> std::result::Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected a string, found {other}")),
    }
}

fn number(value: &Value) -> std::result::Result<f64, String> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| format!("{n} is not a number")),
        Value::String(s) => s.trim().parse().map_err(|_| format!("{s:?} is not a number")),
        other => Err(format!("expected a number, found {other}")),
    }
}

fn from_f64(n: f64) -> Value {
    #[allow(clippy::cast_possible_truncation)]
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return Value::Number(Number::from(n as i64));
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

fn count(n: usize) -> Value {
    Value::Number(Number::from(n as u64))
}

fn length(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    match &args[0] {
        Value::Array(items) => Ok(count(items.len())),
        Value::Object(map) => Ok(count(map.len())),
        Value::String(s) => Ok(count(s.chars().count())),
        other => Err(format!("cannot take the length of {other}")),
    }
}

fn keys(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    let mut keys: Vec<&String> = object(&args[0])?.keys().collect();
    keys.sort();
    Ok(Value::Array(
        keys.into_iter().map(|k| Value::String(k.clone())).collect(),
    ))
}

fn values(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    let map = object(&args[0])?;
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    Ok(Value::Array(keys.into_iter().map(|k| map[k].clone()).collect()))
}

fn sort(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    let mut items = list(&args[0])?
        .iter()
        .map(string)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    items.sort();
    Ok(Value::Array(items.into_iter().map(Value::String).collect()))
}

fn contains(args: FuncArgs) -> Result {
    arity(&args, 2)?;
    Ok(Value::Bool(list(&args[0])?.contains(&args[1])))
}

fn concat(args: FuncArgs) -> Result {
    let mut out = Vec::new();
    for arg in args.iter() {
        out.extend(list(arg)?.iter().cloned());
    }
    Ok(Value::Array(out))
}

fn merge(args: FuncArgs) -> Result {
    let mut out = Map::new();
    for arg in args.iter().filter(|a| !a.is_null()) {
        for (k, v) in object(arg)? {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

fn lookup(args: FuncArgs) -> Result {
    if !(2..=3).contains(&args.len()) {
        return Err(format!("expected 2 or 3 arguments, found {}", args.len()));
    }
    let key = string(&args[1])?;
    match (object(&args[0])?.get(&key), args.get(2)) {
        (Some(value), _) => Ok(value.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(format!("no key {key:?} and no default")),
    }
}

fn lower(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    Ok(Value::String(string(&args[0])?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    Ok(Value::String(string(&args[0])?.to_uppercase()))
}

fn join(args: FuncArgs) -> Result {
    if args.len() < 2 {
        return Err("expected a separator and at least one list".to_owned());
    }
    let separator = string(&args[0])?;
    let mut parts = Vec::new();
    for arg in &args[1..] {
        for item in list(arg)? {
            parts.push(string(item)?);
        }
    }
    Ok(Value::String(parts.join(&separator)))
}

fn split(args: FuncArgs) -> Result {
    arity(&args, 2)?;
    let (separator, text) = (string(&args[0])?, string(&args[1])?);
    Ok(Value::Array(
        text.split(separator.as_str())
            .map(|s| Value::String(s.to_owned()))
            .collect(),
    ))
}

fn tostring(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    string(&args[0]).map(Value::String)
}

fn tonumber(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    number(&args[0]).map(from_f64)
}

fn tolist(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    list(&args[0]).map(|items| Value::Array(items.clone()))
}

/// Sets of strings are ordered as Terraform orders them: lexically.
fn toset(args: FuncArgs) -> Result {
    let Value::Array(mut items) = distinct(args)? else {
        return Err("expected a list".to_owned());
    };
    if items.iter().all(Value::is_string) {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    Ok(Value::Array(items))
}

fn tomap(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    object(&args[0]).map(|map| Value::Object(map.clone()))
}

fn distinct(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    let mut out: Vec<Value> = Vec::new();
    for item in list(&args[0])? {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    Ok(Value::Array(out))
}

fn flatten(args: FuncArgs) -> Result {
    fn walk(value: &Value, out: &mut Vec<Value>) {
        match value {
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            other => out.push(other.clone()),
        }
    }
    arity(&args, 1)?;
    let mut out = Vec::new();
    for item in list(&args[0])? {
        walk(item, &mut out);
    }
    Ok(Value::Array(out))
}

fn element(args: FuncArgs) -> Result {
    arity(&args, 2)?;
    let items = list(&args[0])?;
    if items.is_empty() {
        return Err("cannot take an element of an empty list".to_owned());
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let index = number(&args[1])?.max(0.0) as usize;
    Ok(items[index % items.len()].clone())
}

fn numbers(args: &FuncArgs) -> std::result::Result<Vec<f64>, String> {
    if args.is_empty() {
        return Err("expected at least one number".to_owned());
    }
    args.iter().map(number).collect()
}

fn min(args: FuncArgs) -> Result {
    Ok(from_f64(numbers(&args)?.into_iter().fold(f64::INFINITY, f64::min)))
}

fn max(args: FuncArgs) -> Result {
    Ok(from_f64(numbers(&args)?.into_iter().fold(f64::NEG_INFINITY, f64::max)))
}

fn coalesce(args: FuncArgs) -> Result {
    args.iter()
        .find(|a| !a.is_null() && a.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "no non-null, non-empty argument".to_owned())
}

fn bools(args: &FuncArgs) -> std::result::Result<Vec<bool>, String> {
    arity(args, 1)?;
    list(&args[0])?
        .iter()
        .map(|v| v.as_bool().ok_or_else(|| format!("expected a bool, found {v}")))
        .collect()
}

fn alltrue(args: FuncArgs) -> Result {
    Ok(Value::Bool(bools(&args)?.into_iter().all(|b| b)))
}

fn anytrue(args: FuncArgs) -> Result {
    Ok(Value::Bool(bools(&args)?.into_iter().any(|b| b)))
}

fn range(args: FuncArgs) -> Result {
    let n = numbers(&args)?;
    let (start, end, step) = match n.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, if start <= end { 1.0 } else { -1.0 }),
        [start, end, step] if *step != 0.0 => (*start, *end, *step),
        _ => return Err("expected 1 to 3 numbers and a step other than 0".to_owned()),
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0.0 && i < end) || (step < 0.0 && i > end) {
        if out.len() >= 1024 {
            return Err("more than 1024 elements".to_owned());
        }
        out.push(from_f64(i));
        i += step;
    }
    Ok(Value::Array(out))
}

fn zipmap(args: FuncArgs) -> Result {
    arity(&args, 2)?;
    let (keys, values) = (list(&args[0])?, list(&args[1])?);
    if keys.len() != values.len() {
        return Err(format!("{} keys but {} values", keys.len(), values.len()));
    }
    let mut out = Map::new();
    for (k, v) in keys.iter().zip(values) {
        out.insert(string(k)?, v.clone());
    }
    Ok(Value::Object(out))
}

/// Plain substring replacement (Terraform's `/regex/` form is not supported).
fn replace(args: FuncArgs) -> Result {
    arity(&args, 3)?;
    let (text, search, with) = (string(&args[0])?, string(&args[1])?, string(&args[2])?);
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        return Err("regular expressions are not supported".to_owned());
    }
    Ok(Value::String(text.replace(&search, &with)))
}

fn trimspace(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    Ok(Value::String(string(&args[0])?.trim().to_owned()))
}

/// The two string arguments of `f(text, affix)`.
fn text_and_affix(args: &FuncArgs) -> std::result::Result<(String, String), String> {
    arity(args, 2)?;
    Ok((string(&args[0])?, string(&args[1])?))
}

fn trimprefix(args: FuncArgs) -> Result {
    let (text, prefix) = text_and_affix(&args)?;
    Ok(Value::String(text.strip_prefix(&prefix).unwrap_or(&text).to_owned()))
}

/// Removes the suffix once (Terraform's `trimsuffix`, unlike `trimright`, is not repeated).
fn trimsuffix(args: FuncArgs) -> Result {
    let (text, suffix) = text_and_affix(&args)?;
    Ok(Value::String(text.strip_suffix(&suffix).unwrap_or(&text).to_owned()))
}

fn startswith(args: FuncArgs) -> Result {
    let (text, prefix) = text_and_affix(&args)?;
    Ok(Value::Bool(text.starts_with(&prefix)))
}

fn endswith(args: FuncArgs) -> Result {
    let (text, suffix) = text_and_affix(&args)?;
    Ok(Value::Bool(text.ends_with(&suffix)))
}

fn strcontains(args: FuncArgs) -> Result {
    let (text, part) = text_and_affix(&args)?;
    Ok(Value::Bool(text.contains(&part)))
}

/// The only element of a list of at most one, or null for an empty one.
fn one(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    match list(&args[0])?.as_slice() {
        [] => Ok(Value::Null),
        [only] => Ok(only.clone()),
        more => Err(format!("expected at most one element, found {}", more.len())),
    }
}

fn jsonencode(args: FuncArgs) -> Result {
    arity(&args, 1)?;
    serde_json::to_string(&args[0])
        .map(Value::String)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use hcl::eval::Evaluate;

    use super::*;

    fn eval(text: &str) -> Value {
        let mut context = Context::new();
        declare(&mut context);
        let expr = hcl::edit::parser::parse_expr(text).unwrap();
        hcl::Expression::from(expr).evaluate(&context).unwrap()
    }

    #[test]
    fn functions_behave_as_terraforms() {
        assert_eq!(eval(r#"sort(keys({b = 1, a = 2}))"#), eval(r#"["a", "b"]"#));
        assert_eq!(eval(r#"length([1, 2, 3])"#), eval("3"));
        assert_eq!(eval(r#"values({b = 1, a = 2})"#), eval("[2, 1]"));
        assert_eq!(eval(r#"merge({a = 1}, {a = 2, b = 3})"#), eval("{a = 2, b = 3}"));
        assert_eq!(eval(r#"lookup({a = 1}, "b", 5)"#), eval("5"));
        assert_eq!(eval(r#"join("-", ["a", "b"], ["c"])"#), eval(r#""a-b-c""#));
        assert_eq!(eval(r#"toset(["b", "a", "b"])"#), eval(r#"["a", "b"]"#));
        assert_eq!(eval(r#"flatten([[1], [2, [3]]])"#), eval("[1, 2, 3]"));
        assert_eq!(eval("range(3)"), eval("[0, 1, 2]"));
        assert_eq!(eval("max(1, 5, 2)"), eval("5"));
        assert_eq!(eval(r#"zipmap(["a"], [1])"#), eval("{a = 1}"));
        assert_eq!(eval(r#"alltrue([true, contains(["x"], "x")])"#), eval("true"));
        assert_eq!(eval(r#"trimsuffix("a.b..", ".")"#), eval(r#""a.b.""#));
        assert_eq!(eval(r#"trimprefix("ab", "x")"#), eval(r#""ab""#));
        assert_eq!(
            eval(r#"[startswith("HTTPS", "HTTP"), endswith("a_STR", "_STR")]"#),
            eval("[true, true]")
        );
        assert_eq!(eval(r#"strcontains("2001:db8::1", ":")"#), eval("true"));
        assert_eq!(eval("[one([]), one([7])]"), eval("[null, 7]"));
    }
}
