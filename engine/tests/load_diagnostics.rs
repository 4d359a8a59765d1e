//! Loading diagnostics: every problem in the flow files is reported with its rule id and
//! the exact file, line and column it is about.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atmflow_engine::diag::{Diagnostic, Severity, SourceFile};
use atmflow_engine::load::{self, Loaded, MAX_FILE_BYTES};

const TERMINAL: &str = "\
languages: [en, sq]
entry: main
session:
  visits: number
";

const CATALOGUE: &str = "\
types:
  booking: {transaction_id: text}
host:
  withdraw:
    args: {amount: money}
    result: booking
    errors: [insufficient_funds]
devices:
  cash_dispenser:
    commands:
      dispense: {amount: money}
    events:
      cash_presented: {amount: money}
      fault: {code: text}
";

const PARAMS: &str = "\
params:
  limit: 3
  fee: \"20.10\"
";

const TEXTS: &str = "\
texts:
  btn.ok: {en: \"OK\", sq: \"OK\"}
  btn.back: {en: \"Back\", sq: \"Kthehu\"}
";

/// A flow that loads without any problem; the tests below change one thing in it.
const MAIN: &str = "\
id: main
manual: \"§1\"
vars:
  amount: number
start: menu
steps:
  menu:
    screen: menu
    on:
      ok:
        - if: amount > 3
          goto: done
        - goto: menu
      back: done
  done:
    end: done
screens:
  menu:
    title: menu.title
    buttons:
      - {id: ok, label: btn.ok}
      - {id: back, label: btn.back}
texts:
  menu.title: {en: \"Menu\", sq: \"Menu\"}
";

/// The base flow set with `overrides` replacing (or adding) files by name.
fn files(overrides: &[(&str, &str)]) -> Vec<SourceFile> {
    let mut set: Vec<(String, String)> = [
        ("terminal.yaml", TERMINAL),
        ("catalogue.yaml", CATALOGUE),
        ("params.yaml", PARAMS),
        ("texts.yaml", TEXTS),
        ("main.yaml", MAIN),
    ]
    .iter()
    .map(|(n, t)| (n.to_string(), t.to_string()))
    .collect();
    for (name, text) in overrides {
        match set.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = text.to_string(),
            None => set.push((name.to_string(), text.to_string())),
        }
    }
    set.into_iter()
        .map(|(name, text)| SourceFile::new(&Path::new("flows").join(name), text))
        .collect()
}

fn load_with(overrides: &[(&str, &str)]) -> Loaded {
    load::load_sources(files(overrides))
}

/// `MAIN` with `from` replaced by `to` (which must occur exactly once).
fn main_with(from: &str, to: &str) -> String {
    assert_eq!(
        MAIN.matches(from).count(),
        1,
        "`{from}` must occur once in MAIN"
    );
    MAIN.replacen(from, to, 1)
}

/// 1-based line and column (in characters) of the only occurrence of `needle` in `text`,
/// plus `skip` characters into it.
fn pos(text: &str, needle: &str, skip: usize) -> (usize, usize) {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "`{needle}` must occur exactly once in the fixture"
    );
    let offset = text.find(needle).unwrap();
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1 + skip)
}

fn dump(l: &Loaded) -> String {
    l.diagnostics
        .iter()
        .map(|d| format!("  {}\n", d.headline()))
        .collect()
}

/// The only diagnostic with `rule`; fails if there is none or more than one.
fn the<'a>(l: &'a Loaded, rule: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = l.diagnostics.iter().filter(|d| d.rule == rule).collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one `{rule}` diagnostic, got:\n{}",
        dump(l)
    );
    found[0]
}

#[track_caller]
fn assert_at(l: &Loaded, rule: &str, file: &str, at: (usize, usize)) -> Diagnostic {
    let d = the(l, rule).clone();
    assert_eq!(
        (&*d.loc.file, d.loc.line, d.loc.column),
        (format!("flows/{file}").as_str(), at.0, at.1),
        "wrong position for `{rule}`; all diagnostics:\n{}",
        dump(l)
    );
    assert_eq!(d.severity, Severity::Error, "{}", d.headline());
    assert!(l.program.is_none(), "no program may be built with errors");
    d
}

