//! atmflow's device drivers: simulated ATM devices behind the engine's [`Device`] port,
//! and the headless text display behind its [`Display`] port.
//!
//! Each simulated device answers the commands a flow sends (`cash_dispenser.dispense
//! {amount: 5000 ALL}`) with the events the flow waits for (`cash_presented`, `fault`),
//! and offers customer actions (insert a card, take the cash, insert notes) that a test
//! script or the headless console calls to produce the events a customer causes.
//! Faults can be injected per device, so flows can be exercised against jams, paper-outs
//! and partial dispenses. Commands never panic: an unknown command answers
//! `fault {code: 'unknown_command'}`, missing or ill-typed arguments answer
//! `fault {code: 'bad_command'}`.
//!
//! Money is exact ([`rust_decimal::Decimal`]); card numbers only leave as
//! [`Value::Secret`](atmflow_engine::value::Value::Secret).
//!
//! [`Device`]: atmflow_engine::ports::Device
//! [`Display`]: atmflow_engine::ports::Display

mod args;
pub mod card_reader;
pub mod cash_acceptor;
pub mod cash_dispenser;
pub mod change;
pub mod pin_pad;
pub mod qr_reader;
pub mod receipt_printer;
pub mod sim;
pub mod text_display;

pub use card_reader::SimCardReader;
pub use cash_acceptor::{AcceptorFault, SimCashAcceptor};
pub use cash_dispenser::{Cassette, DispenserFault, SimCashDispenser};
pub use pin_pad::SimPinPad;
pub use qr_reader::SimQrReader;
pub use receipt_printer::{PaperState, SimReceiptPrinter};
pub use sim::SimDevices;
pub use text_display::{TextDisplay, button_for_key, render_text};

use atmflow_engine::ports::DeviceClass;

/// Why a customer action or a fault injection on a simulated device was refused.
///
/// Messages never contain a card number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// A card is already in the reader (or waiting in its slot).
    #[error("a card is already in the reader")]
    CardAlreadyInserted,
    /// A card was offered while the reader's shutter was closed: the terminal is not
    /// waiting for a card (no `open_shutter`, or it took one in or closed since).
    #[error("the card reader is closed: the terminal takes a card only while it waits for one")]
    ShutterClosed,
    /// The card number is not 12 to 19 digits.
    #[error("a card number must be 12 to 19 digits")]
    InvalidPan,
    /// Notes were inserted while the acceptor's slot was closed (no `accept` command).
    #[error("the cash acceptor is not accepting notes")]
    SlotClosed,
    /// A QR code with nothing in it.
    #[error("a QR payload must not be empty")]
    EmptyPayload,
    /// A fault code the device does not simulate.
    #[error("{device} has no fault '{code}' (expected {expected})")]
    UnknownFault {
        device: DeviceClass,
        code: String,
        expected: &'static str,
    },
    /// A device class without simulated faults (the display).
    #[error("{0} has no simulated faults")]
    NoFaults(DeviceClass),
}
