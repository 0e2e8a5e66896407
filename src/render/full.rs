//! `--format full`: each finding drawn by ariadne over its source lines,
//! with the primary label, the taint trace, secondary labels and help.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};

use crate::finding::{Finding, Location, Severity};

type Span = (Arc<str>, Range<usize>);

pub fn render(
    findings: &[Finding],
    context: &super::Context,
    out: &mut dyn Write,
) -> io::Result<()> {
    for finding in findings {
        render_one(finding, context.sources, context.color, out)?;
    }
    Ok(())
}

fn render_one(
    finding: &Finding,
    sources: &BTreeMap<Arc<str>, Arc<str>>,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Without the source text (it vanished, or a renderer test) there is
    // nothing to draw: fall back to the concise line.
    let Some(primary) = span(&finding.location, sources) else {
        return writeln!(out, "{}", super::concise::line(finding));
    };
    let (kind, primary_color) = match finding.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
        Severity::Note => (ReportKind::Custom("Note", Color::Cyan), Color::Cyan),
    };
    let config = Config::default()
        .with_index_type(IndexType::Byte)
        .with_color(color);
    // The primary label carries the sink step's words (the header already
    // has the message); the other trace steps are numbered in flow order.
    let mut labels: Vec<(Span, Option<String>, Color)> = Vec::new();
    let sink_step = finding
        .trace
        .iter()
        .rev()
        .find(|step| step.location == finding.location);
    // Ariadne draws no underline for a label without a message: without a
    // sink step, the message's first clause labels the span.
    let primary_text = match sink_step {
        Some(step) => step.message.clone(),
        None => finding
            .message
            .split("; ")
            .next()
            .unwrap_or(&finding.message)
            .to_string(),
    };
    labels.push((primary.clone(), Some(primary_text), primary_color));
    let mut number = 0;
    for step in &finding.trace {
        if step.location == finding.location {
            continue;
        }
        number += 1;
        if let Some(step_span) = span(&step.location, sources) {
            labels.push((
                step_span,
                Some(format!("{number}. {}", step.message)),
                Color::Blue,
            ));
        }
    }
    for label in &finding.labels {
        if let Some(label_span) = span(&label.location, sources) {
            labels.push((label_span, Some(label.message.clone()), Color::Magenta));
        }
    }
    // Ariadne starts a new source group whenever a label comes before the
    // previous one: feed them in file order, the primary file first.
    labels.sort_by(|(a, _, _), (b, _, _)| {
        (a.0 != primary.0, &a.0, a.1.start).cmp(&(b.0 != primary.0, &b.0, b.1.start))
    });
    let mut report = Report::build(kind, primary.clone())
        .with_config(config)
        .with_code(finding.code)
        .with_message(format!("{} [{}]", finding.message, finding.rule));
    for (label_span, message, label_color) in labels {
        let mut label = Label::new(label_span).with_color(label_color);
        if let Some(message) = message {
            label = label.with_message(message);
        }
        report = report.with_label(label);
    }
    if let Some(help) = &finding.help {
        report = report.with_help(help);
    }
    // Only the files this finding points into: ariadne indexes the lines
    // of every source it is given.
    let wanted: std::collections::BTreeSet<&Arc<str>> = std::iter::once(&finding.location.path)
        .chain(finding.labels.iter().map(|l| &l.location.path))
        .chain(finding.trace.iter().map(|t| &t.location.path))
        .collect();
    let cache = ariadne::sources(
        wanted
            .into_iter()
            .filter_map(|path| Some((path.clone(), sources.get(path)?.clone())))
            .collect::<Vec<_>>(),
    );
    let mut buffer = Vec::new();
    report.finish().write_for_stdout(cache, &mut buffer)?;
    if !color {
        // Ariadne paints a custom report kind even with colours off.
        buffer = strip_ansi(&buffer);
    }
    out.write_all(&buffer)
}

/// Removes `ESC [ ... letter` sequences.
fn strip_ansi(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == 0x1b && bytes.get(index + 1) == Some(&b'[') {
            index += 2;
            while index < bytes.len() && !bytes[index].is_ascii_alphabetic() {
                index += 1;
            }
            index += 1;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    out
}

/// The byte span of a location, clamped to its file's text and to char
/// boundaries so that ariadne never indexes out of range.
fn span(location: &Location, sources: &BTreeMap<Arc<str>, Arc<str>>) -> Option<Span> {
    let text = sources.get(&location.path)?;
    let clamp = |byte: u32| {
        let mut byte = (byte as usize).min(text.len());
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        byte
    };
    let start = clamp(location.start_byte);
    let end = clamp(location.end_byte).max(start);
    Some((location.path.clone(), start..end))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::render::Context;
    use crate::render::tests::{sample, sources};

    fn rendered(finding: &Finding, color: bool) -> String {
        let sources = sources();
        let context = Context {
            sources: &sources,
            color,
            cwd: Path::new("/w"),
            notifications: &[],
        };
        let mut out = Vec::new();
        render(std::slice::from_ref(finding), &context, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn draws_source_trace_labels_and_help() {
        let text = rendered(&sample(), false);
        assert!(
            text.contains("[MG001] Warning: `export` reaches utils.execute [command-injection]"),
            "{text}"
        );
        assert!(text.contains("pkg/m.py:3:5"), "{text}");
        assert!(
            text.contains("utils.execute(*cmd, run_as_root=True)"),
            "{text}"
        );
        assert!(
            text.contains("1. parameter `export` of a public method"),
            "{text}"
        );
        assert!(text.contains("2. `cmd` holds it"), "{text}");
        assert!(text.contains("pkg/util.py"), "{text}");
        assert!(text.contains("defined here"), "{text}");
        assert!(text.contains("validate `export`"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour codes when disabled");
        assert!(rendered(&sample(), true).contains('\u{1b}'));
    }

    #[test]
    fn without_a_trace_the_first_clause_labels_the_span() {
        let mut finding = sample();
        finding.trace.clear();
        finding.message = "`x` is never read; did you mean `y.x`?".to_string();
        let text = rendered(&finding, false);
        assert!(
            text.contains("╰── `x` is never read\n") || text.contains("─ `x` is never read\n"),
            "{text}"
        );
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let mut finding = sample();
        finding.location.start_byte = 10_000;
        finding.location.end_byte = 20_000;
        finding.trace[0].location.start_byte = 3;
        finding.trace[0].location.end_byte = 1;
        finding.severity = Severity::Note;
        let text = rendered(&finding, false);
        assert!(text.contains("[MG001] Note:"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        finding.location.path = "missing.py".into();
        assert!(rendered(&finding, false).starts_with("missing.py:3:5: MG001 [note]"));
    }
}