#[test]
fn the_base_fixture_loads_cleanly() {
    let l = load_with(&[]);
    assert!(l.diagnostics.is_empty(), "{}", dump(&l));
    let p = l.program.expect("a program");
    assert_eq!(p.entry, "main");
    assert!(p.flows.contains_key("main"));
}

// ---------------------------------------------------------------------------------------
// Names that do not resolve

#[test]
fn a_misspelt_goto_target_points_at_the_target() {
    let text = main_with("          goto: done\n", "          goto: dnoe\n");
    let l = load_with(&[("main.yaml", &text)]);
    let d = assert_at(&l, "unknown-target", "main.yaml", (12, 17));
    assert_eq!(pos(&text, "dnoe", 0), (12, 17));
    assert!(d.message.contains("dnoe"), "{}", d.message);
    assert!(
        d.hint.as_deref().is_some_and(|h| h.contains("`done`")),
        "the hint should suggest the close name: {:?}",
        d.hint
    );
}

#[test]
fn a_misspelt_target_written_as_a_plain_string_points_at_it() {
    let text = main_with("      back: done", "      back: dnoe");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "unknown-target", "main.yaml", (14, 13));
    assert_eq!(pos(&text, "dnoe", 0), (14, 13));
}

#[test]
fn a_misspelt_start_step_is_an_unknown_target() {
    let text = main_with("start: menu", "start: mneu");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "unknown-target", "main.yaml", pos(&text, "mneu", 0));
}

#[test]
fn an_unknown_screen_points_at_its_name() {
    let text = main_with("    screen: menu\n", "    screen: mnu\n");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "unknown-screen", "main.yaml", (8, 13));
    assert_eq!(pos(&text, "mnu\n", 0), (8, 13));
}

#[test]
fn an_unknown_host_operation_points_at_its_name() {
    let text = main_with(
        "  done:\n    end: done\n",
        "  done:\n    host: withdarw\n    args: {amount: 5 ALL}\n    on: {ok: menu}\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    let d = assert_at(&l, "unknown-host-op", "main.yaml", (16, 11));
    assert_eq!(pos(&text, "withdarw", 0), (16, 11));
    assert!(d.message.contains("withdarw"), "{}", d.message);
}

#[test]
fn an_unknown_text_points_at_its_key() {
    let text = main_with("title: menu.title", "title: menu.titel");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "unknown-text", "main.yaml", (19, 12));
    assert_eq!(pos(&text, "menu.titel", 0), (19, 12));
}

#[test]
fn an_unknown_text_in_a_button_label_points_at_it() {
    let text = main_with("label: btn.back}", "label: btn.bakc}");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "unknown-text", "main.yaml", pos(&text, "btn.bakc", 0));
}

#[test]
fn an_unknown_called_flow_points_at_its_name() {
    let text = main_with("  done:\n    end: done\n", "  done:\n    call: nowhere\n");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "unknown-flow", "main.yaml", (16, 11));
    assert_eq!(pos(&text, "nowhere", 0), (16, 11));
}

#[test]
fn a_flow_whose_file_does_not_parse_is_not_also_reported_as_unknown_where_it_is_called() {
    let text = main_with("  done:\n    end: done\n", "  done:\n    call: helper\n");
    let broken = "id: helper\nmanual: x\nstart: a\nsteps:\n  a:\n    end: done\n    end: again\n";
    let l = load_with(&[("main.yaml", &text), ("helper.yaml", broken)]);
    let rules: Vec<&str> = l.diagnostics.iter().map(|d| d.rule).collect();
    assert_eq!(rules, vec!["duplicate-key"], "{}", dump(&l));
    assert_at(&l, "duplicate-key", "helper.yaml", (7, 5));
}

#[test]
fn an_unknown_entry_flow_points_into_terminal_yaml() {
    let terminal = TERMINAL.replace("entry: main", "entry: mian");
    let l = load_with(&[("terminal.yaml", &terminal)]);
    assert_at(&l, "unknown-flow", "terminal.yaml", (2, 8));
}

#[test]
fn a_flow_text_without_every_language_is_a_missing_translation() {
    let text = main_with(
        "menu.title: {en: \"Menu\", sq: \"Menu\"}",
        "menu.title: {en: \"Menu\"}",
    );
    let l = load_with(&[("main.yaml", &text)]);
    // The text's value: the map that lacks `sq`.
    let d = assert_at(&l, "missing-translation", "main.yaml", (24, 15));
    assert_eq!(pos(&text, "{en: \"Menu\"}", 0), (24, 15));
    assert!(d.message.contains("`sq`"), "{}", d.message);
}

