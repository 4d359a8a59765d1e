//! The terminal in a window: the customer's screen (drawn by `atmflow_ui::screen_ui`)
//! beside a panel of the simulated devices and of the bank's phone app, in an eframe
//! window (glow). Time comes from the wall clock, the terminal is ticked every frame for
//! screen timeouts, and edits to the flows folder reach it between sessions, as in the
//! headless console (docs/window.md).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use atmflow_bank::Bank;
use atmflow_devices::PaperState;
use atmflow_devices::cash_acceptor::default_denominations;
use atmflow_engine::value::{Currency, Value};
use atmflow_ui::egui::{self, Color32, RichText, Ui};
use atmflow_ui::{ScreenOptions, UiEvent, eframe, screen_ui_with};
use chrono::NaiveDateTime;
use rust_decimal::Decimal;

use crate::actions::{Action, SimTerminal, perform};
use crate::flows::{FlowSource, Reload, Reloader};

/// A card number the demo bank does not know, for the "unknown card" path.
pub const UNKNOWN_CARD: &str = "4000001234567899";

/// The width of the device panel, in points.
const PANEL_W: f32 = 420.0;

/// How the window opens.
#[derive(Clone, Debug, Default)]
pub struct WindowOptions {
    /// Fill the screen, without decorations: a kiosk. The device panel starts hidden
    /// (F12 shows it).
    pub fullscreen: bool,
}

/// What became of the window.
pub enum Outcome {
    /// The window was open and the user closed it.
    Closed,
    /// No window could be opened; the terminal is handed back to run headless.
    NoWindow {
        terminal: Box<SimTerminal>,
        source: FlowSource,
        why: String,
    },
}

/// Whether this process can reach a display server at all.
pub fn display_available() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

/// Opens the window and runs the terminal in it until the window is closed. Answers
/// [`Outcome::NoWindow`] with the terminal when there is no display or eframe cannot start.
pub fn run(
    terminal: SimTerminal,
    source: FlowSource,
    options: WindowOptions,
) -> anyhow::Result<Outcome> {
    if !display_available() {
        return Ok(Outcome::NoWindow {
            terminal: Box::new(terminal),
            source,
            why: "neither DISPLAY nor WAYLAND_DISPLAY is set".into(),
        });
    }
    // The terminal waits here until eframe has a window and asks for the app: if it
    // never does, the terminal is still here to run headless.
    let slot: Rc<RefCell<Option<(SimTerminal, FlowSource)>>> =
        Rc::new(RefCell::new(Some((terminal, source))));
    let taken = Rc::clone(&slot);
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("atmflow terminal")
        .with_app_id("atmflow")
        .with_inner_size([1024.0 + PANEL_W + 20.0, 820.0])
        .with_min_inner_size([900.0, 640.0]);
    if options.fullscreen {
        viewport = viewport.with_fullscreen(true).with_decorations(false);
    }
    let native = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let fullscreen = options.fullscreen;
    let result = eframe::run_native(
        "atmflow",
        native,
        Box::new(move |cc| {
            if !atmflow_ui::fonts::install(&cc.egui_ctx) {
                eprintln!(
                    "DejaVu Sans is not installed (Debian: fonts-dejavu-core): the screen \
                     uses egui's thinner built-in font."
                );
            }
            let (terminal, source) = taken
                .borrow_mut()
                .take()
                .ok_or("the terminal was already taken")?;
            let mut app = TerminalWindow::new(terminal, Some(source));
            app.show_panel = !fullscreen;
            app.fullscreen = fullscreen;
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => Ok(Outcome::Closed),
        Err(e) => match slot.borrow_mut().take() {
            Some((terminal, source)) => Ok(Outcome::NoWindow {
                terminal: Box::new(terminal),
                source,
                why: e.to_string(),
            }),
            None => Err(anyhow::anyhow!("the terminal window failed: {e}")),
        },
    }
}

/// The phone app's (and the epara wallet's) side of a QR transaction: what the customer
/// chose on the phone before scanning the terminal's QR.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneApp {
    /// Whose phone: an index into the demo cards.
    pub card: usize,
    /// The app's Soft PIN (4 digits), set once with "Activate the Soft PIN".
    pub soft_pin: String,
    /// The account chosen in the app (`ACC-0001`); empty: the card's first.
    pub account: String,
    /// `withdrawal` or `deposit`.
    pub kind: String,
    /// The amount chosen in the app, e.g. `5000 ALL`.
    pub amount: String,
    /// An epara wallet id, for "Scan with epara".
    pub wallet: String,
    /// What the bank answered last.
    pub answer: Option<Result<String, String>>,
}

impl Default for PhoneApp {
    fn default() -> Self {
        PhoneApp {
            card: 0,
            soft_pin: "2468".into(),
            account: String::new(),
            kind: "withdrawal".into(),
            amount: "5000 ALL".into(),
            wallet: String::new(),
            answer: None,
        }
    }
}

impl PhoneApp {
    fn card_number(&self) -> String {
        Bank::demo_cards()
            .get(self.card)
            .map(|c| c.number.clone())
            .unwrap_or_default()
    }

    /// The arguments of the bank's `app_qr` channel operation: whose app (a card of
    /// theirs) and its Soft PIN, the account and amount chosen, and the QR scanned.
    pub fn qr_args(&self, payload: &str, account: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("card".to_string(), self.card_number()),
            ("soft_pin".to_string(), self.soft_pin.clone()),
            ("account".to_string(), account.to_string()),
            ("amount".to_string(), self.amount.clone()),
            ("payload".to_string(), payload.to_string()),
            ("kind".to_string(), self.kind.clone()),
        ])
    }

    /// The arguments of `app_activate_soft_pin`.
    pub fn activate_args(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("card".to_string(), self.card_number()),
            ("soft_pin".to_string(), self.soft_pin.clone()),
            ("soft_pin_again".to_string(), self.soft_pin.clone()),
        ])
    }

    /// The arguments of `epara_intent`.
    pub fn epara_args(&self, payload: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("wallet".to_string(), self.wallet.trim().to_string()),
            ("kind".to_string(), self.kind.clone()),
            ("amount".to_string(), self.amount.clone()),
            ("payload".to_string(), payload.to_string()),
        ])
    }
}

