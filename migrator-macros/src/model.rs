//! `#[derive(Model)]`: a struct as a table of the target schema, and
//! `#[derive(DbEnum)]`: a fieldless enum as an enum type. Each expands to a
//! model function registered with `migrator_core::models::Model` (what
//! `model!` registers), built with the op builder, so the struct stays an
//! ordinary struct that other derives (serde, sqlx's `FromRow`) share.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::meta::ParseNestedMeta;
use syn::{Data, DeriveInput, Fields, Ident, Lit, LitStr, Type};

const TABLE_KEYS: &str = "table, schema, comment, primary_key, unique(columns, name), check(name, expr), index(columns, name, unique, method, where, include)";
const FIELD_KEYS: &str = "column, sql_type, primary_key, identity, identity_always, nullable, default, default_sql, comment, unique, index, references, on_delete, on_update, fk_name, skip";
const ENUM_KEYS: &str = "name, schema";
const METHODS: &[(&str, &str)] = &[
    ("btree", "BTree"),
    ("hash", "Hash"),
    ("gin", "Gin"),
    ("gist", "Gist"),
    ("brin", "Brin"),
];
const ACTIONS: &[(&str, &str)] = &[
    ("no_action", "NoAction"),
    ("restrict", "Restrict"),
    ("cascade", "Cascade"),
    ("set_null", "SetNull"),
    ("set_default", "SetDefault"),
];

/// `FeeStatus` → `fee_status`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn string(meta: &ParseNestedMeta) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// `["a", "b"]` (or one string), as `#[migration]` reads its lists.
fn strings(meta: &ParseNestedMeta) -> syn::Result<Vec<LitStr>> {
    crate::args::string_list(meta.value()?, &key(meta))
}

/// The key a nested attribute names (`index` in `index(…)`), empty for a path.
fn key(meta: &ParseNestedMeta) -> String {
    meta.path
        .get_ident()
        .map_or_else(String::new, ToString::to_string)
}

fn unknown(meta: &ParseNestedMeta, what: &str, keys: &str) -> syn::Error {
    meta.error(format!(
        "unknown {what} key `{}`; the keys are: {keys}",
        key(meta)
    ))
}

