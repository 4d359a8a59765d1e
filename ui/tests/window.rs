//! The terminal window (screen and device panel) driven through the accessibility tree, by
//! label, as a person would use it: on the real flows, simulated devices and a fresh
//! in-memory demo bank, with a clock of the test's own. Needs no renderer.

mod common;

use atmflow::actions::Action;
use atmflow_engine::value::Currency;
use atmflow_ui::egui::{self, accesskit::Role};
use common::{all, rig};
use egui_kittest::kittest::{By, Queryable};

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

/// The card reader's shutter is open only on the welcome screen. On the unique-code
/// (cardless) screen the panel's Insert buttons are disabled and say why, a card offered
/// anyway (as the console would) stays outside, and after the cardless session the reader
/// takes a card again.
#[test]
fn the_card_reader_takes_no_card_during_a_cardless_session() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    r.click("English");
    assert!(r.harness.state().terminal.devices.card_reader.accepting());
    assert!(r.button_containing_enabled("Insert card 1:"));
    r.sees("State: empty, the shutter is open for a card");

    r.press("cardless");
    r.press("unique_code");
    r.expect_screen("unique_code_withdrawal/enter");
    assert!(!r.harness.state().terminal.devices.card_reader.accepting());
    for part in [
        "Insert card 1:",
        "Insert card 2:",
        "Insert an unknown card",
        "Insert this card",
    ] {
        assert!(!r.button_containing_enabled(part), "`{part}` is enabled");
    }
    r.sees("State: empty, the shutter is closed");
    r.sees_containing("The reader is closed: the terminal takes a card only on its welcome");
    // Clicking the disabled button does nothing.
    r.click_containing("Insert card 1:");
    r.expect_screen("unique_code_withdrawal/enter");
    // A card pushed at the reader anyway (the console's `insert`) is refused, with why.
    r.harness
        .state_mut()
        .act(Action::InsertCard("4741230000001234".into()));
    r.harness.run();
    r.expect_screen("unique_code_withdrawal/enter");
    assert!(!r.harness.state().terminal.devices.card_reader.has_card());
    let said = r.harness.state().messages.join("\n");
    assert!(said.contains("the card reader is closed"), "{said}");

    // The session ends without a card: the welcome screen takes one again.
    r.press("main_menu");
    r.expect_screen("welcome/idle");
    assert!(!r.harness.state().terminal.devices.card_reader.has_card());
    assert!(r.button_containing_enabled("Insert card 1:"));
    r.click_containing("Insert card 1:");
    r.expect_screen("card_login/pin");
    r.sees("State: a card is inside");
    assert!(!r.button_containing_enabled("Insert card 2:"));
    r.sees("A card is already in the reader.");
    // The eject key gives it back.
    r.click("Eject key");
    r.expect_screen("card_return/take_card");
    r.click("Take card");
    r.expect_screen("welcome/idle");
    assert!(r.button_containing_enabled("Insert card 1:"));
}

/// Tab can put the focus on a button of the device panel: the digits still reach the
/// keypad, and Enter presses the focused button (egui's way), not the keypad's ENTER.
#[test]
fn digits_reach_the_keypad_while_a_panel_button_has_the_focus() {
    let mut r = rig();
    r.harness.run();
    r.click_containing("Insert card 1:");
    r.expect_screen("card_login/pin");
    let clear = || By::new().role(Role::Button).label("CLEAR");
    r.harness.get(clear()).focus();
    r.harness.run();
    assert!(r.harness.get(clear()).is_focused());

    r.harness.event(egui::Event::Text("1234".into()));
    r.harness.run();
    assert_eq!(
        r.pin_shown().as_deref(),
        Some("••••"),
        "the digits were dropped"
    );
    // Enter presses the focused CLEAR: the PIN is cleared and not sent.
    r.harness.key_press(egui::Key::Enter);
    r.harness.run();
    r.expect_screen("card_login/pin");
    assert_eq!(r.pin_shown().as_deref().unwrap_or_default(), "");

    // Tab moves the focus on, to another widget: the keys are still the keypad's.
    r.harness.key_press(egui::Key::Tab);
    r.harness.run();
    assert!(!r.harness.get(clear()).is_focused());
    r.harness.event(egui::Event::Text("1234".into()));
    r.harness.run();
    assert_eq!(r.pin_shown().as_deref(), Some("••••"));
    // Escape, with a button (not a text field) focused, is the keypad's CANCEL: the
    // session gives the card back.
    r.harness.key_press(egui::Key::Escape);
    r.harness.run();
    assert_eq!(r.screen(), "card_return/take_card", "{}", r.describe());
}