/// The window's state: the terminal and what the device panel holds.
pub struct TerminalWindow {
    pub terminal: SimTerminal,
    reloader: Option<Reloader>,
    last_reload_check: Option<Instant>,
    clock: Box<dyn FnMut() -> NaiveDateTime>,
    /// Whether the device panel is shown (F12).
    pub show_panel: bool,
    /// A kiosk: the window covers the whole monitor.
    pub fullscreen: bool,
    /// Notes the customer is about to insert: currency and count per denomination.
    pub notes_currency: String,
    pub notes: BTreeMap<Decimal, u32>,
    /// A card number typed in the panel.
    pub other_card: String,
    /// A QR payload the customer shows to the terminal's reader (epara's code).
    pub reader_payload: String,
    pub phone: PhoneApp,
    /// What happened that the screen does not say: refused actions, flow reloads. Newest
    /// last.
    pub messages: Vec<String>,
}

impl TerminalWindow {
    /// A window on `terminal`; `source` is watched for flow edits (none: no reloading).
    pub fn new(terminal: SimTerminal, source: Option<FlowSource>) -> TerminalWindow {
        TerminalWindow {
            terminal,
            reloader: source.map(Reloader::new),
            last_reload_check: None,
            clock: Box::new(|| chrono::Local::now().naive_local()),
            show_panel: true,
            fullscreen: false,
            notes_currency: "ALL".into(),
            notes: BTreeMap::new(),
            other_card: String::new(),
            reader_payload: String::new(),
            phone: PhoneApp::default(),
            messages: Vec::new(),
        }
    }

