//! Whole customer transactions through the terminal window, driven through the
//! accessibility tree by label as a person would: the screen's buttons and inputs, the
//! device panel's card reader, keypad, cash acceptor and dispenser, and the phone app.
//! Each one is checked on the screen, on the devices and in the bank (tests/scenarios/
//! run the same transactions without the window).

mod common;

use atmflow_ui::egui::{self, accesskit::Role};
use common::{all, currency, rig};
use egui_kittest::kittest::{By, Queryable};
use rust_decimal::Decimal;

/// A deposit with a card: the card and the PIN from the device panel, Deposit on the
/// screen, notes of three denominations counted in the panel's cash acceptor, Confirm,
/// a receipt, the card back.
#[test]
fn a_deposit_with_a_card_through_the_window() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    r.click("English");

    r.click_containing("Insert card 1:");
    r.expect_screen("card_login/pin");
    r.keypad("1234");
    assert_eq!(r.pin_shown().as_deref(), Some("••••"));
    r.click("ENTER");
    r.expect_screen("main_menu/menu");

    r.press("deposit");
    r.expect_screen("account_picker/pick");
    r.press("account.0");
    r.expect_screen("cash_in/insert");
    r.sees("ALL notes are accepted.");
    // The terminal opened the acceptor's slot, and the panel says so.
    r.sees("The slot is open for ALL");

    // Notes chosen in the panel: 1 × 5000, 2 × 1000, 3 × 500 = 8,500 ALL.
    r.set_note_count("5000", 1);
    r.set_note_count("1000", 2);
    r.set_note_count("500", 3);
    assert_eq!(r.note_count_shown("1000"), Some(2.0));
    assert_eq!(r.note_count_shown("500"), Some(3.0));
    assert_eq!(r.note_count_shown("2000"), Some(0.0));
    // Typing the counts reached the panel's fields, not the terminal.
    r.expect_screen("cash_in/insert");
    r.click("Insert notes");

    r.expect_screen("cash_in/summary");
    r.sees("1 × 5000 ALL");
    r.sees("2 × 1000 ALL");
    r.sees("3 × 500 ALL");
    r.sees("8,500.00 ALL");
    r.sees_containing("In escrow: 8500");
    // Counted, not yet credited nor stored.
    assert_eq!(r.balance("ACC-0001"), all(250_000));
    assert_eq!(
        r.harness
            .state()
            .terminal
            .devices
            .cash_acceptor
            .stored_total(&currency("ALL")),
        all(0)
    );
    // The notes just inserted are not offered for insertion again.
    assert_eq!(r.note_count_shown("1000"), Some(0.0));

    r.press("confirm");
    r.expect_screen("receipt_choice/choose");
    r.press("print");
    r.expect_screen("deposit/done");
    r.sees("Deposit complete");
    r.sees("Deposited");
    r.sees("8,500.00 ALL");
    r.sees("New balance");
    r.sees("258,500.00 ALL");
    r.sees_containing("Cash box: 8500 ALL");
    assert_eq!(r.balance("ACC-0001"), all(258_500));

    r.press("eject");
    r.expect_screen("card_return/take_card");
    r.click("Take card");
    r.expect_screen("welcome/idle");

    let w = r.harness.state();
    let d = &w.terminal.devices;
    let acceptor = &d.cash_acceptor;
    assert_eq!(acceptor.stored_total(&currency("ALL")), all(8_500));
    assert_eq!(
        acceptor.stored_notes(&currency("ALL")),
        vec![
            (Decimal::from(5000), 1),
            (Decimal::from(1000), 2),
            (Decimal::from(500), 3)
        ]
    );
    assert!(acceptor.escrow_notes().is_empty());
    assert!(acceptor.returned().is_none());
    assert_eq!(d.receipt_printer.receipts().len(), 1);
    let receipt = &d.receipt_printer.receipts()[0];
    assert!(receipt.iter().any(|l| l.contains("Deposit")), "{receipt:?}");
    assert!(
        receipt.iter().any(|l| l.contains("8,500.00 ALL")),
        "{receipt:?}"
    );
    assert!(!d.card_reader.has_card());
    assert_eq!(d.card_reader.retained_count(), 0);
    assert_eq!(
        d.cash_dispenser.total_dispensed(&currency("ALL")),
        all(0),
        "a deposit dispenses nothing"
    );
    assert_eq!(
        w.terminal.outcomes().last().map(String::as_str),
        Some("done")
    );
    assert_eq!(
        w.terminal
            .host
            .bank
            .balance_of("ACC-0001")
            .expect("ACC-0001"),
        all(258_500)
    );
    assert!(w.messages.is_empty(), "{:?}", w.messages);
}

