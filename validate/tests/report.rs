//! The linter's outputs (human, JSON, SARIF, GitHub), its exit code, and its configuration
//! (`atmflow-lint.yaml`, inline silences), on findings made by hand.

use std::path::Path;
use std::sync::Arc;

use atmflow_engine::diag::{Diagnostic, Loc, Severity, SourceFile};
use atmflow_validate::config::{self, Config, ConfigError};
use atmflow_validate::report::{self, Context, Format};
use indexmap::IndexMap;
use serde_json::Value;

const MAIN: &str =
    "id: main\nstart: start\nsteps:\n  start:\n    goto: nowhere\n  done:\n    end: done\n";
const TEXTS: &str = "texts:\n  hello: {sq: \"Mirë\", en: \"Hello\", de: \"Hallo\"}\n";

type Sources = IndexMap<Arc<str>, SourceFile>;

/// A documentation address for the tests (example.org is reserved for examples).
const DOCS: &str = "https://example.org/atmflow";

fn sources_with(files: &[(&str, &str)]) -> Sources {
    files
        .iter()
        .map(|(path, text)| {
            let src = SourceFile::new(Path::new(path), text.to_string());
            (src.path.clone(), src)
        })
        .collect()
}

fn sources() -> Sources {
    sources_with(&[("flows/main.yaml", MAIN), ("flows/texts.yaml", TEXTS)])
}

/// A finding of `rule` at the first `needle` in `file`.
fn at(
    sources: &Sources,
    file: &str,
    needle: &str,
    rule: &'static str,
    sev: Severity,
) -> Diagnostic {
    let src = &sources[file];
    let offset = src.text.find(needle).expect("needle in source");
    let loc = Loc::new(src, offset, needle.len());
    let d = match sev {
        Severity::Error => Diagnostic::error(rule, loc, format!("problem with `{needle}`")),
        Severity::Warning => Diagnostic::warning(rule, loc, format!("problem with `{needle}`")),
    };
    d.with_hint(format!("fix `{needle}`"))
}

/// An error and a warning, as the loader would report them.
fn two_findings(s: &Sources) -> Vec<Diagnostic> {
    vec![
        at(
            s,
            "flows/main.yaml",
            "nowhere",
            "unknown-target",
            Severity::Error,
        ),
        at(
            s,
            "flows/texts.yaml",
            "de",
            "unknown-language",
            Severity::Warning,
        ),
    ]
}

// ---------------------------------------------------------------- formats

#[test]
fn human_starts_each_finding_with_one_headline_then_the_snippet_and_ends_with_a_summary() {
    let s = sources();
    let f = two_findings(&s);
    let out = report::render(
        Format::Human,
        &f,
        &Context {
            sources: Some(&s),
            color: false,
            base: None,
            files: 2,
        },
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "flows/main.yaml:5:11: problem with `nowhere` [unknown-target]"
    );
    assert!(
        out.contains("flows/texts.yaml:2:36: problem with `de` [unknown-language]"),
        "{out}"
    );
    // The snippet: the source line, the underline, the hint.
    assert!(out.contains("    goto: nowhere"), "{out}");
    assert!(out.contains("here"), "{out}");
    assert!(out.contains("help: fix `nowhere`"), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour unless asked: {out}");
    assert_eq!(lines.last(), Some(&"1 error, 1 warning in 2 files"));
}

#[test]
fn human_output_is_coloured_only_when_asked() {
    let s = sources();
    let f = two_findings(&s);
    let out = report::human(&f, Some(&s), true);
    assert!(out.contains('\u{1b}'), "{out}");
    assert!(out.starts_with("flows/main.yaml:5:11: problem with `nowhere` [unknown-target]\n"));
}

#[test]
fn the_summary_says_when_nothing_was_found() {
    assert_eq!(report::summary(&[], 22), "no problems in 22 files");
    assert_eq!(report::summary(&[], 1), "no problems in 1 file");
}

#[test]
fn json_is_one_array_with_every_field() {
    let s = sources();
    let out = report::render(Format::Json, &two_findings(&s), &Context::default());
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    let items = v.as_array().expect("an array");
    assert_eq!(items.len(), 2);
    let first = &items[0];
    assert_eq!(first["rule"], "unknown-target");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "flows/main.yaml");
    assert_eq!(first["line"], 5);
    assert_eq!(first["column"], 11);
    assert_eq!(first["end_line"], 5);
    assert_eq!(first["end_column"], 18);
    assert_eq!(first["message"], "problem with `nowhere`");
    assert_eq!(first["hint"], "fix `nowhere`");
    assert_eq!(items[1]["severity"], "warning");
}

