//! The linter's outputs: for people (`human`: one `file:line:col: message [rule]` line,
//! then miette's snippet with the place underlined and the hint) and for machines (`json`,
//! `sarif` for GitHub code scanning, `github` workflow commands), and the exit code.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use atmflow_engine::diag::{Diagnostic, Severity, SourceFile};
use indexmap::IndexMap;
use miette::{GraphicalReportHandler, GraphicalTheme};
use serde_json::{Value, json};

/// The tool's name in SARIF.
pub const TOOL_NAME: &str = "atmflow-lint";
/// The environment variable naming where the project's documents are published (the
/// repository's web address): SARIF then links the tool and each rule's help there.
/// Without it, SARIF names the rule's section of `docs/lint-rules.md` in plain text.
pub const DOCS_URL_ENV: &str = "ATMFLOW_DOCS_URL";
/// The `$schema` of the SARIF output.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// An output format of `atmflow lint --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

impl Format {
    /// The names `--format` accepts.
    pub const NAMES: [&'static str; 4] = ["human", "json", "sarif", "github"];
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "github" => Ok(Format::Github),
            other => Err(format!(
                "unknown format `{other}`: use {}",
                Format::NAMES.join(", ")
            )),
        }
    }
}

/// Whether to colour what goes to `stream`: only a terminal, and not with `NO_COLOR` set.
pub fn use_color(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The exit code of `atmflow lint`: 1 when an error remains, or a warning with
/// `deny_warnings`; else 0.
pub fn exit_code(findings: &[Diagnostic], deny_warnings: bool) -> u8 {
    u8::from(
        findings
            .iter()
            .any(|d| d.severity == Severity::Error || deny_warnings),
    )
}

/// Everything a format needs besides the findings.
#[derive(Debug, Default)]
pub struct Context<'a> {
    /// The files the findings point into (for the human snippets).
    pub sources: Option<&'a IndexMap<Arc<str>, SourceFile>>,
    /// Colour in the human output.
    pub color: bool,
    /// Paths under this folder are written relative to it (SARIF, GitHub): the repository
    /// root, normally the current folder.
    pub base: Option<&'a Path>,
    /// How many files were checked, for the human summary.
    pub files: usize,
}

/// The findings in a format, as the text to write to stdout.
pub fn render(format: Format, findings: &[Diagnostic], cx: &Context) -> String {
    match format {
        Format::Human => {
            let mut out = human(findings, cx.sources, cx.color);
            out.push_str(&summary(findings, cx.files));
            out.push('\n');
            out
        }
        Format::Json => json(findings),
        Format::Sarif => {
            let mut s = serde_json::to_string_pretty(&sarif(findings, cx.base)).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Github => github(findings, cx.base),
    }
}

/// `file:line:col: message [rule]`: the first line of each finding in the human output.
pub fn headline(d: &Diagnostic) -> String {
    format!("{}: {} [{}]", d.loc, d.message, d.rule)
}

/// Each finding as its headline and miette's snippet (caret underline, hint).
pub fn human(
    findings: &[Diagnostic],
    sources: Option<&IndexMap<Arc<str>, SourceFile>>,
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_links(false);
    let mut out = String::new();
    for d in findings {
        out.push_str(&headline(d));
        out.push('\n');
        let text = sources
            .and_then(|s| s.get(&d.loc.file))
            .map(|src| src.text.to_string())
            .unwrap_or_default();
        let report = Snippet {
            diagnostic: d,
            source: miette::NamedSource::new(&*d.loc.file, text),
        };
        let mut snippet = String::new();
        if handler.render_report(&mut snippet, &report).is_ok() {
            out.push_str(snippet.trim_end());
            out.push_str("\n\n");
        }
    }
    out
}

/// A finding for miette: the message as the title, the place underlined, the hint as
/// help (the headline above it already says where and which rule).
#[derive(Debug)]
struct Snippet<'a> {
    diagnostic: &'a Diagnostic,
    source: miette::NamedSource<String>,
}

impl std::fmt::Display for Snippet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Snippet<'_> {}

impl miette::Diagnostic for Snippet<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic
            .hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        (!self.source.inner().is_empty()).then_some(&self.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.source.inner().is_empty() {
            return None;
        }
        let loc = &self.diagnostic.loc;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_with_span(
                Some("here".into()),
                loc.offset..loc.offset + loc.len,
            ),
        )))
    }
}

