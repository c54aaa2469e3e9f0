//! The arguments of `#[migration(...)]`, shared by the attribute and by
//! `migrations!`, which reads them from every file of a directory.

use proc_macro2::Span;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, ExprArray, ExprLit, Lit, LitStr};

use crate::graph::{RevisionInfo, name_problem};

const KEYS: &str =
    "revision, down_revision, message, branch_labels, depends_on, reversible, irreversible, naming";

/// What `#[migration(...)]` says about a revision.
pub(crate) struct Args {
    pub revision: LitStr,
    pub down_revisions: Vec<LitStr>,
    pub message: Option<LitStr>,
    pub branch_labels: Vec<LitStr>,
    pub depends_on: Vec<LitStr>,
    pub reversible: Option<Span>,
    pub irreversible: Option<LitStr>,
    /// The path of the naming convention the revision was written under.
    pub naming: Option<syn::Path>,
}

/// `"id"`, `["a", "b"]` or `None`.
pub(crate) fn string_list(input: ParseStream, key: &str) -> syn::Result<Vec<LitStr>> {
    let expr: Expr = input.parse()?;
    let item = |e: &Expr| -> syn::Result<LitStr> {
        match e {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(s.clone()),
            other => Err(syn::Error::new_spanned(
                other,
                format!("`{key}` takes a string, a list of strings or None"),
            )),
        }
    };
    match &expr {
        Expr::Path(p) if p.path.is_ident("None") => Ok(Vec::new()),
        Expr::Array(ExprArray { elems, .. }) => elems.iter().map(item).collect(),
        other => Ok(vec![item(other)?]),
    }
}

/// `naming = crate::NAMING`: the path of a `NamingConvention` constant.
fn naming_path(input: ParseStream) -> syn::Result<syn::Path> {
    let expr: Expr = input.parse()?;
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(p.path),
        other => Err(syn::Error::new_spanned(
            other,
            "`naming` takes the path of a NamingConvention constant, e.g. `naming = crate::NAMING` with `pub const NAMING: NamingConvention = NamingConvention::sqlalchemy();`",
        )),
    }
}

fn check_name(lit: &LitStr, what: &str) -> syn::Result<()> {
    match name_problem(&lit.value()) {
        Some(reason) => Err(syn::Error::new(
            lit.span(),
            format!(
                "{what} {:?} {reason}: ids and labels may not be empty, contain whitespace or `@ - + :` (targets such as `rev@head` and `-1` use them), or be head, heads, base or current",
                lit.value()
            ),
        )),
        None => Ok(()),
    }
}

impl Args {
    /// Parses the attribute's arguments; `span` locates errors about missing keys.
    pub(crate) fn parse(tokens: proc_macro2::TokenStream, span: Span) -> syn::Result<Args> {
        let mut revision = None;
        let mut down_revisions = Vec::new();
        let mut message = None;
        let mut branch_labels = Vec::new();
        let mut depends_on = Vec::new();
        let mut reversible = None;
        let mut irreversible = None;
        let mut naming = None;
        let parser = syn::meta::parser(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "revision" => revision = Some(meta.value()?.parse::<LitStr>()?),
                "down_revision" => down_revisions = string_list(meta.value()?, &key)?,
                "message" => message = Some(meta.value()?.parse::<LitStr>()?),
                "branch_labels" => branch_labels = string_list(meta.value()?, &key)?,
                "depends_on" => depends_on = string_list(meta.value()?, &key)?,
                "reversible" => reversible = Some(meta.path.get_ident().map_or(span, |i| i.span())),
                "irreversible" => irreversible = Some(meta.value()?.parse::<LitStr>()?),
                "naming" => naming = Some(naming_path(meta.value()?)?),
                _ => return Err(meta.error(format!("unknown key; #[migration] takes {KEYS}"))),
            }
            Ok(())
        });
        parser.parse2(tokens)?;
        let revision = revision.ok_or_else(|| {
            syn::Error::new(
                span,
                "#[migration] needs `revision = \"<id>\"` (and `down_revision`, `message`)",
            )
        })?;
        check_name(&revision, "revision id")?;
        for parent in &down_revisions {
            check_name(parent, "down_revision")?;
        }
        for dep in &depends_on {
            check_name(dep, "depends_on")?;
        }
        for label in &branch_labels {
            check_name(label, "branch label")?;
        }
        if let (Some(at), Some(_)) = (reversible, &irreversible) {
            return Err(syn::Error::new(
                at,
                format!(
                    "revision {:?} cannot be both reversible and irreversible; keep one",
                    revision.value()
                ),
            ));
        }
        if let Some(reason) = &irreversible
            && reason.value().trim().is_empty()
        {
            return Err(syn::Error::new(
                reason.span(),
                format!(
                    "revision {:?}: say why it is irreversible; `history` and the runner show the reason",
                    revision.value()
                ),
            ));
        }
        Ok(Args {
            revision,
            down_revisions,
            message,
            branch_labels,
            depends_on,
            reversible,
            irreversible,
            naming,
        })
    }

    /// The revision as the graph sees it.
    pub(crate) fn info(&self) -> RevisionInfo {
        let mut info = RevisionInfo::new(self.revision.value())
            .parents(self.down_revisions.iter().map(LitStr::value))
            .message(self.message.as_ref().map(LitStr::value).unwrap_or_default());
        for label in &self.branch_labels {
            info = info.label(label.value());
        }
        for dep in &self.depends_on {
            info = info.depends_on(dep.value());
        }
        if let Some(reason) = &self.irreversible {
            info = info.irreversible(reason.value());
        }
        info
    }
}

/// Parses `#[migration(...)]`'s arguments out of an attribute found in a file.
pub(crate) fn from_attribute(attr: &syn::Attribute) -> syn::Result<Args> {
    let tokens = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => proc_macro2::TokenStream::new(),
    };
    Args::parse(tokens, Span::call_site())
}

/// Whether `attr` is `#[migration(...)]` (or a path ending in `migration`).
pub(crate) fn is_migration(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "migration")
}