    /// Replaces the wall clock (tests run on a clock of their own).
    pub fn with_clock(mut self, clock: impl FnMut() -> NaiveDateTime + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    fn now(&mut self) -> NaiveDateTime {
        (self.clock)()
    }

    fn say(&mut self, message: impl Into<String>) {
        self.messages.push(message.into());
        let excess = self.messages.len().saturating_sub(8);
        self.messages.drain(..excess);
    }

    /// Performs a customer or technician action now; a refusal goes to the messages.
    pub fn act(&mut self, action: Action) {
        let now = self.now();
        if let Err(e) = perform(&mut self.terminal, &action, now) {
            self.say(format!("{e}"));
        }
        if let Some(e) = self.terminal.journal_error() {
            let e = e.to_string();
            self.say(format!(
                "the journal cannot be written ({e}): the terminal must go out of service"
            ));
        }
    }

    fn reload(&mut self) {
        let due = self
            .last_reload_check
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
        let Some(reloader) = self.reloader.as_mut().filter(|_| due) else {
            return;
        };
        self.last_reload_check = Some(Instant::now());
        match reloader.check() {
            Reload::Unchanged => {}
            Reload::Ready(p) => {
                let now = self.now();
                self.terminal.replace_program(Arc::new(*p), now);
                self.say("The flows changed: they take effect when no session is in progress.");
            }
            Reload::Refused(loaded) => {
                let first = loaded
                    .diagnostics
                    .first()
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                self.say(format!(
                    "The changed flows do not load; the terminal keeps the last good flows. {first}"
                ));
            }
        }
    }

    /// One frame: the screen, the device panel, the keyboard, timeouts and reloads.
    pub fn ui(&mut self, ui: &mut Ui) {
        let now = self.now();
        self.terminal.tick(now);
        self.reload();
        let before = self.terminal.view().cloned();

        if self.fullscreen {
            cover_monitor(ui.ctx());
        }
        if ui.input(|i| i.key_pressed(egui::Key::F12)) {
            self.show_panel = !self.show_panel;
        }
        self.keyboard(ui);

        if self.show_panel {
            egui::Panel::right("devices")
                .exact_size(PANEL_W)
                .resizable(false)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink([false, false])
                        .show(ui, |ui| self.panel_ui(ui));
                });
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| self.screen_ui(ui, now));

