//! Image snapshots of the main screens, rendered by wgpu. Where there is no GPU (CI, the
//! development machines) wgpu renders on Mesa's software Vulkan, lavapipe, which
//! `scripts/install-gui-deps.sh` installs. Without an adapter, or without the DejaVu
//! fonts, the test fails: it never skips.
//!
//! The views are written out here (as the shipped flows showed them when the images were
//! made), so the images change only when the renderer's look changes, not with every
//! edit of a flow's text; `window.rs` runs the real flows. After a deliberate change of
//! the look, `UPDATE_SNAPSHOTS=1 cargo test -p atmflow-ui --test snapshots` writes the
//! images anew under `ui/tests/snapshots/`: look at them before committing.

use atmflow_engine::ports::{ButtonView, InputKind, InputView, ScreenView, TableView};
use atmflow_ui::egui;
use atmflow_ui::{ScreenOptions, screen_ui_with};
use chrono::NaiveDate;
use egui_kittest::{Harness, SnapshotResults};

fn b(id: &str, label: &str) -> ButtonView {
    ButtonView {
        id: id.into(),
        label: label.into(),
        enabled: true,
        reason: None,
        primary: false,
        key: None,
    }
}

fn primary(id: &str, label: &str) -> ButtonView {
    ButtonView {
        primary: true,
        ..b(id, label)
    }
}

fn disabled(mut button: ButtonView, reason: &str) -> ButtonView {
    button.enabled = false;
    button.reason = Some(reason.into());
    button
}

fn view(id: &str, title: &str, lines: &[&str], buttons: Vec<ButtonView>) -> ScreenView {
    ScreenView {
        id: id.into(),
        language: "en".into(),
        title: title.into(),
        lines: lines.iter().map(|l| l.to_string()).collect(),
        buttons,
        ..ScreenView::default()
    }
}

fn input(id: &str, kind: InputKind, label: &str, shown: &str) -> InputView {
    InputView {
        id: id.into(),
        kind,
        label: label.into(),
        shown: shown.into(),
        focused: true,
        options: vec![],
        problem: None,
    }
}

fn welcome() -> ScreenView {
    let mut v = view(
        "welcome/idle",
        "Welcome to BKT Smart BanKomaT",
        &[
            "Withdrawal, deposit, mobile top-up, payments, transfers",
            "Currencies: ALL, EUR",
            "Accepted: Visa, Mastercard",
        ],
        vec![
            b("cardless", "Cardless transactions"),
            b("epara", "epara"),
            b("lang.sq", "Shqip"),
        ],
    );
    v.qr = Some("https://bkt.example/atm/T001/qr/0123456789abcdef".into());
    v.promo = vec![
        "BKT cards: no-fee withdrawals at every BKT terminal".into(),
        "Consumer loans at a reduced rate: ask at a branch".into(),
        "BKT Smart: withdraw cash without a card, by code or by QR".into(),
    ];
    v.footer = vec!["Customer service: +355 4 2280 555".into()];
    v
}

fn pin() -> ScreenView {
    let mut v = view(
        "card_login/pin",
        "Welcome, Arta Hoxha",
        &["Enter your 4-digit PIN on the keypad"],
        vec![
            disabled(primary("enter", "Enter"), "The PIN has 4 digits"),
            b("cancel", "Cancel"),
            b("lang.sq", "Shqip"),
        ],
    );
    v.inputs = vec![input("pin", InputKind::Pin, "PIN", "••")];
    v
}

fn main_menu() -> ScreenView {
    let mut v = view(
        "main_menu/menu",
        "Welcome, Arta Hoxha",
        &["Fast withdrawal (ALL)"],
        vec![
            b("fast.0", "2,000.00 ALL"),
            b("fast.1", "5,000.00 ALL ✓"),
            b("fast.2", "10,000.00 ALL"),
            b("fast.3", "20,000.00 ALL"),
            b("use_eur", "EUR"),
            b("other", "Other"),
            b("withdrawal", "Withdrawal"),
            b("deposit", "Deposit"),
            b("mobile_topup", "Mobile top-up"),
            b("credit_cards", "Credit cards"),
            b("more", "More"),
            b("payments", "☰ Payments, transfers"),
            b("profile", "My profile (e-mail)"),
            primary("withdraw_now", "Withdraw now"),
            b("eject", "Eject card"),
        ],
    );
    v.promo = vec![
        "Consumer loans at a reduced rate: ask at a branch".into(),
        "BKT Smart: withdraw cash without a card, by code or by QR".into(),
        "Time deposits: a higher rate for your savings".into(),
    ];
    v.footer = vec!["Last login: 02.06.2025 09:15 · +355 4 2280 555".into()];
    v
}

