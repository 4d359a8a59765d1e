//! The rig the window tests share: the terminal window on the real flows, simulated
//! devices and a fresh in-memory demo bank, with a clock of the test's own, driven through
//! the accessibility tree by label, as a person would use it. Needs no renderer.

// Each test file uses its own part of the rig.
#![allow(dead_code)]

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use atmflow::flows::FlowSource;
use atmflow::host::SimHost;
use atmflow::window::TerminalWindow;
use atmflow_bank::Bank;
use atmflow_devices::SimDevices;
use atmflow_engine::journal::Journal;
use atmflow_engine::terminal::Terminal;
use atmflow_engine::value::{Currency, Money};
use atmflow_ui::egui::{self, accesskit::Role};
use chrono::{NaiveDate, NaiveDateTime};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use rust_decimal::Decimal;

pub struct Rig {
    pub harness: Harness<'static, TerminalWindow>,
    pub clock: Rc<Cell<NaiveDateTime>>,
    _data: tempfile::TempDir,
}

pub fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 5, 12)
        .expect("a date")
        .and_hms_opt(10, 0, 0)
        .expect("a time")
}

fn flows_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../flows")
}

pub fn rig() -> Rig {
    rig_on(&flows_dir())
}

/// A copy of the shipped flows in a folder of its own, with `edit` applied to the text of
/// each file by name: for a test that needs what no shipped flow has yet.
pub fn flows_copy(edit: impl Fn(&str, String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for entry in std::fs::read_dir(flows_dir()).expect("the flows folder") {
        let path = entry.expect("a flows entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path.file_name().expect("a file name").to_string_lossy();
            let text = std::fs::read_to_string(&path).expect("a flow file");
            std::fs::write(dir.path().join(name.as_ref()), edit(&name, text))
                .expect("the copy is written");
        }
    }
    dir
}

/// The rig on the flows in `flows`.
pub fn rig_on(flows: &std::path::Path) -> Rig {
    let loaded = FlowSource::Dir(flows.to_path_buf()).load();
    let program = loaded.program.unwrap_or_else(|| {
        panic!("the flows do not load: {:#?}", loaded.diagnostics);
    });
    let data = tempfile::tempdir().expect("a temporary folder");
    let journal = Journal::open(&data.path().join("journal.jsonl")).expect("the journal opens");
    let terminal = Terminal::new(
        Arc::new(program),
        SimHost::new(Bank::open_in_memory().expect("the demo bank opens")),
        SimDevices::new(),
        journal,
        "T001",
        start(),
    );
    let clock = Rc::new(Cell::new(start()));
    let c = Rc::clone(&clock);
    let window = TerminalWindow::new(terminal, None).with_clock(move || c.get());
    let harness = Harness::builder()
        .with_size(egui::vec2(1460.0, 900.0))
        .build_ui_state(|ui, w: &mut TerminalWindow| w.ui(ui), window);
    atmflow_ui::fonts::install(&harness.ctx);
    Rig {
        harness,
        clock,
        _data: data,
    }
}

impl Rig {
    pub fn screen(&self) -> String {
        self.harness
            .state()
            .terminal
            .view()
            .map(|v| v.id.clone())
            .unwrap_or_default()
    }

    pub fn expect_screen(&self, id: &str) {
        assert_eq!(self.screen(), id, "{}", self.describe());
    }

    /// What the screen shows, for failure messages.
    pub fn describe(&self) -> String {
        match self.harness.state().terminal.view() {
            Some(v) => atmflow_devices::render_text(v),
            None => "no screen".into(),
        }
    }

    /// Clicks the one button with this label (screen or panel).
    pub fn click(&mut self, label: &str) {
        self.click_node(label, Some(Role::Button));
    }

    /// Clicks the one widget with this label (a checkbox, a radio button...), scrolled
    /// into sight first (the device panel is taller than the window).
    pub fn click_node(&mut self, label: &str, role: Option<Role>) {
        match find(&self.harness, label, role) {
            Some(node) => node.scroll_to_me(),
            None => panic!("no `{label}` ({role:?}) on\n{}", self.describe()),
        }
        self.harness.run();
        find(&self.harness, label, role)
            .expect("still there after scrolling")
            .click();
        self.harness.run();
    }

    /// Clicks the one button whose label contains `part` (a demo card is "Insert card 1:
    /// ..." with its masked number and holder), scrolled into sight first.
    pub fn click_containing(&mut self, part: &str) {
        let by = || {
            egui_kittest::kittest::By::new()
                .role(Role::Button)
                .label_contains(part)
        };
        match self.harness.query(by()) {
            Some(node) => node.scroll_to_me(),
            None => panic!("no button containing `{part}` on\n{}", self.describe()),
        }
        self.harness.run();
        self.harness
            .query(by())
            .expect("still there after scrolling")
            .click();
        self.harness.run();
    }

    /// Replaces the text of one of the device panel's fields as a person does: click into
    /// it, select all, type, Enter.
    pub fn edit_field(&mut self, by: egui_kittest::kittest::By<'static>, text: &str) {
        self.harness.get(by.clone()).scroll_to_me();
        self.harness.run();
        self.harness.get(by).click();
        self.harness.run();
        self.harness
            .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        self.harness.run();
        self.harness.event(egui::Event::Text(text.to_string()));
        self.harness.run();
        self.harness.key_press(egui::Key::Enter);
        self.harness.run();
    }

    /// Keys typed on the device panel's keypad, one button at a time.
    pub fn keypad(&mut self, keys: &str) {
        for key in keys.chars() {
            self.click(&key.to_string());
        }
    }

    /// What the screen's input with this label shows.
    pub fn input_shown(&self, label: &str) -> Option<String> {
        self.harness
            .query_by_role_and_label(Role::TextInput, label)
            .unwrap_or_else(|| panic!("no input `{label}` on\n{}", self.describe()))
            .value()
    }

    /// What the PIN input shows.
    pub fn pin_shown(&self) -> Option<String> {
        self.input_shown("PIN")
    }

    /// Clicks the screen button the flow calls `id`, found by the label it has now.
    pub fn press(&mut self, id: &str) {
        let label = self
            .harness
            .state()
            .terminal
            .view()
            .and_then(|v| v.buttons.iter().find(|b| b.id == id))
            .map(|b| b.label.clone())
            .unwrap_or_else(|| panic!("no button `{id}` on\n{}", self.describe()));
        self.click(&label);
    }

    pub fn sees(&self, text: &str) {
        assert!(
            self.harness.query_by_label(text).is_some(),
            "`{text}` is not on\n{}",
            self.describe()
        );
    }

    pub fn sees_containing(&self, text: &str) {
        assert!(
            self.harness.query_by_label_contains(text).is_some(),
            "nothing contains `{text}` on\n{}",
            self.describe()
        );
    }

    pub fn does_not_see_containing(&self, text: &str) {
        assert!(
            self.harness.query_by_label_contains(text).is_none(),
            "something contains `{text}` on\n{}",
            self.describe()
        );
    }

    /// Sets how many notes of a denomination the device panel's cash acceptor is about to
    /// insert, as a person does: click the count beside the denomination, type the number,
    /// Enter.
    pub fn set_note_count(&mut self, denomination: &str, count: u32) {
        match find(&self.harness, denomination, Some(Role::SpinButton)) {
            Some(node) => node.scroll_to_me(),
            None => panic!("no note count labelled `{denomination}` in the device panel"),
        }
        self.harness.run();
        find(&self.harness, denomination, Some(Role::SpinButton))
            .expect("still there after scrolling")
            .click();
        self.harness.run();
        self.harness.event(egui::Event::Text(count.to_string()));
        self.harness.run();
        self.harness.key_press(egui::Key::Enter);
        self.harness.run();
    }

    /// The count the device panel shows for a denomination.
    pub fn note_count_shown(&self, denomination: &str) -> Option<f64> {
        self.harness
            .query_by_role_and_label(Role::SpinButton, denomination)
            .and_then(|n| n.accesskit_node().numeric_value())
    }

    /// Lets the terminal's clock run to the screen's deadline (a timeout, or the welcome
    /// screen's next look at the bank), and one second on.
    pub fn pass_deadline(&mut self) {
        let deadline = self
            .harness
            .state()
            .terminal
            .deadline()
            .unwrap_or_else(|| panic!("this screen has no deadline:\n{}", self.describe()));
        self.clock.set(deadline + chrono::Duration::seconds(1));
        self.harness.run();
    }

    /// The label the screen's input `id` has now (it changes with the language).
    pub fn input_label(&self, id: &str) -> String {
        self.harness
            .state()
            .terminal
            .view()
            .and_then(|v| v.inputs.iter().find(|i| i.id == id))
            .map(|i| i.label.clone())
            .unwrap_or_else(|| panic!("no input `{id}` on\n{}", self.describe()))
    }

    /// Touches the screen's input `id` (found by its label) to type into it.
    pub fn touch_input(&mut self, id: &str) {
        let label = self.input_label(id);
        self.click_node(&label, Some(Role::TextInput));
    }

    /// Whether the one button whose label contains `part` is enabled, as the
    /// accessibility tree says.
    pub fn button_containing_enabled(&self, part: &str) -> bool {
        !self
            .harness
            .get(
                egui_kittest::kittest::By::new()
                    .role(Role::Button)
                    .label_contains(part),
            )
            .accesskit_node()
            .is_disabled()
    }

    /// The text after `prefix` in the one label that starts with it (a code the panel's
    /// phone shows: `Unique code: 123456`).
    pub fn text_after(&self, prefix: &str) -> String {
        let node = self
            .harness
            .query_by_label_contains(prefix)
            .unwrap_or_else(|| panic!("nothing shows `{prefix}` on\n{}", self.describe()));
        let n = node.accesskit_node();
        let label = n.label().or_else(|| n.value()).unwrap_or_default();
        label
            .split_once(prefix)
            .map(|(_, rest)| rest.trim().to_string())
            .unwrap_or_else(|| panic!("`{label}` has no `{prefix}`"))
    }

    /// Whether the terminal's own screen (not the panel) shows `text` anywhere.
    pub fn screen_shows(&self, text: &str) -> bool {
        self.describe().contains(text)
            || self.harness.state().terminal.view().is_some_and(|v| {
                v.title.contains(text)
                    || v.lines.iter().any(|l| l.contains(text))
                    || v.inputs.iter().any(|i| i.shown.contains(text))
            })
    }

    /// Whether the screen's button `id` is enabled, as the accessibility tree says.
    pub fn button_enabled(&self, id: &str) -> bool {
        let label = self
            .harness
            .state()
            .terminal
            .view()
            .and_then(|v| v.buttons.iter().find(|b| b.id == id))
            .map(|b| b.label.clone())
            .unwrap_or_else(|| panic!("no button `{id}` on\n{}", self.describe()));
        !self
            .harness
            .get_by_role_and_label(Role::Button, &label)
            .accesskit_node()
            .is_disabled()
    }

    /// Everything the terminal has journaled so far.
    pub fn journal_text(&self) -> String {
        let path = self
            .harness
            .state()
            .terminal
            .journal()
            .path()
            .expect("the rig journals to a file")
            .to_path_buf();
        std::fs::read_to_string(&path).expect("the journal can be read")
    }

    pub fn balance(&self, account: &str) -> Money {
        self.harness
            .state()
            .terminal
            .host
            .bank
            .balance_of(account)
            .unwrap_or_else(|e| panic!("no balance for {account}: {e}"))
    }
}

pub fn find<'a>(
    h: &'a Harness<'static, TerminalWindow>,
    label: &'a str,
    role: Option<Role>,
) -> Option<egui_kittest::Node<'a>> {
    match role {
        Some(role) => h.query_by_role_and_label(role, label),
        None => h.query_by_label(label),
    }
}

pub fn all(amount: i64) -> Money {
    Money::new(Decimal::from(amount), Currency("ALL".into()))
}

pub fn currency(code: &str) -> Currency {
    Currency(code.into())
}
