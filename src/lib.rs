//! The `atmflow` command's library: wires the engine, the simulated devices and the
//! embedded bank into a terminal, and provides what the command and the end-to-end tests
//! share: customer actions, the headless console, the scenario runner, the window and the
//! screen gallery.

pub mod actions;
pub mod channels;
pub mod flows;
pub mod gallery;
pub mod headless;
pub mod host;
pub mod scenario;
pub mod window;

use std::path::{Path, PathBuf};

/// Where the terminal keeps its data (the demo bank's database, the journal):
/// `$ATMFLOW_DATA`, or `./data`.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("ATMFLOW_DATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("data"))
}

/// The demo bank's database file in a data folder.
pub fn bank_path(data: &Path) -> PathBuf {
    data.join("bank.sqlite")
}

/// The journal file in a data folder.
pub fn journal_path(data: &Path) -> PathBuf {
    data.join("journal.jsonl")
}
