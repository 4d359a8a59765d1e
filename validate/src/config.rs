//! The linter's configuration: the project file `atmflow-lint.yaml` and inline silences.
//!
//! ```yaml
//! rules:                      # every finding of a rule, everywhere
//!   missing-translation: error
//!   unknown-language: off
//! overrides:                  # per path glob, relative to this file's folder; later wins
//!   - paths: ["flows/legacy/*.yaml"]
//!     rules: {unknown-text: off}
//! settings: {}                # the rules' settings (crate::rules::RuleSettings)
//! ```
//!
//! A YAML comment `# atmflow-lint: allow RULE-ID -- reason` on the line of a finding, or
//! on the line just above it, silences that one finding. [`apply`] does both, as a pure
//! function of the findings, the configuration and the sources' text.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use atmflow_engine::diag::{Diagnostic, Loc, Severity, SourceFile};
use atmflow_engine::load::Loaded;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// The name of the project file, looked up in the flows folder, then in its parent.
pub const FILE_NAME: &str = "atmflow-lint.yaml";

/// A rule id of the configuration that names no rule (a warning at the id's position).
pub const CONFIG_UNKNOWN_RULE: &str = "config-unknown-rule";
/// An inline silence without `-- reason`.
pub const SILENCE_WITHOUT_REASON: &str = "silence-without-reason";
/// An inline silence that silences no finding.
pub const UNUSED_SILENCE: &str = "unused-silence";
/// An `# atmflow-lint:` comment that is not `allow RULE-ID -- reason`.
pub const SILENCE_SYNTAX: &str = "silence-syntax";

/// Every rule id the linter knows, with a one-line description (SARIF `shortDescription`).
///
/// The loader's and type checker's rules, the graph and safety rules ([`crate::rules`]),
/// as the summary of `docs/lint-rules.md` lists them, and the configuration's own. [`apply`]
/// also accepts [`crate::rules::RULE_IDS`] and the ids that occur in a run's findings.
pub const RULES: &[(&str, &str)] = &[
    ("yaml-syntax", "A file that is not valid YAML"),
    ("missing-value", "A key without a value"),
    (
        "duplicate-key",
        "A key twice in one map, or a parameter in two files",
    ),
    ("unknown-key", "A key this part of a flow does not accept"),
    ("missing-key", "A required key is missing"),
    ("wrong-type", "A value of the wrong shape"),
    ("oversized-input", "Too deep nesting or too many aliases"),
    ("file-too-large", "A file over 1 MiB"),
    ("unreadable-file", "A file or folder that cannot be read"),
    ("missing-file", "No terminal.yaml or catalogue.yaml"),
    ("step-kind", "A step with no kind, or more than one"),
    (
        "unexpected-key",
        "`args` or `result` on a step that takes none",
    ),
    ("unexpected-events", "`on` on a `decide` or `end` step"),
    ("unknown-target", "A `goto` or `start` naming no step"),
    (
        "unknown-screen",
        "A step showing a screen the flow does not have",
    ),
    (
        "unknown-flow",
        "A `call`, `entry` or handler naming no flow",
    ),
    ("unknown-host-op", "A host operation not in the catalogue"),
    ("unknown-device", "A device class that does not exist"),
    (
        "unknown-device-command",
        "A command the device does not have",
    ),
    ("unknown-event", "An event the step can never receive"),
    (
        "unknown-argument",
        "An argument the operation, command or flow does not take",
    ),
    ("missing-argument", "A host operation's argument not given"),
    ("unknown-type", "A type that does not exist"),
    ("unknown-input-kind", "An input kind that does not exist"),
    (
        "decide-no-else",
        "A decision without a final branch without `if`",
    ),
    ("shadowed-branch", "A branch that can never be taken"),
    ("expr-syntax", "An expression that cannot be read"),
    ("expr-type", "An expression of the wrong type"),
    (
        "side-key",
        "A side key that does not exist, or presses two buttons",
    ),
    ("undefined-variable", "A name that is not a variable"),
    ("unknown-param", "`params.X` where X is not a parameter"),
    ("unknown-text", "A text key that does not exist"),
    (
        "missing-translation",
        "A text missing a language of the terminal",
    ),
    (
        "unknown-language",
        "A text in a language the terminal does not have",
    ),
    ("param-value", "A parameter that cannot be read exactly"),
    ("duplicate-flow", "Two flows with one id"),
    ("unreachable-step", "A step no path from the start reaches"),
    ("unused-step", "A step nothing goes to"),
    ("dead-end", "A step with no way on, or a loop with no end"),
    (
        "card-not-returned",
        "A session that can end with the card inside",
    ),
    (
        "cash-not-accounted",
        "Cash or notes that can end up nowhere known",
    ),
    (
        "unconfirmed-money",
        "Money moved before the customer confirmed",
    ),
    ("missing-timeout", "A screen that can wait forever"),
    (
        "amount-rule",
        "Amount parameters that contradict each other or the notes",
    ),
    ("unused-screen", "A screen no step shows"),
    ("unused-param", "A parameter nothing reads"),
    ("unused-text", "A text no screen uses"),
    ("unused-flow", "A flow that never runs"),
    ("manual-coverage", "An inventory id without a flow"),
    (
        CONFIG_UNKNOWN_RULE,
        "The lint configuration names a rule that does not exist",
    ),
    (SILENCE_WITHOUT_REASON, "An inline silence gives no reason"),
    (UNUSED_SILENCE, "An inline silence silences nothing"),
    (
        SILENCE_SYNTAX,
        "An `# atmflow-lint:` comment that cannot be read",
    ),
];