        if self.terminal.view() != before.as_ref() {
            ui.ctx().request_repaint();
        }
        // The clock in the header and the screen timeouts move on by themselves.
        ui.ctx().request_repaint_after(Duration::from_millis(500));
    }

    fn screen_ui(&mut self, ui: &mut Ui, now: NaiveDateTime) {
        let view = self.terminal.view().cloned();
        if let Some(why) = self.terminal.out_of_service() {
            out_of_service(ui, why);
            return;
        }
        let Some(view) = view else {
            out_of_service(ui, "no screen is shown");
            return;
        };
        let options = ScreenOptions { now: Some(now) };
        if let Some(event) = screen_ui_with(ui, &view, &options) {
            let action = match event {
                UiEvent::Press(id) => Action::Press(id),
                UiEvent::Type(t) => Action::Type(t),
                UiEvent::Backspace => Action::Backspace,
                UiEvent::Clear => Action::Clear,
                UiEvent::Focus(id) => Action::Focus(id),
            };
            self.act(action);
        }
    }

    /// The physical keyboard stands for the terminal's keypad: digits, Backspace, Delete
    /// (clear), Enter, Escape (cancel); letters too while a text input has the focus.
    fn keyboard(&mut self, ui: &Ui) {
        if ui.ctx().egui_wants_keyboard_input() {
            return; // typing into the device panel's own fields
        }
        let text_input = self.terminal.view().is_some_and(|v| {
            v.inputs
                .iter()
                .any(|i| i.focused && i.kind == atmflow_engine::ports::InputKind::Text)
        });
        let events = ui.input(|i| i.events.clone());
        for event in events {
            match event {
                egui::Event::Text(t) => {
                    let keep: String = if text_input {
                        t
                    } else {
                        t.chars().filter(char::is_ascii_digit).collect()
                    };
                    if !keep.is_empty() {
                        self.act(Action::Type(keep));
                    }
                }
                egui::Event::Key {
                    key, pressed: true, ..
                } => match key {
                    egui::Key::Backspace => self.act(Action::Backspace),
                    egui::Key::Delete => self.act(Action::Clear),
                    egui::Key::Enter => self.keypad_enter(),
                    egui::Key::Escape => self.keypad_cancel(),
                    _ => {}
                },
                _ => {}
            }
        }
    }

    /// ENTER on the keypad: the screen's primary action, when it is enabled.
    pub fn keypad_enter(&mut self) {
        let target = self.terminal.view().and_then(|v| {
            v.buttons
                .iter()
                .find(|b| b.primary && b.enabled)
                .or_else(|| {
                    v.buttons.iter().find(|b| {
                        b.enabled && ["confirm", "ok", "continue"].contains(&b.id.as_str())
                    })
                })
                .map(|b| b.id.clone())
        });
        match target {
            Some(id) => self.act(Action::Press(id)),
            None => self.say("ENTER: this screen has no action to confirm."),
        }
    }

    /// CANCEL on the keypad: the screen's Cancel; where there is none and a card is in,
    /// the card is asked back (as the eject key does).
    pub fn keypad_cancel(&mut self) {
        let target = self.terminal.view().and_then(|v| {
            ["cancel", "close", "exit"].iter().find_map(|id| {
                v.buttons
                    .iter()
                    .find(|b| b.id == *id && b.enabled)
                    .map(|b| b.id.clone())
            })
        });
        match target {
            Some(id) => self.act(Action::Press(id)),
            None if self.terminal.devices.card_reader.has_card()
                && !self.terminal.devices.card_reader.card_presented() =>
            {
                self.act(Action::EjectKey)
            }
            None => self.say("CANCEL: there is nothing to cancel on this screen."),
        }
    }

    /// The accounts of the phone's card, as the app lists them.
    pub fn phone_accounts(&self) -> Vec<String> {
        self.terminal
            .host
            .bank
            .account_ids_of_card(&self.phone.card_number())
            .unwrap_or_default()
    }

    fn channel(&mut self, op: &str, args: &BTreeMap<String, String>) {
        let now = self.now();
        self.phone.answer = Some(match self.terminal.host.bank.channel(op, args, now) {
            Ok(v) => Ok(show_value(&v)),
            Err(e) => Err(e.to_string()),
        });
    }

    /// The phone app activates its Soft PIN (`app_activate_soft_pin`).
    pub fn phone_activate(&mut self) {
        let args = self.phone.activate_args();
        self.channel("app_activate_soft_pin", &args);
    }

    /// The phone app scans the QR shown on the screen (the bank's `app_qr`), or, with
    /// `epara`, the epara wallet does (`epara_intent`).
    pub fn phone_scan(&mut self, epara: bool) {
        let Some(payload) = self.terminal.view().and_then(|v| v.qr.clone()) else {
            self.phone.answer = Some(Err("there is no QR code on the screen".into()));
            return;
        };
        if epara {
            let args = self.phone.epara_args(&payload);
            self.channel("epara_intent", &args);
            return;
        }
        let account = if self.phone.account.is_empty() {
            self.phone_accounts().into_iter().next().unwrap_or_default()
        } else {
            self.phone.account.clone()
        };
        let args = self.phone.qr_args(&payload, &account);
        self.channel("app_qr", &args);
    }

    fn panel_ui(&mut self, ui: &mut Ui) {
        ui.spacing_mut().item_spacing.y = 6.0;
        ui.heading("Simulated devices");
        ui.label(
            RichText::new("F12 hides this panel. Keyboard: digits, Enter, Esc, Backspace, Delete.")
                .small(),
        );
        self.card_section(ui);
        self.keypad_section(ui);
        self.dispenser_section(ui);
        self.acceptor_section(ui);
        self.printer_section(ui);
        self.qr_section(ui);
        self.host_section(ui);
        if !self.messages.is_empty() {
            section(ui, "Messages", |ui| {
                for m in self.messages.iter().rev() {
                    ui.label(RichText::new(m).color(Color32::from_rgb(0xB0, 0x30, 0x20)));
                }
            });
        }
    }

    fn card_section(&mut self, ui: &mut Ui) {
        section(ui, "Card reader", |ui| {
            let reader = &self.terminal.devices.card_reader;
            let state = if reader.card_presented() {
                "the card is in the slot: take it"
            } else if reader.has_card() {
                "a card is inside"
            } else {
                "empty"
            };
            ui.label(format!("State: {state}"));
            if reader.retained_count() > 0 {
                ui.label(format!("Retained cards: {}", reader.retained_count()));
            }
            let empty = !reader.has_card();
            let presented = reader.card_presented();
            for (i, c) in Bank::demo_cards().iter().enumerate() {
                let holder = if c.holder.is_empty() {
                    "other bank".to_string()
                } else {
                    c.holder.clone()
                };
                let label = format!("Insert card {}: {} ({holder})", i + 1, c.masked);
                let r = ui
                    .add_enabled(empty, egui::Button::new(label))
                    .on_hover_text(format!("PIN {} · {} · {}", c.pin, c.kind, c.status));
                ui.label(
                    RichText::new(format!("   PIN {} · {} · {}", c.pin, c.kind, c.status)).small(),
                );
                if r.clicked() {
                    self.act(Action::InsertCard(c.number.clone()));
                }
            }
            if ui
                .add_enabled(empty, egui::Button::new("Insert an unknown card"))
                .clicked()
            {
                self.act(Action::InsertCard(UNKNOWN_CARD.into()));
            }
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.other_card)
                        .hint_text("card number")
                        .desired_width(190.0),
                );
                if ui
                    .add_enabled(
                        empty && !self.other_card.trim().is_empty(),
                        egui::Button::new("Insert this card"),
                    )
                    .clicked()
                {
                    self.act(Action::InsertCard(self.other_card.trim().to_string()));
                }
            });
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(presented, egui::Button::new("Take card"))
                    .clicked()
                {
                    self.act(Action::TakeCard);
                }
                if ui.button("Eject key").clicked() {
                    self.act(Action::EjectKey);
                }
            });
            let fault = self.terminal.devices.card_reader.fault().is_some();
            self.fault_toggle(ui, fault, "card_reader", "reader_fault");
        });
    }

    fn keypad_section(&mut self, ui: &mut Ui) {
        section(ui, "Keypad", |ui| {
            let key = egui::vec2(62.0, 44.0);
            let rows: [[&str; 4]; 4] = [
                ["1", "2", "3", "CANCEL"],
                ["4", "5", "6", "CLEAR"],
                ["7", "8", "9", "ENTER"],
                ["", "0", "", "⬅"],
            ];
            egui::Grid::new("keypad")
                .spacing([6.0, 6.0])
                .show(ui, |ui| {
                    for row in rows {
                        for k in row {
                            if k.is_empty() {
                                ui.label("");
                                continue;
                            }
                            let (fill, text) = match k {
                                "CANCEL" => (Color32::from_rgb(0xC6, 0x28, 0x28), Color32::WHITE),
                                "CLEAR" => (Color32::from_rgb(0xF2, 0xC0, 0x1E), Color32::BLACK),
                                "ENTER" => (Color32::from_rgb(0x0B, 0x6B, 0x2E), Color32::WHITE),
                                _ => (Color32::from_gray(235), Color32::BLACK),
                            };
                            let size = if k.len() > 1 && k != "⬅" {
                                egui::vec2(96.0, key.y)
                            } else {
                                key
                            };
                            let b =
                                egui::Button::new(RichText::new(k).color(text).strong().size(18.0))
                                    .fill(fill)
                                    .min_size(size);
                            if ui.add(b).clicked() {
                                match k {
                                    "CANCEL" => self.keypad_cancel(),
                                    "CLEAR" => self.act(Action::Clear),
                                    "ENTER" => self.keypad_enter(),
                                    "⬅" => self.act(Action::Backspace),
                                    digit => self.act(Action::Type(digit.to_string())),
                                }
                            }
                        }
                        ui.end_row();
                    }
                });
            let fault = self.terminal.devices.pin_pad.fault().is_some();
            self.fault_toggle(ui, fault, "pin_pad", "pin_pad_fault");
        });
    }

    fn dispenser_section(&mut self, ui: &mut Ui) {
        section(ui, "Cash dispenser", |ui| {
            let d = &self.terminal.devices.cash_dispenser;
            let cassettes: Vec<String> = d
                .cassettes()
                .iter()
                .map(|c| format!("{} {}×{}", c.currency.0, c.denomination, c.count))
                .collect();
            ui.label(RichText::new(format!("Cassettes: {}", cassettes.join(", "))).small());
            let presented = d.presented().map(|p| {
                let notes: Vec<String> = p.notes.iter().map(|(n, c)| format!("{c}×{n}")).collect();
                format!("Presented: {} ({})", p.amount, notes.join(", "))
            });
            let fault = d.fault();
            match &presented {
                Some(p) => ui.label(RichText::new(p).strong()),
                None => ui.label("Presenter: empty"),
            };
            if ui
                .add_enabled(presented.is_some(), egui::Button::new("Take cash"))
                .clicked()
            {
                self.act(Action::TakeCash);
            }
            ui.horizontal(|ui| {
                ui.label("Fault:");
                let mut choice = fault.map(|f| f.code()).unwrap_or("none");
                let before = choice;
                ui.radio_value(&mut choice, "none", "none");
                ui.radio_value(&mut choice, "jam", "jam");
                ui.radio_value(&mut choice, "partial", "partial");
                if choice != before {
                    if choice == "none" {
                        self.terminal.devices.cash_dispenser.set_fault(None);
                    } else {
                        self.act(Action::Fault {
                            device: "cash_dispenser".into(),
                            code: choice.into(),
                        });
                    }
                }
            });
        });
    }

    fn acceptor_section(&mut self, ui: &mut Ui) {
        section(ui, "Cash acceptor", |ui| {
            let a = &self.terminal.devices.cash_acceptor;
            match a.accepting() {
                Some(c) => ui.label(format!("The slot is open for {}", c.0)),
                None => ui.label("The slot is closed"),
            };
            let escrow = a.escrow_notes();
            if !escrow.is_empty() {
                ui.label(format!("In escrow: {}", a.escrow()));
            }
            let returned = a.returned().map(|m| m.to_string());
            let denominations = default_denominations();
            ui.horizontal(|ui| {
                ui.label("Currency:");
                for c in denominations.keys() {
                    if ui.radio(self.notes_currency == c.0, c.0.as_str()).clicked() {
                        self.notes_currency = c.0.clone();
                        self.notes.clear();
                    }
                }
            });
            let cur = Currency(self.notes_currency.clone());
            let denoms = denominations.get(&cur).cloned().unwrap_or_default();
            egui::Grid::new("notes").spacing([8.0, 4.0]).show(ui, |ui| {
                for (i, d) in denoms.iter().enumerate() {
                    let count = self.notes.entry(*d).or_insert(0);
                    ui.label(format!("{d}"));
                    ui.add(egui::DragValue::new(count).range(0..=200).prefix("× "));
                    if i % 2 == 1 {
                        ui.end_row();
                    }
                }
            });
            let chosen: Vec<(Decimal, u32)> = self
                .notes
                .iter()
                .filter(|(_, c)| **c > 0)
                .map(|(d, c)| (*d, *c))
                .collect();
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!chosen.is_empty(), egui::Button::new("Insert notes"))
                    .clicked()
                {
                    self.act(Action::InsertNotes {
                        currency: self.notes_currency.clone(),
                        notes: chosen.clone(),
                    });
                    self.notes.clear();
                }
                if ui.button("Insert a suspect note").clicked() {
                    self.act(Action::SuspectNote);
                }
            });
            if ui
                .add_enabled(
                    returned.is_some(),
                    egui::Button::new(match &returned {
                        Some(m) => format!("Take notes ({m})"),
                        None => "Take notes".to_string(),
                    }),
                )
                .clicked()
            {
                self.act(Action::TakeNotes);
            }
            let stored: Vec<String> = denominations
                .keys()
                .map(|c| {
                    self.terminal
                        .devices
                        .cash_acceptor
                        .stored_total(c)
                        .to_string()
                })
                .collect();
            ui.label(RichText::new(format!("Cash box: {}", stored.join(", "))).small());
            let fault = self.terminal.devices.cash_acceptor.fault().is_some();
            self.fault_toggle(ui, fault, "cash_acceptor", "note_jam");
        });
    }

    fn printer_section(&mut self, ui: &mut Ui) {
        section(ui, "Receipt printer", |ui| {
            ui.horizontal(|ui| {
                ui.label("Paper:");
                let mut paper = self.terminal.devices.receipt_printer.paper();
                let before = paper;
                ui.radio_value(&mut paper, PaperState::Ok, "ok");
                ui.radio_value(&mut paper, PaperState::Low, "low");
                ui.radio_value(&mut paper, PaperState::Out, "out");
                if paper != before {
                    self.terminal.devices.receipt_printer.set_paper(paper);
                }
            });
            let fault = self.terminal.devices.receipt_printer.fault().is_some();
            self.fault_toggle(ui, fault, "receipt_printer", "printer_fault");
            let receipts = self.terminal.devices.receipt_printer.receipts();
            ui.label(format!("Printed receipts: {}", receipts.len()));
            for (i, r) in receipts.iter().enumerate().rev().take(3) {
                egui::Frame::new()
                    .fill(Color32::WHITE)
                    .stroke(egui::Stroke::new(1.0, Color32::GRAY))
                    .inner_margin(8)
                    .show(ui, |ui| {
                        ui.label(RichText::new(format!("Receipt {}", i + 1)).small().strong());
                        ui.label(
                            RichText::new(r.join("\n"))
                                .monospace()
                                .color(Color32::BLACK),
                        );
                    });
            }
        });
    }

    fn qr_section(&mut self, ui: &mut Ui) {
        section(ui, "Phone app and QR reader", |ui| {
            let cards = Bank::demo_cards();
            let owner = cards
                .get(self.phone.card)
                .map(|c| format!("{} {}", c.holder, c.masked))
                .unwrap_or_default();
            egui::ComboBox::from_label("whose phone")
                .selected_text(owner)
                .show_ui(ui, |ui| {
                    for (i, c) in cards.iter().enumerate().filter(|(_, c)| c.kind == "bkt") {
                        ui.selectable_value(
                            &mut self.phone.card,
                            i,
                            format!("{} {}", c.holder, c.masked),
                        );
                    }
                });
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.phone.kind, "withdrawal".to_string(), "withdrawal");
                ui.radio_value(&mut self.phone.kind, "deposit".to_string(), "deposit");
                ui.add(egui::TextEdit::singleline(&mut self.phone.amount).desired_width(110.0));
            });
            let accounts = self.phone_accounts();
            if !accounts.contains(&self.phone.account) {
                self.phone.account = accounts.first().cloned().unwrap_or_default();
            }
            ui.horizontal(|ui| {
                egui::ComboBox::from_id_salt("phone-account")
                    .selected_text(self.phone.account.clone())
                    .show_ui(ui, |ui| {
                        for a in &accounts {
                            ui.selectable_value(&mut self.phone.account, a.clone(), a.as_str());
                        }
                    });
                ui.label("Soft PIN");
                ui.add(egui::TextEdit::singleline(&mut self.phone.soft_pin).desired_width(60.0));
                if ui.button("Activate the Soft PIN").clicked() {
                    self.phone_activate();
                }
            });
            let has_qr = self.terminal.view().is_some_and(|v| v.qr.is_some());
            if ui
                .add_enabled(
                    has_qr,
                    egui::Button::new("Scan the QR on screen with the phone"),
                )
                .clicked()
            {
                self.phone_scan(false);
            }
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.phone.wallet)
                        .hint_text("epara wallet")
                        .desired_width(150.0),
                );
                if ui
                    .add_enabled(
                        has_qr && !self.phone.wallet.trim().is_empty(),
                        egui::Button::new("Scan with epara"),
                    )
                    .clicked()
                {
                    self.phone_scan(true);
                }
            });
            match &self.phone.answer {
                Some(Ok(text)) => {
                    ui.label(
                        RichText::new(format!("The bank accepted: {text}"))
                            .color(Color32::from_rgb(0x0B, 0x6B, 0x2E)),
                    );
                }
                Some(Err(why)) => {
                    ui.label(
                        RichText::new(format!("The bank refused: {why}"))
                            .color(Color32::from_rgb(0xB0, 0x30, 0x20)),
                    );
                }
                None => {}
            }
            ui.separator();
            ui.label("A code shown to the terminal's QR reader:");
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut self.reader_payload)
                        .hint_text("payload")
                        .desired_width(200.0),
                );
                if ui
                    .add_enabled(
                        !self.reader_payload.trim().is_empty(),
                        egui::Button::new("Show to reader"),
                    )
                    .clicked()
                {
                    self.act(Action::ScanQr(self.reader_payload.trim().to_string()));
                }
            });
            let fault = self.terminal.devices.qr_reader.fault().is_some();
            self.fault_toggle(ui, fault, "qr_reader", "reader_fault");
        });
    }

    fn host_section(&mut self, ui: &mut Ui) {
        section(ui, "Bank host", |ui| {
            let mut offline = self.terminal.host.offline;
            if ui
                .checkbox(&mut offline, "Host offline (the link is down)")
                .changed()
            {
                self.act(Action::HostOffline(offline));
            }
            if let Some((op, code)) = &self.terminal.host.refuse_next {
                ui.label(format!("The next `{op}` is refused with `{code}`"));
            } else if ui
                .button("Decline the next withdrawal")
                .on_hover_text("The host refuses the next `withdraw` with `declined`")
                .clicked()
            {
                self.act(Action::HostRefuse {
                    op: "withdraw".into(),
                    code: "declined".into(),
                });
            }
            if ui.button("Clear every device fault").clicked() {
                self.act(Action::ClearFaults);
            }
        });
    }

    fn fault_toggle(&mut self, ui: &mut Ui, on: bool, device: &str, code: &str) {
        let mut checked = on;
        if ui
            .checkbox(&mut checked, format!("Fault ({device} {code})"))
            .changed()
        {
            if checked {
                self.act(Action::Fault {
                    device: device.into(),
                    code: code.into(),
                });
            } else {
                let d = &mut self.terminal.devices;
                match device {
                    "card_reader" => d.card_reader.set_fault(None),
                    "pin_pad" => d.pin_pad.set_fault(None),
                    "cash_acceptor" => d.cash_acceptor.set_fault(None),
                    "receipt_printer" => d.receipt_printer.set_fault(None),
                    "qr_reader" => d.qr_reader.set_fault(None),
                    _ => {}
                }
            }
        }
    }
}

