//! Connection strings with their secrets masked, for every message and log
//! line that shows one.

use percent_encoding::percent_decode_str;

/// A database URL with its password masked, for messages and logs.
///
/// Masked are the password of a URL's user info (from the first `:` of the
/// user info to the URL's last `@`, so a password with a raw `@`, `/`, `?`
/// or `:` is masked whole), also when the scheme is missing or mistyped
/// (`app:pw@host/db`), and the value of every `key=value` parameter whose
/// key contains `pass` (`password`, `sslpassword`, any case), in a URL's
/// query (percent-encoded keys included) or a `key=value` string (quoted
/// values and spaces around `=` included). When in doubt, more is masked.
///
/// ```
/// use migrator_core::run::redact;
/// assert_eq!(redact("postgres://app:s3cret@db:5432/prod"), "postgres://app:***@db:5432/prod");
/// assert_eq!(redact("postgres://app:p@ss/w0rd@db/prod"), "postgres://app:***@db/prod");
/// assert_eq!(redact("app:s3cret@db/prod"), "app:***@db/prod");
/// assert_eq!(redact("postgres://app@db/prod?password=s3cret&sslmode=disable"),
///     "postgres://app@db/prod?password=***&sslmode=disable");
/// assert_eq!(redact("host=db password=s3cret user=app"), "host=db password=*** user=app");
/// assert!(!redact("host=db user=app password=ab://cd").contains("ab://cd"));
/// assert_eq!(redact(r"host=db password = 'it\'s secret' user=app"), "host=db password = *** user=app");
/// ```
pub fn redact(url: &str) -> String {
    let spans = match url.find("://") {
        // `://` may also stand inside a value of a key=value string (whose
        // pairs are separated by spaces): mask its password keys too
        // (`mask` merges overlapping spans).
        Some(i) => userinfo_span(url, i + 3)
            .into_iter()
            .chain(query_spans(url))
            .chain(key_value_in(url))
            .collect(),
        None if userinfo_like(url) => userinfo_span(url, 0)
            .into_iter()
            .chain(query_spans(url))
            .chain(key_value_in(url))
            .collect(),
        None => key_value_spans(url),
    };
    mask(url, spans)
}

/// The password spans of `text` read as a key=value string, if it has the
/// spaces one has.
fn key_value_in(text: &str) -> Vec<(usize, usize)> {
    if text.contains(char::is_whitespace) {
        key_value_spans(text)
    } else {
        Vec::new()
    }
}

/// `text` with each byte range of `spans` (merged where they overlap)
/// replaced by `***`.
fn mask(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    spans.retain(|(start, end)| start < end);
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        if end <= done {
            continue;
        }
        out.push_str(&text[done..start.max(done)]);
        if start >= done {
            out.push_str("***");
        }
        done = end;
    }
    out.push_str(&text[done..]);
    out
}

/// A URL without (or with a mistyped) scheme: a first word without spaces
/// or `=`, then `:`, and an `@` somewhere after it (`app:pw@host/db`).
fn userinfo_like(text: &str) -> bool {
    text.find(':').is_some_and(|colon| {
        !text[..colon].contains(|c: char| c.is_whitespace() || c == '=')
            && text[colon..].contains('@')
    })
}

/// The password of the user info after `start`: from the first `:` to the
/// last `@` (a raw `@`, `/` or `?` in the password stays inside).
fn userinfo_span(url: &str, start: usize) -> Option<(usize, usize)> {
    let rest = &url[start..];
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some((start + colon + 1, start + at))
}

/// Whether a parameter's key names a secret.
fn secret_key(key: &str) -> bool {
    key.to_lowercase().contains("pass")
}

/// Whether `text` starts a query parameter: a key, then `=`.
fn starts_param(text: &str) -> bool {
    let key = text.split(['=', '&']).next().unwrap_or("");
    !key.is_empty()
        && text[key.len()..].starts_with('=')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '%')
}

