//! The one place that decides how a URL is shown: credentials (`user:password@`) and query
//! strings (where tokens and signatures travel) become `(sensitive)`, so a gate URL that
//! carries them never reaches a pull-request comment, a diagnostic or a log line.
//!
//! [`url`] redacts one URL; [`urls_in`] every `http://`/`https://` URL inside a text (an error
//! message, a journal entry written by an older version). Everything that prints a URL —
//! engine gate labels, probe errors, gate failures, the CLI's renderings, the provider's
//! diagnostics and logs — goes through one of the two.

use std::borrow::Cow;

/// What a hidden value is replaced with, here and in the plan renderings.
pub const SENSITIVE: &str = "(sensitive)";

/// `text` (a URL) with its userinfo and query string replaced by [`SENSITIVE`]; anything
/// else (scheme, host, port, path, a fragment without a query) stays as written.
pub fn url(text: &str) -> Cow<'_, str> {
    let Some(scheme_end) = text.find("://") else {
        return Cow::Borrowed(text);
    };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let after = &rest[authority_end..];
    let host = authority.rfind('@').map(|at| &authority[at + 1..]);
    let query = after.find('?');
    if host.is_none() && query.is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..scheme_end + 3]);
    if let Some(host) = host {
        out.push_str(SENSITIVE);
        out.push('@');
        out.push_str(host);
    } else {
        out.push_str(authority);
    }
    match query {
        Some(q) => {
            out.push_str(&after[..=q]);
            out.push_str(SENSITIVE);
        }
        None => out.push_str(after),
    }
    Cow::Owned(out)
}

/// `text` with every `http://` or `https://` URL in it redacted by [`url`]. A URL ends at
/// whitespace, a quote, a backslash (an escaped quote) or an angle bracket.
pub fn urls_in(text: &str) -> Cow<'_, str> {
    let lower = text.to_ascii_lowercase();
    let starts: Vec<usize> = lower
        .match_indices("http")
        .map(|(i, _)| i)
        .filter(|&i| lower[i..].starts_with("http://") || lower[i..].starts_with("https://"))
        .collect();
    if starts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for start in starts {
        if start < copied {
            continue;
        }
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '<' | '>' | '`'))
            .map_or(text.len(), |n| start + n);
        out.push_str(&text[copied..start]);
        out.push_str(&url(&text[start..end]));
        copied = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_query_strings_are_hidden_the_rest_is_kept() {
        for (given, shown) in [
            ("https://api.example.com/healthz", "https://api.example.com/healthz"),
            (
                "https://deploy:hunter2@api.example.com:8443/healthz",
                "https://(sensitive)@api.example.com:8443/healthz",
            ),
            ("https://token@api.example.com", "https://(sensitive)@api.example.com"),
            (
                "http://api.example.com/healthz?token=abc&x=1#top",
                "http://api.example.com/healthz?(sensitive)",
            ),
            ("http://u:p@h?k=v", "http://(sensitive)@h?(sensitive)"),
            ("http://host/a#frag", "http://host/a#frag"),
            // An @ in the path is not userinfo.
            ("https://host/users/@me", "https://host/users/@me"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(url(given), shown, "{given}");
        }
    }

    #[test]
    fn every_url_in_a_text_is_redacted() {
        let text = "GET https://u:secret@a.example/h?sig=XYZ: connection refused; also \"http://b.example/?t=1\" and http://c.example/ok";
        assert_eq!(
            urls_in(text),
            "GET https://(sensitive)@a.example/h?(sensitive) connection refused; also \"http://b.example/?(sensitive)\" and http://c.example/ok"
        );
        assert_eq!(urls_in("no urls here"), "no urls here");
    }
}
