//! The ports: what the interpreter asks of the world, as plain values.
//!
//! The interpreter never calls a device or the bank itself. It returns [`Effect`]s (show a
//! screen, command a device, call the host) and is fed [`Event`]s back. That keeps it
//! deterministic and lets the journal record exactly what crossed each port. The traits
//! here are what drivers and hosts implement; the terminal runner connects the two.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::value::Value;

/// Device classes, after CEN/XFS4IoT, plus the display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceClass {
    CardReader,
    PinPad,
    CashDispenser,
    CashAcceptor,
    ReceiptPrinter,
    QrReader,
    Display,
}

impl DeviceClass {
    pub const ALL: [DeviceClass; 7] = [
        DeviceClass::CardReader,
        DeviceClass::PinPad,
        DeviceClass::CashDispenser,
        DeviceClass::CashAcceptor,
        DeviceClass::ReceiptPrinter,
        DeviceClass::QrReader,
        DeviceClass::Display,
    ];

    /// The name flows use: `card_reader`, `cash_dispenser`, ...
    pub fn name(self) -> &'static str {
        match self {
            DeviceClass::CardReader => "card_reader",
            DeviceClass::PinPad => "pin_pad",
            DeviceClass::CashDispenser => "cash_dispenser",
            DeviceClass::CashAcceptor => "cash_acceptor",
            DeviceClass::ReceiptPrinter => "receipt_printer",
            DeviceClass::QrReader => "qr_reader",
            DeviceClass::Display => "display",
        }
    }

    pub fn from_name(name: &str) -> Option<DeviceClass> {
        DeviceClass::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for DeviceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A command to a device, e.g. `cash_dispenser.dispense {amount: 5000 ALL}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceCommand {
    pub device: DeviceClass,
    pub command: String,
    pub args: BTreeMap<String, Value>,
}

/// Something a device reports, e.g. `cash_dispenser.cash_presented {amount: ...}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceEvent {
    pub device: DeviceClass,
    pub event: String,
    pub data: BTreeMap<String, Value>,
}

impl DeviceEvent {
    pub fn new(device: DeviceClass, event: &str) -> DeviceEvent {
        DeviceEvent {
            device,
            event: event.to_string(),
            data: BTreeMap::new(),
        }
    }
    pub fn with(mut self, key: &str, value: Value) -> DeviceEvent {
        self.data.insert(key.to_string(), value);
        self
    }
}

/// A driver for one device class. Commands answer at once with the events they cause
/// (a dispense answers `cash_presented` or `fault`); events caused later by the customer
/// (card taken, cash taken) come through the terminal's event queue.
pub trait Device {
    fn class(&self) -> DeviceClass;
    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent>;
}

/// A request to the bank host. `idempotency_key` is unique per money-moving request and
/// the same when a request is retried, so the host never books it twice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostRequest {
    pub op: String,
    pub args: BTreeMap<String, Value>,
    pub idempotency_key: String,
    pub terminal_id: String,
}

/// Why the host did not carry out a request.
#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HostError {
    /// The host answered and refused, with a code the flow may handle
    /// (`insufficient_funds`, `declined`, ...). Nothing was booked.
    #[error("refused: {code}: {message}")]
    Refused { code: String, message: String },
    /// The host could not be reached or did not answer in time.
    #[error("host unavailable: {0}")]
    Unavailable(String),
}

/// The bank host.
pub trait Host {
    fn call(&mut self, request: &HostRequest, now: NaiveDateTime) -> Result<Value, HostError>;
}

/// A screen as the display shows it: texts already in the session's language, inputs
/// with their (masked) contents, buttons with whether they are enabled and why not.
#[derive(Clone, Debug, PartialEq, Serialize, Default)]
pub struct ScreenView {
    /// `flow/screen`, e.g. `withdrawal/confirm`.
    pub id: String,
    pub language: String,
    pub title: String,
    pub lines: Vec<String>,
    /// Promotional messages, shown one at a time in turn (the renderer rotates them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub promo: Vec<String>,
    /// Small print at the foot of the screen: the service phone number, fees.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub footer: Vec<String>,
    pub inputs: Vec<InputView>,
    pub tables: Vec<TableView>,
    pub buttons: Vec<ButtonView>,
    /// A QR code to draw, from its payload.
    pub qr: Option<String>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputView {
    pub id: String,
    pub kind: InputKind,
    pub label: String,
    /// What the input shows: PINs and secrets as dots.
    pub shown: String,
    pub focused: bool,
    /// For list selection: the options' labels, in order.
    pub options: Vec<String>,
    /// Why the current content is not accepted, if it is not.
    pub problem: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Amount,
    Digits,
    Pin,
    Text,
    Select,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableView {
    pub title: String,
    pub rows: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ButtonView {
    pub id: String,
    pub label: String,
    pub enabled: bool,
    /// Why the button is disabled, in the customer's language.
    pub reason: Option<String>,
    pub primary: bool,
    /// The side function key (`F1`-`F8`) that also presses it, if the screen gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// The side function keys beside a terminal's screen: `F1`-`F4` at its left edge, top to
/// bottom, `F5`-`F8` at its right edge.
pub const SIDE_KEYS: [&str; 8] = ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"];

/// Where screens are shown.
pub trait Display {
    fn show(&mut self, view: &ScreenView);
}

/// All devices of a terminal, reached by class. Each command answers at once with the
/// events it causes.
pub trait DeviceBus {
    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent>;
}
