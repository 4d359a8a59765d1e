//! The screen renderer alone, driven through the accessibility tree: what it shows of a
//! view and what it answers when touched. Needs no renderer (no GPU, no display).

use atmflow_engine::ports::{ButtonView, InputKind, InputView, ScreenView, TableView};
use atmflow_ui::egui::{self, accesskit::Role};
use atmflow_ui::{ScreenOptions, UiEvent, screen_ui, screen_ui_with};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn button(id: &str, label: &str) -> ButtonView {
    ButtonView {
        id: id.into(),
        label: label.into(),
        enabled: true,
        reason: None,
        primary: false,
        key: None,
    }
}

fn sample() -> ScreenView {
    ScreenView {
        id: "withdrawal/confirm".into(),
        language: "en".into(),
        title: "Confirm the withdrawal".into(),
        lines: vec!["Please check the amount.".into()],
        inputs: vec![
            InputView {
                id: "pin".into(),
                kind: InputKind::Pin,
                label: "PIN".into(),
                shown: "••".into(),
                focused: false,
                options: vec![],
                problem: Some("The PIN has 4 digits".into()),
            },
            InputView {
                id: "amount".into(),
                kind: InputKind::Amount,
                label: "Amount".into(),
                shown: "5,000.00 ALL".into(),
                focused: true,
                options: vec![],
                problem: None,
            },
        ],
        tables: vec![TableView {
            title: String::new(),
            rows: vec![("Account".into(), "Current ••41".into())],
        }],
        buttons: vec![
            ButtonView {
                primary: true,
                ..button("confirm", "Confirm")
            },
            ButtonView {
                enabled: false,
                reason: Some("Not for this account".into()),
                ..button("other", "Other amount")
            },
            button("back", "Back"),
            button("cancel", "Cancel"),
            button("eject", "Eject card"),
            button("lang.sq", "Shqip"),
        ],
        qr: Some("atmflow:qr:T001:abc".into()),
        timeout_seconds: Some(30),
        ..ScreenView::default()
    }
}

fn harness(view: ScreenView) -> Harness<'static, Vec<UiEvent>> {
    Harness::builder()
        .with_size(egui::vec2(1024.0, 768.0))
        .build_ui_state(
            move |ui, events: &mut Vec<UiEvent>| {
                if let Some(e) = screen_ui(ui, &view) {
                    events.push(e);
                }
            },
            Vec::new(),
        )
}

#[test]
fn shows_title_lines_tables_inputs_and_the_qr() {
    let h = harness(sample());
    h.get_by_label("Confirm the withdrawal");
    h.get_by_label("Please check the amount.");
    h.get_by_label("Account");
    h.get_by_label("Current ••41");
    // The PIN arrives masked; the renderer shows exactly what the view holds.
    let pin = h.get_by_role_and_label(Role::TextInput, "PIN");
    assert_eq!(pin.value().as_deref(), Some("••"));
    h.get_by_label("⚠ The PIN has 4 digits");
    let amount = h.get_by_role_and_label(Role::TextInput, "Amount");
    assert_eq!(amount.value().as_deref(), Some("5,000.00 ALL"));
    h.get_by_role_and_label(Role::Image, "QR code");
}

#[test]
fn a_disabled_button_says_why_and_does_nothing() {
    let mut h = harness(sample());
    let other = h.get_by_role_and_label(Role::Button, "Other amount");
    assert!(other.accesskit_node().is_disabled());
    h.get_by_label("Not for this account");
    other.click();
    h.run();
    assert!(h.state().is_empty(), "{:?}", h.state());
}

#[test]
fn buttons_answer_their_ids() {
    let mut h = harness(sample());
    for label in ["Confirm", "Back", "Cancel", "Eject card", "Shqip"] {
        h.get_by_role_and_label(Role::Button, label).click();
        h.run();
    }
    let ids: Vec<UiEvent> = ["confirm", "back", "cancel", "eject", "lang.sq"]
        .into_iter()
        .map(|id| UiEvent::Press(id.into()))
        .collect();
    assert_eq!(h.state(), &ids);
}

#[test]
fn touching_an_input_focuses_it() {
    let mut h = harness(sample());
    // The amount has the focus already: touching it again says nothing.
    h.get_by_role_and_label(Role::TextInput, "Amount").click();
    h.run();
    h.get_by_role_and_label(Role::TextInput, "PIN").click();
    h.run();
    assert_eq!(h.state(), &vec![UiEvent::Focus("pin".into())]);
}

