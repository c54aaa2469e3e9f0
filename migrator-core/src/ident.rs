//! Identifiers and literals: the only way a user's string reaches SQL.
//!
//! Every identifier is quoted by [`quote_ident`] and every string literal by
//! [`quote_literal`]; renderers never splice a name or a value any other way.

use std::fmt;

/// PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1).
pub const MAX_IDENT_LEN: usize = 63;

/// Quotes an identifier: always double-quoted, inner `"` doubled.
///
/// Quoting every identifier keeps upper case, spaces, unicode and reserved
/// words (`user`, `order`) intact.
///
/// ```
/// use migrator_core::ident::quote_ident;
/// assert_eq!(quote_ident("user"), r#""user""#);
/// assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
/// ```
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Quotes a string literal so that it means the same whatever
/// `standard_conforming_strings` is set to: `'` is doubled, and a value with a
/// backslash becomes an `E'…'` string with the backslash doubled.
///
/// ```
/// use migrator_core::ident::quote_literal;
/// assert_eq!(quote_literal("O'Brien"), "'O''Brien'");
/// assert_eq!(quote_literal(r"C:\temp"), r"E'C:\\temp'");
/// ```
pub fn quote_literal(value: &str) -> String {
    let escape = value.contains('\\');
    let mut out = String::with_capacity(value.len() + 3);
    if escape {
        out.push('E');
    }
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if escape => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Why a name cannot be used as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    /// The name is the empty string.
    #[error("an identifier may not be empty")]
    Empty,
    /// The name holds a NUL byte, which PostgreSQL cannot store.
    #[error("identifier {0:?} contains a NUL byte")]
    Nul(String),
    /// The name is longer than PostgreSQL keeps; it would be silently truncated.
    #[error(
        "identifier {name:?} is {len} bytes long; PostgreSQL truncates names to {max} bytes, so choose a shorter name",
        max = MAX_IDENT_LEN
    )]
    TooLong {
        /// The name as given.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
}

/// Checks that `name` is stored by PostgreSQL exactly as written.
pub fn check_ident(name: &str) -> Result<(), IdentError> {
    if name.is_empty() {
        return Err(IdentError::Empty);
    }
    if name.contains('\0') {
        return Err(IdentError::Nul(name.to_owned()));
    }
    if name.len() > MAX_IDENT_LEN {
        return Err(IdentError::TooLong {
            name: name.to_owned(),
            len: name.len(),
        });
    }
    Ok(())
}

/// Builds a deterministic generated name (`ix_users_email`) from its parts,
/// joined by `_`. A result longer than [`MAX_IDENT_LEN`] bytes is cut at a
/// character boundary and ends in an 8-hex-digit hash of the full name, so two
/// long names never collapse into one.
///
/// ```
/// use migrator_core::ident::generated_name;
/// assert_eq!(generated_name(&["ix", "users", "email"]), "ix_users_email");
/// assert_eq!(generated_name(&["ix", &"x".repeat(80)]).len(), 63);
/// ```
pub fn generated_name(parts: &[&str]) -> String {
    let full = parts.join("_");
    if full.len() <= MAX_IDENT_LEN {
        return full;
    }
    let hash = fnv1a(full.as_bytes());
    let suffix = format!("_{hash:08x}");
    let mut cut = MAX_IDENT_LEN - suffix.len();
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{}", &full[..cut], suffix)
}

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// The schema PostgreSQL uses for names without one (the default `search_path`).
pub const DEFAULT_SCHEMA: &str = "public";

/// A possibly schema-qualified name of a table, index or type.
///
/// A plain `&str` is always a bare name (a dot in it is part of the name);
/// qualify with a tuple or [`QualifiedName::new`].
///
/// ```
/// use migrator_core::ident::QualifiedName;
/// let bare: QualifiedName = "users".into();
/// let qualified: QualifiedName = ("billing", "invoices").into();
/// assert_eq!(bare.to_sql(), r#""users""#);
/// assert_eq!(qualified.to_sql(), r#""billing"."invoices""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    /// The schema, or `None` for the search path's (`public`).
    pub schema: Option<String>,
    /// The name within its schema.
    pub name: String,
}

impl QualifiedName {
    /// A name in an explicit schema.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: Some(schema.into()),
            name: name.into(),
        }
    }

    /// A name without a schema.
    pub fn bare(name: impl Into<String>) -> Self {
        Self {
            schema: None,
            name: name.into(),
        }
    }

    /// The schema the name lives in, `public` when none is given.
    pub fn schema_name(&self) -> &str {
        self.schema.as_deref().unwrap_or(DEFAULT_SCHEMA)
    }

    /// The name as `(schema, name)` with the default schema filled in: two
    /// names that denote the same object have the same key.
    pub fn key(&self) -> (String, String) {
        (self.schema_name().to_owned(), self.name.clone())
    }

    /// The inverse of [`key`](Self::key): `public` becomes a bare name.
    pub fn from_key(schema: &str, name: &str) -> Self {
        if schema == DEFAULT_SCHEMA {
            Self::bare(name)
        } else {
            Self::new(schema, name)
        }
    }

    /// A name in the same schema as `self`.
    pub fn sibling(&self, name: impl Into<String>) -> Self {
        Self {
            schema: self.schema.clone(),
            name: name.into(),
        }
    }

    /// The quoted SQL form: `"schema"."name"` or `"name"`.
    pub fn to_sql(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(&self.name)),
            None => quote_ident(&self.name),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl From<&str> for QualifiedName {
    fn from(name: &str) -> Self {
        Self::bare(name)
    }
}

impl From<String> for QualifiedName {
    fn from(name: String) -> Self {
        Self::bare(name)
    }
}

impl From<&String> for QualifiedName {
    fn from(name: &String) -> Self {
        Self::bare(name.clone())
    }
}

impl From<(&str, &str)> for QualifiedName {
    fn from((schema, name): (&str, &str)) -> Self {
        Self::new(schema, name)
    }
}

impl From<&QualifiedName> for QualifiedName {
    fn from(name: &QualifiedName) -> Self {
        name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_hostile_identifiers() {
        assert_eq!(quote_ident("order"), "\"order\"");
        assert_eq!(quote_ident("Mixed Case"), "\"Mixed Case\"");
        assert_eq!(quote_ident("\"\""), "\"\"\"\"\"\"");
        assert_eq!(quote_ident("ünï"), "\"ünï\"");
    }

    #[test]
    fn quotes_literals() {
        assert_eq!(quote_literal(""), "''");
        assert_eq!(quote_literal("a;b$$c"), "'a;b$$c'");
        assert_eq!(quote_literal("it's\\"), "E'it''s\\\\'");
    }

    #[test]
    fn checks_identifiers() {
        assert_eq!(check_ident(""), Err(IdentError::Empty));
        assert!(matches!(check_ident("a\0b"), Err(IdentError::Nul(_))));
        assert!(check_ident(&"é".repeat(31)).is_ok());
        let err = check_ident(&"é".repeat(32)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "identifier {:?} is 64 bytes long; PostgreSQL truncates names to 63 bytes, so choose a shorter name",
                "é".repeat(32)
            )
        );
    }

    #[test]
    fn generated_names_stay_distinct_and_short() {
        let a = generated_name(&["ix", &"é".repeat(40), "a"]);
        let b = generated_name(&["ix", &"é".repeat(40), "b"]);
        assert_ne!(a, b);
        assert!(a.len() <= MAX_IDENT_LEN && b.len() <= MAX_IDENT_LEN);
        assert!(check_ident(&a).is_ok());
    }
}
