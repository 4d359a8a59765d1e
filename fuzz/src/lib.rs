//! What the fuzz targets share: the shipped flow set, an environment of typed variables
//! for expressions, and the invariants every result must keep.
//!
//! The targets must never panic and never hang. Besides that, they assert what a
//! diagnostic promises the people who read it: its position lies inside its file, on a
//! character boundary, and does not end before it starts. See docs/fuzzing.md.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use atmflow_engine::diag::{Diagnostic, SourceFile};
use atmflow_engine::expr::{EvalContext, ExprError, TypeEnv, ValueEnv};
use atmflow_engine::load::Loaded;
use atmflow_engine::value::{Currency, Money, Secret, Type, Value};
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// The shipped flows (`../flows/*.yaml`), read once, as `flows/NAME.yaml`.
pub fn shipped() -> &'static [SourceFile] {
    static FILES: OnceLock<Vec<SourceFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flows");
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("the shipped flows folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let text = std::fs::read_to_string(dir.join(&n)).expect("a shipped flow file");
                SourceFile::new(&Path::new("flows").join(n), text)
            })
            .collect()
    })
}

/// Whether a file is one the loader reads by its name (terminal.yaml, catalogue.yaml, a
/// params or texts file) rather than a flow.
pub fn is_special(path: &str) -> bool {
    let stem = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    ["terminal", "catalogue"].contains(&stem)
        || ["params", "texts"].iter().any(|kind| {
            stem == *kind
                || stem.starts_with(&format!("{kind}."))
                || stem.starts_with(&format!("{kind}_"))
        })
}

/// The flows a flow file calls (`call: ID` on a line of its own).
fn called_ids(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|l| {
        let rest = l.trim_start().strip_prefix("call:")?;
        rest.split('#').next().map(|v| v.trim().trim_matches('"'))
    })
}

/// The shipped files a fuzzed flow is loaded with: terminal, catalogue, params and texts
/// files, and the shipped flows it calls, directly or through others. A shipped flow
/// with the fuzzed flow's id is left out: the fuzzed one replaces it.
///
/// With `ATMFLOW_FUZZ_FULL_SET=1` it is every shipped file instead: closer to a real load
/// but, with 50 flow files, some 20 times slower per input (docs/fuzzing.md).
pub fn context_for(text: &str) -> Vec<SourceFile> {
    static FULL: OnceLock<bool> = OnceLock::new();
    let full =
        *FULL.get_or_init(|| std::env::var_os("ATMFLOW_FUZZ_FULL_SET").is_some_and(|v| v == "1"));
    let own = declared_id(text);
    let by_id = |id: &str| {
        shipped()
            .iter()
            .find(|f| !is_special(&f.path) && declared_id(&f.text) == Some(id))
    };
    if full {
        return shipped()
            .iter()
            .filter(|f| own.is_none() || declared_id(&f.text) != own)
            .cloned()
            .collect();
    }
    let mut out: Vec<SourceFile> = shipped()
        .iter()
        .filter(|f| is_special(&f.path))
        .cloned()
        .collect();
    let mut seen: Vec<&str> = own.into_iter().collect();
    let mut todo: Vec<&str> = called_ids(text).collect();
    while let Some(id) = todo.pop() {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if let Some(f) = by_id(id) {
            todo.extend(called_ids(&f.text));
            out.push(f.clone());
        }
    }
    out
}

/// The `id:` a flow file declares on a line of its own, if any.
pub fn declared_id(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|rest| {
            rest.split('#')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"')
        })
}

/// Whether to skip the checks that a diagnostic's span starts and ends on character
/// boundaries and does not end before it starts (`ATMFLOW_FUZZ_LAX_LOCS=1`), to look for
/// other problems while a known span bug is open (docs/fuzzing.md).
fn lax_locs() -> bool {
    static LAX: OnceLock<bool> = OnceLock::new();
    *LAX.get_or_init(|| std::env::var_os("ATMFLOW_FUZZ_LAX_LOCS").is_some_and(|v| v == "1"))
}

/// Checks what every diagnostic of a load promises: a position inside its file.
pub fn check_loaded(loaded: &Loaded) {
    for d in &loaded.diagnostics {
        check_diagnostic(loaded, d);
    }
}

