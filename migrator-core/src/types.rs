//! Column types, defaults, and the mapping from Rust types to column types.

use crate::ident::QualifiedName;

/// A column's SQL type.
///
/// Build the common ones from Rust types with [`ColumnTypeOf`]
/// (`t.column::<i64>("id")`), the rest with the constructors here
/// (`ColumnType::numeric(10, 2)`, `ColumnType::array(ColumnType::Text)`,
/// `ColumnType::enumeration("fee_status")`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// `smallint` (2 bytes).
    SmallInt,
    /// `integer` (4 bytes).
    Integer,
    /// `bigint` (8 bytes).
    BigInt,
    /// `smallserial`: smallint with an owned sequence as default.
    SmallSerial,
    /// `serial`: integer with an owned sequence as default.
    Serial,
    /// `bigserial`: bigint with an owned sequence as default.
    BigSerial,
    /// `boolean`.
    Boolean,
    /// `text`.
    Text,
    /// `varchar(n)`, or unbounded `varchar`.
    Varchar(Option<u32>),
    /// `char(n)`.
    Char(u32),
    /// `numeric(precision, scale)`, or unconstrained `numeric`.
    Numeric(Option<(u32, u32)>),
    /// `real` (4-byte float).
    Real,
    /// `double precision` (8-byte float).
    Double,
    /// `date`.
    Date,
    /// `time` (without time zone).
    Time,
    /// `timestamp` (without time zone).
    Timestamp,
    /// `timestamptz` (timestamp with time zone).
    TimestampTz,
    /// `interval`.
    Interval,
    /// `uuid`.
    Uuid,
    /// `json`.
    Json,
    /// `jsonb`.
    Jsonb,
    /// `bytea`.
    Bytea,
    /// `inet`.
    Inet,
    /// An array of another type (`text[]`).
    Array(Box<ColumnType>),
    /// A named enum created with `create_enum`.
    Enum(QualifiedName),
    /// Any other type, written as SQL by the author (`tsvector`, `int4range`).
    Custom(String),
}

impl ColumnType {
    /// `varchar(len)`.
    pub fn varchar(len: u32) -> Self {
        Self::Varchar(Some(len))
    }

    /// `char(len)`.
    pub fn char(len: u32) -> Self {
        Self::Char(len)
    }

    /// `numeric(precision, scale)`.
    pub fn numeric(precision: u32, scale: u32) -> Self {
        Self::Numeric(Some((precision, scale)))
    }

    /// An array of `element`.
    pub fn array(element: ColumnType) -> Self {
        Self::Array(Box::new(element))
    }

    /// The named enum type `name` (see `create_enum`).
    pub fn enumeration(name: impl Into<QualifiedName>) -> Self {
        Self::Enum(name.into())
    }

    /// A type written as SQL, used as is.
    pub fn custom(sql: impl Into<String>) -> Self {
        Self::Custom(sql.into())
    }

    /// True for the serial pseudo-types, which only exist at creation time.
    pub fn is_serial(&self) -> bool {
        matches!(self, Self::SmallSerial | Self::Serial | Self::BigSerial)
    }

    /// True for the integer types an identity column may have.
    pub fn is_integer(&self) -> bool {
        matches!(self, Self::SmallInt | Self::Integer | Self::BigInt)
    }

    /// The type a value of this column has once stored: a serial is its integer.
    pub fn storage(&self) -> ColumnType {
        match self {
            Self::SmallSerial => Self::SmallInt,
            Self::Serial => Self::Integer,
            Self::BigSerial => Self::BigInt,
            other => other.clone(),
        }
    }

    /// The enum this type names, directly or as an array's element.
    pub fn enum_name(&self) -> Option<&QualifiedName> {
        match self {
            Self::Enum(name) => Some(name),
            Self::Array(element) => element.enum_name(),
            _ => None,
        }
    }

    /// Whether a foreign key may join a column of this type to one of `other`:
    /// the same stored type, or two types of one family PostgreSQL compares
    /// with its index operators (integers, floats, strings).
    pub fn joins_with(&self, other: &ColumnType) -> bool {
        let (a, b) = (self.storage(), other.storage());
        let family = |t: &ColumnType| match t {
            Self::SmallInt | Self::Integer | Self::BigInt => 1,
            Self::Real | Self::Double => 2,
            Self::Text | Self::Varchar(_) | Self::Char(_) => 3,
            _ => 0,
        };
        match (&a, &b) {
            (Self::Enum(x), Self::Enum(y)) => x.key() == y.key(),
            _ => a == b || (family(&a) != 0 && family(&a) == family(&b)),
        }
    }
}

