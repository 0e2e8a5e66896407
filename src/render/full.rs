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
        // Ariadne colours a custom kind whatever the config says.
        Severity::Note if color => (ReportKind::Custom("Note", Color::Cyan), Color::Cyan),
        Severity::Note => (ReportKind::Advice, Color::Cyan),
    };
    let config = Config::default()
        .with_index_type(IndexType::Byte)
        .with_color(color);
    let mut report = Report::build(kind, primary.clone())
        .with_config(config)
        .with_code(finding.code)
        .with_message(format!("{} [{}]", finding.message, finding.rule))
        .with_label(
            Label::new(primary.clone())
                .with_message(&finding.message)
                .with_color(primary_color)
                .with_priority(10),
        );
    let mut order = 0;
    for step in &finding.trace {
        if step.location == finding.location {
            continue;
        }
        if let Some(step_span) = span(&step.location, sources) {
            order += 1;
            report = report.with_label(
                Label::new(step_span)
                    .with_message(format!("{order}. {}", step.message))
                    .with_color(Color::Blue)
                    .with_order(order),
            );
        }
    }
    for label in &finding.labels {
        if let Some(label_span) = span(&label.location, sources) {
            report = report.with_label(
                Label::new(label_span)
                    .with_message(&label.message)
                    .with_color(Color::Magenta),
            );
        }
    }
    if let Some(help) = &finding.help {
        report = report.with_help(help);
    }
    let cache = ariadne::sources(
        sources
            .iter()
            .map(|(path, text)| (path.clone(), text.clone()))
            .collect::<Vec<_>>(),
    );
    let mut buffer = Vec::new();
    report.finish().write_for_stdout(cache, &mut buffer)?;
    out.write_all(&buffer)
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
    fn out_of_range_spans_do_not_panic() {
        let mut finding = sample();
        finding.location.start_byte = 10_000;
        finding.location.end_byte = 20_000;
        finding.trace[0].location.start_byte = 3;
        finding.trace[0].location.end_byte = 1;
        finding.severity = Severity::Note;
        let text = rendered(&finding, false);
        assert!(text.contains("MG001"), "{text}");
        finding.location.path = "missing.py".into();
        assert!(rendered(&finding, false).starts_with("missing.py:3:5: MG001 [note]"));
    }
}
