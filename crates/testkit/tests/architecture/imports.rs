//! The import graph between the files of each crate, from their syntax (syn): every path
//! a file's production code names (`use` trees with their `{…}` groups, types,
//! expressions, patterns, and the `crate::`/`super::`/`self::` paths inside macro calls),
//! resolved from the file's module the way rustc does for this code base: `crate::`,
//! `super::`, `self::`, a name the file imported, or a child module. A path into the crate
//! root (`crate::Core`) is an edge to `lib.rs`; a path through a `pub use` facade is an
//! edge to the file that defines the item, not to the facade. The facade line itself is
//! not an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::TokenTree;
use syn::visit::Visit;

/// A module path from the crate root (`[]` is `lib.rs`).
pub(crate) type Module = Vec<String>;

/// A crate's files as modules, with what each one refers to, resolved.
pub(crate) struct Graph {
    pub(crate) edges: BTreeMap<Module, BTreeSet<Module>>,
}

/// What one file says: the names it imports and the paths it uses.
#[derive(Default)]
struct FileRefs {
    /// `use` items: (the name it brings in, the path as written, whether it is re-exported).
    uses: Vec<(String, Vec<String>, bool)>,
    /// Every other path, as written.
    paths: Vec<Vec<String>>,
}

impl Graph {
    /// The graph of the crate whose sources are `files` under `src`.
    pub(crate) fn of(src: &Path, files: &[std::path::PathBuf]) -> Self {
        let mut refs: BTreeMap<Module, FileRefs> = BTreeMap::new();
        for file in files {
            let text = std::fs::read_to_string(file).unwrap();
            let parsed =
                syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            refs.insert(super::module_of(src, file), FileRefs::of(&parsed));
        }
        let modules: BTreeSet<Module> = refs.keys().cloned().collect();
        let facades = facades(&refs, &modules);
        let resolver = Resolver {
            modules: &modules,
            facades: &facades,
        };
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (module, file) in &refs {
            let aliases: BTreeMap<&str, &Vec<String>> =
                file.uses.iter().map(|(n, p, _)| (n.as_str(), p)).collect();
            let written = file
                .uses
                .iter()
                .filter(|(_, _, public)| !public)
                .map(|(_, p, _)| p)
                .chain(&file.paths);
            for path in written {
                let Some(absolute) = resolver.absolute(module, path, &aliases) else {
                    continue;
                };
                let target = resolver.target(absolute.clone());
                if std::env::var_os("ARCH_DEBUG").is_some()
                    && (target.is_empty() || module.is_empty())
                {
                    eprintln!(
                        "EDGE {} {:?} -> {:?} via {}",
                        src.display(),
                        module,
                        target,
                        absolute.join("::")
                    );
                }
                if &target != module {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
        Self { edges }
    }

    /// A circle of modules, if there is one (`a -> b -> a`).
    pub(crate) fn cycle(&self) -> Option<Vec<String>> {
        let mut done = BTreeSet::new();
        self.edges
            .keys()
            .find_map(|node| self.visit(node, &mut Vec::new(), &mut done))
    }

    fn visit(
        &self,
        node: &Module,
        stack: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<String>> {
        let name = |m: &Module| {
            if m.is_empty() {
                "crate".to_owned()
            } else {
                m.join("::")
            }
        };
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle: Vec<String> = stack[at..].iter().map(name).collect();
            cycle.push(name(node));
            return Some(cycle);
        }
        if !done.insert(node.clone()) {
            return None;
        }
        stack.push(node.clone());
        for next in self.edges.get(node).into_iter().flatten() {
            if let Some(cycle) = self.visit(next, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
}

/// Each module's re-exports: the name it exports → the absolute path of what it names.
fn facades(
    refs: &BTreeMap<Module, FileRefs>,
    modules: &BTreeSet<Module>,
) -> BTreeMap<Module, BTreeMap<String, Vec<String>>> {
    let empty = BTreeMap::new();
    let plain = Resolver {
        modules,
        facades: &empty,
    };
    refs.iter()
        .map(|(module, file)| {
            let exported = file
                .uses
                .iter()
                .filter(|(name, _, public)| *public && name != "*");
            let resolved = exported.filter_map(|(name, path, _)| {
                let absolute = plain.absolute(module, path, &BTreeMap::new())?;
                Some((name.clone(), absolute))
            });
            (module.clone(), resolved.collect())
        })
        .collect()
}

struct Resolver<'a> {
    modules: &'a BTreeSet<Module>,
    facades: &'a BTreeMap<Module, BTreeMap<String, Vec<String>>>,
}

impl Resolver<'_> {
    /// `path`, written in `module`, from the crate root; `None` for other crates' paths and
    /// local names.
    fn absolute(
        &self,
        module: &Module,
        path: &[String],
        aliases: &BTreeMap<&str, &Vec<String>>,
    ) -> Option<Vec<String>> {
        let (first, rest) = path.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => module.clone(),
            "super" => {
                let mut base = module.clone();
                base.pop()?;
                let mut rest = rest;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                return Some(base);
            }
            name => {
                let mut child = module.clone();
                child.push(name.to_owned());
                if self.modules.contains(&child) {
                    child.extend(rest.iter().cloned());
                    return Some(child);
                }
                let alias = aliases.get(name).filter(|p| p.as_slice() != path)?;
                let mut resolved = self.absolute(module, alias, &BTreeMap::new())?;
                resolved.extend(rest.iter().cloned());
                return Some(resolved);
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file an absolute path points into: its longest prefix that is a module, seen
    /// through re-exports.
    fn target(&self, mut path: Vec<String>) -> Module {
        for _ in 0..8 {
            let mut module = path.clone();
            while !module.is_empty() && !self.modules.contains(&module) {
                module.pop();
            }
            let next = path.get(module.len());
            match next.and_then(|n| self.facades.get(&module)?.get(n)) {
                Some(real) => {
                    let mut followed = real.clone();
                    followed.extend(path[module.len() + 1..].iter().cloned());
                    path = followed;
                }
                None => return module,
            }
        }
        panic!("re-exports go round in circles at {}", path.join("::"));
    }
}

impl FileRefs {
    /// The references of a file's production items (`#[cfg(test)]` items left out).
    fn of(file: &syn::File) -> Self {
        let mut refs = Self::default();
        for item in file.items.iter().filter(|i| !is_test(i)) {
            refs.visit_item(item);
        }
        refs
    }
}

/// Whether an item is test-only code.
fn is_test(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(m) => &m.attrs,
        syn::Item::Fn(f) => &f.attrs,
        syn::Item::Use(u) => &u.attrs,
        syn::Item::Impl(i) => &i.attrs,
        _ => return false,
    };
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

impl<'ast> Visit<'ast> for FileRefs {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let public = !matches!(item.vis, syn::Visibility::Inherited);
        flatten(&item.tree, &mut Vec::new(), &mut |name, path| {
            self.uses.push((name, path, public));
        });
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.paths.push(segments);
        syn::visit::visit_path(self, path);
    }

    /// `pub(crate)` and `pub(in …)` restrict who sees an item; they use nothing.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.paths.extend(paths_in(mac.tokens.clone()));
        syn::visit::visit_macro(self, mac);
    }
}

/// Every `(name, path)` a use tree brings in; `{…}` groups and renames expanded, a glob
/// as the name `*`.
fn flatten(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut dyn FnMut(String, Vec<String>),
) {
    let with = |prefix: &Vec<String>, last: String| {
        let mut p = prefix.clone();
        p.push(last);
        p
    };
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            out(prefix.last().cloned().unwrap_or_default(), prefix.clone());
        }
        syn::UseTree::Name(n) => out(n.ident.to_string(), with(prefix, n.ident.to_string())),
        syn::UseTree::Rename(r) => out(r.rename.to_string(), with(prefix, r.ident.to_string())),
        syn::UseTree::Glob(_) => out("*".to_owned(), prefix.clone()),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                flatten(tree, prefix, out);
            }
        }
    }
}

