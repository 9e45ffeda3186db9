//! The layout's rules, checked on every test run (ARCHITECTURE.md states them):
//!
//! * every crate depends only on the crates of ours ARCHITECTURE.md's table allows it;
//! * crate boundaries, from `cargo metadata`: the pure crates (`url`, `signing`, `imaging`,
//!   `catalog`, `placeholder`) pull in no web stack or async runtime; no dialect (every
//!   crate under `crates/dialects/`) depends on another; the core and the guard depend on
//!   no dialect, and the core not on the guard;
//! * no import circle between the files of any crate, the crate root included and
//!   re-exports seen through ([`imports`]);
//! * the core's sources name no dialect (uploads, replies, signatures and settings live in
//!   the dialects);
//! * no production source file over 400 lines and no function over 80 (data tables
//!   excepted).
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test"
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

mod imports;

const WEB_STACK: [&str; 4] = ["axum", "hyper", "tokio", "picsum-web"];
/// Files that are data tables, not logic.
const DATA_TABLES: [&str; 1] = ["crates/catalog/src/rng_cooked.rs"];
const MAX_FILE_LINES: usize = 400;
const MAX_FN_LINES: usize = 80;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The package name of every crate under `crates/dialects/`.
fn dialects() -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(workspace().join("crates/dialects")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = "))
            .unwrap_or_else(|| panic!("no name in {}", manifest.display()));
        names.push(name.trim_matches('"').to_owned());
    }
    assert!(names.len() >= 3, "dialects: {names:?}");
    names
}

/// Normal (non-dev, non-build) dependencies of every package, by name.
fn direct_dependencies() -> HashMap<String, Vec<String>> {
    // Only this machine's packages: the others need not be downloaded.
    let platform = format!(
        "{}-unknown-{}-gnu",
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &platform])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut direct: HashMap<String, Vec<String>> = HashMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let name = names[node["id"].as_str().unwrap()].to_owned();
        let deps = node["deps"].as_array().unwrap().iter().filter(|d| {
            d["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null())
        });
        let deps = deps.map(|d| names[d["pkg"].as_str().unwrap()].to_owned());
        direct.entry(name).or_default().extend(deps);
    }
    direct
}

/// Normal dependencies of every package, by name, transitively.
fn dependency_closure() -> HashMap<String, BTreeSet<String>> {
    let direct = direct_dependencies();
    let mut closure = HashMap::new();
    for name in direct.keys() {
        let mut seen = BTreeSet::new();
        let mut todo = vec![name.clone()];
        while let Some(next) = todo.pop() {
            for dep in direct.get(&next).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    todo.push(dep.clone());
                }
            }
        }
        closure.insert(name.clone(), seen);
    }
    closure
}

#[test]
fn crate_boundaries_hold() {
    let deps = dependency_closure();
    let of = |name: &str| {
        deps.get(name)
            .unwrap_or_else(|| panic!("no package {name}"))
    };
    for pure in [
        "picsum-url",
        "picsum-signing",
        "picsum-imaging",
        "picsum-catalog",
        "picsum-placeholder",
    ] {
        let bad: Vec<_> = of(pure)
            .iter()
            .filter(|d| WEB_STACK.contains(&d.as_str()))
            .collect();
        assert!(bad.is_empty(), "{pure} depends on {bad:?}");
    }
    let ours: Vec<_> = of("picsum-otlp")
        .iter()
        .filter(|d| d.starts_with("picsum-"))
        .collect();
    assert!(ours.is_empty(), "picsum-otlp depends on {ours:?}");
    let dialects = dialects();
    for dialect in &dialects {
        for other in dialects.iter().filter(|d| *d != dialect) {
            assert!(!of(dialect).contains(other), "{dialect} depends on {other}");
        }
    }
    for inner in ["picsum-image-core", "picsum-guard"] {
        for dialect in &dialects {
            assert!(!of(inner).contains(dialect), "{inner} depends on {dialect}");
        }
        assert!(!of(inner).contains("picsum-image-service"));
    }
    assert!(
        !of("picsum-image-core").contains("picsum-guard"),
        "the guard sits on the core, not under it"
    );
}