#[test]
fn github_writes_one_workflow_command_per_finding() {
    let s = sources();
    let out = report::render(Format::Github, &two_findings(&s), &Context::default());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "::error file=flows/main.yaml,line=5,col=11,endLine=5,endColumn=18,title=unknown-target::problem with `nowhere`%0Ahint: fix `nowhere`",
            "::warning file=flows/texts.yaml,line=2,col=36,endLine=2,endColumn=38,title=unknown-language::problem with `de`%0Ahint: fix `de`",
        ]
    );
}

#[test]
fn github_escapes_data_and_properties() {
    assert_eq!(
        report::escape_data("100% a\r\nb: c, d"),
        "100%25 a%0D%0Ab: c, d"
    );
    assert_eq!(report::escape_property("a,b:c%\n"), "a%2Cb%3Ac%25%0A");
    let s = sources_with(&[("flows/odd,name:x.yaml", "a: 1\n")]);
    let d = Diagnostic::error(
        "wrong-type",
        Loc::new(&s["flows/odd,name:x.yaml"], 3, 1),
        "50% of\nthis",
    );
    let out = report::github(&[d], None);
    assert_eq!(
        out,
        "::error file=flows/odd%2Cname%3Ax.yaml,line=1,col=4,endLine=1,endColumn=5,title=wrong-type::50%25 of%0Athis\n"
    );
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json"),
    )
    .expect("the SARIF schema fixture");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the SARIF schema does not compile: {e}"))
}

fn assert_valid_sarif(v: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid SARIF:\n{}\n{v:#}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let s = sources();
    let out = report::render(Format::Sarif, &two_findings(&s), &Context::default());
    let v: Value = serde_json::from_str(&out).expect("valid JSON");
    assert_valid_sarif(&v);
}

#[test]
fn the_schema_check_is_real() {
    let s = sources();
    let mut v = report::sarif(&two_findings(&s), None);
    let validator = sarif_validator();
    assert!(validator.is_valid(&v));
    v["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&v));
    let mut v = report::sarif_with_docs(&two_findings(&s), None, Some(DOCS));
    v["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "not a uri".into();
    assert!(!validator.is_valid(&v), "formats are checked");
}

#[test]
fn sarif_has_the_tool_its_rules_and_the_results_as_github_reads_them() {
    let s = sources();
    let v = report::sarif_with_docs(&two_findings(&s), None, Some(DOCS));
    assert!(sarif_validator().is_valid(&v));
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(v["version"], "2.1.0");
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "atmflow-lint");
    assert_eq!(driver["informationUri"], DOCS);
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["id"], "unknown-target");
    assert_eq!(
        rules[0]["shortDescription"]["text"],
        "A `goto` or `start` naming no step"
    );
    assert_eq!(
        rules[0]["helpUri"],
        format!("{DOCS}/docs/lint-rules.md#unknown-target")
    );
    assert_eq!(
        rules[0]["help"]["text"],
        "See docs/lint-rules.md#unknown-target"
    );
    // Without a published address there is no made-up link, and it is still valid SARIF.
    let plain = report::sarif_with_docs(&two_findings(&s), None, None);
    assert!(
        plain["runs"][0]["tool"]["driver"]
            .get("informationUri")
            .is_none()
    );
    assert!(
        plain["runs"][0]["tool"]["driver"]["rules"][0]
            .get("helpUri")
            .is_none()
    );
    assert!(sarif_validator().is_valid(&plain));
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");

    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let r = &results[0];
    assert_eq!(r["ruleId"], "unknown-target");
    assert_eq!(r["ruleIndex"], 0);
    assert_eq!(r["level"], "error");
    assert_eq!(
        r["message"]["text"],
        "problem with `nowhere`\nhint: fix `nowhere`"
    );
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "flows/main.yaml");
    assert_eq!(loc["region"]["startLine"], 5);
    assert_eq!(loc["region"]["startColumn"], 11);
    assert_eq!(loc["region"]["endLine"], 5);
    assert_eq!(loc["region"]["endColumn"], 18);
    assert_eq!(results[1]["level"], "warning");
    assert_eq!(results[1]["ruleIndex"], 1);
}

