//! The linter's rules, each on a fixture flow set under `tests/fixtures/<rule-id>/` that
//! breaks one thing of the clean set (`tests/fixtures/clean/`): every finding is asserted
//! with its rule id, file name, line and column, and nothing else may be found. The
//! shipped `flows/` must give no finding at all.

use std::path::{Path, PathBuf};

use atmflow_engine::diag::{Diagnostic, Severity};
use atmflow_engine::load::load_dir;
use atmflow_validate::rules::{
    InventoryId, ManualCoverage, RULE_IDS, RuleSettings, inventory_ids, manual_coverage,
};
use atmflow_validate::{findings, findings_with};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn lint(name: &str, settings: &RuleSettings) -> Vec<Diagnostic> {
    findings_with(&load_dir(&fixture(name)), settings)
}

fn file_name(d: &Diagnostic) -> String {
    Path::new(&*d.loc.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `(rule, file, line, column)` of every finding, sorted.
fn places(found: &[Diagnostic]) -> Vec<(String, String, usize, usize)> {
    let mut v: Vec<_> = found
        .iter()
        .map(|d| (d.rule.to_string(), file_name(d), d.loc.line, d.loc.column))
        .collect();
    v.sort();
    v
}

/// Asserts the findings are exactly `expected`, and returns them.
fn expect(
    name: &str,
    settings: &RuleSettings,
    expected: &[(&str, &str, usize, usize)],
) -> Vec<Diagnostic> {
    let found = lint(name, settings);
    let mut want: Vec<_> = expected
        .iter()
        .map(|(r, f, l, c)| (r.to_string(), f.to_string(), *l, *c))
        .collect();
    want.sort();
    assert_eq!(
        places(&found),
        want,
        "findings of fixture `{name}`:\n{}",
        found
            .iter()
            .map(|d| d.headline())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for d in &found {
        assert!(
            d.hint.is_some(),
            "every finding has a hint: {}",
            d.headline()
        );
    }
    found
}

fn one<'a>(found: &'a [Diagnostic], rule: &str, file: &str, line: usize) -> &'a Diagnostic {
    found
        .iter()
        .find(|d| d.rule == rule && file_name(d) == file && d.loc.line == line)
        .unwrap_or_else(|| panic!("no {rule} at {file}:{line}"))
}

fn defaults() -> RuleSettings {
    RuleSettings::default()
}

#[test]
fn the_clean_fixture_has_no_finding() {
    expect("clean", &defaults(), &[]);
}

#[test]
fn the_shipped_flows_have_no_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flows");
    let found = findings(&load_dir(&root));
    // No error from any rule, and no warning either: each one found so far was fixed in
    // the flows rather than allowed here.
    assert!(
        found.is_empty(),
        "the shipped flows must lint clean:\n{}",
        found
            .iter()
            .map(|d| format!(
                "{}\n  hint: {}",
                d.headline(),
                d.hint.as_deref().unwrap_or("")
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn unreachable_step() {
    let found = expect(
        "unreachable-step",
        &defaults(),
        &[
            ("unreachable-step", "welcome.yaml", 34, 5),
            ("unreachable-step", "welcome.yaml", 39, 5),
        ],
    );
    let d = one(&found, "unreachable-step", "welcome.yaml", 34);
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("`again`") && d.message.contains("`again_too`"));
}

#[test]
fn unused_step() {
    let found = expect(
        "unused-step",
        &defaults(),
        &[("unused-step", "welcome.yaml", 34, 5)],
    );
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(found[0].message.contains("`leftover`"));
}

#[test]
fn dead_end() {
    let found = expect(
        "dead-end",
        &defaults(),
        &[
            // `spin` and `spin_more` loop without an end.
            ("dead-end", "card_return.yaml", 21, 5),
            // A screen step that only handles `timeout`, on a screen without one.
            ("dead-end", "more_time.yaml", 12, 5),
            ("missing-timeout", "more_time.yaml", 12, 5),
            // A host step without `ok`.
            ("dead-end", "welcome.yaml", 17, 5),
            // A call step that misses the outcome `failed`.
            ("dead-end", "welcome.yaml", 26, 5),
            // A device step that misses the answer `cash_retracted`.
            ("dead-end", "withdraw.yaml", 32, 5),
        ],
    );
    let call = one(&found, "dead-end", "welcome.yaml", 26);
    assert!(call.message.contains("`failed`"), "{}", call.message);
    let host = one(&found, "dead-end", "welcome.yaml", 17);
    assert!(host.message.contains("`ok`"), "{}", host.message);
    let device = one(&found, "dead-end", "withdraw.yaml", 32);
    assert!(
        device.message.contains("`cash_retracted`"),
        "{}",
        device.message
    );
    let trap = one(&found, "dead-end", "card_return.yaml", 21);
    assert!(trap.message.contains("`spin_more`"), "{}", trap.message);
}

#[test]
fn card_not_returned() {
    let found = expect(
        "card-not-returned",
        &defaults(),
        &[
            // The entry flow ends on `ok` with the card inside.
            ("card-not-returned", "welcome.yaml", 32, 5),
            // The eject handler ends the session without giving the card back.
            ("card-not-returned", "quit.yaml", 6, 5),
        ],
    );
    let d = one(&found, "card-not-returned", "welcome.yaml", 32);
    assert!(
        d.message.contains("idle —card_inserted→ menu —ok→ done"),
        "{}",
        d.message
    );
}

#[test]
fn card_rule_is_data_driven() {
    // With retain no longer counting as giving the card back, nothing changes for the
    // clean set (its paths all eject first)...
    let mut settings = defaults();
    settings.card.returned_by = vec!["card_reader.eject".into()];
    expect("clean", &settings, &[]);
    // ... but with neither command counting, every path to the end is reported.
    settings.card.returned_by = vec!["card_reader.capture".into()];
    let found = lint("clean", &settings);
    assert!(
        found
            .iter()
            .any(|d| d.rule == "card-not-returned" && file_name(d) == "welcome.yaml"),
        "{found:#?}"
    );
}

#[test]
fn cash_not_accounted() {
    let found = expect(
        "cash-not-accounted",
        &defaults(),
        &[
            // `cancel` on the notes summary ends without giving the notes back.
            ("cash-not-accounted", "deposit.yaml", 17, 5),
            // Storing notes without a `fault` branch.
            ("cash-not-accounted", "deposit.yaml", 23, 5),
            // Dispensing without a `fault` branch.
            ("cash-not-accounted", "withdraw.yaml", 21, 5),
            // The take-cash screen does not handle `cash_taken`.
            ("cash-not-accounted", "withdraw.yaml", 26, 5),
        ],
    );
    let d = one(&found, "cash-not-accounted", "withdraw.yaml", 26);
    assert!(d.message.contains("`cash_taken`"), "{}", d.message);
}

#[test]
fn unconfirmed_money() {
    let found = expect(
        "unconfirmed-money",
        &defaults(),
        &[("unconfirmed-money", "withdraw.yaml", 14, 5)],
    );
    assert!(
        found[0].message.contains("`withdraw`"),
        "{}",
        found[0].message
    );
    // The reversal reached on `cancel` is exempt, and so is everything after `confirm`.
}

#[test]
fn a_flow_called_after_a_confirmation_counts_as_confirmed() {
    // The clean set confirms inside `withdraw`; with `withdraw` (the button on the menu)
    // as a confirm button, the call itself is confirmed as well: still nothing to report.
    let mut settings = defaults();
    settings.money.confirm_buttons = vec!["withdraw".into()];
    expect("clean", &settings, &[]);
    expect("unconfirmed-money", &settings, &[]);
    // Without any confirm button, the booking is unconfirmed in the clean set.
    settings.money.confirm_buttons = vec![];
    let found = lint("clean", &settings);
    assert_eq!(
        places(&found),
        vec![(
            "unconfirmed-money".to_string(),
            "withdraw.yaml".to_string(),
            14,
            5
        )]
    );
}

#[test]
fn missing_timeout() {
    expect(
        "missing-timeout",
        &defaults(),
        &[
            // The notes summary does not handle `timeout`, and there is no handler.
            ("missing-timeout", "deposit.yaml", 17, 5),
            ("cash-not-accounted", "deposit.yaml", 17, 5),
            // The take-cash screen has no `timeout`.
            ("missing-timeout", "withdraw.yaml", 27, 5),
            ("cash-not-accounted", "withdraw.yaml", 27, 5),
        ],
    );
}

#[test]
fn unknown_param_in_a_flow_expression() {
    // Reported by the loader (the flows do not load), with a close name as the hint.
    let found = expect(
        "unknown-param",
        &defaults(),
        &[("unknown-param", "withdraw.yaml", 15, 27)],
    );
    let hint = found[0].hint.as_deref().unwrap_or("");
    assert!(hint.contains("did you mean `params.amount`?"), "{hint}");
    assert!(found[0].message.contains("`params.amout`"));
}

#[test]
fn unknown_param_in_a_shared_text() {
    expect(
        "unknown-param-text",
        &defaults(),
        &[("unknown-param", "texts.yaml", 2, 28)],
    );
}

#[test]
fn amount_rule() {
    let found = expect(
        "amount-rule",
        &defaults(),
        &[
            // max ALL above the bank's limit.
            ("amount-rule", "params.yaml", 7, 16),
            // 2250 ALL: not a multiple of 500, and not made of notes.
            ("amount-rule", "params.yaml", 10, 25),
            // 2000 EUR above max EUR.
            ("amount-rule", "params.yaml", 11, 23),
            // An ALL amount among the EUR presets.
            ("amount-rule", "params.yaml", 11, 35),
        ],
    );
    let d = one(&found, "amount-rule", "params.yaml", 10);
    assert!(d.message.contains("2,250.00 ALL"), "{}", d.message);
    assert!(d.message.contains("multiple of 500"), "{}", d.message);
}

#[test]
fn amount_rule_checks_other_amounts_against_the_notes() {
    // Without 500 ALL notes, "Other" still accepts multiples of 500 ALL.
    let mut settings = defaults();
    settings
        .denominations
        .insert("ALL".into(), vec![1000, 2000, 5000]);
    let found = expect(
        "amount-rule",
        &settings,
        &[
            ("amount-rule", "params.yaml", 5, 21),
            ("amount-rule", "params.yaml", 7, 16),
            ("amount-rule", "params.yaml", 10, 25),
            ("amount-rule", "params.yaml", 11, 23),
            ("amount-rule", "params.yaml", 11, 35),
        ],
    );
    let d = one(&found, "amount-rule", "params.yaml", 5);
    assert!(d.message.contains("500.00 ALL"), "{}", d.message);
}

#[test]
fn unused_screen() {
    let found = expect(
        "unused-screen",
        &defaults(),
        &[("unused-screen", "withdraw.yaml", 56, 5)],
    );
    assert_eq!(found[0].severity, Severity::Warning);
}

#[test]
fn unused_param() {
    let found = expect(
        "unused-param",
        &defaults(),
        &[("unused-param", "params.yaml", 4, 5)],
    );
    assert!(found[0].message.contains("`params.service`"));
}

#[test]
fn unused_text() {
    expect(
        "unused-text",
        &defaults(),
        &[("unused-text", "texts.yaml", 4, 12)],
    );
}

#[test]
fn unused_flow() {
    expect(
        "unused-flow",
        &defaults(),
        &[("unused-flow", "balance.yaml", 1, 5)],
    );
}

#[test]
fn manual_coverage_is_off_unless_enabled() {
    expect("manual-coverage", &defaults(), &[]);
}

#[test]
fn manual_coverage_reads_the_inventory() {
    let mut settings = defaults();
    settings.manual_coverage = ManualCoverage {
        enabled: true,
        ids: None,
        inventory: fixture("manual-coverage").join("INVENTORY.md"),
    };
    let found = expect(
        "manual-coverage",
        &settings,
        &[("manual-coverage", "INVENTORY.md", 6, 4)],
    );
    assert!(found[0].message.contains("`mobile_topup`"));
}

#[test]
fn manual_coverage_takes_a_list_of_ids() {
    let mut settings = defaults();
    settings.manual_coverage.enabled = true;
    settings.manual_coverage.ids = Some(vec!["welcome".into(), "epara".into()]);
    expect(
        "manual-coverage",
        &settings,
        &[("manual-coverage", "terminal.yaml", 1, 1)],
    );
    // The function on its own.
    let loaded = load_dir(&fixture("manual-coverage"));
    let program = loaded.program.as_ref().expect("the fixture loads");
    let ids = [
        InventoryId {
            id: "withdraw".into(),
            loc: None,
        },
        InventoryId {
            id: "pin_change".into(),
            loc: None,
        },
    ];
    let found = manual_coverage(program, &loaded, &ids);
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("`pin_change`"));
}

#[test]
fn a_missing_inventory_means_no_ids() {
    let mut settings = defaults();
    settings.manual_coverage.enabled = true;
    settings.manual_coverage.inventory = fixture("manual-coverage").join("NOPE.md");
    expect("manual-coverage", &settings, &[]);
}

#[test]
fn the_inventory_table_rows_give_the_ids() {
    let src = atmflow_engine::diag::SourceFile::new(
        Path::new("INVENTORY.md"),
        "# T\n\n| id | what |\n|---|---|\n| `welcome` | idle |\n| plain | no |\n- `not_a_row`\n"
            .into(),
    );
    let ids: Vec<String> = inventory_ids(&src).into_iter().map(|i| i.id).collect();
    assert_eq!(ids, vec!["welcome".to_string()]);
}

#[test]
fn settings_deserialize_over_the_defaults() {
    let settings: RuleSettings = serde_json::from_value(serde_json::json!({
        "money": {"confirm_buttons": ["ok"]},
        "denominations": {"ALL": [1000]},
        "manual_coverage": {"enabled": true}
    }))
    .expect("settings deserialize");
    assert_eq!(settings.money.confirm_buttons, vec!["ok".to_string()]);
    assert_eq!(settings.money.exempt_ops, defaults().money.exempt_ops);
    assert_eq!(settings.card, defaults().card);
    assert!(settings.manual_coverage.enabled);
    assert_eq!(settings.denominations.get("ALL"), Some(&vec![1000]));
    let bad = serde_json::from_value::<RuleSettings>(serde_json::json!({"cards": {}}));
    assert!(bad.is_err(), "unknown keys are refused");
}

#[test]
fn every_rule_id_is_documented() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/lint-rules.md"),
    )
    .expect("docs/lint-rules.md exists");
    for id in RULE_IDS {
        assert!(
            doc.contains(&format!("`{id}`")),
            "docs/lint-rules.md lacks `{id}`"
        );
    }
}