/// The one-line description of a rule, if it is one of [`RULES`].
pub fn describe(rule: &str) -> Option<&'static str> {
    RULES.iter().find(|(id, _)| *id == rule).map(|(_, d)| *d)
}

/// What the configuration makes of a rule's findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warning,
    Error,
}

impl Level {
    fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: IndexMap<Spanned<String>, Level>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    settings: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    paths: Vec<String>,
    #[serde(default)]
    rules: IndexMap<Spanned<String>, Level>,
}

/// Rule levels for the files whose path matches one of `paths`.
#[derive(Clone, Debug)]
struct Override {
    paths: Vec<String>,
    rules: Vec<(Spanned<String>, Level)>,
}

/// The linter's configuration. [`Config::default`] changes nothing.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The configuration file's text, for positions of its findings (`None`: no file).
    pub source: Option<SourceFile>,
    /// The folder override globs are relative to (the configuration file's folder).
    base: Option<PathBuf>,
    rules: Vec<(Spanned<String>, Level)>,
    overrides: Vec<Override>,
    /// The `settings:` map as written (`null` when absent), for the rules that read it.
    pub settings: serde_json::Value,
}

/// Why a configuration file could not be used (`atmflow lint` exits 2).
#[derive(Debug)]
pub enum ConfigError {
    /// The file cannot be read.
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The file is not a valid configuration: a diagnostic into its text.
    Invalid {
        diagnostic: Box<Diagnostic>,
        source: SourceFile,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Read { path, error } => {
                write!(
                    f,
                    "cannot read the lint configuration {}: {error}",
                    path.display()
                )
            }
            ConfigError::Invalid { diagnostic, .. } => write!(
                f,
                "{}: {} [{}]",
                diagnostic.loc, diagnostic.message, diagnostic.rule
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Config::parse(SourceFile::new(path, text), &base)
    }

    /// Parses a configuration's text; override globs are relative to `base`.
    pub fn parse(source: SourceFile, base: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = if source.text.trim().is_empty() {
            RawConfig::default()
        } else {
            atmflow_engine::load::parse_yaml(&source).map_err(|d| ConfigError::Invalid {
                diagnostic: d,
                source: source.clone(),
            })?
        };
        Ok(Config {
            base: Some(base.to_path_buf()),
            rules: raw.rules.into_iter().collect(),
            overrides: raw
                .overrides
                .into_iter()
                .map(|o| Override {
                    paths: o.paths,
                    rules: o.rules.into_iter().collect(),
                })
                .collect(),
            settings: raw.settings.unwrap_or(serde_json::Value::Null),
            source: Some(source),
        })
    }

    /// The configuration file for a flows folder: `atmflow-lint.yaml` in it, else in its
    /// parent folder.
    pub fn discover(flows_dir: &Path) -> Option<PathBuf> {
        let here = flows_dir.join(FILE_NAME);
        if here.is_file() {
            return Some(here);
        }
        let parent = match flows_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() && flows_dir.file_name().is_some() => {
                p.join(FILE_NAME)
            }
            Some(_) if flows_dir.file_name().is_some() => PathBuf::from(FILE_NAME),
            // `.`, `..` or a root: go up through the folder itself.
            _ => flows_dir.join("..").join(FILE_NAME),
        };
        parent.is_file().then_some(parent)
    }