/// A typed literal value, rendered escaped (never spliced as SQL).
///
/// Two literals are equal when they render the same: floats compare by
/// their bits, so a NaN default equals itself.
#[derive(Debug, Clone)]
pub enum Literal {
    /// A string, rendered with [`quote_literal`](crate::ident::quote_literal).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float; NaN and the infinities are rendered as their quoted names.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Str(a), Self::Str(b)) => a == b,
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a.to_bits() == b.to_bits(),
            (Self::Bool(a), Self::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl From<&str> for Literal {
    fn from(v: &str) -> Self {
        Self::Str(v.to_owned())
    }
}
impl From<String> for Literal {
    fn from(v: String) -> Self {
        Self::Str(v)
    }
}
impl From<bool> for Literal {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<f64> for Literal {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}
impl From<f32> for Literal {
    fn from(v: f32) -> Self {
        Self::Float(f64::from(v))
    }
}
macro_rules! int_literal {
    ($($t:ty),*) => {$(
        impl From<$t> for Literal {
            fn from(v: $t) -> Self {
                Self::Int(i64::from(v))
            }
        }
    )*};
}
int_literal!(i8, i16, i32, i64, u8, u16, u32);

/// A column default.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// A literal value, escaped when rendered.
    Literal(Literal),
    /// An SQL expression written by the author, such as `now()` or
    /// `gen_random_uuid()`; it is code, not data, and is used as written.
    Expr(String),
}

impl DefaultValue {
    /// Whether PostgreSQL must evaluate the default once per existing row when
    /// a column is added with it (a volatile function), which rewrites the
    /// table. Literals and stable functions such as `now()` do not.
    pub fn is_volatile(&self) -> bool {
        match self {
            Self::Literal(_) => false,
            Self::Expr(expr) => {
                let e = expr.to_ascii_lowercase();
                [
                    "random(",
                    "gen_random_uuid(",
                    "uuid_generate",
                    "clock_timestamp(",
                    "timeofday(",
                    "nextval(",
                ]
                .iter()
                .any(|f| e.contains(f))
            }
        }
    }
}

/// How an identity column generates values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`: explicit values are refused.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`: explicit values are allowed.
    ByDefault,
}

/// Maps a Rust type to a column type; `Option<T>` makes the column nullable.
///
/// ```
/// use migrator_core::types::{ColumnType, ColumnTypeOf};
/// assert_eq!(<i64 as ColumnTypeOf>::column_type(), ColumnType::BigInt);
/// assert!(<Option<String> as ColumnTypeOf>::NULLABLE);
/// assert!(!<String as ColumnTypeOf>::NULLABLE);
/// ```
pub trait ColumnTypeOf {
    /// Whether a column of this Rust type accepts NULL.
    const NULLABLE: bool = false;
    /// The column type a value of this Rust type is stored in.
    fn column_type() -> ColumnType;
}

impl<T: ColumnTypeOf> ColumnTypeOf for Option<T> {
    const NULLABLE: bool = true;
    fn column_type() -> ColumnType {
        T::column_type()
    }
}

macro_rules! column_type_of {
    ($($t:ty => $ct:expr),* $(,)?) => {$(
        impl ColumnTypeOf for $t {
            fn column_type() -> ColumnType {
                $ct
            }
        }
    )*};
}

column_type_of! {
    i16 => ColumnType::SmallInt,
    i32 => ColumnType::Integer,
    i64 => ColumnType::BigInt,
    f32 => ColumnType::Real,
    f64 => ColumnType::Double,
    bool => ColumnType::Boolean,
    String => ColumnType::Text,
    Vec<u8> => ColumnType::Bytea,
    chrono::NaiveDate => ColumnType::Date,
    chrono::NaiveTime => ColumnType::Time,
    chrono::NaiveDateTime => ColumnType::Timestamp,
    chrono::DateTime<chrono::Utc> => ColumnType::TimestampTz,
    uuid::Uuid => ColumnType::Uuid,
    serde_json::Value => ColumnType::Jsonb,
    std::net::IpAddr => ColumnType::Inet,
}
