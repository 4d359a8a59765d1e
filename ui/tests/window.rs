//! The terminal window (screen and device panel) driven through the accessibility tree, by
//! label, as a person would use it: on the real flows, simulated devices and a fresh
//! in-memory demo bank, with a clock of the test's own. Needs no renderer.

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
use egui_kittest::kittest::Queryable;
use rust_decimal::Decimal;

struct Rig {
    harness: Harness<'static, TerminalWindow>,
    clock: Rc<Cell<NaiveDateTime>>,
    _data: tempfile::TempDir,
}

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 5, 12)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn flows_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../flows")
}

fn rig() -> Rig {
    let loaded = FlowSource::Dir(flows_dir()).load();
    let program = loaded.program.unwrap_or_else(|| {
        panic!("the flows do not load: {:#?}", loaded.diagnostics);
    });
    let data = tempfile::tempdir().unwrap();
    let journal = Journal::open(&data.path().join("journal.jsonl")).unwrap();
    let terminal = Terminal::new(
        Arc::new(program),
        SimHost::new(Bank::open_in_memory().unwrap()),
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
    fn screen(&self) -> String {
        self.harness
            .state()
            .terminal
            .view()
            .map(|v| v.id.clone())
            .unwrap_or_default()
    }

    fn expect_screen(&self, id: &str) {
        assert_eq!(self.screen(), id, "{}", self.describe());
    }

    /// What the screen shows, for failure messages.
    fn describe(&self) -> String {
        match self.harness.state().terminal.view() {
            Some(v) => atmflow_devices::render_text(v),
            None => "no screen".into(),
        }
    }

    /// Clicks the one button with this label (screen or panel).
    fn click(&mut self, label: &str) {
        self.click_node(label, Some(Role::Button));
    }

    /// Clicks the one widget with this label (a checkbox, a radio button...), scrolled
    /// into sight first (the device panel is taller than the window).
    fn click_node(&mut self, label: &str, role: Option<Role>) {
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

    /// What the PIN input shows.
    fn pin_shown(&self) -> Option<String> {
        self.harness
            .get_by_role_and_label(Role::TextInput, "PIN")
            .value()
    }

    /// Clicks the screen button the flow calls `id`, found by the label it has now.
    fn press(&mut self, id: &str) {
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

    fn sees(&self, text: &str) {
        assert!(
            self.harness.query_by_label(text).is_some(),
            "`{text}` is not on\n{}",
            self.describe()
        );
    }

    fn sees_containing(&self, text: &str) {
        assert!(
            self.harness.query_by_label_contains(text).is_some(),
            "nothing contains `{text}` on\n{}",
            self.describe()
        );
    }
}

fn find<'a>(
    h: &'a Harness<'static, TerminalWindow>,
    label: &'a str,
    role: Option<Role>,
) -> Option<egui_kittest::Node<'a>> {
    match role {
        Some(role) => h.query_by_role_and_label(role, label),
        None => h.query_by_label(label),
    }
}

fn all(amount: i64) -> Money {
    Money::new(Decimal::from(amount), Currency("ALL".into()))
}

#[test]
fn a_withdrawal_through_the_window() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    r.click("English");
    r.sees("Welcome to BKT Smart BanKomaT");

    // The device panel inserts the first demo card.
    let insert = r
        .harness
        .query_by_label_contains("Insert card 1:")
        .expect("the device panel offers demo card 1");
    insert.click();
    r.harness.run();
    r.expect_screen("card_login/pin");
    r.sees_containing("Enter your 4-digit PIN");

    // The PIN on the panel's keypad: the screen shows dots only.
    for digit in ["1", "2", "3", "4"] {
        r.click(digit);
    }
    assert_eq!(r.pin_shown().as_deref(), Some("••••"));
    r.click("ENTER");
    r.expect_screen("main_menu/menu");

    r.press("withdrawal");
    r.expect_screen("account_picker/pick");
    r.press("account.0");
    r.expect_screen("amount_entry/choose");
    r.press("preset.2");
    r.expect_screen("withdrawal/confirm");
    r.sees_containing("5,000.00 ALL");
    r.press("confirm");
    r.expect_screen("receipt_choice/choose");
    r.press("print");
    r.expect_screen("dispense_cash/take_cash");

    // The cash waits in the presenter until taken.
    r.sees_containing("Presented: 5000 ALL");
    r.click("Take cash");
    r.expect_screen("withdrawal/done");
    r.press("eject");
    r.expect_screen("card_return/take_card");
    r.click("Take card");
    r.expect_screen("welcome/idle");

    let w = r.harness.state();
    let d = &w.terminal.devices;
    assert_eq!(
        d.cash_dispenser.total_dispensed(&Currency("ALL".into())),
        all(5000)
    );
    assert!(d.cash_dispenser.presented().is_none());
    assert_eq!(d.receipt_printer.receipts().len(), 1);
    assert!(
        d.receipt_printer.receipts()[0]
            .iter()
            .any(|l| l.contains("5,000.00 ALL")),
        "{:?}",
        d.receipt_printer.receipts()
    );
    assert!(!d.card_reader.has_card());
    assert_eq!(d.card_reader.retained_count(), 0);
    assert_eq!(
        w.terminal.outcomes().last().map(String::as_str),
        Some("done")
    );
    assert_eq!(
        w.terminal.host.bank.balance_of("ACC-0001").unwrap(),
        all(245_000)
    );
    assert!(w.messages.is_empty(), "{:?}", w.messages);
}

