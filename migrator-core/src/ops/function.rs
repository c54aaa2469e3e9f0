//! Functions (PostgreSQL's `CREATE FUNCTION`): what triggers run, and
//! what SQL may call.

use crate::ident::QualifiedName;

/// How a function's result depends on the database (`VOLATILE`, the
/// default; `STABLE`; `IMMUTABLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Volatility {
    /// `VOLATILE`: may change anything, read anything (the default).
    #[default]
    Volatile,
    /// `STABLE`: the same result within one statement.
    Stable,
    /// `IMMUTABLE`: the same result for the same arguments, forever.
    Immutable,
}

impl Volatility {
    /// The keyword.
    pub fn as_sql(self) -> &'static str {
        match self {
            Self::Volatile => "VOLATILE",
            Self::Stable => "STABLE",
            Self::Immutable => "IMMUTABLE",
        }
    }
}

/// One argument of a function: an optional name and a type, as SQL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionArg {
    /// The argument's name, if it has one.
    pub name: Option<String>,
    /// Its type, as SQL (`integer`, `text`, `public.fee_status`).
    pub ty: String,
}

/// A function: name, arguments, result, language, body and the options
/// the model keeps. The model holds one function per name (overloads are
/// not modelled).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FunctionDef {
    /// The function's (possibly schema-qualified) name.
    pub name: QualifiedName,
    /// Its arguments, in order.
    pub args: Vec<FunctionArg>,
    /// `RETURNS …`, as SQL (`trigger`, `integer`, `SETOF users`).
    pub returns: String,
    /// `LANGUAGE …` (`plpgsql`, `sql`).
    pub language: String,
    /// The body, as the language reads it (what goes between `$$`).
    pub body: String,
    /// `VOLATILE` / `STABLE` / `IMMUTABLE`.
    pub volatility: Volatility,
    /// `STRICT`: NULL for any NULL argument, without running.
    pub strict: bool,
    /// `SECURITY DEFINER`: runs with its owner's rights.
    pub security_definer: bool,
}

impl FunctionDef {
    /// A `plpgsql` function of no arguments, volatile.
    pub fn new(name: QualifiedName, returns: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            name,
            args: Vec::new(),
            returns: returns.into(),
            language: "plpgsql".into(),
            body: body.into(),
            volatility: Volatility::Volatile,
            strict: false,
            security_definer: false,
        }
    }

    /// `name(type, …)`: the signature `DROP FUNCTION` and messages use.
    pub fn signature(&self) -> String {
        let types: Vec<&str> = self.args.iter().map(|a| a.ty.as_str()).collect();
        format!("{}({})", self.name, types.join(", "))
    }
}

/// `CREATE [OR REPLACE] FUNCTION`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateFunction {
    /// The function.
    pub function: FunctionDef,
    /// `OR REPLACE`: an existing function of the same name and arguments
    /// is replaced (its result type must stay the same).
    pub or_replace: bool,
}

impl CreateFunction {
    /// `OR REPLACE`.
    pub fn or_replace(&mut self) -> &mut Self {
        self.or_replace = true;
        self
    }

    /// Adds an argument `name type` (an empty name: an unnamed argument).
    pub fn arg(&mut self, name: impl Into<String>, ty: impl Into<String>) -> &mut Self {
        let name = name.into();
        self.function.args.push(FunctionArg {
            name: (!name.is_empty()).then_some(name),
            ty: ty.into(),
        });
        self
    }

    /// `LANGUAGE language` (default `plpgsql`).
    pub fn language(&mut self, language: impl Into<String>) -> &mut Self {
        self.function.language = language.into();
        self
    }

    /// `VOLATILE` (default), `STABLE` or `IMMUTABLE`.
    pub fn volatility(&mut self, volatility: Volatility) -> &mut Self {
        self.function.volatility = volatility;
        self
    }

    /// `STRICT`.
    pub fn strict(&mut self) -> &mut Self {
        self.function.strict = true;
        self
    }

    /// `SECURITY DEFINER`.
    pub fn security_definer(&mut self) -> &mut Self {
        self.function.security_definer = true;
        self
    }
}

/// `DROP FUNCTION name(args)`: reversible, the model keeps the definition.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DropFunction {
    /// The function.
    pub name: QualifiedName,
}
