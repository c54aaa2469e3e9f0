//! `migrations!("dir")`: every `.rs` file of a directory as a module, with
//! the graph checks run over them at compile time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

use crate::args::{from_attribute, is_migration};
use crate::graph::{Graph, RevisionInfo, name_problem};

/// The directory `path` names: relative to the file that invokes the macro,
/// as `include_str!` resolves paths (or to the crate root where the compiler
/// cannot say which file that is).
fn resolve(path: &LitStr) -> PathBuf {
    let given = PathBuf::from(path.value());
    if given.is_absolute() {
        return given;
    }
    let file = proc_macro::Span::call_site().local_file();
    let base = match file.as_deref().and_then(Path::parent) {
        Some(dir) if dir.is_absolute() => dir.to_path_buf(),
        // A relative file name is relative to the compiler's working directory.
        Some(dir) => std::env::current_dir().unwrap_or_default().join(dir),
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_default(),
    };
    base.join(given)
}

fn module_name(stem: &str) -> syn::Ident {
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    // A stem that is a keyword (`self.rs`, `fn.rs`) gets `m_` too: `mod fn;`
    // is not Rust.
    if !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || syn::parse_str::<syn::Ident>(&name).is_err()
        || name == "gen"
    {
        name.insert_str(0, "m_");
    }
    format_ident!("{}", name)
}

/// What a file of the directory holds, as far as the graph is concerned.
#[derive(Debug)]
enum Scanned {
    /// A revision with valid arguments.
    Revision(RevisionInfo),
    /// No `#[migration]` at all (a helper module, say).
    Other,
    /// Text that does not parse as Rust, or a `#[migration]` whose arguments
    /// are invalid: the compiler reports the error in the file itself, where
    /// it is, once the module is included.
    Broken,
}

/// What the file at `path` holds.
fn revision_of(path: &Path) -> Scanned {
    match std::fs::read_to_string(path) {
        Ok(text) => revision_in(&text),
        // Not UTF-8 or unreadable: `mod` reports it.
        Err(_) => Scanned::Broken,
    }
}

/// What the text of a file holds.
fn revision_in(text: &str) -> Scanned {
    let Ok(file) = syn::parse_file(text) else {
        return Scanned::Broken;
    };
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Impl(i) => i.attrs.iter().find(|a| is_migration(a)).map(|a| {
                from_attribute(a).map_or(Scanned::Broken, |args| Scanned::Revision(args.info()))
            }),
            _ => None,
        })
        .unwrap_or(Scanned::Other)
}

/// `migrations!`'s input: the directory, then optionally
/// `extends = ["<id>", ...]`, the revisions of other crates it builds on.
struct Input {
    dir: LitStr,
    extends: Vec<LitStr>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let dir: LitStr = input.parse()?;
        let mut extends = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: syn::Ident = input.parse()?;
            if key != "extends" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown argument `{key}`; migrations! takes the directory, then optionally `extends = [\"<id>\", ...]` (revisions of other crates that this directory's revisions build on)"
                    ),
                ));
            }
            input.parse::<Token![=]>()?;
            let list;
            syn::bracketed!(list in input);
            let ids = Punctuated::<LitStr, Token![,]>::parse_terminated(&list)?;
            for id in ids {
                if let Some(reason) = name_problem(&id.value()) {
                    return Err(syn::Error::new(
                        id.span(),
                        format!(
                            "extends: {:?} {reason}, so it is no revision id: ids may not be empty, contain whitespace or `@ - + :`, or be head, heads, base or current",
                            id.value()
                        ),
                    ));
                }
                extends.push(id);
            }
        }
        Ok(Input { dir, extends })
    }
}

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let Input { dir: lit, extends } = syn::parse2(input)?;
    let dir = resolve(&lit);
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        syn::Error::new(
            lit.span(),
            format!(
                "cannot read the migrations directory {}: {e}",
                dir.display()
            ),
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter(|p| p.file_name().is_some_and(|n| n != "mod.rs"))
        .collect();
    files.sort();

    let shown = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut modules = Vec::new();
    let mut revisions: Vec<RevisionInfo> = Vec::new();
    let mut file_of: BTreeMap<String, String> = BTreeMap::new();
    let mut module_of: BTreeMap<String, String> = BTreeMap::new();
    let mut broken = false;
    for path in &files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = module_name(&stem);
        if let Some(other) = module_of.insert(name.to_string(), shown(path)) {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "migrations in {}: the files {other} and {} would both be module `{name}` (module names are the file names in lowercase, other characters as `_`); rename one of them",
                    lit.value(),
                    shown(path)
                ),
            ));
        }
        let full = path.to_string_lossy().into_owned();
        modules.push(quote! {
            #[path = #full]
            pub mod #name;
        });
        let info = match revision_of(path) {
            Scanned::Revision(info) => info,
            Scanned::Other => continue,
            Scanned::Broken => {
                broken = true;
                continue;
            }
        };
        if let Some(first) = file_of.insert(info.id.clone(), shown(path)) {
            return Err(syn::Error::new(
                lit.span(),
                format!(
                    "migrations in {}: revision id {:?} is declared twice, in {first} and in {}; give one of them a new id",
                    lit.value(),
                    info.id,
                    shown(path)
                ),
            ));
        }
        revisions.push(info);
    }
    let registration = if extends.is_empty() {
        quote! {}
    } else {
        let directory = lit.value();
        quote! {
            ::migrator_core::inventory::submit! {
                ::migrator_core::registry::Extends {
                    ids: &[#(#extends),*],
                    directory: #directory,
                    file: file!(),
                    line: line!(),
                }
            }
        }
    };
    // A file that does not parse, or whose #[migration] is invalid, is
    // reported by the compiler where the error is (file, line and the real
    // message) once its module is included. Its revision is unknown here, so
    // the graph check would only hide that error behind an "unknown parent"
    // of its children: the graph is checked on the build after the fix.
    if !broken {
        check_extends(&lit, &extends, &file_of, &revisions)?;
        check_graph(&lit, &extends, &file_of, revisions)?;
    }
    Ok(quote! {
        #(#modules)*
        #registration
    })
}

