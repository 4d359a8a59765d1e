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
    /// How many hours a unique code stays valid (1-72).
    pub hours: String,
    /// The only terminal where a unique code works; empty: every terminal.
    pub terminal: String,
    /// The unique code the app shows after "Issue a unique code". It is the customer's
    /// phone screen: the code is shown there, never on the terminal, in the journal or in
    /// the messages.
    pub code: Option<String>,
    /// What the bank answered last.
    pub answer: Option<Result<String, String>>,
    /// The phone number whose last SMS is read (the bank's `last_sms`).
    pub sms_to: String,
    /// The last SMS read: its text and the code in it, or why there is none.
    pub sms: Option<Result<Sms, String>>,
}

/// An SMS as the phone shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sms {
    pub to: String,
    pub body: String,
    /// The 6-digit code in it, if any.
    pub code: String,
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
            hours: "24".into(),
            terminal: String::new(),
            code: None,
            answer: None,
            sms_to: String::new(),
            sms: None,
        }
    }
}

/// The business internet bank's side of a business deposit (§V.6): a company's account
/// and the employee who will deposit; the code goes to the employee's phone by SMS.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessBank {
    /// The company's account, e.g. `ACC-0006`.
    pub account: String,
    /// The employee or legal representative, e.g. `E-100`.
    pub employee: String,
    /// The deposit's currency: the account's.
    pub currency: String,
    /// The source of the funds, in words.
    pub source: String,
    /// How many hours the code stays valid (1-72).
    pub hours: String,
    /// The only terminal where the code works; empty: every terminal.
    pub terminal: String,
    /// Who may deposit to the account (`business_employees`), as lines.
    pub staff: Option<Result<Vec<String>, String>>,
    /// What the bank answered last (never the code: that goes by SMS).
    pub answer: Option<Result<String, String>>,
}

impl Default for BusinessBank {
    fn default() -> Self {
        BusinessBank {
            account: "ACC-0006".into(),
            employee: "E-100".into(),
            currency: "ALL".into(),
            source: "Shitje / Sales".into(),
            hours: "24".into(),
            terminal: String::new(),
            staff: None,
            answer: None,
        }
    }
}

