//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.
//!
//! Built with `serde_json::json!` rather than the `serde-sarif` crate: the
//! handful of objects GitHub reads are clearer written out than through
//! that crate's builders, and it saves a build-time code generator. The
//! test suite validates the output against the official schema.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use crate::finding::{Finding, Location, Severity};
use crate::rules::{self, RuleMeta};
use crate::suppress::fingerprint;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(
    findings: &[Finding],
    context: &super::Context,
    out: &mut dyn Write,
) -> io::Result<()> {
    let log = log(findings, context);
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

pub fn log(findings: &[Finding], context: &super::Context) -> Value {
    let rules_meta = rules::all();
    let rules: Vec<Value> = rules_meta.iter().map(rule).collect();
    // GitHub merges results with equal fingerprints into one alert, and
    // two flaws can share one (the same call twice in a function): as
    // CodeQL does, each occurrence of a (rule, file, fingerprint) in
    // document order gets its index, `<fingerprint>:1`, `:2`, ...
    let mut occurrences: HashMap<(&str, &str, String), u32> = HashMap::new();
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let print = fingerprint(
                finding.code,
                &finding.location.path,
                &finding.context,
                &finding.snippet,
            );
            let key = (finding.code, &*finding.location.path, print.clone());
            let occurrence = occurrences.entry(key).or_default();
            *occurrence += 1;
            result(finding, &format!("{print}:{occurrence}"), rules_meta)
        })
        .collect();
    let notifications: Vec<Value> = context
        .notifications
        .iter()
        .map(|(path, message, fatal)| {
            json!({
                "level": if *fatal { "error" } else { "note" },
                "message": { "text": format!("{path}: {message}") },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact(path) } }],
            })
        })
        .collect();
    let successful = !context.notifications.iter().any(|(_, _, fatal)| *fatal);
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mountguard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": successful,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {
                "%SRCROOT%": { "uri": dir_uri(context.cwd) }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// CWE tags GitHub shows next to security alerts.
fn tags(meta: &RuleMeta) -> Vec<&'static str> {
    match meta.code {
        "MG001" => vec!["security", "external/cwe/cwe-78", "external/cwe/cwe-88"],
        "MG002" => vec!["security", "external/cwe/cwe-22"],
        "MG003" => vec!["reliability", "external/cwe/cwe-396"],
        "MG004" => vec!["correctness"],
        rules::UNUSED_NOQA => vec!["maintainability"],
        _ if meta.security_severity.is_some() => vec!["security"],
        _ => vec![],
    }
}

fn rule(meta: &RuleMeta) -> Value {
    let mut properties = json!({
        "tags": tags(meta),
        "precision": "high",
    });
    if let Some(score) = meta.security_severity {
        // GitHub reads the score as a string with one decimal.
        properties["security-severity"] = json!(format!("{score:.1}"));
    }
    json!({
        "id": meta.code,
        "name": pascal_case(meta.slug),
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": format!("{}: {}.", meta.name, meta.summary) },
        "help": {
            "text": format!("{}\n\n{}", meta.help, meta.docs.trim()),
            "markdown": format!("**Fix:** {}\n\n{}", meta.help, meta.docs.trim()),
        },
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": properties,
    })
}

fn result(finding: &Finding, partial_fingerprint: &str, rules_meta: &[RuleMeta]) -> Value {
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut value = json!({
        "ruleId": finding.code,
        "level": level(finding.severity),
        "message": { "text": message },
        "locations": [ { "physicalLocation": physical(&finding.location) } ],
        "partialFingerprints": { "mountguard/v2": partial_fingerprint },
    });
    if let Some(index) = rules_meta.iter().position(|r| r.code == finding.code) {
        value["ruleIndex"] = json!(index);
    }
    if !finding.labels.is_empty() {
        value["relatedLocations"] = finding
            .labels
            .iter()
            .enumerate()
            .map(|(index, label)| {
                json!({
                    "id": index + 1,
                    "physicalLocation": physical(&label.location),
                    "message": { "text": label.message },
                })
            })
            .collect();
    }
    if !finding.trace.is_empty() {
        let steps: Vec<Value> = finding
            .trace
            .iter()
            .map(|step| {
                json!({
                    "location": {
                        "physicalLocation": physical(&step.location),
                        "message": { "text": step.message },
                    }
                })
            })
            .collect();
        value["codeFlows"] = json!([{ "threadFlows": [{ "locations": steps }] }]);
    }
    value
}