#[test]
fn a_focused_text_input_gets_the_on_screen_keyboard() {
    let mut view = sample();
    // An e-mail screen as the flows have it: a line, the input, Confirm, Back, Cancel.
    view.tables.clear();
    view.qr = None;
    view.buttons
        .retain(|b| ["confirm", "back", "cancel"].contains(&b.id.as_str()));
    view.inputs = vec![InputView {
        id: "email".into(),
        kind: InputKind::Text,
        label: "E-mail".into(),
        shown: "ana".into(),
        focused: true,
        options: vec![],
        problem: None,
    }];
    let mut h = harness(view);
    for key in ["b", "@", "⬅", "Clear"] {
        h.get_by_role_and_label(Role::Button, key).click();
        h.run();
    }
    assert_eq!(
        h.state(),
        &vec![
            UiEvent::Type("b".into()),
            UiEvent::Type("@".into()),
            UiEvent::Backspace,
            UiEvent::Clear
        ]
    );
}

#[test]
fn touching_the_qr_enlarges_it_and_another_touch_shrinks_it() {
    let mut h = harness(sample());
    let small = h.get_by_role_and_label(Role::Image, "QR code").rect();
    assert!(h.query_by_label("QR code, enlarged").is_none());
    h.get_by_role_and_label(Role::Image, "QR code").click();
    h.run();
    let big = h
        .get_by_role_and_label(Role::Image, "QR code, enlarged")
        .rect();
    assert!(big.width() > small.width() * 1.5, "{big:?} vs {small:?}");
    h.get_by_role_and_label(Role::Image, "QR code, enlarged")
        .click();
    h.run();
    assert!(h.query_by_label("QR code, enlarged").is_none());
    assert!(h.state().is_empty(), "the QR is no button of the flow");
}

/// A carousel as credit_card_payment's `choose` has it: a position line, the card's table
/// between `prev` and `next`, the balance toggle, the primary action and navigation.
fn carousel() -> ScreenView {
    ScreenView {
        id: "credit_card_payment/choose".into(),
        language: "en".into(),
        title: "Choose the card you want to pay".into(),
        lines: vec!["Card 2 of 3".into()],
        tables: vec![TableView {
            title: String::new(),
            rows: vec![
                ("Card number".into(), "5234 56** **** 7788".into()),
                ("Cardholder".into(), "Arta Hoxha".into()),
                ("Amount owed".into(), "••••••".into()),
                ("Payment due date".into(), "15.12.2026".into()),
            ],
        }],
        buttons: vec![
            button("prev", "Previous card"),
            button("next", "Next card"),
            button("show_balance", "Show balance"),
            ButtonView {
                primary: true,
                ..button("pay", "Pay this card")
            },
            button("main_menu", "Main menu"),
            button("eject", "Eject card"),
        ],
        ..ScreenView::default()
    }
}

fn overlaps_vertically(a: egui::Rect, b: egui::Rect) -> bool {
    a.min.y < b.max.y && b.min.y < a.max.y
}

#[test]
fn the_carousel_arrows_stand_left_and_right_of_the_item() {
    let h = harness(carousel());
    let prev = h
        .get_by_role_and_label(Role::Button, "Previous card")
        .rect();
    let next = h.get_by_role_and_label(Role::Button, "Next card").rect();
    let key = h.get_by_label("Card number").rect();
    let value = h.get_by_label("5234 56** **** 7788").rect();
    let line = h.get_by_label("Card 2 of 3").rect();
    assert!(prev.max.x < key.min.x, "{prev:?} left of {key:?}");
    assert!(next.min.x > value.max.x, "{next:?} right of {value:?}");
    assert!(prev.max.x < line.min.x && next.min.x > line.max.x);
    // Beside the card, not under it in the options.
    for arrow in [prev, next] {
        assert!(overlaps_vertically(arrow, key), "{arrow:?} beside {key:?}");
        assert!(arrow.height() >= 76.0, "{arrow:?}");
        assert!(arrow.width() >= 76.0, "{arrow:?}");
    }
    assert!((prev.min.y - next.min.y).abs() < 1.0);
}