impl BusinessBank {
    /// The arguments of `business_deposit_code`.
    pub fn code_args(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("account".to_string(), self.account.trim().to_string()),
            ("employee".to_string(), self.employee.trim().to_string()),
            ("terminal".to_string(), self.terminal.trim().to_string()),
            ("hours".to_string(), self.hours.trim().to_string()),
            ("source".to_string(), self.source.trim().to_string()),
            ("currency".to_string(), self.currency.clone()),
        ])
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

    /// The arguments of `app_issue_code`: a unique code for a cardless withdrawal of the
    /// amount chosen in the app from `account`.
    pub fn issue_args(&self, account: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("card".to_string(), self.card_number()),
            ("account".to_string(), account.to_string()),
            ("amount".to_string(), self.amount.trim().to_string()),
            ("hours".to_string(), self.hours.trim().to_string()),
            ("terminal".to_string(), self.terminal.trim().to_string()),
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
    /// The business internet bank, for deposit codes.
    pub business: BusinessBank,
    /// What happened that the screen does not say: refused actions, flow reloads. Newest
    /// last.
    pub messages: Vec<String>,
    /// The device panel's text fields drawn in the last frame: while one of them has the
    /// focus, the keyboard types into it instead of being the keypad.
    text_fields: Vec<egui::Id>,
    /// Whether one of those fields had the focus when the last frame ended.
    field_focused_at_end: bool,
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
            business: BusinessBank::default(),
            messages: Vec::new(),
            text_fields: Vec::new(),
            field_focused_at_end: false,
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
            self.text_fields.clear();
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
        if !self.show_panel {
            self.text_fields.clear();
        }
        let focused = ui.ctx().memory(|m| m.focused());
        self.field_focused_at_end = focused.is_some_and(|id| self.text_fields.contains(&id));

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
    /// (clear), Enter, Escape (cancel); letters too while a text input of the screen has
    /// the focus. F1-F8 are the side keys beside the screen.
    ///
    /// A text field of the device panel (a card number, an amount, a note count) that has
    /// the focus takes every key instead, and Escape only leaves it. A focused button (or
    /// checkbox, list...) of the panel or the screen, reached with Tab, takes only Enter
    /// and Space, which press it as egui does: Enter is then not also the keypad's ENTER.
    /// Digits, Backspace, Delete and Escape stay the keypad's.
    fn keyboard(&mut self, ui: &Ui) {
        let events = ui.input(|i| i.events.clone());
        // The side keys are no text: they work even while a panel field has the focus.
        for event in &events {
            if let egui::Event::Key {
                key, pressed: true, ..
            } = event
                && let Some(name) = side_key(*key)
            {
                self.side_key(name);
            }
        }
        let ctx = ui.ctx();
        let focused = ctx.memory(|m| m.focused());
        // Escape has already taken the focus away (egui does that before the frame), so
        // whether a field had it is what the last frame saw.
        let in_field =
            self.field_focused_at_end || focused.is_some_and(|id| self.text_fields.contains(&id));
        if in_field {
            return; // typing into the device panel's own field
        }
        // Enter and Space press the focused widget (egui's own), when it can be pressed.
        let widget_takes_enter = focused
            .and_then(|id| ctx.read_response(id))
            .is_some_and(|r| r.enabled() && r.sense.senses_click());
        let text_input = self.terminal.view().is_some_and(|v| {
            v.inputs
                .iter()
                .any(|i| i.focused && i.kind == atmflow_engine::ports::InputKind::Text)
        });
        for event in events {
            match event {
                egui::Event::Text(t) => {
                    let keep: String = if text_input {
                        t.chars()
                            .filter(|c| !(widget_takes_enter && *c == ' '))
                            .collect()
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
                    egui::Key::Enter if !widget_takes_enter => self.keypad_enter(),
                    egui::Key::Escape => self.keypad_cancel(),
                    _ => {}
                },
                _ => {}
            }
        }
    }

    /// A side key (`F1`..`F8`): presses the screen's button that has it, when that button
    /// is enabled; a disabled one does nothing.
    pub fn side_key(&mut self, key: &str) {
        let target = self.terminal.view().and_then(|v| {
            v.buttons
                .iter()
                .find(|b| b.key.as_deref() == Some(key))
                .filter(|b| b.enabled)
                .map(|b| b.id.clone())
        });
        if let Some(id) = target {
            self.act(Action::Press(id));
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

    /// The account the app acts on: the one chosen, else the card's first.
    fn phone_account(&self) -> String {
        if self.phone.account.is_empty() {
            self.phone_accounts().into_iter().next().unwrap_or_default()
        } else {
            self.phone.account.clone()
        }
    }

    /// Calls a bank channel operation now.
    fn call_bank(
        &mut self,
        op: &str,
        args: &BTreeMap<String, String>,
    ) -> Result<Value, atmflow_engine::ports::HostError> {
        let now = self.now();
        self.terminal.host.bank.channel(op, args, now)
    }

    /// A phone app operation; `about` says what was asked (an amount and an account), and
    /// is repeated before the bank's answer.
    fn channel(&mut self, op: &str, args: &BTreeMap<String, String>, about: Option<String>) {
        self.phone.answer = Some(match self.call_bank(op, args) {
            Ok(v) => Ok(match &about {
                Some(about) => format!("{about}; {}", show_value(&v)),
                None => show_value(&v),
            }),
            Err(e) => Err(match &about {
                Some(about) => format!("{about}: {e}"),
                None => e.to_string(),
            }),
        });
    }

    /// The phone app activates its Soft PIN (`app_activate_soft_pin`).
    pub fn phone_activate(&mut self) {
        let args = self.phone.activate_args();
        self.channel("app_activate_soft_pin", &args, None);
    }

    /// What the app asks for: `withdrawal of 5000 ALL from ACC-0001`.
    fn phone_about(&self, from: &str) -> String {
        let amount = self.phone.amount.trim();
        match (self.phone.kind.as_str(), amount.is_empty()) {
            ("deposit", true) => format!("deposit to {from}"),
            ("deposit", false) => format!("deposit of {amount} to {from}"),
            (kind, _) => format!("{kind} of {amount} from {from}"),
        }
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
            let about = self.phone_about(&format!("wallet {}", self.phone.wallet.trim()));
            self.channel("epara_intent", &args, Some(about));
            return;
        }
        let account = self.phone_account();
        let args = self.phone.qr_args(&payload, &account);
        let about = self.phone_about(&account);
        self.channel("app_qr", &args, Some(about));
    }

    /// The phone app issues a unique code for a cardless withdrawal of its amount from its
    /// account (`app_issue_code`). The code is shown on the phone only.
    pub fn phone_issue_code(&mut self) {
        let account = self.phone_account();
        let args = self.phone.issue_args(&account);
        let amount = self.phone.amount.trim().to_string();
        match self.call_bank("app_issue_code", &args) {
            Ok(v) => {
                let text = |name: &str| v.field(name).map(Value::display).unwrap_or_default();
                let terminal = text("terminal");
                let place = if terminal.is_empty() {
                    "at every terminal".to_string()
                } else {
                    format!("only at terminal {terminal}")
                };
                self.phone.code = Some(text("code"));
                self.phone.answer = Some(Ok(format!(
                    "a unique code for {} from {account}, valid until {}, {place}",
                    text("amount"),
                    text("expires"),
                )));
            }
            Err(e) => {
                self.phone.code = None;
                self.phone.answer = Some(Err(format!(
                    "a unique code for {amount} from {account}: {e}"
                )));
            }
        }
    }

    /// The phone reads the last SMS sent to `phone.sms_to` (the bank's `last_sms`).
    pub fn read_sms(&mut self) {
        let to = self.phone.sms_to.trim().to_string();
        let args = BTreeMap::from([("to".to_string(), to.clone())]);
        self.phone.sms = Some(match self.call_bank("last_sms", &args) {
            Ok(v) => {
                let text = |name: &str| v.field(name).map(Value::display).unwrap_or_default();
                Ok(Sms {
                    to,
                    body: text("body"),
                    code: text("code"),
                })
            }
            Err(e) => Err(e.to_string()),
        });
    }

    /// The numbers the bank sent an SMS to, newest first (at most four).
    pub fn sms_numbers(&self) -> Vec<String> {
        let outbox = self.terminal.host.bank.outbox().unwrap_or_default();
        let mut numbers: Vec<String> = Vec::new();
        for m in outbox.iter().rev().filter(|m| m.channel == "sms") {
            if !numbers.contains(&m.recipient) {
                numbers.push(m.recipient.clone());
            }
            if numbers.len() == 4 {
                break;
            }
        }
        numbers
    }

    /// The business internet bank lists who may deposit to its account
    /// (`business_employees`).
    pub fn business_staff(&mut self) {
        let args = BTreeMap::from([(
            "account".to_string(),
            self.business.account.trim().to_string(),
        )]);
        self.business.staff = Some(match self.call_bank("business_employees", &args) {
            Ok(v) => Ok(v
                .as_list()
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    let text = |name: &str| p.field(name).map(Value::display).unwrap_or_default();
                    format!("{} {} ({})", text("id"), text("name"), text("phone"))
                })
                .collect()),
            Err(e) => Err(e.to_string()),
        });
    }

    /// The business internet bank issues a deposit code to the employee
    /// (`business_deposit_code`). The bank sends it by SMS: the panel shows where it went,
    /// not the code, and makes that number the one whose last SMS the phone reads.
    pub fn business_issue_code(&mut self) {
        let args = self.business.code_args();
        let about = format!(
            "a deposit code to {} for {} ({})",
            self.business.account.trim(),
            self.business.employee.trim(),
            self.business.currency
        );
        self.business.answer = Some(match self.call_bank("business_deposit_code", &args) {
            Ok(v) => {
                let text = |name: &str| v.field(name).map(Value::display).unwrap_or_default();
                // The SMS just queued is the outbox's newest: its number is the employee's.
                if let Some(number) = self.sms_numbers().into_iter().next() {
                    self.phone.sms_to = number;
                }
                Ok(format!(
                    "{about}, sent by SMS to {}, valid until {}",
                    text("sent_to"),
                    text("expires")
                ))
            }
            Err(e) => Err(format!("{about}: {e}")),
        });
    }

    fn panel_ui(&mut self, ui: &mut Ui) {
        ui.spacing_mut().item_spacing.y = 6.0;
        ui.heading("Simulated devices");
        ui.label(
            RichText::new(
                "F12 hides this panel. Keyboard: digits, Enter, Esc, Backspace, Delete; \
                 F1-F8 the side keys. A panel field with the focus takes the keys (Esc leaves it).",
            )
            .small(),
        );
        self.card_section(ui);
        self.keypad_section(ui);
        self.dispenser_section(ui);
        self.acceptor_section(ui);
        self.printer_section(ui);
        self.qr_section(ui);
        self.business_section(ui);
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
            } else if reader.accepting() {
                "empty, the shutter is open for a card"
            } else {
                "empty, the shutter is closed"
            };
            ui.label(format!("State: {state}"));
            if reader.retained_count() > 0 {
                ui.label(format!("Retained cards: {}", reader.retained_count()));
            }
            let accepting = reader.accepting();
            let presented = reader.card_presented();
            // Why no card can go in now: said once here, and on every Insert button.
            let closed = (!accepting).then(|| {
                if reader.has_card() {
                    "A card is already in the reader."
                } else if reader.fault().is_some() {
                    "The reader is faulty and takes no card. Without the fault, the welcome \
                     screen opens it again within seconds."
                } else {
                    "The reader is closed: the terminal takes a card only on its welcome \
                     screen, not during a session."
                }
            });
            if let Some(why) = closed {
                ui.label(RichText::new(why).small().italics());
            }
            let why = closed.unwrap_or_default();
            for (i, c) in Bank::demo_cards().iter().enumerate() {
                let holder = if c.holder.is_empty() {
                    "other bank".to_string()
                } else {
                    c.holder.clone()
                };
                let label = format!("Insert card {}: {} ({holder})", i + 1, c.masked);
                let r = ui
                    .add_enabled(accepting, egui::Button::new(label))
                    .on_hover_text(format!("PIN {} · {} · {}", c.pin, c.kind, c.status))
                    .on_disabled_hover_text(why);
                ui.label(
                    RichText::new(format!("   PIN {} · {} · {}", c.pin, c.kind, c.status)).small(),
                );
                if r.clicked() {
                    self.act(Action::InsertCard(c.number.clone()));
                }
            }
            if ui
                .add_enabled(accepting, egui::Button::new("Insert an unknown card"))
                .on_disabled_hover_text(why)
                .clicked()
            {
                self.act(Action::InsertCard(UNKNOWN_CARD.into()));
            }
            ui.horizontal(|ui| {
                text_field(
                    ui,
                    &mut self.text_fields,
                    "Other card number",
                    &mut self.other_card,
                    170.0,
                    "",
                );
            });
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(
                        accepting && !self.other_card.trim().is_empty(),
                        egui::Button::new("Insert this card"),
                    )
                    .on_disabled_hover_text(why)
                    .clicked()
                {
                    self.act(Action::InsertCard(self.other_card.trim().to_string()));
                }
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
            // A card the reader could neither eject nor retain stays inside until a
            // technician takes it out; only between sessions, so no session loses it.
            let reader = &self.terminal.devices.card_reader;
            let stuck = reader.has_card()
                && !reader.card_presented()
                && self
                    .terminal
                    .view()
                    .is_some_and(|v| v.id.starts_with("welcome/"));
            if ui
                .add_enabled(
                    stuck,
                    egui::Button::new("Technician: take out the stuck card"),
                )
                .on_disabled_hover_text(
                    "Only a card stuck inside the reader, while no customer is served",
                )
                .clicked()
            {
                self.act(Action::RemoveStuckCard);
            }
            let removed = self.terminal.devices.card_reader.removed_count();
            if removed > 0 {
                ui.label(format!("Stuck cards taken out: {removed}"));
            }
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
                ui.radio_value(&mut choice, "retract_jam", "retract jam");
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
                    // The count is named by its denomination, for a screen reader too.
                    let denomination = ui.label(format!("{d}"));
                    let r = ui
                        .add(egui::DragValue::new(count).range(0..=200).prefix("× "))
                        .labelled_by(denomination.id);
                    self.text_fields.push(r.id);
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
            let accounts = self.phone_accounts();
            if !accounts.contains(&self.phone.account) {
                self.phone.account = accounts.first().cloned().unwrap_or_default();
            }
            let mut activate = false;
            form(ui, "phone-app", |ui| {
                let label = ui.label("App account");
                egui::ComboBox::from_id_salt("phone-account")
                    .selected_text(self.phone.account.clone())
                    .show_ui(ui, |ui| {
                        for a in &accounts {
                            ui.selectable_value(&mut self.phone.account, a.clone(), a.as_str());
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
                text_field(
                    ui,
                    &mut self.text_fields,
                    "App amount",
                    &mut self.phone.amount,
                    110.0,
                    "",
                );
                ui.end_row();
                text_field(
                    ui,
                    &mut self.text_fields,
                    "Soft PIN",
                    &mut self.phone.soft_pin,
                    50.0,
                    "",
                );
                activate = ui.button("Activate the Soft PIN").clicked();
                ui.end_row();
            });
            if activate {
                self.phone_activate();
            }
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.phone.kind, "withdrawal".to_string(), "withdrawal");
                ui.radio_value(&mut self.phone.kind, "deposit".to_string(), "deposit");
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
                text_field(
                    ui,
                    &mut self.text_fields,
                    "epara wallet",
                    &mut self.phone.wallet,
                    110.0,
                    "",
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

            ui.label(RichText::new("Unique code for a cardless withdrawal").strong());
            ui.label(RichText::new("The app account and amount above (1,000-10,000 ALL).").small());
            form(ui, "unique-code", |ui| {
                text_field(
                    ui,
                    &mut self.text_fields,
                    "Code valid (hours)",
                    &mut self.phone.hours,
                    40.0,
                    "",
                );
                ui.end_row();
                text_field(
                    ui,
                    &mut self.text_fields,
                    "Code only at terminal",
                    &mut self.phone.terminal,
                    100.0,
                    "all",
                );
                ui.end_row();
            });
            if ui.button("Issue a unique code").clicked() {
                self.phone_issue_code();
            }
            if let Some(code) = &self.phone.code {
                phone_screen(ui, |ui| {
                    ui.label(
                        RichText::new(format!("Unique code: {code}"))
                            .monospace()
                            .size(20.0)
                            .color(Color32::BLACK),
                    );
                });
            }
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

            ui.label(RichText::new("Last SMS to this phone number").strong());
            ui.horizontal(|ui| {
                text_field(
                    ui,
                    &mut self.text_fields,
                    "Phone number",
                    &mut self.phone.sms_to,
                    140.0,
                    "",
                );
            });
            let numbers = self.sms_numbers();
            ui.horizontal_wrapped(|ui| {
                if ui
                    .add_enabled(
                        !self.phone.sms_to.trim().is_empty(),
                        egui::Button::new("Read the last SMS"),
                    )
                    .clicked()
                {
                    self.read_sms();
                }
                // The numbers the bank sent an SMS to, newest first: one click reads it.
                for n in numbers {
                    if ui.small_button(format!("SMS of {n}")).clicked() {
                        self.phone.sms_to = n;
                        self.read_sms();
                    }
                }
            });
            match &self.phone.sms {
                Some(Ok(sms)) => {
                    phone_screen(ui, |ui| {
                        ui.label(
                            RichText::new(format!("SMS to {}", sms.to))
                                .small()
                                .color(Color32::DARK_GRAY),
                        );
                        if !sms.code.is_empty() {
                            ui.label(
                                RichText::new(format!("SMS code: {}", sms.code))
                                    .monospace()
                                    .size(20.0)
                                    .color(Color32::BLACK),
                            );
                        }
                        ui.label(RichText::new(&sms.body).small().color(Color32::BLACK));
                    });
                }
                Some(Err(why)) => {
                    ui.label(
                        RichText::new(format!("No SMS: {why}"))
                            .color(Color32::from_rgb(0xB0, 0x30, 0x20)),
                    );
                }
                None => {}
            }

            ui.separator();
            ui.label("A code shown to the terminal's QR reader:");
            ui.horizontal(|ui| {
                text_field(
                    ui,
                    &mut self.text_fields,
                    "QR payload",
                    &mut self.reader_payload,
                    140.0,
                    "",
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

    fn business_section(&mut self, ui: &mut Ui) {
        section(ui, "Business internet bank", |ui| {
            ui.label(
                RichText::new(
                    "A deposit code for an employee, sent to the employee's phone by SMS \
                     (read it above: Last SMS).",
                )
                .small(),
            );
            let fields = &mut self.text_fields;
            let b = &mut self.business;
            form(ui, "business", |ui| {
                text_field(ui, fields, "Business account", &mut b.account, 90.0, "");
                ui.end_row();
                text_field(ui, fields, "Employee", &mut b.employee, 70.0, "");
                ui.end_row();
                ui.label("Currency");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut b.currency, "ALL".to_string(), "ALL");
                    ui.radio_value(&mut b.currency, "EUR".to_string(), "EUR");
                });
                ui.end_row();
                text_field(ui, fields, "Source of funds", &mut b.source, 130.0, "");
                ui.end_row();
                text_field(
                    ui,
                    fields,
                    "Deposit code valid (hours)",
                    &mut b.hours,
                    40.0,
                    "",
                );
                ui.end_row();
                text_field(
                    ui,
                    fields,
                    "Deposit code only at terminal",
                    &mut b.terminal,
                    100.0,
                    "all",
                );
                ui.end_row();
            });
            let (mut staff, mut issue) = (false, false);
            ui.horizontal(|ui| {
                staff = ui.button("Who may deposit").clicked();
                issue = ui.button("Issue a deposit code").clicked();
            });
            if staff {
                self.business_staff();
            }
            if issue {
                self.business_issue_code();
            }
            match &self.business.staff {
                Some(Ok(people)) if people.is_empty() => {
                    ui.label("Nobody may deposit to this account with a code.");
                }
                Some(Ok(people)) => {
                    for p in people {
                        ui.label(RichText::new(p).small());
                    }
                }
                Some(Err(why)) => {
                    ui.label(
                        RichText::new(format!("The business bank refused: {why}"))
                            .color(Color32::from_rgb(0xB0, 0x30, 0x20)),
                    );
                }
                None => {}
            }
            match &self.business.answer {
                Some(Ok(text)) => {
                    ui.label(
                        RichText::new(format!("The business bank issued {text}"))
                            .color(Color32::from_rgb(0x0B, 0x6B, 0x2E)),
                    );
                }
                Some(Err(why)) => {
                    ui.label(
                        RichText::new(format!("The business bank refused {why}"))
                            .color(Color32::from_rgb(0xB0, 0x30, 0x20)),
                    );
                }
                None => {}
            }
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

/// Labelled fields in two columns: the labels, then the fields (end each row).
fn form(ui: &mut Ui, id: &str, add: impl FnOnce(&mut Ui)) {
    egui::Grid::new(id)
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, add);
}

/// The customer's phone screen in the panel: what only the phone shows (a code).
fn phone_screen(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    egui::Frame::new()
        .fill(Color32::WHITE)
        .stroke(egui::Stroke::new(1.0, Color32::GRAY))
        .corner_radius(6)
        .inner_margin(8)
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

/// A text field of the device panel with its visible label before it, which also names it
/// for a screen reader, and `hint` shown while it is empty; remembered in `fields` so that the keyboard types into it while it
/// has the focus.
fn text_field(
    ui: &mut Ui,
    fields: &mut Vec<egui::Id>,
    label: &str,
    text: &mut String,
    width: f32,
    hint: &str,
) -> egui::Response {
    let name = ui.label(label);
    let r = ui
        .add(
            egui::TextEdit::singleline(text)
                .desired_width(width)
                .hint_text(hint),
        )
        .labelled_by(name.id);
    fields.push(r.id);
    r
}

/// The side key a keyboard key stands for: F1-F8 (F12 is the panel's).
fn side_key(key: egui::Key) -> Option<&'static str> {
    use egui::Key::{F1, F2, F3, F4, F5, F6, F7, F8};
    let keys = [F1, F2, F3, F4, F5, F6, F7, F8];
    keys.iter()
        .position(|k| *k == key)
        .map(|i| atmflow_engine::ports::SIDE_KEYS[i])
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