/// Each id in `extends` is another crate's, and some revision here builds
/// on it.
fn check_extends(
    lit: &LitStr,
    extends: &[LitStr],
    file_of: &BTreeMap<String, String>,
    revisions: &[RevisionInfo],
) -> syn::Result<()> {
    for id in extends {
        let id_text = id.value();
        if let Some(file) = file_of.get(&id_text) {
            return Err(syn::Error::new(
                id.span(),
                format!(
                    "migrations in {}: extends lists {id_text}, but it is declared here, in {file}; `extends` is for revisions of other crates, so remove it",
                    lit.value()
                ),
            ));
        }
        let used = revisions
            .iter()
            .any(|r| r.down_revisions.contains(&id_text) || r.depends_on.contains(&id_text));
        if !used {
            return Err(syn::Error::new(
                id.span(),
                format!(
                    "migrations in {}: extends lists {id_text}, but no revision here names it as its down_revision or in depends_on; remove it",
                    lit.value()
                ),
            ));
        }
    }
    Ok(())
}

/// The directory's revisions, with the ids of `extends` standing in for
/// other crates' revisions, form a graph.
fn check_graph(
    lit: &LitStr,
    extends: &[LitStr],
    file_of: &BTreeMap<String, String>,
    mut revisions: Vec<RevisionInfo>,
) -> syn::Result<()> {
    // Bases here; their own parents are their crate's business, checked at
    // start-up with the whole registry.
    revisions.extend(extends.iter().map(|id| RevisionInfo::new(id.value())));
    if let Err(e) = Graph::new(revisions) {
        let text = e.to_string();
        let named = e.revisions();
        let involved: Vec<String> = file_of
            .iter()
            .filter(|(id, _)| named.contains(&id.as_str()))
            .map(|(id, file)| format!("{id} in {file}"))
            .collect();
        let place = if involved.is_empty() {
            String::new()
        } else {
            format!(". Revisions named here: {}", involved.join(", "))
        };
        return Err(syn::Error::new(
            lit.span(),
            format!("migrations in {}: {text}{place}", lit.value()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"use migrator_core::prelude::*;

#[migration(revision = "ae1027a6acf4", down_revision = ["1975ea83b712", "27c6"], message = "m", branch_labels = ["b"], depends_on = "x")]
impl Revision {
    fn upgrade(op: &mut Ops) { op.drop_table("t"); }
    fn downgrade(op: &mut Ops) {}
}
"#;

    #[test]
    fn module_names_are_never_keywords() {
        for (stem, module) in [
            ("self", "m_self"),
            ("fn", "m_fn"),
            ("Self", "m_self"),
            ("gen", "m_gen"),
            ("1975ea83b712_create", "m_1975ea83b712_create"),
            ("ae10_add-fees", "ae10_add_fees"),
        ] {
            assert_eq!(module_name(stem).to_string(), module, "{stem}");
        }
    }

    #[test]
    fn reads_a_revision_file() {
        let Scanned::Revision(info) = revision_in(FILE) else {
            panic!("a revision");
        };
        assert_eq!(info.id, "ae1027a6acf4");
        assert_eq!(info.down_revisions, ["1975ea83b712", "27c6"]);
        assert_eq!(info.branch_labels, ["b"]);
        assert_eq!(info.depends_on, ["x"]);
    }

    /// A file that does not parse, or whose `#[migration]` has a misspelt
    /// key, is broken (its error is the compiler's to show), not a file
    /// without a revision.
    #[test]
    fn a_syntax_error_or_a_bad_key_is_broken_not_absent() {
        let syntax = FILE.replace("op.drop_table(\"t\");", "op.drop_table(\"t\")) ;");
        let key = FILE.replace("down_revision =", "down_revison =");
        for text in [syntax, key] {
            assert!(matches!(revision_in(&text), Scanned::Broken), "{text}");
        }
        assert!(matches!(revision_in("pub fn helper() {}"), Scanned::Other));
    }

    /// The loader takes any text without panicking: 100,000 inputs, random
    /// bytes and the revision file cut and spliced at random places.
    #[test]
    fn never_panics_on_arbitrary_files() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let bytes = FILE.as_bytes();
        for case in 0..100_000 {
            let text = if case % 2 == 0 {
                let len = (next() % 64) as usize;
                let raw: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                String::from_utf8_lossy(&raw).into_owned()
            } else {
                let a = (next() as usize) % bytes.len();
                let b = (next() as usize) % bytes.len();
                let mut spliced = bytes[..a.min(b)].to_vec();
                spliced.extend_from_slice(&bytes[a.max(b)..]);
                spliced.insert(
                    (next() as usize) % (spliced.len() + 1),
                    b"\"'@-+:()[]{}#,= \n\0"[(next() % 17) as usize],
                );
                String::from_utf8_lossy(&spliced).into_owned()
            };
            let _ = revision_in(&text);
        }
    }
}
