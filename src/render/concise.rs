//! One line per finding: `path:line:col: CODE [severity] message`.

use std::io::{self, Write};

use crate::finding::Finding;

pub fn render(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    for finding in findings {
        writeln!(out, "{}", line(finding))?;
    }
    Ok(())
}

pub fn line(finding: &Finding) -> String {
    let location = &finding.location;
    format!(
        "{}:{}:{}: {} [{}] {}",
        location.path,
        location.line,
        location.column,
        finding.code,
        finding.severity,
        one_line(&finding.message)
    )
}

/// Messages are one line by contract; make sure a stray newline cannot
/// forge a second finding line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::sample;

    #[test]
    fn concise_line() {
        let mut out = Vec::new();
        render(&[sample()], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "pkg/m.py:3:5: MG001 [warning] `export` reaches utils.execute\n"
        );
    }
}