/// A cardless withdrawal with a unique code (§V.1): the panel's phone app issues the code
/// and shows it on the phone; at the terminal, Cardless → Withdraw with unique code, the
/// amount and the code on the keypad, Confirm, a receipt, the cash. Then the same code is
/// refused as used.
#[test]
fn a_cardless_withdrawal_with_a_unique_code_through_the_window() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    r.click("English");

    // The customer's phone: BKT Smart issues a code for 5,000 ALL from ACC-0001, valid
    // 24 hours at every terminal (the app's account and amount, labelled).
    assert!(
        r.harness
            .query_by_role_and_label(Role::ComboBox, "App account")
            .is_some_and(|n| n.value().as_deref() == Some("ACC-0001")),
        "the app's account list is labelled"
    );
    r.edit_field(
        By::new().role(Role::TextInput).label("App amount"),
        "5000 ALL",
    );
    assert_eq!(
        r.harness
            .get_by_role_and_label(Role::TextInput, "Code valid (hours)")
            .value()
            .as_deref(),
        Some("24")
    );
    r.click("Issue a unique code");
    let code = r.text_after("Unique code:");
    assert_eq!(code.len(), 6, "a 6-digit code: {code}");
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    // The bank's answer repeats the amount and the account, and not the code.
    r.sees_containing("The bank accepted: a unique code for 5,000.00 ALL from ACC-0001");
    r.sees_containing("at every terminal");
    let answer = format!("{:?}", r.harness.state().phone.answer);
    assert!(!answer.contains(&code), "{answer}");
    assert!(
        !r.screen_shows(&code),
        "the code is on the terminal's screen"
    );
    assert_eq!(
        r.balance("ACC-0001"),
        all(250_000),
        "issuing charges nothing"
    );

    r.press("cardless");
    r.expect_screen("cardless_menu/menu");
    r.sees("Withdraw with unique code");
    r.press("unique_code");
    r.expect_screen("unique_code_withdrawal/enter");
    r.sees("Withdraw with a unique code");
    assert!(!r.button_enabled("confirm"), "nothing typed yet");

    r.touch_input("amount");
    r.keypad("5000");
    let amount_label = r.input_label("amount");
    assert_eq!(
        r.input_shown(&amount_label).as_deref(),
        Some("5,000.00 ALL")
    );
    assert!(!r.button_enabled("confirm"), "no code yet");

    r.touch_input("code");
    r.keypad(&code);
    // The code is secret: dots on the screen (only the phone shows it).
    let code_label = r.input_label("code");
    assert_eq!(r.input_shown(&code_label).as_deref(), Some("••••••"));
    assert!(!r.screen_shows(&code));
    assert!(r.button_enabled("confirm"), "{}", r.describe());

    // ENTER on the keypad is the screen's Confirm.
    r.click("ENTER");
    r.expect_screen("unique_code_withdrawal/summary");
    r.sees("5,000.00 ALL");
    assert_eq!(
        r.balance("ACC-0001"),
        all(250_000),
        "checked, not yet charged"
    );

    r.press("confirm");
    r.expect_screen("receipt_choice/choose");
    r.press("print");
    r.expect_screen("dispense_cash/take_cash");
    r.sees_containing("Presented: 5000 ALL");
    r.click("Take cash");
    r.expect_screen("unique_code_withdrawal/done");
    r.sees_containing("5,000.00 ALL withdrawn");
    r.press("main_menu");
    r.expect_screen("welcome/idle");

    {
        let w = r.harness.state();
        let d = &w.terminal.devices;
        assert_eq!(
            d.cash_dispenser.total_dispensed(&currency("ALL")),
            all(5_000)
        );
        assert!(d.cash_dispenser.presented().is_none());
        assert_eq!(d.receipt_printer.receipts().len(), 1);
        let receipt = &d.receipt_printer.receipts()[0];
        assert!(
            receipt.iter().any(|l| l.contains("Unique code withdrawal")),
            "{receipt:?}"
        );
        assert!(
            receipt.iter().any(|l| l.contains("5,000.00 ALL")),
            "{receipt:?}"
        );
        assert!(!d.card_reader.has_card(), "no card took part");
        assert_eq!(
            w.terminal.outcomes().last().map(String::as_str),
            Some("done")
        );
        assert!(w.messages.is_empty(), "{:?}", w.messages);
    }
    assert_eq!(r.balance("ACC-0001"), all(245_000));
    let journal = r.journal_text();
    assert!(journal.contains("unique_code_withdraw"), "{journal}");
    assert!(!journal.contains(&code), "the code reached the journal");
    let said = r.harness.state().messages.join("\n");
    assert!(
        !said.contains(&code),
        "the code reached the messages: {said}"
    );

    // The code was spent: typed again, the bank says so and charges nothing.
    r.press("cardless");
    r.press("unique_code");
    r.expect_screen("unique_code_withdrawal/enter");
    r.touch_input("amount");
    r.keypad("5000");
    r.touch_input("code");
    r.keypad(&code);
    r.click("ENTER");
    r.expect_screen("unique_code_withdrawal/used");
    assert_eq!(r.balance("ACC-0001"), all(245_000));
    assert_eq!(
        r.harness
            .state()
            .terminal
            .devices
            .cash_dispenser
            .total_dispensed(&currency("ALL")),
        all(5_000)
    );
}

