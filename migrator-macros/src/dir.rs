//! `migrations!("dir")`: every `.rs` file of a directory as a module, with
//! the graph checks run over them at compile time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::LitStr;

use crate::args::{from_attribute, is_migration};
use crate::graph::{Graph, RevisionInfo, mentions};

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

/// The revision a file declares, if it declares one with valid arguments (a
/// file that does not parse is left to the compiler, which reports it).
fn revision_of(path: &Path) -> Option<RevisionInfo> {
    revision_in(&std::fs::read_to_string(path).ok()?)
}

/// The revision the text of a file declares, if any.
fn revision_in(text: &str) -> Option<RevisionInfo> {
    let file = syn::parse_file(text).ok()?;
    file.items.iter().find_map(|item| match item {
        syn::Item::Impl(i) => i
            .attrs
            .iter()
            .find(|a| is_migration(a))
            .and_then(|a| from_attribute(a).ok())
            .map(|args| args.info()),
        _ => None,
    })
}

pub(crate) fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let lit: LitStr = syn::parse2(input)?;
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
        if let Some(info) = revision_of(path) {
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
    }
    if let Err(e) = Graph::new(revisions) {
        let text = e.to_string();
        let involved: Vec<String> = file_of
            .iter()
            .filter(|(id, _)| mentions(&text, id))
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
    Ok(quote! { #(#modules)* })
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
        let info = revision_in(FILE).expect("a revision");
        assert_eq!(info.id, "ae1027a6acf4");
        assert_eq!(info.down_revisions, ["1975ea83b712", "27c6"]);
        assert_eq!(info.branch_labels, ["b"]);
        assert_eq!(info.depends_on, ["x"]);
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