fn physical(location: &Location) -> Value {
    json!({
        "artifactLocation": artifact(&location.path),
        "region": {
            "startLine": location.line.max(1),
            "startColumn": location.column.max(1),
            "endLine": location.end_line.max(location.line).max(1),
            "endColumn": location.end_column.max(1),
        }
    })
}

/// A relative path becomes a URI relative to `%SRCROOT%` (the working
/// directory, which in CI is the checkout); an absolute one a `file:` URI.
fn artifact(path: &str) -> Value {
    if Path::new(path).is_absolute() {
        json!({ "uri": format!("file://{}", percent_encode(path)) })
    } else {
        json!({ "uri": percent_encode(path), "uriBaseId": "%SRCROOT%" })
    }
}

fn dir_uri(dir: &Path) -> String {
    let mut text = percent_encode(&dir.to_string_lossy());
    if !text.ends_with('/') {
        text.push('/');
    }
    format!("file://{text}")
}

/// RFC 3986 percent-encoding of a path: everything but unreserved
/// characters and `/`.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn pascal_case(slug: &str) -> String {
    slug.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Context;
    use crate::render::tests::{sample, sources};

    #[test]
    fn sarif_result_shape() {
        let sources = sources();
        let notifications = vec![("gone.py".to_string(), "no such file".to_string(), true)];
        let context = Context {
            sources: &sources,
            color: false,
            cwd: Path::new("/work/my repo"),
            notifications: &notifications,
        };
        let log = log(&[sample()], &context);
        let run = &log["runs"][0];
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///work/my%20repo/"
        );
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(rule["id"], "MG001");
        assert_eq!(rule["name"], "CommandInjection");
        assert_eq!(rule["properties"]["security-severity"], "8.8");
        let result = &run["results"][0];
        assert_eq!(result["level"], "warning");
        assert_eq!(result["ruleIndex"], 0);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(
            (region["startLine"].as_u64(), region["startColumn"].as_u64()),
            (Some(3), Some(5))
        );
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "pkg/m.py"
        );
        let flow = &result["codeFlows"][0]["threadFlows"][0]["locations"];
        assert_eq!(flow.as_array().unwrap().len(), 3);
        assert_eq!(result["relatedLocations"][0]["id"], 1);
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
        assert_eq!(
            result["partialFingerprints"]["mountguard/v2"]
                .as_str()
                .unwrap()
                .len(),
            16 + ":1".len()
        );
    }

    #[test]
    fn equal_fingerprints_are_told_apart_by_occurrence() {
        let sources = sources();
        let context = Context {
            sources: &sources,
            color: false,
            cwd: Path::new("/w"),
            notifications: &[],
        };
        let first = sample();
        let mut second = sample();
        second.location.line += 1;
        let mut other_rule = sample();
        other_rule.code = "MG002";
        let log = log(&[first.clone(), second, other_rule], &context);
        let prints: Vec<&str> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["mountguard/v2"].as_str().unwrap())
            .collect();
        let base = fingerprint(
            first.code,
            &first.location.path,
            &first.context,
            &first.snippet,
        );
        assert_eq!(prints[0], format!("{base}:1"));
        assert_eq!(prints[1], format!("{base}:2"));
        assert!(prints[2].ends_with(":1"), "{prints:?}");
    }

    #[test]
    fn uri_encoding() {
        assert_eq!(percent_encode("a b/ü#.py"), "a%20b/%C3%BC%23.py");
        assert_eq!(
            pascal_case("wrong-object-attribute"),
            "WrongObjectAttribute"
        );
    }
}
