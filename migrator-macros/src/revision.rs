//! `#[migration(...)]` on `impl Name { fn upgrade … fn downgrade … }`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItem, ImplItemFn, ItemImpl, Type};

use crate::args::Args;

fn find_fn<'a>(item: &'a ItemImpl, name: &str) -> Option<&'a ImplItemFn> {
    item.items.iter().find_map(|i| match i {
        ImplItem::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

/// The last path segment of the type behind `&mut`, if that is what the
/// function's one parameter is.
fn builder_type(f: &ImplItemFn) -> Option<String> {
    let arg = f.sig.inputs.first()?;
    let syn::FnArg::Typed(pat) = arg else {
        return None;
    };
    let Type::Reference(r) = &*pat.ty else {
        return None;
    };
    let Type::Path(p) = &*r.elem else { return None };
    p.path.segments.last().map(|s| s.ident.to_string())
}

/// The first `.add_enum_value` call in `tokens`, which has no inverse.
fn irreversible_call(tokens: TokenStream) -> Option<Span> {
    let mut after_dot = false;
    for tree in tokens {
        match tree {
            TokenTree::Group(g) => {
                if let Some(span) = irreversible_call(g.stream()) {
                    return Some(span);
                }
                after_dot = false;
            }
            TokenTree::Punct(p) => after_dot = p.as_char() == '.',
            TokenTree::Ident(i) => {
                if after_dot && i == "add_enum_value" {
                    return Some(i.span());
                }
                after_dot = false;
            }
            TokenTree::Literal(_) => after_dot = false,
        }
    }
    None
}

fn strings(list: &[syn::LitStr]) -> TokenStream {
    quote! { &[#(#list),*] }
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let item: ItemImpl = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[migration] goes on an impl block: impl Revision { fn upgrade(op: &mut Ops) { … } fn downgrade(op: &mut Ops) { … } }",
        )
    })?;
    let args = Args::parse(attr, item.self_ty.span())?;
    let id = args.revision.value();
    let self_ty = &item.self_ty;
    if item.trait_.is_some() || !item.generics.params.is_empty() {
        return Err(syn::Error::new(
            item.impl_token.span,
            format!(
                "revision {id:?}: #[migration] goes on a plain impl block without a trait or generics, like impl Revision {{ … }}"
            ),
        ));
    }
    let name = match &**self_ty {
        Type::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
            p.path.get_ident().cloned().expect("checked above")
        }
        other => {
            return Err(syn::Error::new(
                other.span(),
                format!(
                    "revision {id:?}: name the revision with a plain type name, like impl Revision {{ … }}"
                ),
            ));
        }
    };

    let upgrade = find_fn(&item, "upgrade").ok_or_else(|| {
        syn::Error::new(
            name.span(),
            format!("revision {id:?} has no upgrade: add fn upgrade(op: &mut Ops) {{ … }}"),
        )
    })?;
    let downgrade = find_fn(&item, "downgrade");

    let upgrade_kind = if args.reversible.is_some() {
        if let Some(down) = downgrade {
            return Err(syn::Error::new(
                down.sig.ident.span(),
                format!(
                    "revision {id:?} is reversible: its downgrade is derived from the upgrade, so remove fn downgrade (or drop `reversible`)"
                ),
            ));
        }
        if builder_type(upgrade).as_deref() != Some("Reversible") {
            let message = format!(
                "revision {id:?} is reversible: its upgrade takes `op: &mut Reversible`, the builder without irreversible ops"
            );
            return Err(match upgrade.sig.inputs.first() {
                Some(syn::FnArg::Typed(arg)) => syn::Error::new_spanned(&arg.ty, message),
                _ => syn::Error::new(upgrade.sig.ident.span(), message),
            });
        }
        if let Some(span) = irreversible_call(upgrade.block.to_token_stream_inner()) {
            return Err(syn::Error::new(
                span,
                format!(
                    "revision {id:?} is reversible, but add_enum_value has no inverse (PostgreSQL cannot remove an enum value); write fn downgrade instead of `reversible`, or mark the revision irreversible = \"<reason>\""
                ),
            ));
        }
        quote_spanned! {upgrade.sig.ident.span()=> ::migrator_core::registry::Upgrade::Reversible(#name::upgrade) }
    } else {
        quote_spanned! {upgrade.sig.ident.span()=> ::migrator_core::registry::Upgrade::Ops(#name::upgrade) }
    };

    let downgrade_kind = match (&args.irreversible, downgrade, args.reversible) {
        (Some(reason), None, _) => {
            quote! { ::migrator_core::registry::Downgrade::Irreversible(#reason) }
        }
        (Some(_), Some(down), _) => {
            return Err(syn::Error::new(
                down.sig.ident.span(),
                format!(
                    "revision {id:?} is marked irreversible but has a downgrade; remove one of them"
                ),
            ));
        }
        (None, Some(down), _) => {
            quote_spanned! {down.sig.ident.span()=> ::migrator_core::registry::Downgrade::Written(#name::downgrade) }
        }
        (None, None, Some(_)) => quote! { ::migrator_core::registry::Downgrade::Derived },
        (None, None, None) => {
            return Err(syn::Error::new(
                name.span(),
                format!(
                    "revision {id:?} has no downgrade: add fn downgrade(op: &mut Ops), declare `reversible` to derive it from the upgrade, or mark the revision irreversible = \"<reason>\""
                ),
            ));
        }
    };

    let revision = &args.revision;
    let parents = strings(&args.down_revisions);
    let labels = strings(&args.branch_labels);
    let depends = strings(&args.depends_on);
    let message = args
        .message
        .as_ref()
        .map_or_else(|| quote! { "" }, |m| quote! { #m });
    let naming = args.naming.as_ref().map_or_else(
        || quote! { ::core::option::Option::None },
        |path| quote! { ::core::option::Option::Some(&#path) },
    );
    let attrs = &item.attrs;
    let items = &item.items;
    Ok(quote! {
        #[doc = concat!("Revision `", #revision, "`.")]
        pub struct #name;

        #(#attrs)*
        impl #name {
            /// The revision id.
            pub const ID: &'static str = #revision;
            #(#items)*
        }

        ::migrator_core::inventory::submit! {
            ::migrator_core::registry::Registered {
                id: #revision,
                down_revisions: #parents,
                message: #message,
                branch_labels: #labels,
                depends_on: #depends,
                upgrade: #upgrade_kind,
                downgrade: #downgrade_kind,
                naming: #naming,
                file: file!(),
                line: line!(),
            }
        }
    })
}

trait BlockTokens {
    fn to_token_stream_inner(&self) -> TokenStream;
}

impl BlockTokens for syn::Block {
    fn to_token_stream_inner(&self) -> TokenStream {
        quote! { #self }
    }
}
