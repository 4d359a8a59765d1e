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