#[test]
fn the_carousel_arrows_answer_prev_and_next() {
    let mut h = harness(carousel());
    h.get_by_role_and_label(Role::Button, "Next card").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Previous card")
        .click();
    h.run();
    assert_eq!(
        h.state(),
        &vec![UiEvent::Press("next".into()), UiEvent::Press("prev".into())]
    );
}

#[test]
fn a_disabled_carousel_arrow_is_greyed_and_says_why() {
    let mut view = carousel();
    view.buttons[0].enabled = false;
    view.buttons[0].reason = Some("This is the first card".into());
    let mut h = harness(view);
    let prev = h.get_by_role_and_label(Role::Button, "Previous card");
    assert!(prev.accesskit_node().is_disabled());
    let prev_rect = prev.rect();
    let reason = h.get_by_label("This is the first card").rect();
    assert!(
        reason.min.y >= prev_rect.max.y,
        "{reason:?} under {prev_rect:?}"
    );
    assert!(
        reason.min.x < prev_rect.max.x,
        "{reason:?} on the side of the arrow"
    );
    h.get_by_role_and_label(Role::Button, "Previous card")
        .click();
    h.run();
    assert!(h.state().is_empty(), "{:?}", h.state());
}

#[test]
fn prev_without_next_is_a_plain_option() {
    let mut view = carousel();
    view.buttons.retain(|b| b.id != "next");
    let mut h = harness(view);
    let prev = h
        .get_by_role_and_label(Role::Button, "Previous card")
        .rect();
    let key = h.get_by_label("Payment due date").rect();
    assert!(
        prev.min.y > key.max.y,
        "an option, under the table: {prev:?}"
    );
    h.get_by_role_and_label(Role::Button, "Previous card")
        .click();
    h.run();
    assert_eq!(h.state(), &vec![UiEvent::Press("prev".into())]);
}

#[test]
fn the_balance_toggle_sits_in_the_table_and_answers_its_id() {
    let mut h = harness(carousel());
    let toggle = h.get_by_role_and_label(Role::Button, "Show balance").rect();
    let key = h.get_by_label("Card number").rect();
    let next = h.get_by_role_and_label(Role::Button, "Next card").rect();
    // A secondary control: smaller than an option, in the card, before the arrow.
    assert!(
        toggle.height() < 76.0 && toggle.height() >= 44.0,
        "{toggle:?}"
    );
    assert!(toggle.min.x > key.min.x && toggle.max.x < next.min.x);
    assert!(overlaps_vertically(toggle, next), "{toggle:?} by the card");
    h.get_by_role_and_label(Role::Button, "Show balance")
        .click();
    h.run();
    assert_eq!(h.state(), &vec![UiEvent::Press("show_balance".into())]);
}

/// The account picker: the accounts as choices, the toggle, Main menu and Eject.
fn picker(show: bool) -> ScreenView {
    let balance = |b: &str| {
        if show {
            b.to_string()
        } else {
            "••••••".into()
        }
    };
    let toggle = if show {
        button("hide_balance", "Hide balance")
    } else {
        button("show_balance", "Show balance")
    };
    ScreenView {
        id: "account_picker/pick".into(),
        language: "en".into(),
        title: "Choose the account".into(),
        buttons: vec![
            button(
                "account.0",
                &format!("Current account ••41 · ALL · {}", balance("2,500.00 ALL")),
            ),
            button(
                "account.1",
                &format!("Savings account ••52 · ALL · {}", balance("400.00 ALL")),
            ),
            button(
                "account.2",
                &format!("Euro account ••63 · EUR · {}", balance("20.00 EUR")),
            ),
            toggle,
            button("main_menu", "Main menu"),
            button("eject", "Eject card"),
        ],
        ..ScreenView::default()
    }
}

