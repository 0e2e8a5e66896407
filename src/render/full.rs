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
    // A generated or minified line would be drawn whole, underline and
    // all (megabytes for one finding): such a finding is written as text.
    let mut locations = std::iter::once(&finding.location)
        .chain(finding.trace.iter().map(|step| &step.location))
        .chain(finding.labels.iter().map(|label| &label.location));
    if locations.any(|location| on_long_line(location, sources)) {
        return render_as_text(finding, out);
    }
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
            .filter_map(|path| Some((path.clone(), printable(sources.get(path)?))))
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

/// Longest source line drawn, in bytes.
const MAX_DRAWN_LINE: usize = 1000;

/// Whether a location's first or last line is longer than `MAX_DRAWN_LINE`.
fn on_long_line(location: &Location, sources: &BTreeMap<Arc<str>, Arc<str>>) -> bool {
    let Some((_, range)) = span(location, sources) else {
        return false;
    };
    let Some(text) = sources.get(&location.path) else {
        return false;
    };
    let bytes = text.as_bytes();
    let line_length = |at: usize| {
        let start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let end = bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| at + i);
        end - start
    };
    line_length(range.start) > MAX_DRAWN_LINE || line_length(range.end) > MAX_DRAWN_LINE
}

/// A finding as lines of text: the concise line, then each trace step and
/// label with its location, then the help.
fn render_as_text(finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", super::concise::line(finding))?;
    let at =
        |location: &Location| format!("{}:{}:{}", location.path, location.line, location.column);
    for (number, step) in finding.trace.iter().enumerate() {
        writeln!(
            out,
            "  {}. {}: {}",
            number + 1,
            at(&step.location),
            step.message
        )?;
    }
    for label in &finding.labels {
        writeln!(out, "  - {}: {}", at(&label.location), label.message)?;
    }
    if let Some(help) = &finding.help {
        writeln!(out, "  help: {help}")?;
    }
    writeln!(
        out,
        "  (a line here is longer than {MAX_DRAWN_LINE} bytes: not drawn)"
    )
}

/// Source text is untrusted: control characters other than tabs and line
/// ends (escape sequences could retitle or clear the terminal) become `?`,
/// one per byte so that every byte offset stays valid.
fn printable(text: &Arc<str>) -> Arc<str> {
    let unsafe_char = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !text.chars().any(unsafe_char) {
        return text.clone();
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                "?".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
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
    fn a_finding_on_a_very_long_line_is_written_as_text() {
        let finding = sample();
        let mut sources = sources();
        // The sink's line, padded after the sink to 5,000 bytes.
        let text = sources.get(&finding.location.path).unwrap().to_string();
        let end = finding.location.end_byte as usize;
        let long = format!("{}{}{}", &text[..end], " ".repeat(5_000), &text[end..]);
        sources.insert(finding.location.path.clone(), long.into());
        let context = Context {
            sources: &sources,
            color: false,
            cwd: Path::new("/w"),
            notifications: &[],
        };
        let mut out = Vec::new();
        render(std::slice::from_ref(&finding), &context, &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.len() < 2_000, "{out}");
        assert!(out.starts_with("pkg/m.py:3:5: MG001 [warning]"), "{out}");
        assert!(out.contains("  1. "), "{out}");
        assert!(out.contains("not drawn"), "{out}");
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