/// The values of secret parameters after each `?` (a raw `?` in a password
/// does not hide the real query). A value runs to the next `&` that starts
/// another parameter, so a raw `&` in a password stays inside.
fn query_spans(url: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for (q, _) in url.match_indices('?') {
        let mut pos = q + 1;
        while pos < url.len() {
            let mut end = pos;
            loop {
                match url[end..].find('&') {
                    Some(amp) if starts_param(&url[end + amp + 1..]) => {
                        end += amp;
                        break;
                    }
                    Some(amp) => end += amp + 1,
                    None => {
                        end = url.len();
                        break;
                    }
                }
            }
            let param = &url[pos..end];
            // Lossy: a key with bytes that are not UTF-8 is still read, and
            // masked if it names a secret (when in doubt, more is masked).
            if let Some((key, _)) = param.split_once('=')
                && secret_key(&percent_decode_str(key).decode_utf8_lossy())
            {
                spans.push((pos + key.len() + 1, end));
            }
            pos = end + 1;
        }
    }
    spans
}

/// A string read character by character, by index, as the `key=value`
/// readers here and in the PostgreSQL backend do.
pub(crate) struct Chars<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
}

impl<'a> Chars<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            chars: text.char_indices().collect(),
        }
    }

    /// How many characters it has.
    pub(crate) fn len(&self) -> usize {
        self.chars.len()
    }

    /// The `i`th character.
    pub(crate) fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    /// The byte offset of the `i`th character (the text's length past the end).
    pub(crate) fn offset(&self, i: usize) -> usize {
        self.chars.get(i).map_or(self.text.len(), |&(o, _)| o)
    }

    /// The index of the first character at or after `i` that is not white space.
    pub(crate) fn skip_ws(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        i
    }
}

/// The values of secret `key = value` parameters of a libpq-style string,
/// read the way tokio-postgres reads them: spaces around `=`, a value quoted
/// with `'` or ending at a space, `\` escaping the next character. An
/// unquoted value also takes the words after it up to the next `key=`, in
/// case the password held a raw space. Words that are not parameters are
/// skipped, so a message that quotes such a string is masked too.
fn key_value_spans(text: &str) -> Vec<(usize, usize)> {
    let chars = Chars::new(text);
    let at = |i: usize| chars.at(i);
    let offset = |i: usize| chars.offset(i);
    let skip_ws = |i: usize| chars.skip_ws(i);
    // The end of an unquoted word (escapes included) starting at `i`.
    let word_end = |mut i: usize| {
        while let Some(c) = at(i) {
            if c.is_whitespace() || c == '=' {
                break;
            }
            i += if c == '\\' { 2 } else { 1 };
        }
        i.min(chars.len())
    };
    let mut spans = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        i = skip_ws(i);
        let key_start = i;
        i = word_end(i).max(i + 1).min(chars.len());
        let key = &text[offset(key_start)..offset(i)];
        let eq = skip_ws(i);
        if at(eq) != Some('=') {
            continue;
        }
        let value_start = skip_ws(eq + 1);
        i = value_start;
        if at(i) == Some('\'') {
            i += 1;
            while let Some(c) = at(i) {
                i += if c == '\\' { 2 } else { 1 };
                if c == '\'' {
                    break;
                }
            }
            i = i.min(chars.len());
        } else {
            // The value proper may hold `=`; the words after it may not.
            while let Some(c) = at(i) {
                if c.is_whitespace() {
                    break;
                }
                i += if c == '\\' { 2 } else { 1 };
            }
            i = i.min(chars.len());
            loop {
                let next = skip_ws(i);
                if next >= chars.len() {
                    break;
                }
                let end = word_end(next);
                if at(skip_ws(end)) == Some('=') || end == next {
                    break;
                }
                i = end;
            }
        }
        if secret_key(key) {
            spans.push((offset(value_start), offset(i)));
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_are_read_percent_decoded() {
        for url in [
            "postgres://db/x?pa%73sword=s3cret&sslmode=disable",
            "postgres://db/x?%FFpa%73sword=s3cret&sslmode=disable",
        ] {
            let shown = redact(url);
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.ends_with("=***&sslmode=disable"), "{shown}");
        }
    }
}