#[test]
fn sarif_paths_are_relative_to_the_base_with_forward_slashes_and_encoded() {
    let base = std::env::current_dir().unwrap();
    let inside = base.join("flows").join("my flows").join("a.yaml");
    let outside = Path::new("/elsewhere/x%y.yaml");
    let s = sources_with(&[
        (inside.to_str().unwrap(), "a: 1\n"),
        (outside.to_str().unwrap(), "a: 1\n"),
        ("./flows/./b.yaml", "a: 1\n"),
    ]);
    let findings: Vec<Diagnostic> = s
        .values()
        .map(|src| Diagnostic::error("wrong-type", Loc::new(src, 0, 1), "bad"))
        .collect();
    let v = report::sarif(&findings, Some(&base));
    let uris: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        [
            "flows/my%20flows/a.yaml",
            "file:///elsewhere/x%25y.yaml",
            "flows/b.yaml"
        ]
    );
    assert_valid_sarif(&v);
    assert_eq!(
        report::repo_path(inside.to_str().unwrap(), Some(&base)),
        "flows/my flows/a.yaml"
    );
}

#[test]
fn an_empty_run_is_valid_sarif_too() {
    let v = report::sarif(&[], None);
    assert_eq!(v["runs"][0]["results"], Value::Array(vec![]));
    assert_valid_sarif(&v);
}

#[test]
fn formats_parse_by_name() {
    assert_eq!("sarif".parse::<Format>(), Ok(Format::Sarif));
    assert_eq!("github".parse::<Format>(), Ok(Format::Github));
    let e = "xml".parse::<Format>().unwrap_err();
    assert!(e.contains("human, json, sarif, github"), "{e}");
}

#[test]
fn exit_code_is_1_only_for_errors_unless_warnings_are_denied() {
    let s = sources();
    let f = two_findings(&s);
    assert_eq!(report::exit_code(&f, false), 1);
    let warnings = &f[1..];
    assert_eq!(report::exit_code(warnings, false), 0);
    assert_eq!(report::exit_code(warnings, true), 1);
    assert_eq!(report::exit_code(&[], true), 0);
}

// ---------------------------------------------------------------- configuration

fn config(text: &str) -> Config {
    Config::parse(
        SourceFile::new(Path::new("atmflow-lint.yaml"), text.into()),
        Path::new("."),
    )
    .unwrap_or_else(|e| panic!("config does not parse: {e}"))
}

fn rules_of(findings: &[Diagnostic]) -> Vec<(&'static str, Severity)> {
    findings.iter().map(|d| (d.rule, d.severity)).collect()
}

#[test]
fn a_rule_can_be_made_an_error_or_a_warning() {
    let s = sources();
    let c = config("rules:\n  unknown-language: error\n  unknown-target: warning\n");
    let out = config::apply(two_findings(&s), &c, &s);
    assert_eq!(
        rules_of(&out),
        [
            ("unknown-language", Severity::Error),
            ("unknown-target", Severity::Warning)
        ]
    );
}