/// `"students.id"` or `"billing.students.id"`: the table (as builder
/// tokens) and the column.
fn reference(lit: &LitStr) -> syn::Result<(TokenStream, String)> {
    let text = lit.value();
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [table, column] if !table.is_empty() && !column.is_empty() => {
            Ok((quote! { #table }, (*column).to_owned()))
        }
        [schema, table, column]
            if !schema.is_empty() && !table.is_empty() && !column.is_empty() =>
        {
            Ok((quote! { (#schema, #table) }, (*column).to_owned()))
        }
        _ => Err(syn::Error::new(
            lit.span(),
            "`references` takes \"table.column\" or \"schema.table.column\"",
        )),
    }
}

fn action(lit: &LitStr) -> syn::Result<TokenStream> {
    let value = lit.value();
    let Some((_, variant)) = ACTIONS.iter().find(|(k, _)| *k == value) else {
        return Err(syn::Error::new(
            lit.span(),
            "the actions are no_action, restrict, cascade, set_null, set_default",
        ));
    };
    let variant = Ident::new(variant, lit.span());
    Ok(quote! { ::migrator_core::ops::RefAction::#variant })
}

#[derive(Default)]
struct Index {
    columns: Vec<LitStr>,
    name: Option<LitStr>,
    unique: bool,
    method: Option<LitStr>,
    predicate: Option<LitStr>,
    include: Vec<LitStr>,
}

#[derive(Default)]
struct Table {
    table: Option<LitStr>,
    schema: Option<LitStr>,
    comment: Option<LitStr>,
    primary_key: Vec<LitStr>,
    uniques: Vec<(Vec<LitStr>, Option<LitStr>)>,
    checks: Vec<(LitStr, LitStr)>,
    indexes: Vec<Index>,
}

#[derive(Default)]
struct Field {
    column: Option<LitStr>,
    sql_type: Option<LitStr>,
    primary_key: bool,
    identity: bool,
    identity_always: bool,
    nullable: bool,
    default: Option<Lit>,
    default_sql: Option<LitStr>,
    comment: Option<LitStr>,
    unique: bool,
    index: bool,
    references: Option<LitStr>,
    on_delete: Option<LitStr>,
    on_update: Option<LitStr>,
    fk_name: Option<LitStr>,
    skip: bool,
}

fn parse_table(input: &DeriveInput) -> syn::Result<Table> {
    let mut t = Table::default();
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            match key(&meta).as_str() {
                "table" => t.table = Some(string(&meta)?),
                "schema" => t.schema = Some(string(&meta)?),
                "comment" => t.comment = Some(string(&meta)?),
                "primary_key" => t.primary_key = strings(&meta)?,
                "unique" => {
                    let (mut columns, mut name) = (Vec::new(), None);
                    meta.parse_nested_meta(|m| {
                        match key(&m).as_str() {
                            "columns" => columns = strings(&m)?,
                            "name" => name = Some(string(&m)?),
                            _ => return Err(unknown(&m, "unique", "columns, name")),
                        }
                        Ok(())
                    })?;
                    t.uniques.push((columns, name));
                }
                "check" => {
                    let (mut name, mut expr) = (None, None);
                    meta.parse_nested_meta(|m| {
                        match key(&m).as_str() {
                            "name" => name = Some(string(&m)?),
                            "expr" => expr = Some(string(&m)?),
                            _ => return Err(unknown(&m, "check", "name, expr")),
                        }
                        Ok(())
                    })?;
                    match (name, expr) {
                        (Some(n), Some(e)) => t.checks.push((n, e)),
                        _ => {
                            return Err(
                                meta.error("`check` takes both name = \"…\" and expr = \"…\"")
                            );
                        }
                    }
                }
                "index" => {
                    let mut index = Index::default();
                    meta.parse_nested_meta(|m| {
                        match key(&m).as_str() {
                            "columns" => index.columns = strings(&m)?,
                            "name" => index.name = Some(string(&m)?),
                            "unique" => index.unique = true,
                            "method" => index.method = Some(string(&m)?),
                            "where" => index.predicate = Some(string(&m)?),
                            "include" => index.include = strings(&m)?,
                            _ => {
                                return Err(unknown(
                                    &m,
                                    "index",
                                    "columns, name, unique, method, where, include",
                                ));
                            }
                        }
                        Ok(())
                    })?;
                    if index.columns.is_empty() {
                        return Err(meta.error("`index` needs columns = [\"…\"]"));
                    }
                    t.indexes.push(index);
                }
                _ => return Err(unknown(&meta, "model", TABLE_KEYS)),
            }
            Ok(())
        })?;
    }
    Ok(t)
}

fn parse_field(field: &syn::Field) -> syn::Result<Field> {
    let mut f = Field::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            match key(&meta).as_str() {
                "column" => f.column = Some(string(&meta)?),
                "sql_type" => f.sql_type = Some(string(&meta)?),
                "primary_key" => f.primary_key = true,
                "identity" => f.identity = true,
                "identity_always" => f.identity_always = true,
                "nullable" => f.nullable = true,
                "default" => f.default = Some(meta.value()?.parse()?),
                "default_sql" => f.default_sql = Some(string(&meta)?),
                "comment" => f.comment = Some(string(&meta)?),
                "unique" => f.unique = true,
                "index" => f.index = true,
                "references" => f.references = Some(string(&meta)?),
                "on_delete" => f.on_delete = Some(string(&meta)?),
                "on_update" => f.on_update = Some(string(&meta)?),
                "fk_name" => f.fk_name = Some(string(&meta)?),
                "skip" => f.skip = true,
                _ => return Err(unknown(&meta, "field", FIELD_KEYS)),
            }
            Ok(())
        })?;
    }
    if f.default.is_some() && f.default_sql.is_some() {
        return Err(syn::Error::new_spanned(
            field,
            "a column has one default: give `default` (a value) or `default_sql` (an expression), not both",
        ));
    }
    if (f.on_delete.is_some() || f.on_update.is_some() || f.fk_name.is_some())
        && f.references.is_none()
    {
        return Err(syn::Error::new_spanned(
            field,
            "`on_delete`, `on_update` and `fk_name` go with `references = \"table.column\"`",
        ));
    }
    Ok(f)
}

/// Whether `ty` is written `Option<…>`.
fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

fn lits(items: &[LitStr]) -> TokenStream {
    quote! { [#(#items),*] }
}

fn register(name: &Ident, body: TokenStream) -> TokenStream {
    let func = format_ident!("__migrator_model_{}", name);
    let label = name.to_string();
    quote! {
        const _: () = {
            #[allow(non_snake_case, unused_mut)]
            fn #func(op: &mut ::migrator_core::ops::Ops) {
                #[allow(unused_imports)]
                use ::migrator_core::ops::{ColumnOptions as _, OpBuilder as _};
                #body
            }
            ::migrator_core::inventory::submit! {
                ::migrator_core::models::Model {
                    name: #label,
                    declare: #func,
                    file: file!(),
                    line: line!(),
                }
            }
        };
    }
}

/// The schema a model names is part of what it declares (models that
/// share one each declare it; the target schema holds it once).
fn declare_schema(schema: &Option<LitStr>) -> TokenStream {
    match schema {
        Some(s) => quote! { op.create_schema(#s); },
        None => TokenStream::new(),
    }
}

fn qualified(schema: &Option<LitStr>, name: &LitStr) -> TokenStream {
    match schema {
        Some(s) => quote! { (#s, #name) },
        None => quote! { #name },
    }
}

/// `#[derive(Model)]`.
pub(crate) fn expand_model(input: DeriveInput) -> syn::Result<TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Model)] goes on a struct with named fields (a fieldless enum is #[derive(DbEnum)])",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Model)] needs named fields: each is a column",
        ));
    };
    let table = parse_table(&input)?;
    let name = table
        .table
        .clone()
        .unwrap_or_else(|| LitStr::new(&snake_case(&input.ident.to_string()), input.ident.span()));
    let qname = qualified(&table.schema, &name);
    let mut columns = Vec::new();
    let mut statements = Vec::new();
    let mut after = Vec::new();
    for field in &fields.named {
        let f = parse_field(field)?;
        if f.skip {
            continue;
        }
        let ident = field.ident.as_ref().expect("named fields have names");
        let column = f
            .column
            .clone()
            .unwrap_or_else(|| LitStr::new(&ident.to_string(), ident.span()));
        columns.push(column.value());
        let ty = &field.ty;
        let mut s = match &f.sql_type {
            Some(sql) => {
                let mut s = quote! {
                    let mut c = t.column_as(#column, ::migrator_core::types::ColumnType::from_sql(#sql));
                };
                if is_option(ty) {
                    s.extend(quote! { c.nullable(); });
                }
                s
            }
            None => quote! { let mut c = t.column::<#ty>(#column); },
        };
        if f.nullable {
            s.extend(quote! { c.nullable(); });
        }
        if let Some(d) = &f.default {
            s.extend(quote! { c.default(#d); });
        }
        if let Some(d) = &f.default_sql {
            s.extend(quote! { c.default_sql(#d); });
        }
        if f.identity {
            s.extend(quote! { c.identity(); });
        }
        if f.identity_always {
            s.extend(quote! { c.identity_always(); });
        }
        if let Some(text) = &f.comment {
            s.extend(quote! { c.comment(#text); });
        }
        if f.primary_key {
            s.extend(quote! { c.primary_key(); });
        }
        if f.unique {
            s.extend(quote! { c.unique(); });
        }
        if let Some(r) = &f.references {
            let (target, ref_column) = reference(r)?;
            let mut fk = quote! { c.references(#target, #ref_column) };
            if let Some(n) = &f.fk_name {
                fk.extend(quote! { .named(#n) });
            }
            if let Some(a) = &f.on_delete {
                let a = action(a)?;
                fk.extend(quote! { .on_delete(#a) });
            }
            if let Some(a) = &f.on_update {
                let a = action(a)?;
                fk.extend(quote! { .on_update(#a) });
            }
            s.extend(quote! { #fk; });
        }
        statements.push(quote! { { #s } });
        if f.index {
            after.push(quote! { op.create_index(#qname, [#column]); });
        }
    }
    let known = |lit: &LitStr| -> syn::Result<()> {
        if columns.contains(&lit.value()) {
            Ok(())
        } else {
            Err(syn::Error::new(
                lit.span(),
                format!(
                    "{} has no column {:?}; its columns are: {}",
                    input.ident,
                    lit.value(),
                    columns.join(", ")
                ),
            ))
        }
    };
    if !table.primary_key.is_empty() {
        table.primary_key.iter().try_for_each(known)?;
        let cols = lits(&table.primary_key);
        statements.push(quote! { t.primary_key(#cols); });
    }
    for (cols, n) in &table.uniques {
        cols.iter().try_for_each(known)?;
        let list = lits(cols);
        let named = n.as_ref().map(|n| quote! { .named(#n) });
        statements.push(quote! { t.unique(#list)#named; });
    }
    for (n, e) in &table.checks {
        statements.push(quote! { t.check(#n, #e); });
    }
    if let Some(text) = &table.comment {
        statements.push(quote! { t.comment(#text); });
    }
    for index in &table.indexes {
        index.columns.iter().try_for_each(known)?;
        index.include.iter().try_for_each(known)?;
        let cols = lits(&index.columns);
        let mut s = quote! { op.create_index(#qname, #cols) };
        if let Some(n) = &index.name {
            s.extend(quote! { .named(#n) });
        }
        if index.unique {
            s.extend(quote! { .unique() });
        }
        if let Some(m) = &index.method {
            let value = m.value();
            let Some((_, variant)) = METHODS.iter().find(|(k, _)| *k == value) else {
                return Err(syn::Error::new(
                    m.span(),
                    "the index methods are btree, hash, gin, gist, brin",
                ));
            };
            let variant = Ident::new(variant, m.span());
            s.extend(quote! { .using(::migrator_core::ops::IndexMethod::#variant) });
        }
        if let Some(p) = &index.predicate {
            s.extend(quote! { .where_sql(#p) });
        }
        if !index.include.is_empty() {
            let inc = lits(&index.include);
            s.extend(quote! { .include(#inc) });
        }
        after.push(quote! { #s; });
    }
    let schema = declare_schema(&table.schema);
    let body = quote! {
        #schema
        op.create_table(#qname, |t| {
            #(#statements)*
        });
        #(#after)*
    };
    Ok(register(&input.ident, body))
}

/// `#[derive(DbEnum)]`.
pub(crate) fn expand_db_enum(input: DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(DbEnum)] goes on an enum whose variants have no fields",
        ));
    };
    let (mut name, mut schema) = (None, None);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("db_enum")) {
        attr.parse_nested_meta(|meta| {
            match key(&meta).as_str() {
                "name" => name = Some(string(&meta)?),
                "schema" => schema = Some(string(&meta)?),
                _ => return Err(unknown(&meta, "db_enum", ENUM_KEYS)),
            }
            Ok(())
        })?;
    }
    let name = name
        .unwrap_or_else(|| LitStr::new(&snake_case(&input.ident.to_string()), input.ident.span()));
    let mut values = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new_spanned(
                variant,
                "a database enum's variants have no fields: each is one value",
            ));
        }
        let mut value = LitStr::new(
            &snake_case(&variant.ident.to_string()),
            variant.ident.span(),
        );
        for attr in variant
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("db_enum"))
        {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    value = string(&meta)?;
                    Ok(())
                } else {
                    Err(unknown(&meta, "variant", "rename"))
                }
            })?;
        }
        values.push(value);
    }
    if values.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "a database enum needs at least one value",
        ));
    }
    let qname = qualified(&schema, &name);
    let ident = &input.ident;
    let mapping = quote! {
        impl ::migrator_core::types::ColumnTypeOf for #ident {
            fn column_type() -> ::migrator_core::types::ColumnType {
                ::migrator_core::types::ColumnType::enumeration(#qname)
            }
        }
    };
    let schema = declare_schema(&schema);
    let model = register(
        ident,
        quote! { #schema op.create_enum(#qname, [#(#values),*]); },
    );
    Ok(quote! { #mapping #model })
}