/// The clean fixture's files in memory, with `old` replaced by `new` in `file`.
fn clean_with(file: &str, old: &str, new: &str) -> atmflow_engine::load::Loaded {
    let dir = fixture("clean");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the clean fixture exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    let files = names
        .into_iter()
        .map(|p| {
            let mut text = std::fs::read_to_string(&p).expect("fixture file");
            if p.file_name().is_some_and(|n| n == file) {
                assert!(text.contains(old), "{file} has no {old:?}");
                text = text.replacen(old, new, 1);
            }
            atmflow_engine::diag::SourceFile::new(Path::new(p.file_name().unwrap()), text)
        })
        .collect();
    atmflow_engine::load::load_sources(files)
}

#[test]
fn unknown_param_in_a_flow_text_and_deep_in_a_path() {
    let loaded = clean_with(
        "withdraw.yaml",
        "screens:\n",
        "texts:\n  cash.title: {en: \"Take {params.timeot} s\"}\nscreens:\n",
    );
    // The text is not used by a screen yet: no type check, so the linter finds it.
    let found = findings(&loaded);
    assert_eq!(
        places(&found),
        vec![
            ("unknown-param".into(), "withdraw.yaml".into(), 46, 34),
            ("unused-text".into(), "withdraw.yaml".into(), 46, 15),
        ]
    );
    assert!(
        found[0]
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("did you mean `params.timeout`?")),
        "{:?}",
        found[0].hint
    );
    // Used on a screen, the loader checks it and reports the same rule.
    let text = "texts:\n  cash.title: {en: \"Take {params.timeot} s\"}\nscreens:\n";
    let loaded = {
        let l = clean_with("withdraw.yaml", "screens:\n", text);
        let mut files: Vec<_> = l.sources.values().cloned().collect();
        for f in &mut files {
            if f.path.ends_with("withdraw.yaml") {
                *f = atmflow_engine::diag::SourceFile::new(
                    Path::new("withdraw.yaml"),
                    f.text.replace(
                        "  take_cash:\n    title: title\n",
                        "  take_cash:\n    title: cash.title\n",
                    ),
                );
            }
        }
        atmflow_engine::load::load_sources(files)
    };
    assert!(loaded.program.is_none());
    let found = findings(&loaded);
    assert_eq!(
        places(&found),
        vec![("unknown-param".into(), "withdraw.yaml".into(), 46, 34)]
    );
    // A wrong field under an existing parameter names the parameters there.
    let loaded = clean_with(
        "withdraw.yaml",
        "args: {amount: params.amount}\n    result: booking",
        "args: {amount: params.amount.amout}\n    result: booking",
    );
    let found = findings(&loaded);
    assert_eq!(found.len(), 1, "{found:#?}");
    // `params.amount` is money, not a group of parameters: a type error, not this rule.
    assert_eq!(found[0].rule, "expr-type");
}

#[test]
fn the_manuals_inventory_gives_its_ids() {
    // `shared/` sits beside the repository (`../shared` from its root) on developers'
    // machines and in CI.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/manual/INVENTORY.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} must be beside the repository: {e}", path.display()));
    let src = atmflow_engine::diag::SourceFile::new(&path, text);
    let ids: Vec<String> = inventory_ids(&src).into_iter().map(|i| i.id).collect();
    for id in [
        "welcome",
        "card_login",
        "fast_withdrawal",
        "withdrawal",
        "deposit",
        "epara",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} not in {ids:?}");
    }
    assert!(
        !ids.iter().any(|i| i == "id"),
        "the header row is not an id"
    );
}
