//! Column types, defaults, and the mapping from Rust types to column types.

use crate::ident::QualifiedName;

/// A column's SQL type.
///
/// Build the common ones from Rust types with [`ColumnTypeOf`]
/// (`t.column::<i64>("id")`), the rest with the constructors here
/// (`ColumnType::numeric(10, 2)`, `ColumnType::array(ColumnType::Text)`,
/// `ColumnType::enumeration("fee_status")`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

    /// Whether a column of this type takes a collation: the text types
    /// (and arrays of them), and a custom type, which the author knows.
    pub fn is_collatable(&self) -> bool {
        match self {
            Self::Text | Self::Varchar(_) | Self::Char(_) | Self::Custom(_) => true,
            Self::Array(element) => element.is_collatable(),
            _ => false,
        }
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

    /// The type an SQL spelling names, as PostgreSQL reads it: `integer`,
    /// `int4`, `varchar(20)`, `character varying`, `numeric(10,2)`,
    /// `decimal`, `timestamptz`, `timestamp with time zone`, `text[]`, ….
    /// A spelling it does not know (a domain, `money`, `tsvector`) is
    /// [`ColumnType::Custom`], written as given.
    ///
    /// ```
    /// use migrator_core::types::ColumnType;
    /// assert_eq!(ColumnType::from_sql("NUMERIC(10, 2)"), ColumnType::numeric(10, 2));
    /// assert_eq!(ColumnType::from_sql("character varying(20)"), ColumnType::varchar(20));
    /// assert_eq!(ColumnType::from_sql("int8[]"), ColumnType::array(ColumnType::BigInt));
    /// assert_eq!(ColumnType::from_sql("tsvector"), ColumnType::custom("tsvector"));
    /// ```
    pub fn from_sql(sql: &str) -> ColumnType {
        let text = sql.trim();
        let squashed = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
        if let Some(element) = squashed.strip_suffix("[]") {
            return match Self::from_sql(element) {
                ColumnType::Custom(_) => ColumnType::Custom(text.to_owned()),
                element => ColumnType::array(element),
            };
        }
        let (name, args) = match squashed.split_once('(') {
            Some((name, rest)) => match rest.strip_suffix(')') {
                Some(args) => (name.trim(), Some(args)),
                None => return ColumnType::Custom(text.to_owned()),
            },
            None => (squashed.as_str(), None),
        };
        let numbers: Option<Vec<u32>> = args
            .map(|a| {
                a.split(',')
                    .map(|n| n.trim().parse().ok())
                    .collect::<Option<Vec<u32>>>()
            })
            .unwrap_or(Some(Vec::new()));
        let Some(numbers) = numbers else {
            return ColumnType::Custom(text.to_owned());
        };
        match (name, numbers.as_slice()) {
            ("smallint" | "int2", []) => ColumnType::SmallInt,
            ("integer" | "int" | "int4", []) => ColumnType::Integer,
            ("bigint" | "int8", []) => ColumnType::BigInt,
            ("smallserial" | "serial2", []) => ColumnType::SmallSerial,
            ("serial" | "serial4", []) => ColumnType::Serial,
            ("bigserial" | "serial8", []) => ColumnType::BigSerial,
            ("boolean" | "bool", []) => ColumnType::Boolean,
            ("text", []) => ColumnType::Text,
            ("varchar" | "character varying", []) => ColumnType::Varchar(None),
            ("varchar" | "character varying", [n]) => ColumnType::Varchar(Some(*n)),
            ("char" | "character" | "bpchar", []) => ColumnType::Char(1),
            ("char" | "character" | "bpchar", [n]) => ColumnType::Char(*n),
            ("numeric" | "decimal", []) => ColumnType::Numeric(None),
            ("numeric" | "decimal", [p]) => ColumnType::Numeric(Some((*p, 0))),
            ("numeric" | "decimal", [p, sc]) => ColumnType::Numeric(Some((*p, *sc))),
            ("real" | "float4", []) => ColumnType::Real,
            ("double precision" | "float8" | "float", []) => ColumnType::Double,
            ("date", []) => ColumnType::Date,
            ("time" | "time without time zone", []) => ColumnType::Time,
            ("timestamp" | "timestamp without time zone", []) => ColumnType::Timestamp,
            ("timestamptz" | "timestamp with time zone", []) => ColumnType::TimestampTz,
            ("interval", []) => ColumnType::Interval,
            ("uuid", []) => ColumnType::Uuid,
            ("json", []) => ColumnType::Json,
            ("jsonb", []) => ColumnType::Jsonb,
            ("bytea", []) => ColumnType::Bytea,
            ("inet", []) => ColumnType::Inet,
            _ => ColumnType::Custom(text.to_owned()),
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
    /// SQL's `NULL` (a row of [`bulk_insert`](crate::ops::Ops::bulk_insert)
    /// without a value in a column, say). `Option<T>` gives it for `None`.
    Null,
}

impl Literal {
    /// The literal in standard SQL, as PostgreSQL reads it: strings quoted
    /// and escaped, NaN and the infinities as quoted names, `TRUE`/`FALSE`,
    /// `NULL`.
    ///
    /// ```
    /// use migrator_core::types::Literal;
    /// assert_eq!(Literal::from("it's").standard_sql(), "'it''s'");
    /// assert_eq!(Literal::Float(f64::NEG_INFINITY).standard_sql(), "'-Infinity'");
    /// ```
    pub fn standard_sql(&self) -> String {
        match self {
            Literal::Str(s) => crate::ident::quote_literal(s),
            Literal::Int(i) => i.to_string(),
            Literal::Float(f) if f.is_nan() => "'NaN'".into(),
            Literal::Float(f) if f.is_infinite() => if *f > 0.0 {
                "'Infinity'"
            } else {
                "'-Infinity'"
            }
            .into(),
            Literal::Float(f) => format!("{f:?}"),
            Literal::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Literal::Null => "NULL".into(),
        }
    }
}

impl<T: Into<Literal>> From<Option<T>> for Literal {
    fn from(v: Option<T>) -> Self {
        v.map_or(Literal::Null, Into::into)
    }
}

impl PartialEq for Literal {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Str(a), Self::Str(b)) => a == b,
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a.to_bits() == b.to_bits(),
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Null, Self::Null) => true,
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

/// Built-in functions (and the type names PostgreSQL's grammar writes like
/// calls, `varchar(20)` in `CAST(x AS varchar(20))`) that are not volatile:
/// immutable or stable, so a default calling only these is evaluated once
/// when a column is added, not once per row. Sorted.
const NON_VOLATILE_FUNCTIONS: &[&str] = &[
    "abs",
    "bit",
    "btrim",
    "ceil",
    "ceiling",
    "char",
    "char_length",
    "character",
    "character_length",
    "coalesce",
    "concat",
    "concat_ws",
    "current_database",
    "current_schema",
    "current_setting",
    "date_part",
    "date_trunc",
    "decimal",
    "decode",
    "encode",
    "extract",
    "float",
    "floor",
    "format",
    "greatest",
    "initcap",
    "interval",
    "json_build_array",
    "json_build_object",
    "jsonb_build_array",
    "jsonb_build_object",
    "least",
    "length",
    "lower",
    "lpad",
    "ltrim",
    "make_date",
    "make_interval",
    "make_time",
    "make_timestamp",
    "make_timestamptz",
    "md5",
    "mod",
    "now",
    "nullif",
    "numeric",
    "octet_length",
    "power",
    "repeat",
    "replace",
    "reverse",
    "round",
    "row",
    "rpad",
    "rtrim",
    "sqrt",
    "statement_timestamp",
    "substr",
    "substring",
    "time",
    "timestamp",
    "timezone",
    "to_char",
    "to_date",
    "to_json",
    "to_jsonb",
    "to_number",
    "to_timestamp",
    "transaction_timestamp",
    "trim",
    "trunc",
    "upper",
    "varbit",
    "varchar",
];

impl DefaultValue {
    /// Whether PostgreSQL may have to evaluate the default once per
    /// existing row when a column is added with it (a volatile function),
    /// which rewrites the table.
    ///
    /// A default is taken as non-volatile only when it is a literal or every
    /// function it calls is a known stable or immutable built-in (`now()`,
    /// `lower(…)`, `coalesce(…)`, …); keywords such as `current_timestamp`,
    /// casts and operators are fine. Any other call — a user's function, an
    /// extension's, a schema-qualified one outside `pg_catalog` — counts as
    /// volatile, which is the safe side of the claim.
    ///
    /// ```
    /// use migrator_core::types::DefaultValue;
    /// let volatile = |e: &str| DefaultValue::Expr(e.into()).is_volatile();
    /// assert!(!volatile("now()"));
    /// assert!(!volatile("CURRENT_TIMESTAMP"));
    /// assert!(!volatile("lower('X') || 'random()'"));
    /// assert!(volatile("random ()"));
    /// assert!(volatile("gen_code()"));
    /// assert!(volatile("encode(gen_random_bytes(8), 'hex')"));
    /// ```
    pub fn is_volatile(&self) -> bool {
        match self {
            Self::Literal(_) => false,
            Self::Expr(expr) => crate::schema::expr::calls(expr).iter().any(|call| {
                let builtin = call
                    .schema
                    .as_deref()
                    .is_none_or(|schema| schema == "pg_catalog");
                !(builtin
                    && NON_VOLATILE_FUNCTIONS
                        .binary_search(&call.name.as_str())
                        .is_ok())
            }),
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
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no column type",
    label = "no column type for `{Self}`",
    note = "give the field `#[model(sql_type = \"…\")]` (a #[derive(Model)] field may then be any type), use `column_as(name, ColumnType::…)`, derive DbEnum for an enum, or implement ColumnTypeOf for `{Self}`"
)]
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
    std::net::IpAddr => ColumnType::Inet,
}

// The mappings of other crates' types, each behind the feature named after
// its crate.
#[cfg(feature = "chrono")]
column_type_of! {
    chrono::NaiveDate => ColumnType::Date,
    chrono::NaiveTime => ColumnType::Time,
    chrono::NaiveDateTime => ColumnType::Timestamp,
    chrono::DateTime<chrono::Utc> => ColumnType::TimestampTz,
}

#[cfg(feature = "uuid")]
column_type_of! {
    uuid::Uuid => ColumnType::Uuid,
}

#[cfg(feature = "serde_json")]
column_type_of! {
    serde_json::Value => ColumnType::Jsonb,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_volatile_functions_are_sorted() {
        assert!(NON_VOLATILE_FUNCTIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn volatility_of_defaults() {
        for (expr, volatile) in [
            ("now()", false),
            ("pg_catalog.now()", false),
            ("current_timestamp", false),
            ("CURRENT_DATE + 1", false),
            ("localtimestamp", false),
            ("'a'::text", false),
            ("CAST('1' AS numeric(10, 2))", false),
            ("(1 + 2) * 3", false),
            ("coalesce(NULL, lower('X'))", false),
            ("'{}'::jsonb", false),
            ("random()", true),
            ("random ()", true),
            ("RANDOM()", true),
            ("gen_random_uuid()", true),
            ("clock_timestamp()", true),
            ("nextval('s')", true),
            ("gen_code()", true),
            ("public.now()", true),
            ("\"now\"()", false),
            ("encode(gen_random_bytes(8), 'hex')", true),
            ("lower(gen_code())", true),
        ] {
            assert_eq!(
                DefaultValue::Expr(expr.into()).is_volatile(),
                volatile,
                "{expr}"
            );
        }
    }
}
