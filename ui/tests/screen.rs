//! The screen renderer alone, driven through the accessibility tree: what it shows of a
//! view and what it answers when touched. Needs no renderer (no GPU, no display).

use atmflow_engine::ports::{ButtonView, InputKind, InputView, ScreenView, TableView};
use atmflow_ui::egui::{self, accesskit::Role};
use atmflow_ui::{UiEvent, screen_ui};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

fn button(id: &str, label: &str) -> ButtonView {
    ButtonView {
        id: id.into(),
        label: label.into(),
        enabled: true,
        reason: None,
        primary: false,
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
