//! Development driver for MG003/MG004 until the CLI lands: prints concise
//! findings of the given files and directories (walked for `*.py`).

use std::sync::Arc;

use mountguard::analysis::{InputFile, Settings, analyze};
use mountguard::rules::{Extensions, TaintConfig};

fn main() {
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        for entry in walkdir::WalkDir::new(&arg).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "py") {
                files.push(InputFile {
                    fs_path: entry.path().to_path_buf(),
                    display: Arc::from(entry.path().display().to_string()),
                });
            }
        }
    }
    let settings = Settings {
        taint: TaintConfig::new(&Extensions::default()),
        parse_only: false,
    };
    let analysis = analyze(&files, &settings);
    for f in &analysis.findings {
        if f.code != "MG003" && f.code != "MG004" {
            continue;
        }
        println!(
            "{}:{}:{}: {} [{}] {}",
            f.location.path, f.location.line, f.location.column, f.code, f.severity, f.message
        );
        for label in &f.labels {
            println!(
                "    label {}:{}: {}",
                label.location.path, label.location.line, label.message
            );
        }
        if let Some(help) = &f.help {
            println!("    help: {help}");
        }
    }
    eprintln!(
        "{} files, {} findings",
        analysis.files_analyzed,
        analysis.findings.len()
    );
}