#[test]
fn the_core_names_no_dialect() {
    // Lorem Picsum's dialect shares its name with the project (every crate is `picsum-…`),
    // so it is the other dialects' names that must not appear.
    let names: Vec<String> = std::fs::read_dir(workspace().join("crates/dialects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_lowercase())
        .filter(|n| n != "picsum")
        .collect();
    assert!(names.len() >= 2, "{names:?}");
    let mut found = Vec::new();
    for (dir, files) in sources() {
        if !dir.ends_with("image-core") {
            continue;
        }
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
            for name in names.iter().filter(|n| text.contains(n.as_str())) {
                found.push(format!("{} names {name}", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// ARCHITECTURE.md's crate table: each crate's package name with the crates of ours it may
/// depend on (`None`: "everything above", not checked); `dialects/*` is every dialect.
fn crate_table() -> Vec<(String, Option<BTreeSet<String>>)> {
    let text = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let mut rows = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        let (first, last) = (cells[0], cells[cells.len() - 1]);
        let allowed = (!last.contains("everything")).then(|| {
            let names = ticked(last.split(';').next().unwrap_or_default());
            names.iter().map(|n| package(n)).collect()
        });
        for name in ticked(first) {
            if name == "dialects/*" {
                rows.extend(dialects().into_iter().map(|d| (d, allowed.clone())));
            } else {
                rows.push((package(&name), allowed.clone()));
            }
        }
    }
    rows
}

/// The package of a crate folder named in ARCHITECTURE.md (`dialects/picfit`, `url`).
fn package(folder: &str) -> String {
    match folder.strip_prefix("dialects/") {
        Some(dialect) => format!("picsum-dialect-{dialect}"),
        None if folder.contains('/') => panic!("{folder}: not a crate folder"),
        None => format!("picsum-{folder}"),
    }
}

#[test]
fn crates_depend_only_on_what_architecture_md_allows() {
    let table = crate_table();
    let listed: BTreeSet<&str> = table.iter().map(|(n, _)| n.as_str()).collect();
    let mut wrong = Vec::new();
    for dir in sources().keys() {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let name = manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix("name = "))
            .unwrap()
            .trim_matches('"');
        if !listed.contains(name) {
            wrong.push(format!("{name} is not in ARCHITECTURE.md's table"));
        }
    }
    for (name, deps) in direct_dependencies() {
        let Some((_, Some(allowed))) = table.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let ours = deps.iter().filter(|d| d.starts_with("picsum-"));
        for dep in ours.filter(|d| !allowed.contains(*d)) {
            wrong.push(format!(
                "{name} depends on {dep}, which the table does not allow"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every `.rs` file under a crate's `src/`, by crate folder.
fn sources() -> BTreeMap<PathBuf, Vec<PathBuf>> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut crates = BTreeMap::new();
    let mut manifests = Vec::new();
    walk_manifests(&workspace().join("crates"), &mut manifests);
    for dir in manifests {
        let mut files = Vec::new();
        walk(&dir.join("src"), &mut files);
        // A binary beside a library is a crate of its own (it names the library by name).
        if dir.join("src/lib.rs").is_file() {
            files.retain(|f| {
                !f.ends_with("src/main.rs") && !f.to_string_lossy().contains("/src/bin/")
            });
        }
        files.sort();
        crates.insert(dir, files);
    }
    crates
}

fn walk_manifests(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.join("Cargo.toml").is_file() && path.join("src").is_dir() {
            out.push(path);
        } else if path.is_dir() && !path.ends_with("target") {
            walk_manifests(&path, out);
        }
    }
}

/// The module path of a source file (`src/a/b.rs` and `src/a/b/mod.rs` are `a::b`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Whether a file is a test module (`tests.rs`, `*_tests.rs`).
fn is_test_file(file: &Path) -> bool {
    let name = file.file_name().unwrap().to_string_lossy();
    name == "tests.rs" || name.ends_with("_tests.rs")
}

/// A file's text without test code: everything from the first `#[cfg(test)]` on (the
/// project keeps test modules last), or nothing for a file that is a test module.
fn production_text(file: &Path, text: &str) -> String {
    if is_test_file(file) {
        return String::new();
    }
    text.split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The `::`-separated identifiers at the start of `s` (a group `{…}` ends the path).
fn path_at(s: &str) -> Vec<String> {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    s[..end].split("::").map(str::to_owned).collect()
}

#[test]
fn no_import_circle_between_files() {
    let mut circles = Vec::new();
    for (dir, files) in sources() {
        let src = dir.join("src");
        let files: Vec<PathBuf> = files.into_iter().filter(|f| !is_test_file(f)).collect();
        if let Some(cycle) = imports::Graph::of(&src, &files).cycle() {
            let name = dir.strip_prefix(workspace()).unwrap_or(&dir).display();
            circles.push(format!("{name}: {}", cycle.join(" -> ")));
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn files_and_functions_stay_readable() {
    let mut long = Vec::new();
    for files in sources().values() {
        for file in files {
            let rel = file
                .strip_prefix(workspace())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if DATA_TABLES.iter().any(|t| rel.ends_with(t)) {
                continue;
            }
            let text = production_text(file, &std::fs::read_to_string(file).unwrap());
            let lines = text.lines().count();
            if lines > MAX_FILE_LINES {
                long.push(format!("{rel}: {lines} lines"));
            }
            for (name, length) in functions(&text) {
                if length > MAX_FN_LINES {
                    long.push(format!("{rel}: fn {name} is {length} lines"));
                }
            }
        }
    }
    assert!(long.is_empty(), "too long:\n{}", long.join("\n"));
}

/// Every `fn` in `text` with its length in lines, from its signature to its closing brace
/// (braces counted outside strings, chars and comments).
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(at) = trimmed.find("fn ") else {
            continue;
        };
        let head = &trimmed[..at];
        let is_fn = head.split_whitespace().all(|w| {
            matches!(
                w,
                "pub" | "pub(crate)" | "pub(super)" | "async" | "const" | "unsafe" | "extern"
            )
        });
        if !is_fn || trimmed.starts_with("//") {
            continue;
        }
        let name = path_at(&trimmed[at + 3..]).concat();
        let mut depth = 0i32;
        let mut opened = false;
        for (offset, body) in lines[start..].iter().enumerate() {
            for c in code_chars(body) {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened && depth == 0 => break, // a declaration without body
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                found.push((name.clone(), offset + 1));
                break;
            }
            if !opened && body.trim_end().ends_with(';') {
                break;
            }
        }
    }
    found
}

/// The characters of a line that are code: string and char literals and `//` comments
/// left out.
fn code_chars(line: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match (in_str, c) {
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => in_str = false,
            (true, _) => {}
            (false, '"') => in_str = true,
            (false, '/') if chars.peek() == Some(&'/') => break,
            (false, '\'') => {
                // A char literal ('x', '\n', '{') or a lifetime ('a).
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            (false, c) => out.push(c),
        }
    }
    out
}