#[test]
fn a_shared_text_without_every_language_is_a_missing_translation() {
    let texts = TEXTS.replace(
        "btn.back: {en: \"Back\", sq: \"Kthehu\"}",
        "btn.back: {sq: \"Kthehu\"}",
    );
    let l = load_with(&[("texts.yaml", &texts)]);
    let d = assert_at(&l, "missing-translation", "texts.yaml", (3, 13));
    assert!(d.message.contains("`en`"), "{}", d.message);
}

// ---------------------------------------------------------------------------------------
// Expressions: positions inside the YAML value

#[test]
fn a_type_error_points_at_the_offending_sub_expression() {
    let text = main_with("if: amount > 3", "if: amount + 'x' > 3");
    let l = load_with(&[("main.yaml", &text)]);
    // `amount + 'x'` starts at `amount`, column 15 of line 11.
    let d = assert_at(&l, "expr-type", "main.yaml", (11, 15));
    assert_eq!(pos(&text, "amount + 'x'", 0), (11, 15));
    assert_eq!(d.loc.end_column - d.loc.column, "amount + 'x'".len());
}

#[test]
fn a_type_error_in_a_double_quoted_value_skips_the_quote() {
    let text = main_with("if: amount > 3", "if: \"3 < amount + 'x'\"");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "expr-type", "main.yaml", pos(&text, "amount + 'x'", 0));
}

#[test]
fn a_type_error_in_a_single_quoted_value_skips_the_quote() {
    let text = main_with("if: amount > 3", "if: '3 < amount + 1 ALL'");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(
        &l,
        "expr-type",
        "main.yaml",
        pos(&text, "amount + 1 ALL", 0),
    );
}

#[test]
fn a_guard_that_is_not_a_condition_is_a_type_error() {
    let text = main_with("if: amount > 3", "if: amount + 1");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "expr-type", "main.yaml", pos(&text, "amount + 1", 0));
}

#[test]
fn an_undefined_variable_points_at_the_variable() {
    let text = main_with("if: amount > 3", "if: 1 < amonut");
    let l = load_with(&[("main.yaml", &text)]);
    let d = assert_at(&l, "undefined-variable", "main.yaml", (11, 19));
    assert_eq!(pos(&text, "amonut", 0), (11, 19));
    assert!(
        d.hint.as_deref().is_some_and(|h| h.contains("`amount`")),
        "the hint should suggest `amount`: {:?}",
        d.hint
    );
}

#[test]
fn an_undefined_set_target_points_at_it() {
    let text = main_with(
        "          goto: done\n",
        "          set: {amout: 1}\n          goto: done\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(
        &l,
        "undefined-variable",
        "main.yaml",
        pos(&text, "amout", 0),
    );
}

#[test]
fn an_expression_syntax_error_points_at_the_unexpected_token() {
    let text = main_with("if: amount > 3", "if: amount > > 3");
    let l = load_with(&[("main.yaml", &text)]);
    // The second `>`.
    assert_at(&l, "expr-syntax", "main.yaml", (11, 24));
    assert_eq!(pos(&text, "> 3", 0), (11, 24));
}

#[test]
fn an_unclosed_parenthesis_is_an_expression_syntax_error_inside_the_value() {
    let text = main_with("if: amount > 3", "if: (amount > 3");
    let l = load_with(&[("main.yaml", &text)]);
    let d = the(&l, "expr-syntax");
    assert_eq!((&*d.loc.file, d.loc.line), ("flows/main.yaml", 11));
    // Somewhere inside the value `(amount > 3`: columns 15 to 25.
    assert!(
        (15..=25).contains(&d.loc.column),
        "column {} is outside the value",
        d.loc.column
    );
}

