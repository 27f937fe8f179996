//! Rules about the SQL text itself, checked over every crate's sources.
//!
//! A `LIMIT` bound as a parameter (`LIMIT $3`) makes SQLite plan the statement again every
//! time the parameter is rebound (it reads the bound value while planning), so a cached
//! statement was parsed and planned from scratch on every run: 7 % of the server's CPU on the
//! real-time path before it was found (docs/performance.md). Limits go into the text
//! (`Sql::limit`, or `format!` with a number).

use std::path::{Path, PathBuf};

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines with `LIMIT` followed by a placeholder (`$1`, `?`), or a `LIMIT ` pushed right before
/// a bind; comments (which may name the pattern, as `Sql::limit`'s does) are not code.
fn binds_a_limit(source: &str) -> Vec<usize> {
    let mut hits = Vec::new();
    let lines: Vec<&str> = source.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        let placeholder = ["LIMIT $", "LIMIT ?", "OFFSET $", "OFFSET ?"]
            .iter()
            .any(|p| line.contains(p));
        let pushed_then_bound = line.trim_end().ends_with("LIMIT \")")
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with(".bind"));
        if placeholder || pushed_then_bound {
            hits.push(i + 1);
        }
    }
    hits
}

#[test]
fn no_query_binds_its_limit() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates directory");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(crates).expect("crates directory") {
        let src = entry.expect("crate").path().join("src");
        if src.is_dir() {
            rust_sources(&src, &mut files);
        }
    }
    assert!(
        files.len() > 50,
        "found only {} source files under {}",
        files.len(),
        crates.display()
    );
    let mut found = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("readable source");
        for line in binds_a_limit(&source) {
            found.push(format!("{}:{line}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "a LIMIT bound as a parameter (SQLite re-plans the statement on every run; use \
         Sql::limit or a number in the text): {found:?}"
    );
}

#[test]
fn the_check_finds_a_bound_limit() {
    assert_eq!(binds_a_limit("sqlx::query(\"SELECT 1 LIMIT $2\")"), vec![1]);
    assert_eq!(
        binds_a_limit("sql.push(\" ORDER BY id LIMIT \")\n    .bind(Arg::Int(5));"),
        vec![1]
    );
    assert!(binds_a_limit("sql.push(\" ORDER BY id\").limit(5);").is_empty());
    assert!(binds_a_limit("format!(\"... LIMIT {limit}\")").is_empty());
}
