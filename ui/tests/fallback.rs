//! Without a display the window hands the terminal back, with the reason, so that
//! `atmflow run` goes on headless. Its own binary without the test harness
//! (`harness = false`): winit must start on the main thread, and the test changes the
//! process's environment.

use std::sync::Arc;

use atmflow::flows::FlowSource;
use atmflow::host::SimHost;
use atmflow::window::{Outcome, WindowOptions, display_available, run};
use atmflow_bank::Bank;
use atmflow_devices::SimDevices;
use atmflow_engine::journal::Journal;
use atmflow_engine::terminal::Terminal;

fn main() {
    no_display_hands_the_terminal_back();
    println!("test no_display_hands_the_terminal_back ... ok");
    println!("1 passed, 0 failed");
}

fn no_display_hands_the_terminal_back() {
    let flows = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../flows");
    let source = FlowSource::Dir(flows);
    let program = source.load().program.expect("the flows load");
    let data = tempfile::tempdir().unwrap();
    let now = chrono::Local::now().naive_local();
    let terminal = Terminal::new(
        Arc::new(program),
        SimHost::new(Bank::open_in_memory().unwrap()),
        SimDevices::new(),
        Journal::open(&data.path().join("journal.jsonl")).unwrap(),
        "T001",
        now,
    );

    // SAFETY: this program has one thread, and nothing else reads the environment while
    // it changes.
    unsafe {
        std::env::remove_var("DISPLAY");
        std::env::remove_var("WAYLAND_DISPLAY");
    }
    assert!(!display_available());
    let Outcome::NoWindow {
        terminal,
        source,
        why,
    } = run(terminal, source, WindowOptions::default()).unwrap()
    else {
        panic!("a window opened without a display");
    };
    assert!(why.contains("DISPLAY"), "{why}");
    assert_eq!(terminal.view().map(|v| v.id.as_str()), Some("welcome/idle"));

    // A display that is named but not there: eframe fails, the terminal comes back.
    unsafe {
        std::env::set_var("DISPLAY", ":97");
    }
    let Outcome::NoWindow { terminal, why, .. } =
        run(*terminal, source, WindowOptions::default()).unwrap()
    else {
        panic!("a window opened on a display that does not exist");
    };
    assert!(!why.is_empty());
    assert_eq!(terminal.view().map(|v| v.id.as_str()), Some("welcome/idle"));
}
