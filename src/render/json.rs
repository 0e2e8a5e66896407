//! `--format json`: an array of finding objects (SPEC §2 fields, plus
//! `labels`, `context` and `fingerprint`).

use std::io::{self, Write};

use serde::Serialize;

use crate::finding::{Finding, Location};
use crate::suppress::fingerprint;

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    rule: &'a str,
    severity: &'a str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonSpan<'a>>,
    trace: Vec<JsonSpan<'a>>,
    context: &'a str,
    fingerprint: String,
}

#[derive(Serialize)]
struct JsonSpan<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

fn span<'a>(location: &'a Location, message: &'a str) -> JsonSpan<'a> {
    JsonSpan {
        path: &location.path,
        line: location.line,
        column: location.column,
        end_line: location.end_line,
        end_column: location.end_column,
        message,
    }
}

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let items: Vec<JsonFinding> = findings
        .iter()
        .map(|finding| JsonFinding {
            code: finding.code,
            rule: finding.rule,
            severity: finding.severity.as_str(),
            path: &finding.location.path,
            line: finding.location.line,
            column: finding.location.column,
            end_line: finding.location.end_line,
            end_column: finding.location.end_column,
            message: &finding.message,
            help: finding.help.as_deref(),
            labels: finding
                .labels
                .iter()
                .map(|label| span(&label.location, &label.message))
                .collect(),
            trace: finding
                .trace
                .iter()
                .map(|step| span(&step.location, &step.message))
                .collect(),
            context: &finding.context,
            fingerprint: fingerprint(
                finding.code,
                &finding.location.path,
                &finding.context,
                &finding.snippet,
            ),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::sample;

    #[test]
    fn json_has_the_spec_fields() {
        let mut out = Vec::new();
        render(&[sample()], &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let item = &value[0];
        for key in [
            "code",
            "rule",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "trace",
        ] {
            assert!(item.get(key).is_some(), "missing {key}");
        }
        assert_eq!(item["trace"][0]["line"], 1);
        assert_eq!(item["trace"][0]["column"], 11);
        assert_eq!(item["labels"][0]["path"], "pkg/util.py");
        let mut empty = Vec::new();
        render(&[], &mut empty).unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), "[]\n");
    }
}