/// A text field of the panel takes the keys while it has the focus, and Escape only
/// leaves it; the next Escape is the keypad's CANCEL.
#[test]
fn escape_leaves_a_panel_field_and_does_not_cancel() {
    let mut r = rig();
    r.harness.run();
    r.click_containing("Insert card 1:");
    r.expect_screen("card_login/pin");
    r.harness.event(egui::Event::Text("12".into()));
    r.harness.run();
    assert_eq!(r.pin_shown().as_deref(), Some("••"));

    r.click_node("Other card number", Some(Role::TextInput));
    r.harness.event(egui::Event::Text("4".into()));
    r.harness.run();
    assert_eq!(r.harness.state().other_card, "4", "typed into the field");
    assert_eq!(r.pin_shown().as_deref(), Some("••"), "not into the PIN");

    r.harness.key_press(egui::Key::Escape);
    r.harness.run();
    r.expect_screen("card_login/pin");
    assert_eq!(r.pin_shown().as_deref(), Some("••"), "the PIN is kept");
    assert!(
        !r.harness
            .get_by_role_and_label(Role::TextInput, "Other card number")
            .is_focused(),
        "Escape left the field"
    );

    // Out of the field, the keys are the keypad's again.
    r.harness.event(egui::Event::Text("34".into()));
    r.harness.run();
    assert_eq!(r.pin_shown().as_deref(), Some("••••"));
    assert_eq!(r.harness.state().other_card, "4");
    r.harness.key_press(egui::Key::Escape);
    r.harness.run();
    assert_eq!(r.screen(), "card_return/take_card", "{}", r.describe());
}

/// F1-F8 are the side keys: each presses the enabled button of the screen that has it; a
/// disabled one does nothing. (The shipped flows give no button a key yet: the test adds
/// `key:` to two buttons of the main menu, in a copy of the flows.)
#[test]
fn the_side_keys_press_the_buttons_that_have_them() {
    let flows = common::flows_copy(|name, text| {
        if name != "main_menu.yaml" {
            return text;
        }
        let text = text.replacen(
            "      - {id: withdrawal, label: menu.withdrawal}",
            "      - {id: withdrawal, label: menu.withdrawal, key: F1}",
            1,
        );
        let with_keys = text.replacen(
            "        reason: menu.pick_amount\n",
            "        reason: menu.pick_amount\n        key: F2\n",
            1,
        );
        assert_ne!(with_keys, text, "main_menu.yaml changed: update this test");
        with_keys
    });
    let mut r = common::rig_on(flows.path());
    r.harness.run();
    r.click_containing("Insert card 1:");
    r.keypad("1234");
    r.click("ENTER");
    r.expect_screen("main_menu/menu");
    let key_of = |r: &common::Rig, id: &str| {
        r.harness
            .state()
            .terminal
            .view()
            .and_then(|v| v.buttons.iter().find(|b| b.id == id))
            .and_then(|b| b.key.clone())
    };
    assert_eq!(key_of(&r, "withdrawal").as_deref(), Some("F1"));
    assert_eq!(key_of(&r, "withdraw_now").as_deref(), Some("F2"));
    assert!(!r.button_enabled("withdraw_now"), "no amount chosen yet");

    // F2's button is disabled: nothing happens. F3 has no button.
    r.harness.key_press(egui::Key::F2);
    r.harness.key_press(egui::Key::F3);
    r.harness.run();
    r.expect_screen("main_menu/menu");
    // F12 is still the panel's.
    r.harness.key_press(egui::Key::F12);
    r.harness.run();
    assert!(!r.harness.state().show_panel);
    r.harness.key_press(egui::Key::F12);
    r.harness.run();
    assert!(r.harness.state().show_panel);

    r.harness.key_press(egui::Key::F1);
    r.harness.run();
    r.expect_screen("account_picker/pick");
    assert!(
        r.harness.state().messages.is_empty(),
        "{:?}",
        r.harness.state().messages
    );
}