/// A screen whose buttons also answer the side function keys (no shipped flow gives any:
/// the manual's terminals are touch only). The keys' tags sit in the corner nearest them.
fn side_keys() -> ScreenView {
    let keyed = |id: &str, label: &str, key: &str| ButtonView {
        key: Some(key.into()),
        ..b(id, label)
    };
    view(
        "receipt_choice/choose",
        "Would you like a receipt?",
        &["Choose how you would like the receipt of this transaction."],
        vec![
            keyed("print", "Print a receipt", "F4"),
            keyed("email", "Send it by e-mail", "F8"),
            ButtonView {
                primary: true,
                key: Some("F7".into()),
                ..b("none", "No receipt")
            },
            b("cancel", "Cancel"),
        ],
    )
}

fn confirm() -> ScreenView {
    let mut v = view(
        "withdrawal/confirm",
        "Confirm the withdrawal",
        &[],
        vec![primary("confirm", "Confirm"), b("cancel", "Cancel")],
    );
    v.tables = vec![TableView {
        title: String::new(),
        rows: vec![
            (
                "Account".into(),
                "AL89 2051 1001 0000 0002 3569 8741".into(),
            ),
            ("Amount".into(), "5,000.00 ALL".into()),
        ],
    }];
    v
}

/// A text input with the on-screen keyboard, a refused entry and the whole navigation row.
fn email() -> ScreenView {
    let mut v = view(
        "email_update/enter",
        "Update your e-mail",
        &["Receipts and notices will go to this address."],
        vec![
            primary("confirm", "Confirm"),
            b("cancel", "Cancel"),
            b("back", "Back"),
            b("main_menu", "Main menu"),
            b("eject", "Eject card"),
        ],
    );
    let mut e = input("email", InputKind::Text, "E-mail", "arta.hoxha@example");
    e.problem = Some("This is not an e-mail address".into());
    v.inputs = vec![e];
    v
}

/// The credit cards one at a time (credit_card_payment's `choose`): the card between the
/// carousel's arrows (the first card: no previous one), the balance toggle in the card.
fn card_carousel() -> ScreenView {
    let mut v = view(
        "credit_card_payment/choose",
        "Choose the card you want to pay",
        &["Card 1 of 2"],
        vec![
            disabled(b("prev", "◀"), "This is the first card"),
            b("next", "▶"),
            b("show_balance", "Show balance"),
            primary("pay", "Pay this card"),
            b("main_menu", "Main menu"),
            b("eject", "Eject card"),
        ],
    );
    v.tables = vec![TableView {
        title: String::new(),
        rows: vec![
            ("Card number".into(), "5234 56** **** 7788".into()),
            ("Cardholder".into(), "Arta Hoxha".into()),
            ("Amount owed".into(), "••••••".into()),
            ("Payment due date".into(), "15.12.2026".into()),
        ],
    }];
    v
}

/// Vulkan only (lavapipe where there is no GPU): the same rasterizer on every machine, and
/// a plain failure where it is missing rather than a quiet fall-back to another backend.
fn vulkan_only() -> egui_wgpu::WgpuSetup {
    let mut setup = egui_kittest::wgpu::default_wgpu_setup();
    if let egui_wgpu::WgpuSetup::CreateNew(new) = &mut setup {
        new.instance_descriptor.backends = egui_wgpu::wgpu::Backends::VULKAN;
    }
    setup
}

fn snapshot(name: &str, view: ScreenView, results: &mut SnapshotResults) {
    let now = NaiveDate::from_ymd_opt(2026, 5, 12)
        .unwrap()
        .and_hms_opt(10, 30, 0)
        .unwrap();
    let options = ScreenOptions { now: Some(now) };
    let mut h = Harness::builder()
        .with_size(egui::vec2(1024.0, 768.0))
        .wgpu_setup(vulkan_only())
        .build_ui(move |ui| {
            screen_ui_with(ui, &view, &options);
        });
    // The images are made with the terminal's fonts; without them they would differ.
    assert!(
        atmflow_ui::fonts::install(&h.ctx),
        "DejaVu Sans is not installed: run scripts/install-gui-deps.sh"
    );
    h.run();
    h.snapshot(name);
    results.extend_harness(&mut h);
}

#[test]
fn main_screens() {
    // Mesa's Vulkan driver looks for a Wayland display and prints an "error:" line for
    // each harness when XDG_RUNTIME_DIR is not set (CI): give it an empty one.
    let runtime = tempfile::tempdir().unwrap();
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        // SAFETY: the only test of this binary; no other thread reads the environment.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", runtime.path()) };
    }
    // Every image is compared (and, with UPDATE_SNAPSHOTS, written) before any failure.
    let mut results = SnapshotResults::new();
    snapshot("welcome_en", welcome(), &mut results);
    snapshot("pin_en", pin(), &mut results);
    snapshot("main_menu_en", main_menu(), &mut results);
    snapshot("withdrawal_confirm_en", confirm(), &mut results);
    snapshot("email_en", email(), &mut results);
    snapshot("card_carousel_en", card_carousel(), &mut results);
    snapshot("side_keys_en", side_keys(), &mut results);
    results.unwrap();
}
