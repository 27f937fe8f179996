//! Runs the pricing golden vectors in `testdata/pricing/*.json` (format in that folder's
//! README). The browser runs the same files, so a failure here means the two would disagree.
//!
//! A case passes when every field written in `expected` equals the engine's output (fields
//! left out are not checked; arrays must match in length and element by element). All
//! failures of all files are reported together, each as a list of `path: expected …, got …`.

use chainsync_domain::pricing::{Cart, PricedCart, PricingContext, price_cart};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn vector_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pricing");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// RFC 7386 JSON merge patch: objects merge key by key, `null` deletes, anything else
/// replaces (arrays included).
fn merge_patch(base: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *base = patch.clone();
        return;
    };
    if !base.is_object() {
        *base = Value::Object(Map::new());
    }
    let base = base.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            base.remove(key);
        } else {
            merge_patch(base.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Every difference between what `expected` states and `actual`, as readable lines.
fn diff(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let p = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match a.get(key) {
                    Some(av) => diff(&p, ev, av, out),
                    None => out.push(format!(
                        "{p}: expected {ev}, but the output has no such field"
                    )),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                out.push(format!(
                    "{path}: expected {} elements, got {}: {actual}",
                    e.len(),
                    a.len()
                ));
                return;
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!("{path}: expected {expected}, got {actual}")),
    }
}

/// Runs one case and returns its differences (empty when it passes).
fn run_case(case: &Value, base_context: &Value) -> Vec<String> {
    let mut context = base_context.clone();
    if let Some(patch) = case.get("context") {
        merge_patch(&mut context, patch);
    }
    let cart: Cart = match serde_json::from_value(case["cart"].clone()) {
        Ok(c) => c,
        Err(e) => return vec![format!("cart does not parse: {e}")],
    };
    let context: PricingContext = match serde_json::from_value(context) {
        Ok(c) => c,
        Err(e) => return vec![format!("context does not parse: {e}")],
    };
    let expected = &case["expected"];
    let mut out = Vec::new();
    match (
        price_cart(&cart, &context),
        expected.get("priced"),
        expected.get("error"),
    ) {
        (Ok(priced), Some(want), None) => {
            let got = serde_json::to_value(&priced).expect("priced cart serialises");
            // The sale stores the priced cart as JSON and reads it back for receipts and returns.
            match serde_json::from_value::<PricedCart>(got.clone()) {
                Ok(back) if back == priced => {}
                Ok(_) => out.push("priced cart changes when read back from JSON".to_owned()),
                Err(e) => out.push(format!("priced cart does not read back from JSON: {e}")),
            }
            diff("priced", want, &got, &mut out);
            if !out.is_empty() {
                out.push(format!(
                    "full output: {}",
                    serde_json::to_string_pretty(&got).unwrap()
                ));
            }
        }
        (Err(err), None, Some(want)) => {
            let got = serde_json::json!({"code": err.code, "field": err.field});
            diff("error", want, &got, &mut out);
            if !out.is_empty() {
                out.push(format!("message: {err}"));
            }
        }
        (Ok(priced), None, Some(_)) => out.push(format!(
            "expected an error, got a priced cart with total {}",
            priced.totals.total_minor
        )),
        (Err(err), Some(_), None) => {
            out.push(format!(
                "expected a priced cart, got error {}: {err}",
                err.code
            ));
        }
        _ => out.push("expected must hold exactly one of `priced` or `error`".to_owned()),
    }
    out
}

#[test]
fn pricing_golden_vectors_hold() {
    let files = vector_files();
    assert!(!files.is_empty(), "no golden vectors found");
    let mut failures = Vec::new();
    let mut cases_run = 0;
    for file in &files {
        let text = fs::read_to_string(file).expect("readable vector file");
        let doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy();
        let stem = file.file_stem().unwrap().to_string_lossy();
        assert_eq!(
            doc["family"].as_str(),
            Some(&*stem),
            "{name}: `family` must be the file name"
        );
        assert!(doc["description"].is_string(), "{name}: no description");
        let cases = doc["cases"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: no `cases` list"));
        assert!(!cases.is_empty(), "{name}: empty `cases`");
        let mut seen = BTreeSet::new();
        for case in cases {
            let case_name = case["name"].as_str().unwrap_or("<unnamed>");
            assert!(
                seen.insert(case_name.to_owned()),
                "{name}: duplicate case {case_name}"
            );
            assert!(
                case["description"].is_string(),
                "{name}/{case_name}: no description"
            );
            let problems = run_case(case, &doc["context"]);
            if !problems.is_empty() {
                failures.push(format!(
                    "── {name} / {case_name}\n   {}",
                    problems.join("\n   ")
                ));
            }
            cases_run += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases_run} golden cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn merge_patch_replaces_arrays_and_deletes_nulls() {
    let mut base = serde_json::json!({"a": {"b": 1, "c": 2}, "list": [1, 2]});
    merge_patch(
        &mut base,
        &serde_json::json!({"a": {"c": null, "d": 3}, "list": [9]}),
    );
    assert_eq!(
        base,
        serde_json::json!({"a": {"b": 1, "d": 3}, "list": [9]})
    );
}

#[test]
fn diff_reports_changed_missing_and_length_mismatches() {
    let mut out = Vec::new();
    let expected = serde_json::json!({"x": 1, "y": [1, 2], "z": true});
    diff(
        "",
        &expected,
        &serde_json::json!({"x": 2, "y": [1]}),
        &mut out,
    );
    assert_eq!(out.len(), 3, "{out:?}");
}