#[test]
fn a_rule_can_be_turned_off_for_some_paths_only() {
    let s = sources_with(&[("flows/main.yaml", MAIN), ("flows/legacy/old.yaml", MAIN)]);
    let findings = vec![
        at(
            &s,
            "flows/main.yaml",
            "nowhere",
            "unknown-target",
            Severity::Error,
        ),
        at(
            &s,
            "flows/legacy/old.yaml",
            "nowhere",
            "unknown-target",
            Severity::Error,
        ),
    ];
    let c = config(
        "overrides:\n  - paths: [\"flows/legacy/*.yaml\"]\n    rules: {unknown-target: off}\n",
    );
    let out = config::apply(findings.clone(), &c, &s);
    assert_eq!(out.len(), 1);
    assert_eq!(&*out[0].loc.file, "flows/main.yaml");

    // Off everywhere, back on for one folder: the later, more specific entry wins.
    let c = config(
        "rules: {unknown-target: off}\noverrides:\n  - paths: [\"flows/legacy/**\"]\n    rules: {unknown-target: warning}\n",
    );
    let out = config::apply(findings, &c, &s);
    assert_eq!(out.len(), 1);
    assert_eq!(&*out[0].loc.file, "flows/legacy/old.yaml");
    assert_eq!(out[0].severity, Severity::Warning);
}

