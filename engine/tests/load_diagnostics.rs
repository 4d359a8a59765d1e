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

#[test]
fn print_all() {
    for (name, text) in [
        ("typo", main_with("goto: done\n", "goto: dnoe\n")),
        ("typo_plain", main_with("back: done", "back: dnoe")),
        (
            "exprtype",
            main_with("if: amount > 3", "if: amount + 'x' > 3"),
        ),
        (
            "exprtype_q",
            main_with("if: amount > 3", "if: \"amount + 'x' > 3\""),
        ),
        ("undef", main_with("if: amount > 3", "if: 1 < amonut")),
        ("syntax", main_with("if: amount > 3", "if: amount > > 3")),
        (
            "dupkey",
            main_with(
                "  done:\n    end: done\n",
                "  done:\n    end: done\n    end: done\n",
            ),
        ),
        (
            "unknownkey",
            main_with("    screen: menu\n", "    scren: menu\n    screen: menu\n"),
        ),
        (
            "twokinds",
            main_with("    end: done\n", "    end: done\n    screen: menu\n"),
        ),
        (
            "shadow",
            main_with(
                "        - if: amount > 3\n          goto: done\n        - goto: menu\n",
                "        - goto: menu\n        - if: amount > 3\n          goto: done\n",
            ),
        ),
        ("multiline", main_with("        - if: amount > 3\n", "        - if: amount > 3\n            and amonut > 1\n")),
        ("escaped", main_with("        - if: amount > 3\n", "        - if: \"'\\u00e9' == 'x' or amonut > 1\"\n")),
        ("notrans", main_with("menu.title: {en: \"Menu\", sq: \"Menu\"}", "menu.title: {en: \"Menu\"}")),
        ("noscreen", main_with("    screen: menu\n", "    screen: mnu\n")),
        ("nohost", main_with("  done:\n    end: done\n", "  done:\n    host: withdarw\n    args: {amount: 5 ALL}\n    on: {ok: menu}\n")),
        ("notext", main_with("title: menu.title", "title: menu.titel")),
        ("noflow", main_with("  done:\n    end: done\n", "  done:\n    call: nowhere\n")),
        ("blocktext", main_with("menu.title: {en: \"Menu\", sq: \"Menu\"}", "menu.title:\n    en: \"Menu\"")),
        ("decideshadow", main_with("  done:\n    end: done\n", "  done:\n    decide:\n      - goto: menu\n      - if: amount > 1\n        goto: menu\n")),
    ] {
        let l = load_with(&[("main.yaml", &text)]);
        eprintln!("{name}:\n{}", dump(&l));
    }
}

#[test]
fn explore2() {
    let bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    for (name, f, text) in [
        ("float", "params.yaml", "params:\n  limit: 3\n  fee: 20.10\n".to_string()),
        ("bomb_flow", "main.yaml", bomb.to_string()),
        ("bomb_params", "params.yaml", format!("params:\n  x: 1\n{}", bomb.lines().map(|l| format!("  {l}\n")).collect::<String>())),
    ] {
        let t = std::time::Instant::now();
        let l = load_with(&[(f, &text)]);
        eprintln!("{name} ({:?}):\n{}", t.elapsed(), dump(&l));
    }
    let l = load::load_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../flows")));
    eprintln!("shipped: {}", dump(&l));
}
#[test]
fn explore3() {
    let r: Result<std::collections::BTreeMap<String, String>, _> = serde_saphyr::from_str("a: 1\na: 2\n");
    eprintln!("{:?}", r.err().map(|e| e.to_string()));
    let o = serde_saphyr::options! { duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error, };
    let r: Result<std::collections::BTreeMap<String, String>, _> = serde_saphyr::from_str_with_options("a: 1\na: 2\n", o);
    eprintln!("{:?}", r.err().map(|e| e.to_string()));
    let deep = format!("params:\n  x: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let t = std::time::Instant::now();
    let l = load_with(&[("params.yaml", &deep)]);
    eprintln!("deep ({:?}):\n{}", t.elapsed(), dump(&l));
}