#[test]
fn the_language_switches_on_the_pin_screen_and_back() {
    let mut r = rig();
    r.harness.run();
    r.harness
        .query_by_label_contains("Insert card 1:")
        .expect("demo card 1")
        .click();
    r.harness.run();
    r.expect_screen("card_login/pin");
    r.sees_containing("Vendosni PIN-in me 4 shifra");
    r.click("English");
    r.expect_screen("card_login/pin");
    r.sees_containing("Enter your 4-digit PIN");
    assert!(
        r.harness
            .query_by_label_contains("Vendosni PIN-in")
            .is_none()
    );
    assert_eq!(r.harness.state().terminal.view().unwrap().language, "en");
    // The disabled Enter says why, in English now.
    r.sees("The PIN has 4 digits");
    r.click("Shqip");
    r.sees_containing("Vendosni PIN-in me 4 shifra");
    r.sees("PIN-i ka 4 shifra");
}

#[test]
fn the_physical_keyboard_is_the_keypad() {
    let mut r = rig();
    r.harness.run();
    r.harness
        .query_by_label_contains("Insert card 1:")
        .expect("demo card 1")
        .click();
    r.harness.run();
    r.expect_screen("card_login/pin");
    r.harness.event(egui::Event::Text("12a3".into()));
    r.harness.run();
    assert_eq!(
        r.pin_shown().as_deref(),
        Some("•••"),
        "letters are no PIN keys"
    );
    r.harness.key_press(egui::Key::Backspace);
    r.harness.run();
    assert_eq!(r.pin_shown().as_deref(), Some("••"));
    r.harness.event(egui::Event::Text("34".into()));
    r.harness.run();
    r.harness.key_press(egui::Key::Enter);
    r.harness.run();
    // 1, 2, then 3, 4 again after the backspace: the right PIN.
    r.expect_screen("main_menu/menu");
}

#[test]
fn an_unknown_card_is_refused_and_returned() {
    let mut r = rig();
    r.harness.run();
    r.click("Insert an unknown card");
    r.expect_screen("welcome/unknown_card");
    r.press("ok");
    r.expect_screen("card_return/take_card");
    r.click("Take card");
    r.expect_screen("welcome/idle");
    assert!(!r.harness.state().terminal.devices.card_reader.has_card());
}

#[test]
fn a_screen_times_out_on_the_wall_clock() {
    let mut r = rig();
    r.harness.run();
    r.harness
        .query_by_label_contains("Insert card 1:")
        .expect("demo card 1")
        .click();
    r.harness.run();
    r.expect_screen("card_login/pin");
    let deadline = r
        .harness
        .state()
        .terminal
        .deadline()
        .expect("the PIN screen times out");
    r.clock.set(deadline + chrono::Duration::seconds(1));
    r.harness.run();
    assert_ne!(r.screen(), "card_login/pin", "{}", r.describe());
}

#[test]
fn the_phone_app_scans_the_qr_and_a_refusal_is_shown() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    assert!(r.harness.state().terminal.view().unwrap().qr.is_some());

    // Without an activated Soft PIN the bank refuses, and the panel says so.
    r.click("Scan the QR on screen with the phone");
    let answer = r.harness.state().phone.answer.clone().expect("an answer");
    let why = answer.expect_err("no Soft PIN yet");
    r.sees_containing(&format!("The bank refused: {why}"));

    r.click("Activate the Soft PIN");
    assert!(
        matches!(r.harness.state().phone.answer, Some(Ok(_))),
        "{:?}",
        r.harness.state().phone.answer
    );
    r.click("Scan the QR on screen with the phone");
    let answer = r.harness.state().phone.answer.clone().expect("an answer");
    let text = answer.unwrap_or_else(|e| panic!("the bank refused the scan: {e}"));
    assert!(text.contains("terminal: T001"), "{text}");
    r.sees_containing(&format!("The bank accepted: {text}"));
}

#[test]
fn faults_and_the_host_switch_reach_the_devices() {
    let mut r = rig();
    r.harness.run();
    r.click_node("Fault (card_reader reader_fault)", Some(Role::CheckBox));
    assert!(
        r.harness
            .state()
            .terminal
            .devices
            .card_reader
            .fault()
            .is_some()
    );
    r.click_node("Fault (card_reader reader_fault)", Some(Role::CheckBox));
    assert!(
        r.harness
            .state()
            .terminal
            .devices
            .card_reader
            .fault()
            .is_none()
    );
    r.click_node("out", Some(Role::RadioButton));
    assert_eq!(
        r.harness.state().terminal.devices.receipt_printer.paper(),
        atmflow_devices::PaperState::Out
    );
    r.click_node("Host offline (the link is down)", Some(Role::CheckBox));
    assert!(r.harness.state().terminal.host.offline);
    r.click("Clear every device fault");
    assert_eq!(
        r.harness.state().terminal.devices.receipt_printer.paper(),
        atmflow_devices::PaperState::Ok
    );
}