    /// The rules' settings: `settings:` over this bank's defaults
    /// ([`crate::rules::RuleSettings`]). A relative `manual_coverage.inventory` is taken
    /// from the configuration file's folder. Settings that do not fit are an invalid
    /// configuration.
    pub fn rule_settings(&self) -> Result<crate::rules::RuleSettings, ConfigError> {
        if self.settings.is_null() {
            return Ok(crate::rules::RuleSettings::default());
        }
        let mut settings: crate::rules::RuleSettings =
            serde_json::from_value(self.settings.clone()).map_err(|e| {
                let source = self
                    .source
                    .clone()
                    .unwrap_or_else(|| SourceFile::new(Path::new(FILE_NAME), String::new()));
                let offset = match source.text.find("\nsettings:") {
                    Some(i) => i + 1,
                    None => 0,
                };
                let loc = Loc::new(&source, offset, "settings".len());
                ConfigError::Invalid {
                    diagnostic: Box::new(
                        Diagnostic::error(
                            "config-settings",
                            loc,
                            format!("the rule settings are not valid: {e}"),
                        )
                        .with_hint(
                            "docs/lint-rules.md (Rule settings) lists them and their defaults",
                        ),
                    ),
                    source,
                }
            })?;
        let inventory = &mut settings.manual_coverage.inventory;
        if self
            .settings
            .pointer("/manual_coverage/inventory")
            .is_some()
            && inventory.is_relative()
            && let Some(base) = &self.base
        {
            *inventory = base.join(&*inventory);
        }
        Ok(settings)
    }

    /// The path of the configuration file, if there is one.
    pub fn path(&self) -> Option<&str> {
        self.source.as_ref().map(|s| &*s.path)
    }

    /// What the configuration makes of `rule`'s findings in `file`: `None` leaves them
    /// as they are. Overrides matching the file win over `rules:`, later ones over earlier.
    pub fn level(&self, rule: &str, file: &str) -> Option<Level> {
        let mut level = lookup(&self.rules, rule);
        let mut candidates: Option<Vec<String>> = None;
        for o in &self.overrides {
            let Some(l) = lookup(&o.rules, rule) else {
                continue;
            };
            let cands = candidates.get_or_insert_with(|| self.path_candidates(file));
            if o.paths
                .iter()
                .any(|p| cands.iter().any(|c| glob_match(&normalize_pattern(p), c)))
            {
                level = Some(l);
            }
        }
        level
    }

    /// The forms of `file` a path glob is matched against: relative to the configuration
    /// file's folder, and as given.
    fn path_candidates(&self, file: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(base) = &self.base
            && let (Some(f), Some(b)) = (lexical_absolute(Path::new(file)), lexical_absolute(base))
            && let Ok(rel) = f.strip_prefix(&b)
        {
            out.push(slashes(rel));
        }
        out.push(normalize_pattern(file));
        out
    }

    /// Every rule id the configuration names, with where.
    fn named_rules(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.rules
            .iter()
            .chain(self.overrides.iter().flat_map(|o| o.rules.iter()))
            .map(|(id, _)| id)
    }
}