impl eframe::App for TerminalWindow {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        TerminalWindow::ui(self, ui);
    }
}

/// Without a window manager (a bare X server in a kiosk) nobody honours the fullscreen
/// request: the window then sizes itself to the monitor.
fn cover_monitor(ctx: &egui::Context) {
    let (monitor, inner) = ctx.input(|i| {
        let v = i.viewport();
        (v.monitor_size, v.inner_rect)
    });
    if let (Some(monitor), Some(inner)) = (monitor, inner)
        && (inner.width() + 1.0 < monitor.x || inner.height() + 1.0 < monitor.y)
    {
        ctx.send_viewport_cmd(egui::ViewportCommand::OuterPosition(egui::Pos2::ZERO));
        ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(monitor));
    }
}

fn section(ui: &mut Ui, title: &str, add: impl FnOnce(&mut Ui)) {
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .default_open(true)
        .show(ui, add);
}

fn out_of_service(ui: &mut Ui, why: &str) {
    let rect = ui.available_rect_before_wrap();
    ui.painter()
        .rect_filled(rect, 0.0, atmflow_ui::palette::BRAND);
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        format!("Out of service\n{why}"),
        egui::FontId::proportional(32.0),
        Color32::WHITE,
    );
}

/// A host answer as one line: `key: value, ...` for records.
fn show_value(v: &Value) -> String {
    match v {
        Value::Record(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.display()))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.display(),
    }
}
