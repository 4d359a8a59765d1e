//! The flow linter: everything that can be found wrong in a set of flows before it reaches
//! a terminal, as diagnostics for people (miette) and machines (JSON).
//!
//! It reports what loading and type-checking find (schema, references, types,
//! translations, shadowed branches), then, for flows that load, the [`rules`]: unreachable
//! steps, dead ends, card and cash safety, confirmations, timeouts, parameters and
//! what is never used. `docs/lint-rules.md` lists every rule.

pub mod config;
pub mod report;
pub mod rules;

use atmflow_engine::diag::{Diagnostic, Severity};
use atmflow_engine::load::Loaded;
use serde::Serialize;

/// All findings for a load with this bank's rule settings, errors first, then by file
/// and position.
pub fn findings(loaded: &Loaded) -> Vec<Diagnostic> {
    findings_with(loaded, &rules::RuleSettings::default())
}

/// All findings for a load: the loader's, then the rules' when the flows loaded.
pub fn findings_with(loaded: &Loaded, settings: &rules::RuleSettings) -> Vec<Diagnostic> {
    let mut out = loaded.diagnostics.clone();
    if let Some(program) = &loaded.program {
        out.extend(rules::run_rules(program, loaded, settings));
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.loc.file.cmp(&b.loc.file))
            .then_with(|| a.loc.offset.cmp(&b.loc.offset))
    });
    out
}

/// One finding as the JSON output writes it.
#[derive(Debug, Serialize, PartialEq)]
pub struct JsonFinding<'a> {
    pub rule: &'a str,
    pub severity: Severity,
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: &'a str,
    pub hint: Option<&'a str>,
}

/// The findings as one JSON array (`atmflow lint --format json`).
pub fn to_json(findings: &[Diagnostic]) -> serde_json::Value {
    let items: Vec<JsonFinding> = findings
        .iter()
        .map(|d| JsonFinding {
            rule: d.rule,
            severity: d.severity,
            file: &d.loc.file,
            line: d.loc.line,
            column: d.loc.column,
            end_line: d.loc.end_line,
            end_column: d.loc.end_column,
            message: &d.message,
            hint: d.hint.as_deref(),
        })
        .collect();
    serde_json::to_value(items).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use atmflow_engine::diag::SourceFile;
    use atmflow_engine::load::load_sources;
    use std::path::Path;

    #[test]
    fn a_yaml_error_becomes_one_json_finding_with_its_position() {
        let src = SourceFile::new(Path::new("flows/terminal.yaml"), "languages: [sq\n".into());
        let loaded = load_sources(vec![src]);
        let f = findings(&loaded);
        assert!(!f.is_empty());
        let json = to_json(&f);
        let first = &json[0];
        assert_eq!(first["file"], "flows/terminal.yaml");
        assert!(first["line"].as_u64().unwrap_or(0) >= 1);
        assert_eq!(first["severity"], "error");
        assert_eq!(report::exit_code(&f, false), 1);
    }
}
