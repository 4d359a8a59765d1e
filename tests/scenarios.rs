//! Runs every scenario file under `tests/scenarios/` through the real interpreter, the
//! shipped flows, simulated devices and a fresh in-memory demo bank for each scenario.

use std::path::Path;
use std::sync::Arc;

use atmflow::flows::FlowSource;

#[test]
fn every_scenario_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let loaded = FlowSource::Dir(root.join("flows")).load();
    assert!(
        loaded.diagnostics.is_empty(),
        "the shipped flows must load clean: {:#?}",
        loaded.diagnostics
    );
    let program = Arc::new(loaded.program.expect("flows load"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("tests/scenarios"))
        .expect("tests/scenarios exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario files found");
    let mut failures = Vec::new();
    let mut count = 0;
    for f in &files {
        for r in atmflow::scenario::run_file(f, &program) {
            count += 1;
            if let Some(why) = r.failure {
                failures.push(format!("{} :: {}\n{why}", r.file, r.name));
            }
        }
    }
    assert!(count > 0, "the scenario files hold no scenario");
    assert!(
        failures.is_empty(),
        "{} of {count} scenarios failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
