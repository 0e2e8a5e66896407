//! User configuration: `[tool.mountguard]` in the nearest `pyproject.toml`,
//! a `mountguard.toml`, or the file given with `--config`.
//!
//! Every error names the file, the key and the line, because a typo in a
//! CI configuration otherwise silently disables a check.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::rules::{self, Extensions, data::TaintData};

/// The configuration after validation.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from; `None` when no configuration file was found.
    pub path: Option<PathBuf>,
    /// Directory that relative `exclude` patterns are anchored at.
    pub root: PathBuf,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    /// Replaces the default excludes when set.
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub min_severity: Option<Severity>,
    pub extensions: Extensions,
}

/// A configuration error: file, line, key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line, when the error has a position.
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(key) = &self.key {
            write!(f, "`{key}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// The keys of `[tool.mountguard]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOptions {
    #[serde(default)]
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    ignore: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    exclude: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    extend_exclude: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    min_severity: Option<Spanned<String>>,
    #[serde(default)]
    rules: Option<RawRules>,
}

/// `[tool.mountguard.rules.<slug>]`: extensions in the `rules/*.toml` schema.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default, rename = "command-injection")]
    command_injection: Option<Spanned<TaintData>>,
    #[serde(default, rename = "path-traversal")]
    path_traversal: Option<Spanned<TaintData>>,
    #[serde(default)]
    common: Option<Spanned<TaintData>>,
}

/// Only `[tool.mountguard]` of a `pyproject.toml` is ours; other tools'
/// tables are not validated.
#[derive(Debug, Deserialize)]
struct PyProject {
    #[serde(default)]
    tool: Option<PyProjectTools>,
}

#[derive(Debug, Deserialize)]
struct PyProjectTools {
    #[serde(default)]
    mountguard: Option<RawOptions>,
}

/// Loads the configuration: `explicit` when given, else the nearest
/// `mountguard.toml` or `pyproject.toml` with a `[tool.mountguard]` table,
/// searching upward from `start`.
pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Config, ConfigError> {
    if let Some(path) = explicit {
        return load_file(path);
    }
    match find(start) {
        Some(path) => load_file(&path),
        None => Ok(Config {
            root: start.to_path_buf(),
            ..Config::default()
        }),
    }
}

/// The nearest configuration file at or above `start`. In one directory,
/// `mountguard.toml` wins over `pyproject.toml`; a `pyproject.toml` without
/// a `[tool.mountguard]` table does not stop the search (as in Ruff).
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(current) = dir {
        let own = current.join("mountguard.toml");
        if own.is_file() {
            return Some(own);
        }
        let pyproject = current.join("pyproject.toml");
        if let Ok(text) = std::fs::read_to_string(&pyproject) {
            let ours = match text.parse::<toml::Table>() {
                Ok(table) => table
                    .get("tool")
                    .and_then(|tool| tool.get("mountguard"))
                    .is_some(),
                // A broken file that mentions us is taken, so that its
                // error is reported instead of the configuration being
                // silently skipped.
                Err(_) => text.contains("tool.mountguard"),
            };
            if ours {
                return Some(pyproject);
            }
        }
        dir = current.parent();
    }
    None
}

pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError {
        path: path.to_path_buf(),
        line: None,
        key: None,
        message: format!("cannot read configuration file: {error}"),
    })?;
    let is_pyproject = path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml");
    parse(&text, path, is_pyproject)
}