/// A reader fault: the card offered is not taken in, the session after it cannot open the
/// reader (the panel says why), and once the fault is cleared the welcome screen opens it
/// again on its next look at the bank.
#[test]
fn a_faulty_reader_opens_again_once_the_fault_is_cleared() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    r.click_node("Fault (card_reader reader_fault)", Some(Role::CheckBox));
    r.click_containing("Insert card 1:");
    r.expect_screen("device_fault/notice");
    assert!(!r.harness.state().terminal.devices.card_reader.has_card());
    r.pass_deadline();
    r.expect_screen("welcome/idle");
    assert!(!r.button_containing_enabled("Insert card 1:"));
    r.sees_containing("The reader is faulty and takes no card.");

    r.click_node("Fault (card_reader reader_fault)", Some(Role::CheckBox));
    r.pass_deadline();
    r.expect_screen("welcome/idle");
    assert!(r.button_containing_enabled("Insert card 1:"));

    // Another device's fault on the welcome screen: the reader closes before the notice.
    r.click_node("Fault (qr_reader reader_fault)", Some(Role::CheckBox));
    r.edit_field(
        By::new().role(Role::TextInput).label("QR payload"),
        "EPARA-1",
    );
    r.click("Show to reader");
    r.expect_screen("device_fault/notice");
    assert!(!r.button_containing_enabled("Insert card 1:"));
    r.click_node("Fault (qr_reader reader_fault)", Some(Role::CheckBox));
    r.pass_deadline();
    r.expect_screen("welcome/idle");
    assert_eq!(
        r.harness
            .state()
            .terminal
            .outcomes()
            .last()
            .map(String::as_str),
        Some("fault")
    );
    assert!(r.button_containing_enabled("Insert card 1:"));
    r.click_containing("Insert card 1:");
    r.expect_screen("card_login/pin");
}

/// A card stuck after an eject fault keeps the reader shut; the panel's technician takes
/// it out between sessions, and the reader opens for the next customer.
#[test]
fn a_technician_takes_a_stuck_card_out_between_sessions() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    let technician = "Technician: take out the stuck card";
    assert!(!r.button_containing_enabled(technician), "nothing is stuck");
    r.click_containing("Insert card 1:");
    r.keypad("1234");
    r.click("ENTER");
    r.expect_screen("main_menu/menu");
    assert!(
        !r.button_containing_enabled(technician),
        "never during a session"
    );
    r.click_node("Fault (card_reader reader_fault)", Some(Role::CheckBox));
    r.press("eject");
    r.expect_screen("card_return/stuck");
    r.press("ok");
    r.expect_screen("welcome/idle");
    r.click_node("Fault (card_reader reader_fault)", Some(Role::CheckBox));
    r.pass_deadline();
    assert!(
        !r.button_containing_enabled("Insert card 2:"),
        "a card is inside"
    );
    assert!(r.button_containing_enabled(technician));

    r.click(technician);
    r.sees_containing("Stuck cards taken out: 1");
    r.pass_deadline();
    r.expect_screen("welcome/idle");
    assert!(r.button_containing_enabled("Insert card 2:"));
    r.click_containing("Insert card 2:");
    r.expect_screen("card_login/pin");
    assert_eq!(
        r.harness
            .state()
            .terminal
            .devices
            .card_reader
            .retained_count(),
        0
    );
}