fn lookup(rules: &[(Spanned<String>, Level)], rule: &str) -> Option<Level> {
    rules
        .iter()
        .rev()
        .find(|(id, _)| id.value == rule)
        .map(|(_, l)| *l)
}

/// A path with forward slashes and no leading `./`.
fn normalize_pattern(p: &str) -> String {
    let mut s = p.replace('\\', "/");
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.to_string();
    }
    s
}

fn slashes(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// The absolute form of a path, with `.` and `..` resolved by text (no symlinks).
fn lexical_absolute(p: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(p).ok()?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    Some(out)
}

/// Matches a path against a glob: `*` is any text within one folder name, `**` any text
/// across folders (`**/` also none), `?` one character other than `/`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = path.chars().collect();
    glob(&p, &s)
}

fn glob(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') if p.get(1) == Some(&'*') => {
            let rest = &p[2..];
            if rest.first() == Some(&'/') && glob(&rest[1..], s) {
                return true;
            }
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
        }
        Some('*') => {
            for i in 0..=s.len() {
                if glob(&p[1..], &s[i..]) {
                    return true;
                }
                if s.get(i) == Some(&'/') {
                    break;
                }
            }
            false
        }
        Some('?') => s.first().is_some_and(|c| *c != '/') && glob(&p[1..], &s[1..]),
        Some(c) => s.first() == Some(c) && glob(&p[1..], &s[1..]),
    }
}

/// One `# atmflow-lint: allow ...` comment.
#[derive(Debug)]
struct Silence {
    loc: Loc,
    /// The rule ids it allows, each with whether it silenced a finding.
    rules: Vec<(String, bool)>,
    has_reason: bool,
}

/// The silences in one file, and the comments that look like one but are not.
fn scan_silences(src: &SourceFile, out: &mut Vec<Silence>, bad: &mut Vec<Diagnostic>) {
    let mut offset = 0;
    for line in src.text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if let Some(hash) = directive_start(body) {
            let comment = &body[hash..];
            let after = comment[1..].trim_start();
            let directive = after["atmflow-lint:".len()..].trim();
            let loc = Loc::new(src, offset + hash, comment.len());
            match parse_directive(directive) {
                Some((ids, reason)) => out.push(Silence {
                    loc,
                    rules: ids.into_iter().map(|id| (id, false)).collect(),
                    has_reason: reason.is_some(),
                }),
                None => bad.push(
                    Diagnostic::warning(
                        SILENCE_SYNTAX,
                        loc,
                        "this `atmflow-lint:` comment cannot be read",
                    )
                    .with_hint("write `# atmflow-lint: allow RULE-ID -- reason`"),
                ),
            }
        }
        offset += line.len();
    }
}

/// Where `# atmflow-lint:` starts in a line: a `#` at the line's start or after a space
/// (YAML's rule for comments).
fn directive_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    line.match_indices('#').map(|(i, _)| i).find(|&i| {
        (i == 0 || bytes[i - 1].is_ascii_whitespace())
            && line[i + 1..].trim_start().starts_with("atmflow-lint:")
    })
}