#[test]
fn long_choices_are_a_list_with_the_toggle_above_it() {
    let mut h = harness(picker(true));
    let rows: Vec<egui::Rect> = ["Current account", "Savings account", "Euro account"]
        .iter()
        .map(|name| {
            h.get_by(|n| n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with(name)))
                .rect()
        })
        .collect();
    for pair in rows.windows(2) {
        assert!(
            pair[1].min.y > pair[0].max.y,
            "one under the other: {rows:?}"
        );
        assert!((pair[1].min.x - pair[0].min.x).abs() < 1.0);
    }
    for row in &rows {
        assert!(row.width() > 900.0, "a full-width row: {row:?}");
    }
    let toggle = h.get_by_role_and_label(Role::Button, "Hide balance").rect();
    assert!(toggle.max.y <= rows[0].min.y, "above the list: {toggle:?}");
    assert!(toggle.height() < rows[0].height());
    h.get_by(|n| {
        n.role() == Role::Button && n.label().is_some_and(|l| l.starts_with("Savings account"))
    })
    .click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Hide balance")
        .click();
    h.run();
    assert_eq!(
        h.state(),
        &vec![
            UiEvent::Press("account.1".into()),
            UiEvent::Press("hide_balance".into())
        ]
    );
}

#[test]
fn short_choices_stay_in_two_columns() {
    let mut view = picker(false);
    for (i, b) in view.buttons.iter_mut().take(3).enumerate() {
        b.label = format!("{}0,000 ALL", i + 1);
    }
    let h = harness(view);
    let first = h.get_by_role_and_label(Role::Button, "10,000 ALL").rect();
    let second = h.get_by_role_and_label(Role::Button, "20,000 ALL").rect();
    assert!(
        (first.min.y - second.min.y).abs() < 1.0,
        "{first:?} {second:?}"
    );
    assert!(second.min.x > first.max.x);
}

/// The history's calendar: a date as three digit inputs (day, month, year) twice, the
/// predefined periods, Show (disabled until both dates are typed) and Close.
fn calendar() -> ScreenView {
    let digits = |id: &str, label: &str| InputView {
        id: id.into(),
        kind: InputKind::Digits,
        label: label.into(),
        shown: String::new(),
        focused: id == "from_d",
        options: vec![],
        problem: None,
    };
    ScreenView {
        id: "transaction_history/calendar".into(),
        language: "en".into(),
        title: "Choose the period".into(),
        lines: vec![
            "Period: 13.04.2026 – 12.05.2026".into(),
            "Choose a predefined period, or enter the start and end dates (DD MM YYYY) and press Show.".into(),
        ],
        inputs: vec![
            digits("from_d", "From: day (DD)"),
            digits("from_m", "From: month (MM)"),
            digits("from_y", "From: year (YYYY)"),
            digits("to_d", "To: day (DD)"),
            digits("to_m", "To: month (MM)"),
            digits("to_y", "To: year (YYYY)"),
        ],
        buttons: vec![
            button("last_7", "Last 7 days"),
            button("last_30", "Last 30 days"),
            button("this_month", "This month"),
            button("last_3_months", "Last 3 months"),
            ButtonView {
                primary: true,
                enabled: false,
                reason: Some(
                    "Enter two real dates (DD MM YYYY): the start not after the end, the end \
                     not after today, at most 92 days apart"
                        .into(),
                ),
                ..button("show", "Show")
            },
            button("close", "Close the calendar"),
        ],
        ..ScreenView::default()
    }
}

#[test]
fn a_date_typed_as_day_month_year_is_one_row() {
    let h = harness(calendar());
    for prefix in ["From", "To"] {
        let rects: Vec<egui::Rect> = ["day (DD)", "month (MM)", "year (YYYY)"]
            .iter()
            .map(|part| {
                h.get_by_role_and_label(Role::TextInput, &format!("{prefix}: {part}"))
                    .rect()
            })
            .collect();
        for pair in rects.windows(2) {
            assert!((pair[0].min.y - pair[1].min.y).abs() < 1.0, "{rects:?}");
            assert!(pair[1].min.x > pair[0].max.x, "{rects:?}");
        }
    }
    let from = h
        .get_by_role_and_label(Role::TextInput, "From: day (DD)")
        .rect();
    let to = h
        .get_by_role_and_label(Role::TextInput, "To: day (DD)")
        .rect();
    assert!(to.min.y > from.max.y, "the end date under the start date");
}