/// A QR withdrawal from the welcome screen's touchless QR (§V.2): in the panel's phone
/// app the customer sets the Soft PIN, picks the account and the amount and scans the QR
/// on the screen; the terminal finds out on its next look at the bank, shows the summary,
/// and pays out.
#[test]
fn a_qr_withdrawal_scanned_by_the_phone_app_through_the_window() {
    let mut r = rig();
    r.harness.run();
    r.expect_screen("welcome/idle");
    r.click("English");
    let payload = r
        .harness
        .state()
        .terminal
        .view()
        .and_then(|v| v.qr.clone())
        .expect("the welcome screen shows a QR");
    assert!(
        r.harness
            .query_by_role_and_label(Role::Image, "QR code")
            .is_some(),
        "the QR is in the tree"
    );
    let before = r.balance("ACC-0002");

    // The phone app: a Soft PIN of the customer's own.
    r.edit_field(By::new().role(Role::TextInput).label("Soft PIN"), "1357");
    assert_eq!(r.harness.state().phone.soft_pin, "1357");
    r.expect_screen("welcome/idle");
    r.click("Activate the Soft PIN");
    assert!(
        matches!(r.harness.state().phone.answer, Some(Ok(_))),
        "{:?}",
        r.harness.state().phone.answer
    );

    // The account (the app's list shows the first one) and the amount.
    let account_list = || By::new().role(Role::ComboBox).label("App account");
    r.harness.get(account_list()).scroll_to_me();
    r.harness.run();
    r.harness.get(account_list()).click();
    r.harness.run();
    r.click("ACC-0002");
    assert_eq!(r.harness.state().phone.account, "ACC-0002");
    r.edit_field(
        By::new().role(Role::TextInput).label("App amount"),
        "7500 ALL",
    );
    assert_eq!(r.harness.state().phone.amount, "7500 ALL");
    r.click_node("withdrawal", Some(Role::RadioButton));
    assert_eq!(r.harness.state().phone.kind, "withdrawal");

    r.click("Scan the QR on screen with the phone");
    let answer = r.harness.state().phone.answer.clone().expect("an answer");
    let text = answer.unwrap_or_else(|e| panic!("the bank refused the scan: {e}"));
    r.sees_containing(&format!("The bank accepted: {text}"));
    // The answer repeats what the phone asked for.
    r.sees_containing("The bank accepted: withdrawal of 7500 ALL from ACC-0002");

    // The terminal learns of the scan on its next look at the bank.
    r.expect_screen("welcome/idle");
    r.pass_deadline();
    r.expect_screen("qr_withdrawal/summary");
    r.sees("Withdrawal summary");
    r.sees("7,500.00 ALL");
    assert_eq!(
        r.balance("ACC-0002"),
        before,
        "nothing charged before Confirm"
    );

    r.press("confirm");
    r.expect_screen("receipt_choice/choose");
    r.press("none");
    r.expect_screen("dispense_cash/take_cash");
    r.sees_containing("Presented: 7500 ALL");
    r.click("Take cash");
    r.expect_screen("qr_withdrawal/done");
    r.sees("Transaction successful");
    r.sees_containing("7,500.00 ALL withdrawn");
    r.press("main_menu");
    r.expect_screen("welcome/idle");

    let expected = before.amount - Decimal::from(7_500);
    assert_eq!(r.balance("ACC-0002").amount, expected);
    assert_eq!(
        r.balance("ACC-0001"),
        all(250_000),
        "the other account is untouched"
    );
    let w = r.harness.state();
    let d = &w.terminal.devices;
    assert_eq!(
        d.cash_dispenser.total_dispensed(&currency("ALL")),
        all(7_500)
    );
    assert!(d.cash_dispenser.presented().is_none());
    assert!(
        d.receipt_printer.receipts().is_empty(),
        "no receipt was asked for"
    );
    assert!(!d.card_reader.has_card(), "no card took part");
    assert_eq!(
        w.terminal.outcomes().last().map(String::as_str),
        Some("done")
    );
    // The welcome screen shows a new QR: the one scanned is spent.
    let now_shown = w.terminal.view().and_then(|v| v.qr.clone());
    assert!(now_shown.is_some());
    assert_ne!(now_shown.as_deref(), Some(payload.as_str()));
    assert!(w.messages.is_empty(), "{:?}", w.messages);
}