/// `allow ID[, ID...] [-- reason]` into the ids and the reason (if not empty).
fn parse_directive(d: &str) -> Option<(Vec<String>, Option<String>)> {
    let rest = d.strip_prefix("allow")?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let (ids, reason) = match rest.split_once("--") {
        Some((ids, reason)) => (ids, Some(reason.trim())),
        None => (rest, None),
    };
    let ids: Vec<String> = ids
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if ids.is_empty()
        || !ids.iter().all(|id| {
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
    {
        return None;
    }
    Some((ids, reason.filter(|r| !r.is_empty()).map(str::to_string)))
}

/// Applies the configuration and the inline silences to a run's findings.
///
/// In order: each finding gets the level the configuration gives its rule in its file
/// (`off` drops it); a finding whose line, or the line above, holds a silence of its rule
/// is dropped; then the configuration's and the silences' own findings are added
/// (`config-unknown-rule`, `silence-without-reason`, `unused-silence`, `silence-syntax`),
/// with the configuration's levels applied to them too. The result is sorted like
/// [`crate::findings`].
pub fn apply(
    findings: Vec<Diagnostic>,
    config: &Config,
    sources: &IndexMap<Arc<str>, SourceFile>,
) -> Vec<Diagnostic> {
    let mut known: BTreeSet<String> = RULES.iter().map(|(id, _)| id.to_string()).collect();
    known.extend(crate::rules::RULE_IDS.iter().map(|id| id.to_string()));
    known.extend(findings.iter().map(|d| d.rule.to_string()));

    let mut silences = Vec::new();
    let mut own = Vec::new();
    let config_source = config
        .source
        .as_ref()
        .filter(|c| !sources.contains_key(&c.path));
    for src in sources.values().chain(config_source) {
        scan_silences(src, &mut silences, &mut own);
    }

    let mut out = Vec::new();
    for d in findings {
        let Some(d) = relevel(d, config) else {
            continue;
        };
        let silenced = silences.iter_mut().any(|s| {
            if s.loc.file != d.loc.file
                || !(s.loc.line == d.loc.line || s.loc.line + 1 == d.loc.line)
            {
                return false;
            }
            match s.rules.iter_mut().find(|(id, _)| id == d.rule) {
                Some((_, used)) => {
                    *used = true;
                    true
                }
                None => false,
            }
        });
        if !silenced {
            out.push(d);
        }
    }

    let known_list: Vec<String> = known.iter().cloned().collect();
    for s in &silences {
        if !s.has_reason {
            own.push(
                Diagnostic::warning(
                    SILENCE_WITHOUT_REASON,
                    s.loc.clone(),
                    "this silence gives no reason",
                )
                .with_hint("say why the finding is wrong or accepted: `# atmflow-lint: allow RULE-ID -- reason`"),
            );
        }
        for (id, used) in &s.rules {
            if *used {
                continue;
            }
            let hint = if known.contains(id) {
                "no finding of this rule is on this line or the next: remove the silence"
                    .to_string()
            } else {
                match atmflow_engine::load::closest(id, known_list.iter()) {
                    Some(c) => format!("`{id}` is not a rule: did you mean `{c}`?"),
                    None => format!("`{id}` is not a rule; docs/lint-rules.md lists them"),
                }
            };
            own.push(
                Diagnostic::warning(
                    UNUSED_SILENCE,
                    s.loc.clone(),
                    format!("this silence of `{id}` silences nothing"),
                )
                .with_hint(hint),
            );
        }
    }

    if let Some(src) = &config.source {
        for id in config.named_rules() {
            if known.contains(&id.value) {
                continue;
            }
            let hint = match atmflow_engine::load::closest(&id.value, known_list.iter()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "docs/lint-rules.md lists the rules".to_string(),
            };
            own.push(
                Diagnostic::warning(
                    CONFIG_UNKNOWN_RULE,
                    spanned_loc(src, id),
                    format!("there is no rule `{}`", id.value),
                )
                .with_hint(hint),
            );
        }
    }
    out.extend(own.into_iter().filter_map(|d| relevel(d, config)));
    sort_unique(out)
}

/// Errors first, then by file and position; each finding once (a folder given twice).
fn sort_unique(mut findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.loc.file.cmp(&b.loc.file))
            .then_with(|| a.loc.offset.cmp(&b.loc.offset))
    });
    let mut unique: Vec<Diagnostic> = Vec::with_capacity(findings.len());
    for d in findings {
        if !unique.contains(&d) {
            unique.push(d);
        }
    }
    unique
}

/// What a run of the linter found over one or more flows folders.
#[derive(Debug, Default)]
pub struct Linted {
    /// The findings after configuration and silences, errors first.
    pub findings: Vec<Diagnostic>,
    /// Every file read, the configuration files included (for the snippets).
    pub sources: IndexMap<Arc<str>, SourceFile>,
    /// How many flow files were checked.
    pub files: usize,
}