/// Parses configuration text. `is_pyproject` selects `[tool.mountguard]`;
/// otherwise the keys are at the top level (`mountguard.toml`).
pub fn parse(text: &str, path: &Path, is_pyproject: bool) -> Result<Config, ConfigError> {
    let error_at = |span: Option<std::ops::Range<usize>>, message: String| {
        let line = span.as_ref().map(|span| line_of(text, span.start));
        let key = span.and_then(|span| key_at(text, span.start));
        ConfigError {
            path: path.to_path_buf(),
            line,
            key,
            message,
        }
    };
    let raw = if is_pyproject {
        toml::from_str::<PyProject>(text)
            .map(|doc| doc.tool.and_then(|tool| tool.mountguard))
            .map_err(|error| error_at(error.span(), error.message().trim().to_string()))?
    } else {
        Some(
            toml::from_str::<RawOptions>(text)
                .map_err(|error| error_at(error.span(), error.message().trim().to_string()))?,
        )
    };
    let root = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut config = Config {
        path: Some(path.to_path_buf()),
        root,
        ..Config::default()
    };
    // Only an explicitly named file can lack the table (the search skips
    // such a pyproject.toml): naming it configures nothing, so say so.
    let Some(raw) = raw else {
        return Err(error_at(
            None,
            "has no `[tool.mountguard]` table, so it configures nothing (name a file that has one, or a mountguard.toml)"
                .to_string(),
        ));
    };

    let selectors = |list: Option<Vec<Spanned<String>>>, key: &str| {
        list.map(|list| {
            list.into_iter()
                .map(|item| {
                    let span = item.span();
                    let value = item.into_inner();
                    validate_selector(&value).map_err(|message| ConfigError {
                        key: Some(key.to_string()),
                        ..error_at(Some(span), message)
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
    };
    config.select = selectors(raw.select, "select")?;
    config.ignore = selectors(raw.ignore, "ignore")?.unwrap_or_default();

    let globs = |list: Option<Vec<Spanned<String>>>, key: &str| {
        list.map(|list| {
            list.into_iter()
                .map(|item| {
                    let span = item.span();
                    let value = item.into_inner();
                    globset::Glob::new(&value)
                        .map(|_| value)
                        .map_err(|error| ConfigError {
                            key: Some(key.to_string()),
                            ..error_at(Some(span), format!("invalid glob: {}", error.kind()))
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()
    };
    config.exclude = globs(raw.exclude, "exclude")?;
    config.extend_exclude = globs(raw.extend_exclude, "extend-exclude")?.unwrap_or_default();

    if let Some(value) = raw.min_severity {
        let span = value.span();
        config.min_severity =
            Some(Severity::parse(value.get_ref()).ok_or_else(|| ConfigError {
                key: Some("min-severity".to_string()),
                ..error_at(
                    Some(span),
                    format!(
                        "invalid severity `{}`: expected `note`, `warning` or `error`",
                        value.get_ref()
                    ),
                )
            })?);
    }

    if let Some(rules) = raw.rules {
        let check = |data: Option<Spanned<TaintData>>, slug: &str, target: &mut TaintData| {
            if let Some(data) = data {
                let span = data.span();
                let data = data.into_inner();
                validate_taint(&data).map_err(|message| ConfigError {
                    key: Some(format!("rules.{slug}")),
                    ..error_at(Some(span), message)
                })?;
                target.extend(data);
            }
            Ok::<(), ConfigError>(())
        };
        let mut extensions = Extensions::default();
        check(
            rules.command_injection,
            "command-injection",
            &mut extensions.command_injection,
        )?;
        check(
            rules.path_traversal,
            "path-traversal",
            &mut extensions.path_traversal,
        )?;
        check(rules.common, "common", &mut extensions.common)?;
        config.extensions = extensions;
    }
    Ok(config)
}

/// A rule selector is `ALL`, a rule's slug, or a prefix of rule codes
/// (`MG`, `MG00`, `MG001`). Returns it normalised (codes upper-cased).
pub fn validate_selector(selector: &str) -> Result<String, String> {
    let trimmed = selector.trim();
    if trimmed.eq_ignore_ascii_case("ALL") {
        return Ok("ALL".to_string());
    }
    let normalised = match rules::all().iter().find(|rule| rule.slug == trimmed) {
        Some(rule) => rule.code.to_string(),
        None => trimmed.to_ascii_uppercase(),
    };
    let selects = |code: &str| !normalised.is_empty() && code.starts_with(&normalised);
    let selected: Vec<&str> = rules::all()
        .iter()
        .map(|rule| rule.code)
        .filter(|code| selects(code))
        .collect();
    match selected[..] {
        [] => Err(format!(
            "unknown rule selector `{selector}`: expected a rule code or prefix (MG001, MG00, MG), a slug (command-injection) or ALL"
        )),
        // Selecting it would look like turning it on, and do nothing.
        [rules::UNUSED_NOQA] => Err(format!(
            "`{selector}` selects only unused-noqa ({}), which `--report-unused-noqa` turns on; selections do not apply to it",
            rules::UNUSED_NOQA
        )),
        _ => Ok(normalised),
    }
}

/// Whether a normalised selector (see [`validate_selector`]) selects `code`.
pub fn selector_matches(selector: &str, code: &str) -> bool {
    selector == "ALL" || code.starts_with(selector)
}

/// What serde cannot check about an extension: every entry must say what
/// it matches.
fn validate_taint(data: &TaintData) -> Result<(), String> {
    for (index, sink) in data.sinks.iter().enumerate() {
        if sink.call.is_none() && sink.method.is_none() {
            return Err(format!(
                "sink #{} has neither `call` nor `method`",
                index + 1
            ));
        }
    }
    for (index, sanitizer) in data.sanitizers.iter().enumerate() {
        if sanitizer.call.is_none() && sanitizer.method.is_none() {
            return Err(format!(
                "sanitizer #{} has neither `call` nor `method`",
                index + 1
            ));
        }
    }
    for (index, source) in data.sources.iter().enumerate() {
        if source.name.trim().is_empty() {
            return Err(format!("source #{} has an empty `name`", index + 1));
        }
    }
    Ok(())
}

fn line_of(text: &str, byte: usize) -> usize {
    let byte = byte.min(text.len());
    text.as_bytes()[..byte]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The key of the `key = value` line containing `byte`, or the key the
/// span starts at; for messages only.
fn key_at(text: &str, byte: usize) -> Option<String> {
    let byte = byte.min(text.len());
    let start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
    let end = text[byte..].find('\n').map_or(text.len(), |i| byte + i);
    let line = &text[start..end];
    let key = match line.split_once('=') {
        Some((key, _)) => key,
        None => line,
    };
    let key = key.trim().trim_matches(['[', ']']).trim().trim_matches('"');
    (!key.is_empty()).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_py(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("pyproject.toml"), true)
    }

    #[test]
    fn reads_tool_mountguard_and_ignores_other_tools() {
        let config = parse_py(
            r#"
[tool.black]
line-length = 79

[tool.mountguard]
select = ["MG00", "broad-except"]
ignore = ["mg004"]
extend-exclude = ["legacy/**"]
min-severity = "warning"

[tool.mountguard.rules.command-injection]
sinks = [{ call = "mylib.run_cmd", args = "all" }]
"#,
        )
        .unwrap();
        assert_eq!(config.select.unwrap(), ["MG00", "MG003"]);
        assert_eq!(config.ignore, ["MG004"]);
        assert_eq!(config.extend_exclude, ["legacy/**"]);
        assert_eq!(config.min_severity, Some(Severity::Warning));
        assert_eq!(config.extensions.command_injection.sinks.len(), 1);
    }

    #[test]
    fn unknown_key_names_file_key_and_line() {
        let error =
            parse_py("[tool.mountguard]\nselect = [\"MG001\"]\nselct = [\"MG002\"]\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert_eq!(error.key.as_deref(), Some("selct"));
        assert!(error.message.contains("selct"), "{error}");
        assert!(
            error.to_string().starts_with("pyproject.toml:3:"),
            "{error}"
        );
    }

    #[test]
    fn bad_values_name_key_and_line() {
        let error = parse_py("[tool.mountguard]\n\nmin-severity = \"high\"\n").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert_eq!(error.key.as_deref(), Some("min-severity"));
        let error = parse_py("[tool.mountguard]\nselect = [\"XX1\"]\n").unwrap_err();
        assert_eq!(
            (error.line, error.key.as_deref()),
            (Some(2), Some("select"))
        );
        let error = parse_py("[tool.mountguard]\nmin-severity = 3\n").unwrap_err();
        assert_eq!(error.line, Some(2));
        let error = parse_py(
            "[tool.mountguard.rules.path-traversal]\nsinks = [{ call = \"x\", kind = \"shel\" }]\n",
        )
        .unwrap_err();
        assert_eq!(error.line, Some(2), "{error}");
        let error =
            parse_py("[tool.mountguard.rules.path-traversal]\nsinks = [{ args = \"all\" }]\n")
                .unwrap_err();
        assert!(error.message.contains("neither"), "{error}");
        let error = parse_py("[tool.mountguard.rules.sql-injection]\n").unwrap_err();
        assert!(error.message.contains("sql-injection"), "{error}");
    }

    #[test]
    fn top_level_keys_in_mountguard_toml() {
        let config = parse(
            "ignore = [\"MG003\"]\n",
            Path::new("mountguard.toml"),
            false,
        )
        .unwrap();
        assert_eq!(config.ignore, ["MG003"]);
        let error = parse("[tool.mountguard]\n", Path::new("mountguard.toml"), false).unwrap_err();
        assert_eq!(error.line, Some(1), "{error}");
    }

    #[test]
    fn a_pyproject_without_our_table_is_an_error() {
        let error = parse_py("[project]\nname = \"x\"\nselect = [\"MG003\"]\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "pyproject.toml: has no `[tool.mountguard]` table, so it configures nothing (name a file that has one, or a mountguard.toml)"
        );
        assert!(parse_py("[tool.mountguard]\n").is_ok());
    }

    #[test]
    fn selectors() {
        assert_eq!(validate_selector("mg001").unwrap(), "MG001");
        assert_eq!(validate_selector("path-traversal").unwrap(), "MG002");
        assert_eq!(validate_selector("all").unwrap(), "ALL");
        assert!(validate_selector("MG9").is_err());
        assert!(validate_selector("unused-noqa").is_err());
        assert!(validate_selector("MG1").is_err());
        assert_eq!(validate_selector("mg").unwrap(), "MG");
        assert!(validate_selector("").is_err());
        assert!(selector_matches("MG00", "MG003"));
        assert!(!selector_matches("MG001", "MG002"));
    }
}