/// A business deposit with a code (§V.6): in the panel's business internet bank the
/// company (ACC-0006) issues a deposit code to its employee E-100; the bank sends it by
/// SMS, which the panel's phone reads; at the terminal, Cardless → Business deposit, the
/// code on the keypad, the company confirmed, notes counted, Confirm, a receipt.
#[test]
fn a_business_deposit_with_a_code_sent_by_sms_through_the_window() {
    let mut r = rig();
    // The demo bank paid E-100 a salary in the two months before 25.11.2026: on that day
    // she may deposit for the company.
    r.clock.set(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("a time"),
    );
    r.harness.run();
    r.expect_screen("welcome/idle");
    r.click("English");
    let before = r.balance("ACC-0006");

    for (label, value) in [
        ("Business account", "ACC-0006"),
        ("Employee", "E-100"),
        ("Source of funds", "Shitje / Sales"),
        ("Deposit code valid (hours)", "24"),
    ] {
        assert_eq!(
            r.harness
                .get_by_role_and_label(Role::TextInput, label)
                .value()
                .as_deref(),
            Some(value),
            "{label}"
        );
    }
    r.click("Who may deposit");
    r.sees_containing("E-100 Elira Meta");
    r.click("Issue a deposit code");
    r.sees_containing(
        "The business bank issued a deposit code to ACC-0006 for E-100 (ALL), sent by SMS to \
         +355 69 *** 5566",
    );
    // The code went by SMS only: the panel's phone reads the employee's last SMS.
    r.does_not_see_containing("SMS code:");
    assert_eq!(r.harness.state().phone.sms_to, "+355694445566");
    r.click("Read the last SMS");
    let code = r.text_after("SMS code:");
    assert_eq!(code.len(), 6, "{code}");
    r.sees_containing("Alba Trade");
    let answer = format!("{:?}", r.harness.state().business.answer);
    assert!(
        !answer.contains(&code),
        "the business bank shows the code: {answer}"
    );
    assert!(!r.screen_shows(&code));

    r.press("cardless");
    r.press("business_deposit");
    r.expect_screen("business_code_deposit/enter_code");
    r.keypad(&code);
    assert!(!r.screen_shows(&code), "the code is secret on the screen");
    r.click("ENTER");
    r.expect_screen("business_code_deposit/company");
    assert!(r.screen_shows("Alba Trade"), "{}", r.describe());
    r.press("continue");
    r.expect_screen("cash_in/insert");
    r.set_note_count("5000", 2);
    r.set_note_count("2000", 1);
    r.click("Insert notes");
    r.expect_screen("cash_in/summary");
    r.press("confirm");
    r.expect_screen("business_code_deposit/confirm");
    r.sees_containing("12,000.00 ALL");
    assert_eq!(
        r.balance("ACC-0006"),
        before,
        "nothing credited before Confirm"
    );
    r.press("confirm");
    r.expect_screen("receipt_choice/choose");
    r.press("print");
    r.expect_screen("business_code_deposit/done");
    assert_eq!(
        r.balance("ACC-0006").amount,
        before.amount + Decimal::from(12_000)
    );
    let journal = r.journal_text();
    assert!(journal.contains("business_deposit"), "{journal}");
    assert!(!journal.contains(&code), "the code reached the journal");
    let w = r.harness.state();
    assert_eq!(
        w.terminal
            .devices
            .cash_acceptor
            .stored_total(&currency("ALL")),
        all(12_000)
    );
    assert!(w.messages.is_empty(), "{:?}", w.messages);
}

/// A cardless money transfer (§V.5) sends its one-time code by SMS to the depositor's
/// mobile: the panel's phone reads it (the number is offered once the bank sent to it),
/// and the code typed on the keypad opens the cash acceptor.
#[test]
fn a_cardless_transfer_code_is_read_from_the_sms_on_the_phone() {
    let mut r = rig();
    r.harness.run();
    r.click("English");
    r.press("cardless");
    r.press("transfer");
    r.expect_screen("cardless_deposit/identify");
    r.touch_input("personal_id");
    r.harness.event(egui::Event::Text("J80512345L".into()));
    r.harness.run();
    r.touch_input("mobile");
    r.keypad("82345678");
    r.press("continue");
    r.expect_screen("cardless_deposit/otp");

    r.click("SMS of +355682345678");
    assert_eq!(r.harness.state().phone.sms_to, "+355682345678");
    let code = r.text_after("SMS code:");
    assert_eq!(code.len(), 6, "{code}");
    r.keypad(&code);
    assert!(!r.screen_shows(&code));
    r.click("ENTER");
    r.expect_screen("cash_in/insert");
    assert!(
        !r.journal_text().contains(&code),
        "the code reached the journal"
    );
    // A number with no SMS says so.
    r.edit_field(
        By::new().role(Role::TextInput).label("Phone number"),
        "+355670000000",
    );
    r.click("Read the last SMS");
    r.sees_containing("No SMS:");
}