/// The last line of the human output: `2 errors, 1 warning in 22 files`.
pub fn summary(findings: &[Diagnostic], files: usize) -> String {
    let errors = findings
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let files = plural(files, "file");
    if findings.is_empty() {
        format!("no problems in {files}")
    } else {
        format!(
            "{}, {} in {files}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The findings as one pretty JSON array (see [`crate::to_json`]).
pub fn json(findings: &[Diagnostic]) -> String {
    let mut s = serde_json::to_string_pretty(&crate::to_json(findings)).unwrap_or_default();
    s.push('\n');
    s
}

/// A finding's file as a repository path: relative to `base` when under it, with forward
/// slashes and no `./`.
pub fn repo_path(file: &str, base: Option<&Path>) -> String {
    let path = Path::new(file);
    if path.is_absolute()
        && let Some(base) = base
        && let Ok(rel) = clean(path).strip_prefix(clean(base))
    {
        return join_slashes(rel);
    }
    let s = join_slashes(&clean(path));
    if path.is_absolute() && !s.starts_with('/') {
        format!("/{s}")
    } else {
        s
    }
}

/// `.` dropped and `..` resolved by text.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn join_slashes(p: &Path) -> String {
    let mut out = String::new();
    for c in p.components() {
        match c {
            Component::RootDir => out.push('/'),
            Component::Prefix(pre) => out.push_str(&pre.as_os_str().to_string_lossy()),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    out.replace('\\', "/")
}

/// Percent-encodes what may not stand in a URI path.
fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A finding's file as a SARIF `artifactLocation.uri`: relative when under `base`, else
/// a `file://` URI.
pub fn artifact_uri(file: &str, base: Option<&Path>) -> String {
    let p = repo_path(file, base);
    if p.starts_with('/') {
        format!("file://{}", uri_encode(&p))
    } else if p.as_bytes().get(1) == Some(&b':') {
        // A Windows drive path.
        format!("file:///{}", uri_encode(&p))
    } else {
        uri_encode(&p)
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn message_text(d: &Diagnostic) -> String {
    match &d.hint {
        Some(h) => format!("{}\nhint: {h}", d.message),
        None => d.message.clone(),
    }
}

/// The findings as a SARIF 2.1.0 log, as GitHub code scanning accepts it.
pub fn sarif(findings: &[Diagnostic], base: Option<&Path>) -> Value {
    let docs = std::env::var(DOCS_URL_ENV).ok();
    sarif_with_docs(findings, base, docs.as_deref())
}

/// SARIF 2.1.0, with links into `docs_url` (the published repository) when given.
pub fn sarif_with_docs(
    findings: &[Diagnostic],
    base: Option<&Path>,
    docs_url: Option<&str>,
) -> Value {
    let docs_url = docs_url.map(|u| u.trim_end_matches('/'));
    let mut rule_ids: Vec<(&str, Severity)> = Vec::new();
    for d in findings {
        if !rule_ids.iter().any(|(id, _)| *id == d.rule) {
            rule_ids.push((d.rule, d.severity));
        }
    }
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|(id, sev)| {
            let description = crate::config::describe(id)
                .map(str::to_string)
                .unwrap_or_else(|| format!("The `{id}` rule of atmflow-lint"));
            let mut rule = json!({
                "id": id,
                "shortDescription": {"text": description},
                "help": {"text": format!("See docs/lint-rules.md#{id}")},
                "defaultConfiguration": {"level": level(*sev)},
            });
            if let Some(url) = docs_url {
                rule["helpUri"] = json!(format!("{url}/docs/lint-rules.md#{id}"));
            }
            rule
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|d| {
            let index = rule_ids
                .iter()
                .position(|(id, _)| *id == d.rule)
                .unwrap_or(0);
            json!({
                "ruleId": d.rule,
                "ruleIndex": index,
                "level": level(d.severity),
                "message": {"text": message_text(d)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(&d.loc.file, base)},
                        "region": {
                            "startLine": d.loc.line.max(1),
                            "startColumn": d.loc.column.max(1),
                            "endLine": d.loc.end_line.max(d.loc.line).max(1),
                            "endColumn": d.loc.end_column.max(1),
                        },
                    },
                }],
            })
        })
        .collect();
    let mut driver = json!({
        "name": TOOL_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(url) = docs_url {
        driver["informationUri"] = json!(url);
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// Escapes a workflow command's message (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (the message's escapes, and `:` `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The findings as GitHub Actions workflow commands, one line each:
/// `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=RULE::message`.
pub fn github(findings: &[Diagnostic], base: Option<&Path>) -> String {
    let mut out = String::new();
    for d in findings {
        let _ = writeln!(
            out,
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            level(d.severity),
            escape_property(&repo_path(&d.loc.file, base)),
            d.loc.line,
            d.loc.column,
            d.loc.end_line,
            d.loc.end_column,
            escape_property(d.rule),
            escape_data(&message_text(d)),
        );
    }
    out
}