#[test]
fn an_error_on_a_continuation_line_of_a_folded_value_points_at_that_line() {
    // A long guard written over two lines, as YAML allows for plain scalars: the value
    // is `amount > 3 and amonut > 1`, and `amonut` is on line 12, column 17.
    let text = main_with(
        "        - if: amount > 3\n",
        "        - if: amount > 3\n            and amonut > 1\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    assert_eq!(pos(&text, "amonut", 0), (12, 17));
    assert_at(&l, "undefined-variable", "main.yaml", (12, 17));
}

#[test]
fn a_position_after_an_escape_in_a_double_quoted_value_is_exact() {
    // The YAML text `\"x\"` is the expression text `"x"`: two characters shorter.
    let text = main_with(
        "        - if: amount > 3\n",
        "        - if: \"'x' == \\\"x\\\" or amonut > 1\"\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    assert_eq!(pos(&text, "amonut", 0), (11, 32));
    assert_at(&l, "undefined-variable", "main.yaml", (11, 32));
}

#[test]
fn an_invalid_guard_does_not_also_report_the_next_branch_as_shadowed() {
    // The first branch's guard is wrong, but it is still a guarded branch, so the
    // `else` branch after it is reachable: only the guard's own error may be reported.
    for (guard, rule) in [
        ("amount + 'x' > 3", "expr-type"),
        ("1 < amonut", "undefined-variable"),
        ("amount > > 3", "expr-syntax"),
    ] {
        let text = main_with("if: amount > 3", &format!("if: {guard}"));
        let l = load_with(&[("main.yaml", &text)]);
        let rules: Vec<&str> = l.diagnostics.iter().map(|d| d.rule).collect();
        assert_eq!(rules, [rule], "`{guard}`:\n{}", dump(&l));
    }
}

// ---------------------------------------------------------------------------------------
// Shape of the YAML

#[test]
fn a_duplicate_step_name_points_at_the_second_one() {
    let text = main_with(
        "  done:\n    end: done\n",
        "  done:\n    end: done\n  menu:\n    end: again\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    let d = the(&l, "duplicate-key");
    assert_eq!(
        (&*d.loc.file, d.loc.line, d.loc.column),
        ("flows/main.yaml", 17, 3),
        "{}",
        dump(&l)
    );
    assert!(l.program.is_none());
}

#[test]
fn a_duplicate_key_in_a_step_points_at_the_second_key() {
    let text = main_with(
        "  done:\n    end: done\n",
        "  done:\n    end: done\n    end: twice\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    let d = the(&l, "duplicate-key");
    assert_eq!(
        (&*d.loc.file, d.loc.line, d.loc.column),
        ("flows/main.yaml", 17, 5),
        "{}",
        dump(&l)
    );
}

#[test]
fn a_yaml_error_message_does_not_repeat_the_position() {
    // `plain_message` promises to drop serde-saphyr's own "line X column Y: ": the
    // diagnostic carries the position, and the headline prints it once.
    let text = main_with(
        "  done:\n    end: done\n",
        "  done:\n    end: done\n    end: twice\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    let d = the(&l, "duplicate-key");
    assert!(
        !d.message.contains("line 17"),
        "the message repeats the position: {:?}",
        d.message
    );
}

#[test]
fn an_unknown_key_in_a_step_points_at_the_key() {
    let text = main_with("    screen: menu\n", "    scren: menu\n");
    let l = load_with(&[("main.yaml", &text)]);
    let d = the(&l, "unknown-key");
    assert_eq!(
        (&*d.loc.file, d.loc.line, d.loc.column),
        ("flows/main.yaml", 8, 5),
        "{}",
        dump(&l)
    );
    assert!(d.message.contains("scren"), "{}", d.message);
    assert!(l.program.is_none());
}

#[test]
fn a_step_with_two_kinds_is_refused() {
    let text = main_with("    end: done\n", "    end: done\n    screen: menu\n");
    let l = load_with(&[("main.yaml", &text)]);
    // The step `done`: its body starts at `end:` on line 16.
    let d = assert_at(&l, "step-kind", "main.yaml", (16, 5));
    assert!(d.message.contains("`done`"), "{}", d.message);
}

#[test]
fn a_step_with_no_kind_is_refused() {
    let text = main_with("    end: done\n", "    set: {amount: 1}\n");
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "step-kind", "main.yaml", (16, 5));
}

#[test]
fn a_branch_after_an_unconditional_one_is_shadowed() {
    let text = main_with(
        "        - if: amount > 3\n          goto: done\n        - goto: menu\n",
        "        - goto: menu\n        - if: amount > 3\n          goto: done\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    // The shadowed branch is the second one, at its `goto` target on line 13.
    assert_at(&l, "shadowed-branch", "main.yaml", (13, 17));
    assert_eq!(pos(&text, "done\n      back", 0), (13, 17));
}

#[test]
fn a_decide_branch_after_an_unconditional_one_is_shadowed() {
    let text = main_with(
        "  done:\n    end: done\n",
        "  done:\n    decide:\n      - goto: fin\n      - if: amount > 1\n        goto: menu\n  fin:\n    end: done\n",
    );
    let l = load_with(&[("main.yaml", &text)]);
    assert_at(&l, "shadowed-branch", "main.yaml", (19, 15));
    assert_eq!(pos(&text, "menu\n  fin:", 0), (19, 15));
}

#[test]
fn a_plain_decimal_parameter_is_refused() {
    let params = "params:\n  limit: 3\n  fee: 20.10\n";
    let l = load_with(&[("params.yaml", params)]);
    let d = assert_at(&l, "param-value", "params.yaml", (3, 8));
    assert!(
        d.hint.as_deref().is_some_and(|h| h.contains("\"20.10\"")),
        "{:?}",
        d.hint
    );
}

#[test]
fn a_plain_decimal_inside_a_parameter_list_is_refused() {
    let params = "params:\n  limit: 3\n  fees: [\"1.5\", 2.25]\n";
    let l = load_with(&[("params.yaml", params)]);
    assert_at(&l, "param-value", "params.yaml", pos(params, "2.25", 0));
}

#[test]
fn quoted_decimals_and_money_parameters_are_accepted_exactly() {
    let params =
        "params:\n  fee: \"20.10\"\n  max: \"5000 ALL\"\n  presets: [\"20 EUR\", \"50 EUR\"]\n";
    let l = load_with(&[("params.yaml", params)]);
    assert!(l.diagnostics.is_empty(), "{}", dump(&l));
    let p = l.program.expect("a program");
    assert_eq!(
        p.params
            .field("fee")
            .and_then(|v| v.as_number())
            .map(|d| d.to_string()),
        Some("20.10".to_string())
    );
    assert_eq!(
        p.params
            .field("max")
            .and_then(|v| v.as_money())
            .map(|m| m.to_string()),
        Some("5000 ALL".to_string())
    );
}

// ---------------------------------------------------------------------------------------
// Hostile input

/// Nine levels of nine aliases each: 9^9 (387 million) strings once expanded.
fn billion_laughs(indent: &str) -> String {
    let lol = ["\"lol\""; 9].join(",");
    let mut out = format!("{indent}a: &a [{lol}]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        out.push_str(&format!("{indent}{}: &{} [{refs}]\n", w[1], w[1]));
    }
    out
}

#[test]
fn a_billion_laughs_parameter_file_is_refused_quickly() {
    let params = format!("params:\n  limit: 3\n{}", billion_laughs("  "));
    let started = Instant::now();
    let l = load_with(&[("params.yaml", &params)]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let d = the(&l, "oversized-input");
    assert_eq!(&*d.loc.file, "flows/params.yaml");
    assert_eq!(d.severity, Severity::Error);
    assert!(l.program.is_none());
}

#[test]
fn a_billion_laughs_flow_file_is_refused_quickly() {
    // The aliases sit in a step's `set`, where the flow format reads maps of strings.
    let bomb = billion_laughs("      ");
    let text = main_with(
        "  done:\n    end: done\n",
        &format!("  done:\n    end: done\n    set:\n{bomb}"),
    );
    let started = Instant::now();
    let l = load_with(&[("main.yaml", &text)]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(
        l.diagnostics
            .iter()
            .any(|d| &*d.loc.file == "flows/main.yaml" && d.severity == Severity::Error),
        "{}",
        dump(&l)
    );
    assert!(l.program.is_none());
}

#[test]
fn deeply_nested_yaml_is_refused_without_overflowing_the_stack() {
    let params = format!(
        "params:\n  x: {}1{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let l = load_with(&[("params.yaml", &params)]);
    let d = the(&l, "oversized-input");
    assert_eq!((&*d.loc.file, d.loc.line), ("flows/params.yaml", 2));
}

#[test]
fn a_deeply_nested_expression_is_refused() {
    let guard = format!("{}amount{} > 3", "(".repeat(500), ")".repeat(500));
    let text = main_with("if: amount > 3", &format!("if: \"{guard}\""));
    let l = load_with(&[("main.yaml", &text)]);
    let d = the(&l, "expr-syntax");
    assert_eq!((&*d.loc.file, d.loc.line), ("flows/main.yaml", 11));
}

/// A fresh folder under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("atmflow-load-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write_base(&self) {
        for f in files(&[]) {
            let name = Path::new(&*f.path).file_name().unwrap().to_owned();
            std::fs::write(self.0.join(name), f.text.as_bytes()).unwrap();
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_file_over_one_mebibyte_is_refused_before_parsing() {
    let dir = TempDir::new("large");
    dir.write_base();
    let big = dir.0.join("big.yaml");
    let mut text = String::from("# padding\n");
    while text.len() <= MAX_FILE_BYTES {
        text.push_str(&format!("#{}\n", ".".repeat(78)));
    }
    std::fs::write(&big, &text).unwrap();
    let l = load::load_dir(&dir.0);
    let d = the(&l, "file-too-large");
    assert_eq!(&*d.loc.file, big.to_string_lossy().as_ref());
    assert_eq!((d.loc.line, d.loc.column), (1, 1));
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(l.diagnostics.len(), 1, "{}", dump(&l));
    assert!(l.program.is_none());
}

#[test]
fn a_file_of_exactly_one_mebibyte_is_read() {
    let dir = TempDir::new("limit");
    dir.write_base();
    let mut text = String::from("params:\n  pad: 1\n");
    while text.len() + 160 < MAX_FILE_BYTES {
        text.push_str(&format!("#{}\n", ".".repeat(78)));
    }
    let rest = MAX_FILE_BYTES - text.len() - 2;
    text.push_str(&format!("#{}\n", ".".repeat(rest)));
    assert_eq!(text.len(), MAX_FILE_BYTES);
    std::fs::write(dir.0.join("params_pad.yaml"), &text).unwrap();
    let l = load::load_dir(&dir.0);
    assert!(l.diagnostics.is_empty(), "{}", dump(&l));
    let p = l.program.expect("a program");
    assert!(p.params.field("pad").is_some());
}

// ---------------------------------------------------------------------------------------
// Everything in one run

#[test]
fn every_problem_of_a_file_is_reported_in_one_run() {
    let text = "\
id: main
manual: \"§1\"
vars:
  amount: number
start: menu
steps:
  menu:
    screen: menu
    on:
      ok:
        - if: amount > 3 or amount + 'x' > 3
          goto: done
        - goto: dnoe
      back:
        set: {amount: amonut}
        goto: done
  other:
    screen: nowhere
  done:
    end: done
screens:
  menu:
    title: menu.titel
    buttons:
      - {id: ok, label: btn.ok}
      - {id: back, label: btn.back}
texts:
  menu.title: {en: \"Menu\"}
";
    let l = load_with(&[("main.yaml", text)]);
    let mut expected = vec![
        ("expr-type", pos(text, "amount + 'x'", 0)),
        ("unknown-target", pos(text, "dnoe", 0)),
        ("undefined-variable", pos(text, "amonut", 0)),
        ("unknown-screen", pos(text, "nowhere", 0)),
        ("unknown-text", pos(text, "menu.titel", 0)),
        ("missing-translation", pos(text, "{en: \"Menu\"}", 0)),
    ];
    expected.sort();
    let mut got: Vec<(&str, (usize, usize))> = l
        .errors()
        .map(|d| (d.rule, (d.loc.line, d.loc.column)))
        .filter(|(rule, _)| *rule != "shadowed-branch")
        .collect();
    got.sort();
    assert_eq!(got, expected, "all diagnostics:\n{}", dump(&l));
    assert!(l.errors().all(|d| &*d.loc.file == "flows/main.yaml"));
    assert!(l.program.is_none());
}

#[test]
fn problems_in_several_files_are_reported_in_one_run() {
    let params = "params:\n  limit: 3\n  fee: 20.10\n";
    let texts = TEXTS.replace(
        "btn.back: {en: \"Back\", sq: \"Kthehu\"}",
        "btn.back: {en: \"Back\"}",
    );
    let flow = main_with("    screen: menu\n", "    scren: menu\n");
    let other =
        "id: other\nmanual: \"§2\"\nstart: a\nsteps:\n  a:\n    end: done\n  a:\n    end: again\n";
    let l = load_with(&[
        ("params.yaml", params),
        ("texts.yaml", &texts),
        ("main.yaml", &flow),
        ("other.yaml", other),
    ]);
    for (rule, file, line) in [
        ("param-value", "flows/params.yaml", 3),
        ("missing-translation", "flows/texts.yaml", 3),
        ("unknown-key", "flows/main.yaml", 8),
        ("duplicate-key", "flows/other.yaml", 7),
    ] {
        assert!(
            l.diagnostics
                .iter()
                .any(|d| d.rule == rule && &*d.loc.file == file && d.loc.line == line),
            "no `{rule}` at {file}:{line}:\n{}",
            dump(&l)
        );
    }
}

// ---------------------------------------------------------------------------------------
// The shipped flows

#[test]
fn the_shipped_flows_load_without_any_diagnostic() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../flows"));
    let l = load::load_dir(dir);
    assert!(l.diagnostics.is_empty(), "{}", dump(&l));
    let p = l.program.expect("the shipped flows build a program");
    assert_eq!(p.hash.len(), 64, "a sha256 in hex");
    assert!(p.flows.contains_key(&p.entry));
}

#[test]
fn the_program_hash_follows_the_content() {
    let a = load_with(&[]).program.expect("a program");
    let b = load_with(&[]).program.expect("a program");
    assert_eq!(a.hash, b.hash);
    let changed = main_with("sq: \"Menu\"", "sq: \"Menuja\"");
    let c = load_with(&[("main.yaml", &changed)])
        .program
        .expect("a program");
    assert_ne!(a.hash, c.hash);
}

#[test]
fn a_side_key_that_does_not_exist_points_at_it() {
    let text = main_with("label: btn.back}", "label: btn.back, key: F9}");
    let l = load_with(&[("main.yaml", &text)]);
    let d = assert_at(&l, "side-key", "main.yaml", pos(&text, "F9", 0));
    assert!(
        d.message.contains("`F9` is not a side key"),
        "{}",
        d.message
    );
    assert!(d.hint.as_deref().unwrap_or_default().contains("F1-F4"));
}

#[test]
fn two_buttons_on_one_side_key_are_refused_at_the_second() {
    let text = main_with(
        "      - {id: ok, label: btn.ok}\n      - {id: back, label: btn.back}",
        "      - {id: ok, label: btn.ok, key: F4}\n      - {id: back, label: btn.back, key: F4 }",
    );
    let l = load_with(&[("main.yaml", &text)]);
    let d = assert_at(&l, "side-key", "main.yaml", pos(&text, "F4 }", 0));
    assert!(
        d.message.contains("F4 already presses `ok`"),
        "{}",
        d.message
    );
}

/// The `main/menu` screen of the base set with `main.yaml` replaced, as it first shows.
fn menu_view(main: &str, language: &str) -> atmflow_engine::ports::ScreenView {
    let l = load_with(&[("main.yaml", main)]);
    assert!(l.diagnostics.is_empty(), "{}", dump(&l));
    let program = std::sync::Arc::new(l.program.expect("a program"));
    let now = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("a time");
    atmflow_engine::interp::Session::preview(program, "main", "menu", language, now)
        .expect("the menu")
}

#[test]
fn side_keys_reach_the_screen_view() {
    let text = main_with("label: btn.ok}", "label: btn.ok, key: F5}");
    let v = menu_view(&text, "en");
    let key = |id: &str| v.buttons.iter().find(|b| b.id == id).map(|b| b.key.clone());
    assert_eq!(key("ok"), Some(Some("F5".to_string())));
    assert_eq!(key("back"), Some(None));
}

#[test]
fn promo_and_footer_texts_are_checked_and_reach_the_view() {
    let text = main_with(
        "    title: menu.title\n",
        "    title: menu.title\n    promo: [menu.title, btn.ok]\n    footer: [btn.back]\n",
    );
    let v = menu_view(&text, "sq");
    assert_eq!(v.promo, ["Menu", "OK"]);
    assert_eq!(v.footer, ["Kthehu"]);

    let bad = main_with(
        "    title: menu.title\n",
        "    title: menu.title\n    footer: [service_phoen]\n",
    );
    let l = load_with(&[("main.yaml", &bad)]);
    assert_at(
        &l,
        "unknown-text",
        "main.yaml",
        pos(&bad, "service_phoen", 0),
    );
}
