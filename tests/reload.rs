//! Staff edits reach a running terminal between sessions, only when they load clean; a
//! broken edit is refused with its diagnostics and the terminal keeps the last good flows.

use std::path::Path;
use std::sync::Arc;

use atmflow::actions::{Action, perform};
use atmflow::flows::{FlowSource, Reload, Reloader};
use atmflow::host::SimHost;
use atmflow::scenario::scenario_start;
use atmflow_bank::Bank;
use atmflow_devices::SimDevices;
use atmflow_engine::journal::Journal;
use atmflow_engine::terminal::Terminal;

fn copy_flows(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    for e in std::fs::read_dir(from).expect("flows/").flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy a flow file");
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    // A different length too, so the folder's fingerprint changes even within one tick.
    std::fs::write(path, text.replace(from, to)).expect("write");
}

#[test]
fn a_clean_edit_is_taken_between_sessions_and_a_broken_one_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_flows(dir.path());
    let source = FlowSource::Dir(dir.path().to_path_buf());
    let mut reloader = Reloader::new(source.clone());
    assert!(matches!(reloader.check(), Reload::Unchanged));

    let program = Arc::new(source.load().program.expect("shipped flows load"));
    let first_hash = program.hash.clone();
    let now = scenario_start();
    let bank = Bank::open_in_memory().expect("bank");
    let mut t = Terminal::new(
        program,
        SimHost::new(bank),
        SimDevices::new(),
        Journal::in_memory(),
        "T001",
        now,
    );

    // A customer is in a session when staff change the welcome title.
    perform(&mut t, &Action::InsertCard("4741230000001234".into()), now).expect("card");
    edit(
        &dir.path().join("welcome.yaml"),
        "Mirë se vini në {params.terminal_name}",
        "Mirëserdhët te {params.terminal_name}, edhe sot",
    );
    let Reload::Ready(p) = reloader.check() else {
        panic!("a clean edit must load");
    };
    t.replace_program(Arc::new(*p), now);
    assert_eq!(t.program().hash, first_hash, "never during a session");
    assert_eq!(t.view().map(|v| v.id.as_str()), Some("card_login/pin"));

    // The customer leaves; the next session runs the new flows.
    perform(&mut t, &Action::Press("cancel".into()), now).expect("cancel");
    perform(&mut t, &Action::TakeCard, now).expect("take card");
    assert_ne!(t.program().hash, first_hash);
    let title = t.view().map(|v| v.title.clone()).unwrap_or_default();
    assert!(title.contains("edhe sot"), "new title shown: {title}");
    let good_hash = t.program().hash.clone();

    // A broken edit: a goto to a step that does not exist.
    edit(
        &dir.path().join("welcome.yaml"),
        "goto: identify",
        "goto: identfy",
    );
    let Reload::Refused(loaded) = reloader.check() else {
        panic!("a broken edit must be refused");
    };
    let d = loaded
        .diagnostics
        .iter()
        .find(|d| d.rule == "unknown-target")
        .expect("the typo is reported");
    assert!(d.loc.file.ends_with("welcome.yaml"));
    assert!(d.loc.line > 1 && d.loc.column > 1);
    assert!(
        d.hint.as_deref().unwrap_or("").contains("identify"),
        "hint names the step"
    );
    // The terminal goes on with the last good flows.
    assert_eq!(t.program().hash, good_hash);
    perform(&mut t, &Action::InsertCard("4741230000001234".into()), now).expect("card");
    assert_eq!(t.view().map(|v| v.id.as_str()), Some("card_login/pin"));
}