#[test]
fn override_paths_are_relative_to_the_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("flows/legacy")).unwrap();
    let cfg_path = project.join("atmflow-lint.yaml");
    std::fs::write(
        &cfg_path,
        "overrides:\n  - paths: [\"flows/legacy/*.yaml\"]\n    rules: {unknown-target: off}\n",
    )
    .unwrap();
    let c = Config::load(&cfg_path).unwrap();
    let file = project.join("flows/legacy/old.yaml");
    let s = sources_with(&[(file.to_str().unwrap(), MAIN)]);
    let f = vec![at(
        &s,
        file.to_str().unwrap(),
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    assert!(config::apply(f, &c, &s).is_empty());
}

#[test]
fn an_inline_silence_with_a_reason_silences_its_finding() {
    let text = MAIN.replace(
        "    goto: nowhere\n",
        "    goto: nowhere  # atmflow-lint: allow unknown-target -- the step comes with the next release\n",
    );
    let s = sources_with(&[("flows/main.yaml", &text)]);
    let f = vec![at(
        &s,
        "flows/main.yaml",
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    assert_eq!(config::apply(f, &Config::default(), &s), []);

    // On the line above, too.
    let text = MAIN.replace(
        "    goto: nowhere\n",
        "    # atmflow-lint: allow unknown-target -- the step comes with the next release\n    goto: nowhere\n",
    );
    let s = sources_with(&[("flows/main.yaml", &text)]);
    let f = vec![at(
        &s,
        "flows/main.yaml",
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    assert_eq!(config::apply(f, &Config::default(), &s), []);
}

#[test]
fn a_silence_two_lines_above_does_not_reach() {
    let text = MAIN.replace(
        "  start:\n    goto: nowhere\n",
        "  # atmflow-lint: allow unknown-target -- too far\n  start:\n    goto: nowhere\n",
    );
    let s = sources_with(&[("flows/main.yaml", &text)]);
    let f = vec![at(
        &s,
        "flows/main.yaml",
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    let out = config::apply(f, &Config::default(), &s);
    assert_eq!(
        rules_of(&out),
        [
            ("unknown-target", Severity::Error),
            ("unused-silence", Severity::Warning)
        ]
    );
}

#[test]
fn a_silence_without_a_reason_is_a_finding_itself() {
    let text = MAIN.replace(
        "    goto: nowhere\n",
        "    goto: nowhere # atmflow-lint: allow unknown-target\n",
    );
    let s = sources_with(&[("flows/main.yaml", &text)]);
    let f = vec![at(
        &s,
        "flows/main.yaml",
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    let out = config::apply(f, &Config::default(), &s);
    assert_eq!(
        rules_of(&out),
        [("silence-without-reason", Severity::Warning)]
    );
    let d = &out[0];
    assert_eq!((d.loc.line, d.loc.column), (5, 19));
    assert_eq!(&*d.loc.file, "flows/main.yaml");
    assert!(d.hint.as_deref().unwrap().contains("-- reason"));
}

#[test]
fn a_silence_that_silences_nothing_is_reported() {
    let text = MAIN.replace(
        "    goto: nowhere\n",
        "    goto: nowhere # atmflow-lint: allow unknown-text -- wrong rule\n",
    );
    let s = sources_with(&[("flows/main.yaml", &text)]);
    let f = vec![at(
        &s,
        "flows/main.yaml",
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    let out = config::apply(f, &Config::default(), &s);
    assert_eq!(
        rules_of(&out),
        [
            ("unknown-target", Severity::Error),
            ("unused-silence", Severity::Warning)
        ]
    );
    assert_eq!(
        out[1].message,
        "this silence of `unknown-text` silences nothing"
    );

    // A misspelt rule: the hint names the closest one.
    let text = MAIN.replace(
        "    goto: nowhere\n",
        "    goto: nowhere # atmflow-lint: allow unknown-targte -- typo\n",
    );
    let s = sources_with(&[("flows/main.yaml", &text)]);
    let f = vec![at(
        &s,
        "flows/main.yaml",
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    let out = config::apply(f, &Config::default(), &s);
    assert_eq!(out[1].rule, "unused-silence");
    assert!(
        out[1]
            .hint
            .as_deref()
            .unwrap()
            .contains("did you mean `unknown-target`?")
    );

    // The silences' own rules can be configured like any other.
    let out = config::apply(
        vec![at(
            &s,
            "flows/main.yaml",
            "nowhere",
            "unknown-target",
            Severity::Error,
        )],
        &config("rules: {unused-silence: off}\n"),
        &s,
    );
    assert_eq!(rules_of(&out), [("unknown-target", Severity::Error)]);
}

#[test]
fn a_comment_that_is_not_a_silence_is_reported() {
    let text = MAIN.replace(
        "    goto: nowhere\n",
        "    goto: nowhere # atmflow-lint: disable unknown-target\n",
    );
    let s = sources_with(&[("flows/main.yaml", &text)]);
    let f = vec![at(
        &s,
        "flows/main.yaml",
        "nowhere",
        "unknown-target",
        Severity::Error,
    )];
    let out = config::apply(f, &Config::default(), &s);
    assert_eq!(
        rules_of(&out),
        [
            ("unknown-target", Severity::Error),
            ("silence-syntax", Severity::Warning)
        ]
    );
}

#[test]
fn an_unknown_rule_in_the_configuration_is_reported_where_it_is_written() {
    let s = sources();
    let c = config(
        "# project lint settings\nrules:\n  unknown-targte: off\noverrides:\n  - paths: [\"x/*\"]\n    rules:\n      no-such-rule: warning\n",
    );
    let out = config::apply(two_findings(&s), &c, &s);
    let unknown: Vec<&Diagnostic> = out
        .iter()
        .filter(|d| d.rule == "config-unknown-rule")
        .collect();
    assert_eq!(unknown.len(), 2);
    let d = unknown[0];
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(&*d.loc.file, "atmflow-lint.yaml");
    assert_eq!((d.loc.line, d.loc.column), (3, 3));
    assert_eq!(d.loc.len, "unknown-targte".len());
    assert_eq!(d.message, "there is no rule `unknown-targte`");
    assert_eq!(d.hint.as_deref(), Some("did you mean `unknown-target`?"));
    assert_eq!((unknown[1].loc.line, unknown[1].loc.column), (7, 7));
    // The misspelt rule changes nothing.
    assert!(
        out.iter()
            .any(|d| d.rule == "unknown-target" && d.severity == Severity::Error)
    );
}

#[test]
fn settings_are_passed_through_untouched() {
    let c = config(
        "settings:\n  unconfirmed-money:\n    confirm_buttons: [confirm, withdraw_now]\n    depth: 3\n",
    );
    assert_eq!(
        c.settings,
        serde_json::json!({"unconfirmed-money": {"confirm_buttons": ["confirm", "withdraw_now"], "depth": 3}})
    );
    assert_eq!(Config::default().settings, Value::Null);
    assert_eq!(config("").settings, Value::Null);
}

#[test]
fn an_invalid_configuration_is_refused_with_its_position() {
    let e = Config::parse(
        SourceFile::new(
            Path::new("atmflow-lint.yaml"),
            "rules:\n  unknown-target: fatal\n".into(),
        ),
        Path::new("."),
    )
    .unwrap_err();
    let ConfigError::Invalid { diagnostic, .. } = e else {
        panic!("expected an invalid configuration");
    };
    assert_eq!(diagnostic.loc.line, 2);
    assert!(
        diagnostic.message.contains("fatal"),
        "{}",
        diagnostic.message
    );

    let e = Config::parse(
        SourceFile::new(Path::new("atmflow-lint.yaml"), "rulez: {}\n".into()),
        Path::new("."),
    )
    .unwrap_err();
    assert!(matches!(e, ConfigError::Invalid { .. }));

    let e = Config::load(Path::new("/no/such/atmflow-lint.yaml")).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }));
}

#[test]
fn the_configuration_is_found_in_the_flows_folder_then_its_parent() {
    let dir = tempfile::tempdir().unwrap();
    let flows = dir.path().join("flows");
    std::fs::create_dir_all(&flows).unwrap();
    assert_eq!(Config::discover(&flows), None);
    std::fs::write(dir.path().join("atmflow-lint.yaml"), "rules: {}\n").unwrap();
    assert_eq!(
        Config::discover(&flows),
        Some(dir.path().join("atmflow-lint.yaml"))
    );
    std::fs::write(flows.join("atmflow-lint.yaml"), "rules: {}\n").unwrap();
    assert_eq!(
        Config::discover(&flows),
        Some(flows.join("atmflow-lint.yaml"))
    );
}

#[test]
fn folders_sharing_a_configuration_report_its_problems_once() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("atmflow-lint.yaml");
    std::fs::write(&cfg, "rules:\n  no-such-rule: off\n").unwrap();
    let load = |name: &str| {
        let src = SourceFile::new(Path::new(name), "languages: [sq\n".into());
        atmflow_engine::load::load_sources(vec![src])
    };
    let linted = config::lint(
        vec![
            (None, load("a/terminal.yaml")),
            (None, load("b/terminal.yaml")),
        ],
        Some(&cfg),
    )
    .unwrap();
    let unknown = linted
        .findings
        .iter()
        .filter(|d| d.rule == "config-unknown-rule")
        .count();
    assert_eq!(unknown, 1);
    assert!(
        linted
            .findings
            .iter()
            .any(|d| &*d.loc.file == "a/terminal.yaml")
    );
    assert!(
        linted
            .findings
            .iter()
            .any(|d| &*d.loc.file == "b/terminal.yaml")
    );
    assert_eq!(linted.files, 2);
    // The configuration's text is there for its findings' snippets.
    assert!(linted.sources.contains_key(cfg.to_str().unwrap()));
}

#[test]
fn settings_become_the_rules_settings_over_the_defaults() {
    let c = config(
        "settings:\n  money:\n    confirm_buttons: [ok]\n  manual_coverage:\n    inventory: manual/INVENTORY.md\n",
    );
    let s = c.rule_settings().expect("valid settings");
    assert_eq!(s.money.confirm_buttons, ["ok"]);
    assert_eq!(
        s.cash,
        atmflow_validate::rules::RuleSettings::default().cash,
        "what is not given keeps its default"
    );
    assert_eq!(
        s.manual_coverage.inventory,
        Path::new("./manual/INVENTORY.md")
    );
    assert_eq!(
        Config::default().rule_settings().unwrap(),
        atmflow_validate::rules::RuleSettings::default()
    );
}

#[test]
fn settings_that_do_not_fit_are_an_invalid_configuration() {
    let c = config("rules: {}\nsettings:\n  monee: {}\n");
    let Err(ConfigError::Invalid { diagnostic, .. }) = c.rule_settings() else {
        panic!("expected an invalid configuration");
    };
    assert_eq!((diagnostic.loc.line, diagnostic.loc.column), (2, 1));
    assert!(
        diagnostic.message.contains("monee"),
        "{}",
        diagnostic.message
    );
}