fn check_diagnostic(loaded: &Loaded, d: &Diagnostic) {
    let loc = &d.loc;
    assert!(
        loc.line >= 1 && loc.column >= 1,
        "position before 1:1: {d:?}"
    );
    assert!(
        loc.end_line >= 1 && loc.end_column >= 1,
        "end before 1:1: {d:?}"
    );
    let Some(src) = loaded.sources.get(&loc.file) else {
        // Diagnostics about a file that is not among the sources (a missing
        // terminal.yaml) point at its start.
        assert_eq!((loc.offset, loc.len), (0, 0), "{d:?}");
        return;
    };
    let text = &src.text;
    assert!(loc.offset <= text.len(), "offset past the end: {d:?}");
    assert!(
        loc.offset + loc.len <= text.len(),
        "span past the end: {d:?}"
    );
    if lax_locs() {
        return;
    }
    assert!(
        text.is_char_boundary(loc.offset),
        "offset inside a character: {d:?}"
    );
    assert!(
        text.is_char_boundary(loc.offset + loc.len),
        "span end inside a character: {d:?}"
    );
    assert_eq!(
        src.line_col(loc.offset),
        (loc.line, loc.column),
        "line and column disagree with the offset: {d:?}"
    );
    assert!(
        (loc.end_line, loc.end_column) >= (loc.line, loc.column),
        "span ends before it starts: {d:?}"
    );
}

/// Checks an expression error's span: inside the source, on character boundaries.
pub fn check_span(source: &str, e: &ExprError) {
    let Range { start, end } = e.span.clone();
    assert!(start <= end, "reversed span: {e:?}");
    assert!(end <= source.len(), "span past the end: {e:?}");
    assert!(
        source.is_char_boundary(start),
        "start inside a character: {e:?}"
    );
    assert!(
        source.is_char_boundary(end),
        "end inside a character: {e:?}"
    );
}

/// A few variables of every type, as a flow would declare them.
pub struct Vars {
    types: BTreeMap<String, Type>,
    values: BTreeMap<String, Value>,
}

impl Vars {
    pub fn new() -> Vars {
        // Amounts in hundredths: 123_450 is 1234.50.
        let money =
            |a: i64, c: &str| Value::Money(Money::new(Decimal::new(a, 2), Currency(c.to_string())));
        let account = |id: &str, a: i64, c: &str| {
            Value::record([
                ("id", Value::text(id)),
                ("currency", Value::text(c)),
                ("balance", money(a, c)),
            ])
        };
        let account_type = Type::Record(
            [
                ("id".to_string(), Type::Text),
                ("currency".to_string(), Type::Text),
                ("balance".to_string(), Type::Money),
            ]
            .into_iter()
            .collect(),
        );
        let date = NaiveDate::from_ymd_opt(2026, 5, 17).unwrap_or_default();
        let entries: Vec<(&str, Type, Value)> = vec![
            ("ok", Type::Bool, Value::Bool(true)),
            ("n", Type::Number, Value::number(7)),
            ("big", Type::Number, Value::Number(Decimal::MAX)),
            ("amount", Type::Money, money(123_450, "ALL")),
            ("eur", Type::Money, money(2_000, "EUR")),
            ("name", Type::Text, Value::text("Arbër")),
            ("currency", Type::Text, Value::text("ALL")),
            ("day", Type::Date, Value::Date(date)),
            ("pin", Type::Secret, Value::Secret(Secret::new("1234"))),
            (
                "presets",
                Type::List(Box::new(Type::Money)),
                Value::List(vec![money(50_000, "ALL"), money(100_000, "ALL")]),
            ),
            (
                "accounts",
                Type::List(Box::new(account_type.clone())),
                Value::List(vec![
                    account("A1", 1_000_000, "ALL"),
                    account("E1", 25_000, "EUR"),
                ]),
            ),
            ("account", account_type, account("A1", 1_000_000, "ALL")),
            (
                "empty",
                Type::List(Box::new(Type::Text)),
                Value::List(vec![]),
            ),
        ];
        let mut types = BTreeMap::new();
        let mut values = BTreeMap::new();
        for (name, t, v) in entries {
            types.insert(name.to_string(), t);
            values.insert(name.to_string(), v);
        }
        Vars { types, values }
    }

    pub fn context() -> EvalContext {
        EvalContext {
            today: NaiveDate::from_ymd_opt(2026, 5, 17).unwrap_or_default(),
        }
    }
}

impl Default for Vars {
    fn default() -> Self {
        Vars::new()
    }
}

impl TypeEnv for Vars {
    fn type_of(&self, name: &str) -> Option<Type> {
        self.types.get(name).cloned()
    }
    fn known_names(&self) -> Vec<String> {
        self.types.keys().cloned().collect()
    }
}

impl ValueEnv for Vars {
    fn value_of(&self, name: &str) -> Option<Value> {
        self.values.get(name).cloned()
    }
}
