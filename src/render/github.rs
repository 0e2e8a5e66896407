//! `--format github`: GitHub Actions workflow commands, which GitHub shows
//! as annotations on the pull request.

use std::io::{self, Write};

use crate::finding::{Finding, Severity};

pub fn render(
    findings: &[Finding],
    notifications: &[(String, String, bool)],
    out: &mut dyn Write,
) -> io::Result<()> {
    for finding in findings {
        writeln!(out, "{}", command(finding))?;
    }
    // Unreadable and partly parsed files are annotated too: on a pull
    // request nobody reads the job log.
    for (path, message, fatal) in notifications {
        writeln!(
            out,
            "::{} file={},title=mountguard::{}",
            if *fatal { "error" } else { "notice" },
            escape_property(path),
            escape_data(message)
        )?;
    }
    Ok(())
}

pub fn command(finding: &Finding) -> String {
    let level = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let location = &finding.location;
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&location.path),
        location.line,
        location.column,
        location.end_line,
        location.end_column,
        escape_property(&format!("{} {}", finding.code, finding.rule)),
        escape_data(&message),
    )
}

/// Escaping of a command's message, as GitHub's toolkit does it.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value: also `:` and `,`, which delimit properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::sample;

    #[test]
    fn workflow_command() {
        let mut finding = sample();
        assert_eq!(
            command(&finding),
            "::warning file=pkg/m.py,line=3,col=5,endLine=3,endColumn=42,title=MG001 command-injection::`export` reaches utils.execute%0Ahelp: validate `export`"
        );
        let mut out = Vec::new();
        render(
            std::slice::from_ref(&finding),
            &[(
                "x,y.py".to_string(),
                "cannot read file: gone".to_string(),
                true,
            )],
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with("\n::error file=x%2Cy.py,title=mountguard::cannot read file: gone\n"),
            "{text}"
        );
        finding.location.path = "a,b:c%.py".into();
        finding.message = "100% bad\r\nreally".into();
        finding.help = None;
        let text = command(&finding);
        assert!(text.contains("file=a%2Cb%3Ac%25.py,"), "{text}");
        assert!(text.ends_with("::100%25 bad%0D%0Areally"), "{text}");
    }
}
