//! How long linting takes as the flows grow: `load_dir` + `findings` over the shipped
//! flows copied 1, 10 and 100 times.
//!
//! Copy k (k >= 1) of every flow file gets the id `ID_k`, and its `call:`s name the
//! copies of the same round, so each round is a whole, valid set of flows beside the
//! others; terminal.yaml, catalogue.yaml and the params and texts files are shared. The
//! sets are written to temporary folders once, before anything is timed, and removed at
//! the end. Run with `cargo bench -p atmflow-validate --bench lint`; figures and how to
//! read them are in docs/performance.md.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use atmflow_engine::load::load_dir;
use divan::Bencher;

/// Whether a file is shared by every copy rather than copied: terminal.yaml,
/// catalogue.yaml, and the params and texts files, named as the loader names them.
fn shared(stem: &str) -> bool {
    ["terminal", "catalogue"].contains(&stem)
        || ["params", "texts"].iter().any(|kind| {
            stem == *kind
                || stem.starts_with(&format!("{kind}."))
                || stem.starts_with(&format!("{kind}_"))
        })
}

fn main() {
    // `ATMFLOW_LINT_ONCE=N`: lint the N-times set once, outside divan, so that
    // `valgrind --tool=callgrind --toggle-collect='*lint_once*'` counts the instructions
    // of one run, whatever else the machine is doing (docs/performance.md).
    match std::env::var("ATMFLOW_LINT_ONCE").map(|n| n.parse::<usize>()) {
        Ok(Ok(n)) => {
            let findings = lint_once(flow_set(n));
            eprintln!("linted the {n}x set once: {findings} findings");
        }
        _ => divan::main(),
    }
    for dir in created().lock().map(|d| d.clone()).unwrap_or_default() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn created() -> &'static Mutex<Vec<PathBuf>> {
    static CREATED: OnceLock<Mutex<Vec<PathBuf>>> = OnceLock::new();
    CREATED.get_or_init(|| Mutex::new(Vec::new()))
}

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../flows")
}

/// A flow file's text for copy `k`: its id and the flows it calls get the suffix `_k`.
fn renamed(text: &str, k: usize) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        let key = ["id: ", "call: "].into_iter().find(|k| rest.starts_with(k));
        let renamed = key
            .filter(|k| *k == "call: " || indent == 0)
            .and_then(|key| {
                let value = &rest[key.len()..];
                let end = value
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(value.len());
                (end > 0).then(|| {
                    format!(
                        "{}{key}{}_{k}{}",
                        &line[..indent],
                        &value[..end],
                        &value[end..]
                    )
                })
            });
        out.push_str(renamed.as_deref().unwrap_or(line));
    }
    out
}

/// A folder with the shipped flows `n` times over, written once per `n`.
fn flow_set(n: usize) -> &'static Path {
    static SETS: OnceLock<Mutex<Vec<(usize, &'static Path)>>> = OnceLock::new();
    let sets = SETS.get_or_init(|| Mutex::new(Vec::new()));
    let mut sets = sets.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, dir)) = sets.iter().find(|(m, _)| *m == n) {
        return dir;
    }
    let dir = std::env::temp_dir().join(format!("atmflow-lint-bench-{}-{n}x", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    created()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(dir.clone());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(shipped_dir())
        .expect("flows/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    entries.sort();
    let (mut files, mut lines, mut bytes) = (0, 0, 0);
    let mut write = |name: String, text: &str| {
        std::fs::write(dir.join(name), text).expect("a written flow file");
        files += 1;
        lines += text.lines().count();
        bytes += text.len();
    };
    for path in &entries {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let text = std::fs::read_to_string(path).expect("a shipped flow file");
        if shared(stem) {
            write(format!("{stem}.yaml"), &text);
            continue;
        }
        write(format!("{stem}.yaml"), &text);
        for k in 1..n {
            write(format!("{stem}_{k}.yaml"), &renamed(&text, k));
        }
    }
    // The copies must be as valid as the original, or the figures would time error paths.
    let loaded = load_dir(&dir);
    let findings = atmflow_validate::findings(&loaded);
    let errors: Vec<String> = loaded.errors().take(5).map(|d| d.headline()).collect();
    assert!(errors.is_empty(), "the {n}x set does not load: {errors:#?}");
    eprintln!(
        "lint set {n:>3}x: {files} files, {lines} lines, {bytes} bytes, {} flows, {} findings",
        loaded.program.as_ref().map_or(0, |p| p.flows.len()),
        findings.len(),
    );
    let dir: &'static Path = Box::leak(dir.into_boxed_path());
    sets.push((n, dir));
    dir
}

/// One load and lint of a folder, for instruction counts.
#[inline(never)]
fn lint_once(dir: &Path) -> usize {
    let loaded = load_dir(dir);
    atmflow_validate::findings(&loaded).len()
}

/// Loading and linting a whole folder, as `atmflow lint flows/` does.
#[divan::bench(args = [1, 10, 100], sample_count = 20, sample_size = 1)]
fn lint(bencher: Bencher, copies: usize) {
    let dir = flow_set(copies);
    bencher.bench(|| {
        let loaded = load_dir(divan::black_box(dir));
        atmflow_validate::findings(&loaded)
    });
}

/// Loading alone, to tell the loader's share from the rules'.
#[divan::bench(args = [1, 10, 100], sample_count = 20, sample_size = 1)]
fn load_only(bencher: Bencher, copies: usize) {
    let dir = flow_set(copies);
    bencher.bench(|| load_dir(divan::black_box(dir)));
}