/// Lints several loads at once: each flows folder (`None`: the embedded flows) with its
/// configuration, `explicit` when given, else the one [`Config::discover`] finds. Loads
/// that share a configuration file are configured together, so its findings come once.
pub fn lint(
    loads: Vec<(Option<PathBuf>, Loaded)>,
    explicit: Option<&Path>,
) -> Result<Linted, ConfigError> {
    /// The loads that share one configuration file (or none).
    struct Group {
        config: Option<PathBuf>,
        loads: Vec<Loaded>,
    }
    let mut groups: IndexMap<Option<PathBuf>, Group> = IndexMap::new();
    for (dir, loaded) in loads {
        let path = explicit
            .map(Path::to_path_buf)
            .or_else(|| dir.as_deref().and_then(Config::discover));
        let key = path
            .as_ref()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()));
        groups
            .entry(key)
            .or_insert_with(|| Group {
                config: path,
                loads: Vec::new(),
            })
            .loads
            .push(loaded);
    }
    let mut out = Linted::default();
    for group in groups.into_values() {
        let config = match &group.config {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        let settings = config.rule_settings()?;
        let mut findings = Vec::new();
        let mut sources = IndexMap::new();
        for loaded in group.loads {
            findings.extend(crate::findings_with(&loaded, &settings));
            sources.extend(loaded.sources);
        }
        out.findings.extend(apply(findings, &config, &sources));
        out.files += sources.len();
        out.sources.extend(sources);
        if let Some(src) = config.source {
            out.sources.entry(src.path.clone()).or_insert(src);
        }
    }
    out.findings = sort_unique(out.findings);
    Ok(out)
}

/// The finding at the level the configuration gives it, or `None` when turned off.
fn relevel(mut d: Diagnostic, config: &Config) -> Option<Diagnostic> {
    if let Some(level) = config.level(d.rule, &d.loc.file) {
        d.severity = level.severity()?;
    }
    Some(d)
}

fn spanned_loc(src: &SourceFile, s: &Spanned<String>) -> Loc {
    let l = &s.referenced;
    if l.line() == 0 {
        return Loc::file_start(src);
    }
    let offset = l
        .span()
        .byte_offset()
        .map(|o| o as usize)
        .unwrap_or_else(|| src.offset_of(l.line() as usize, l.column() as usize));
    let len = l
        .span()
        .byte_len()
        .map(|n| n as usize)
        .filter(|n| *n > 0)
        .unwrap_or(s.value.len());
    Loc::new(src, offset, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_within_and_across_folders() {
        assert!(glob_match("flows/legacy/*.yaml", "flows/legacy/a.yaml"));
        assert!(!glob_match("flows/legacy/*.yaml", "flows/legacy/x/a.yaml"));
        assert!(glob_match("flows/**/*.yaml", "flows/legacy/x/a.yaml"));
        assert!(glob_match("flows/**/*.yaml", "flows/a.yaml"));
        assert!(glob_match("**/legacy/**", "a/b/legacy/c/d.yaml"));
        assert!(glob_match("flows/?.yaml", "flows/a.yaml"));
        assert!(!glob_match("flows/?.yaml", "flows/ab.yaml"));
        assert!(!glob_match("flows/*.yaml", "flows/a.yml"));
    }

    #[test]
    fn directives_read_ids_and_reason() {
        assert_eq!(
            parse_directive("allow unknown-text -- legacy screen"),
            Some((vec!["unknown-text".into()], Some("legacy screen".into())))
        );
        assert_eq!(
            parse_directive("allow a, b"),
            Some((vec!["a".into(), "b".into()], None))
        );
        assert_eq!(
            parse_directive("allow a --   "),
            Some((vec!["a".into()], None))
        );
        assert_eq!(parse_directive("disable a"), None);
        assert_eq!(parse_directive("allow"), None);
        assert_eq!(parse_directive("allowed x"), None);
    }

    #[test]
    fn a_hash_inside_a_word_is_not_a_comment() {
        assert_eq!(directive_start("a: b#atmflow-lint: allow x"), None);
        assert_eq!(directive_start("a: b # atmflow-lint: allow x"), Some(5));
        assert_eq!(directive_start("#atmflow-lint: allow x"), Some(0));
    }
}
