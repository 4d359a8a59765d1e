//! Diagnostics: one problem in one flow file, with its rule, position and a hint.
//!
//! The loader, the type checker and the linter all report through [`Diagnostic`], so a
//! problem reads the same wherever it is found: `file:line:col: message [rule]`, the
//! source line with the place underlined, and a hint saying what to do.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A source file the diagnostics point into. Its text is not to be replaced once made:
/// the line starts are taken from it once, on the first position asked for.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user gave it (relative to where they ran the command).
    pub path: Arc<str>,
    pub text: Arc<str>,
    /// The byte offset where each line starts. Positions were found by rescanning the
    /// text each time, more than half of the linter's time on big flow sets.
    line_starts: Arc<OnceLock<Vec<usize>>>,
}

impl SourceFile {
    pub fn new(path: &Path, text: String) -> SourceFile {
        SourceFile {
            path: path.to_string_lossy().into(),
            text: text.into(),
            line_starts: Arc::default(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        if !self.text.is_char_boundary(offset) {
            return (1, 1);
        }
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let line_start = starts[line - 1];
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// The byte offset of a 1-based line and column (in characters).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let starts = self.line_starts();
        let Some(&start) = line.checked_sub(1).and_then(|i| starts.get(i)) else {
            return self.text.len();
        };
        // A text ending in a newline has no line after it.
        if start == self.text.len() && line > 1 {
            return self.text.len();
        }
        let end = starts.get(line).copied().unwrap_or(self.text.len());
        let within: usize = self.text[start..end]
            .chars()
            .take(col.saturating_sub(1))
            .map(char::len_utf8)
            .sum();
        start + within
    }
}

/// Where in a file: a byte range, with the line and column of its start and end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Loc {
    pub file: Arc<str>,
    pub offset: usize,
    pub len: usize,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Loc {
    pub fn new(source: &SourceFile, offset: usize, len: usize) -> Loc {
        let text = &source.text;
        // Spans start and end on character boundaries, whatever the caller measured.
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let mut end = (offset + len).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let len = end - offset;
        let (line, column) = source.line_col(offset);
        let (end_line, end_column) = source.line_col(offset + len);
        Loc {
            file: source.path.clone(),
            offset,
            len,
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// A position with no known extent: the start of a file.
    pub fn file_start(source: &SourceFile) -> Loc {
        Loc::new(source, 0, 0)
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One problem found in the flows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// A stable id of the rule, e.g. `unknown-target`; documented in `docs/lint-rules.md`.
    pub rule: &'static str,
    pub severity: Severity,
    pub loc: Loc,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(rule: &'static str, loc: Loc, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: Severity::Error,
            loc,
            message: message.into(),
            hint: None,
        }
    }
    pub fn warning(rule: &'static str, loc: Loc, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(rule, loc, message)
        }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// `file:line:col: message [rule]`: the first line of every report.
    pub fn headline(&self) -> String {
        format!(
            "{}: {}: {} [{}]",
            self.loc, self.severity, self.message, self.rule
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())
    }
}

/// A diagnostic paired with its source, for miette's graphical report (snippet, caret
/// underline, hint).
#[derive(Debug)]
pub struct Report {
    pub diagnostic: Diagnostic,
    source: miette::NamedSource<String>,
}

impl Report {
    pub fn new(diagnostic: Diagnostic, source: &SourceFile) -> Report {
        Report {
            source: miette::NamedSource::new(&source.path, source.text.to_string()),
            diagnostic,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} [{}]",
            self.diagnostic.loc, self.diagnostic.message, self.diagnostic.rule
        )
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.rule))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let d = &self.diagnostic;
        Some(Box::new(std::iter::once(miette::LabeledSpan::at(
            d.loc.offset..d.loc.offset + d.loc.len,
            "here",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positions by rescanning the text, as they were found before the line starts were
    /// kept: the kept ones must give the same answers everywhere.
    fn rescanned_line_col(text: &str, offset: usize) -> (usize, usize) {
        let before = text.get(..offset.min(text.len())).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn rescanned_offset_of(text: &str, line: usize, col: usize) -> usize {
        let mut offset = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                return offset
                    + l.chars()
                        .take(col.saturating_sub(1))
                        .map(char::len_utf8)
                        .sum::<usize>();
            }
            offset += l.len();
        }
        text.len()
    }

    #[test]
    fn kept_line_starts_give_the_positions_a_rescan_gives() {
        for text in [
            "",
            "a",
            "\n",
            "ab\ncd",
            "ab\ncd\n",
            "é: ë\n\nçx\n  - y",
            "\n\n\n",
        ] {
            let src = SourceFile::new(Path::new("f.yaml"), text.to_string());
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    src.line_col(offset),
                    rescanned_line_col(text, offset),
                    "{text:?} at {offset}"
                );
            }
            for line in 0..6 {
                for col in 0..6 {
                    assert_eq!(
                        src.offset_of(line, col),
                        rescanned_offset_of(text, line, col),
                        "{text:?} at {line}:{col}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_span_never_ends_inside_a_character() {
        let src = SourceFile::new(Path::new("f.yaml"), "é: x\n".into());
        let loc = Loc::new(&src, 0, 1);
        assert_eq!((loc.offset, loc.len), (0, 2));
        let loc = Loc::new(&src, 1, 1);
        assert_eq!((loc.offset, loc.len), (0, 2));
    }

    #[test]
    fn line_and_column_count_characters() {
        let src = SourceFile::new(Path::new("f.yaml"), "a: 1\nbë: xyz\n".into());
        let off = src.text.find("xyz").unwrap();
        assert_eq!(src.line_col(off), (2, 5));
        assert_eq!(src.offset_of(2, 5), off);
    }
}