/// `crate::…`, `super::…` and `self::…` paths in a macro call's tokens (`format!`,
/// `json!` and the like are not parsed as code).
fn paths_in(tokens: proc_macro2::TokenStream) -> Vec<Vec<String>> {
    fn flush(current: &mut Vec<String>, found: &mut Vec<Vec<String>>) {
        if current.len() > 1 {
            found.push(std::mem::take(current));
        }
        current.clear();
    }
    let mut found = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut colons = 0;
    for token in tokens {
        match token {
            TokenTree::Ident(i) if !current.is_empty() && colons == 2 => {
                current.push(i.to_string());
                colons = 0;
            }
            TokenTree::Ident(i) => {
                flush(&mut current, &mut found);
                colons = 0;
                let name = i.to_string();
                if matches!(name.as_str(), "crate" | "super" | "self") {
                    current.push(name);
                }
            }
            TokenTree::Punct(p) if p.as_char() == ':' && !current.is_empty() && colons < 2 => {
                colons += 1;
            }
            TokenTree::Group(g) => {
                flush(&mut current, &mut found);
                colons = 0;
                found.extend(paths_in(g.stream()));
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {
                flush(&mut current, &mut found);
                colons = 0;
            }
        }
    }
    flush(&mut current, &mut found);
    found
}
