//! Values a data step binds to its SQL's placeholders and reads back from
//! rows, the same on both engines.

use std::sync::Arc;

use super::BoxError;
use crate::types::Literal;

/// A value bound to a placeholder (`$1`, `$2`, … on both engines) or read
/// from a row.
///
/// On PostgreSQL a bound value is sent as text and converted by the server
/// to the type the statement gives its placeholder, so `Value::from(5)`
/// fits an `integer`, a `numeric` or a `text` placeholder alike. Read back,
/// every value comes as text (PostgreSQL's own text form of it), which
/// [`Row::get`] converts; on SQLite values are SQLite's: integers, floats,
/// text and blobs.
///
/// ```
/// use migrator_core::ops::Value;
/// assert_eq!(Value::from(Some(3)), Value::Int(3));
/// assert_eq!(Value::from(None::<&str>), Value::Null);
/// assert_eq!(Value::from("x").as_text(), Some("x"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL's `NULL`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text (and, on PostgreSQL, every value read back).
    Text(String),
    /// Bytes (`bytea`, SQLite's blobs).
    Bytes(Vec<u8>),
}

impl Value {
    /// The text, if it is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The value as text to bind (PostgreSQL converts it to the
    /// placeholder's type); `None` for NULL.
    pub(crate) fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) if f.is_nan() => "NaN".into(),
            Value::Float(f) if f.is_infinite() => {
                if *f > 0.0 { "Infinity" } else { "-Infinity" }.into()
            }
            Value::Float(f) => format!("{f:?}"),
            Value::Text(s) => s.clone(),
            Value::Bytes(b) => {
                let mut hex = String::with_capacity(2 + b.len() * 2);
                hex.push_str("\\x");
                for byte in b {
                    hex.push_str(&format!("{byte:02x}"));
                }
                hex
            }
        })
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident $(as $cast:ty)?),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant((v $(as $cast)?).into())
            }
        }
    )*};
}

value_from!(
    bool => Bool,
    i8 => Int as i64,
    i16 => Int as i64,
    i32 => Int as i64,
    i64 => Int,
    u8 => Int as i64,
    u16 => Int as i64,
    u32 => Int as i64,
    f32 => Float as f64,
    f64 => Float,
    String => Text,
    Vec<u8> => Bytes,
);

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Self {
        Value::Bytes(v.to_vec())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<&Literal> for Value {
    fn from(v: &Literal) -> Self {
        match v {
            Literal::Str(s) => Value::Text(s.clone()),
            Literal::Int(i) => Value::Int(*i),
            Literal::Float(f) => Value::Float(*f),
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Null => Value::Null,
        }
    }
}

/// A Rust type a [`Value`] converts into ([`Row::get`]).
pub trait FromValue: Sized {
    /// The value as `Self`, or why not.
    fn from_value(value: &Value) -> Result<Self, String>;
}

fn wrong(value: &Value, want: &str) -> String {
    format!("{value:?} is not {want}")
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Int(i) => Ok(*i),
            // SQLite and PostgreSQL's `numeric` may hand an integer as text.
            Value::Text(s) => s.parse().map_err(|_| wrong(value, "an integer")),
            other => Err(wrong(other, "an integer")),
        }
    }
}

impl FromValue for i32 {
    fn from_value(value: &Value) -> Result<Self, String> {
        i64::from_value(value)?
            .try_into()
            .map_err(|_| wrong(value, "a 32-bit integer"))
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Float(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            Value::Text(s) => s.parse().map_err(|_| wrong(value, "a number")),
            other => Err(wrong(other, "a number")),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(*b),
            // SQLite stores booleans as 0 and 1; PostgreSQL writes t and f.
            Value::Int(0) => Ok(false),
            Value::Int(1) => Ok(true),
            Value::Text(t) if t == "t" || t == "true" => Ok(true),
            Value::Text(t) if t == "f" || t == "false" => Ok(false),
            other => Err(wrong(other, "a boolean")),
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            Value::Null => Err(wrong(value, "text")),
            other => other.to_text().ok_or_else(|| wrong(other, "text")),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bytes(b) => Ok(b.clone()),
            // PostgreSQL's text form of bytea: \x and two hex digits a byte.
            Value::Text(t) if t.starts_with("\\x") && t.len() % 2 == 0 => (2..t.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&t[i..i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| wrong(value, "bytes")),
            other => Err(wrong(other, "bytes")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// One row a query gave: its values by position and by column name.
///
/// ```
/// use migrator_core::ops::{Row, Value};
/// let row = Row::new(vec!["id".into(), "note".into()], vec![Value::Int(7), Value::Null]);
/// assert_eq!(row.get::<i64>("id").unwrap(), 7);
/// assert_eq!(row.get::<Option<String>>("note").unwrap(), None);
/// assert_eq!(row.get::<i64>("nope").unwrap_err().to_string(), "the row has no column nope (it has id, note)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl Row {
    /// A row of `values` under `columns`.
    pub fn new(columns: impl Into<Arc<[String]>>, values: Vec<Value>) -> Self {
        Self {
            columns: columns.into(),
            values,
        }
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Takes the values, in column order.
    #[cfg(feature = "sqlite")]
    pub(crate) fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// The value of `column` as `T`: an error names the column and what it
    /// holds.
    pub fn get<T: FromValue>(&self, column: &str) -> Result<T, BoxError> {
        let Some(i) = self.columns.iter().position(|c| c == column) else {
            return Err(format!(
                "the row has no column {column} (it has {})",
                self.columns.join(", ")
            )
            .into());
        };
        T::from_value(&self.values[i]).map_err(|e| format!("column {column}: {e}").into())
    }
}