#[test]
fn the_calendar_fits_without_scrolling() {
    let h = harness(calendar());
    // The navigation row starts 104 points above the bottom of the 768-point screen.
    let nav_top = 768.0 - 104.0;
    let show = h.get_by_role_and_label(Role::Button, "Show").rect();
    for label in ["Last 7 days", "Last 30 days", "This month", "Last 3 months"] {
        let r = h.get_by_role_and_label(Role::Button, label).rect();
        assert!(
            r.max.y <= show.min.y,
            "{label} above the primary action: {r:?}"
        );
        assert!(r.height() >= 52.0, "{label}: {r:?}");
    }
    // The long reason of the disabled primary action is at its left, all of it above the
    // navigation row.
    let reason = h.get_by_label_contains("Enter two real dates").rect();
    assert!(reason.max.x <= show.min.x, "{reason:?} left of {show:?}");
    assert!(reason.max.y <= nav_top, "{reason:?}");
}

#[test]
fn a_table_of_long_labels_wraps_them_and_keeps_its_values_on_the_screen() {
    let description = "02.11.2026 · Pagesë karte krediti / Credit card payment 5234 56** **** \
                       3344 · Tirana, Rruga e Kavajës";
    let view = ScreenView {
        id: "transaction_history/list".into(),
        language: "en".into(),
        title: "Transaction history".into(),
        tables: vec![TableView {
            title: String::new(),
            rows: vec![
                (description.into(), "-2,000.00 ALL".into()),
                ("02.11.2026 · Salary".into(), "85,000.00 ALL".into()),
            ],
        }],
        buttons: vec![button("back", "Back")],
        ..ScreenView::default()
    };
    let h = harness(view);
    let key = h.get_by_label(description).rect();
    let value = h.get_by_label("-2,000.00 ALL").rect();
    let other = h.get_by_label("85,000.00 ALL").rect();
    // Within the body's margins of the 1024-point screen.
    assert!(value.max.x <= 1024.0 - 28.0, "{value:?}");
    assert!(key.max.x < value.min.x, "{key:?} {value:?}");
    assert!(
        key.height() > value.height() * 1.5,
        "the label wraps: {key:?}"
    );
    assert!(
        (value.min.x - other.min.x).abs() < 1.0,
        "one column of values"
    );
}

#[test]
fn a_side_key_is_shown_on_its_button_but_is_not_its_name() {
    let mut view = sample();
    for b in &mut view.buttons {
        if b.id == "confirm" {
            b.key = Some("F8".into());
        }
    }
    let mut h = harness(view);
    // Touch still works, and the button is still found by its own label alone.
    h.get_by_role_and_label(Role::Button, "Confirm").click();
    h.run();
    assert_eq!(h.state().as_slice(), [UiEvent::Press("confirm".into())]);
    assert!(h.query_by_label("F8 Confirm").is_none());
}

fn harness_at(view: ScreenView, now: chrono::NaiveDateTime) -> Harness<'static> {
    let options = ScreenOptions { now: Some(now) };
    Harness::builder()
        .with_size(egui::vec2(1024.0, 768.0))
        .build_ui(move |ui| {
            screen_ui_with(ui, &view, &options);
        })
}

#[test]
fn the_promo_area_shows_one_message_at_a_time_in_turn() {
    let view = ScreenView {
        promo: vec!["Loans".into(), "The app".into(), "Savings".into()],
        footer: vec!["Customer service: +355 4 2280 555".into()],
        ..sample()
    };
    let at = |secs: i64| {
        chrono::NaiveDate::from_ymd_opt(2026, 5, 12)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("a time")
            + chrono::Duration::seconds(secs)
    };
    let shown = |secs: i64| {
        let h = harness_at(view.clone(), at(secs));
        let shown: Vec<&str> = ["Loans", "The app", "Savings"]
            .into_iter()
            .filter(|p| h.query_by_label(p).is_some())
            .collect();
        // The small print is there whatever the promo shows.
        h.get_by_label("Customer service: +355 4 2280 555");
        shown
    };
    // 10:00:00 is a multiple of the period: the turn of the message at index
    // (seconds since 1970 / period) mod 3.
    let period = atmflow_ui::screen::PROMO_SECONDS;
    let first = shown(0);
    assert_eq!(first.len(), 1, "one message at a time: {first:?}");
    let second = shown(period);
    let third = shown(2 * period);
    let fourth = shown(3 * period);
    assert_eq!(second.len(), 1);
    assert_ne!(first, second, "the message changes after {period} s");
    assert_ne!(second, third);
    assert_ne!(first, third);
    assert_eq!(first, fourth, "and comes round again");
    assert_eq!(shown(period - 1), first, "not before its time is up");
}
