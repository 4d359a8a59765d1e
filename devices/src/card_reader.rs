//! The simulated motorised card reader: holds at most one card, ejects it to the slot or
//! retains it in the bin.
//!
//! Like a real reader it has a shutter: it takes a card in only while the terminal has
//! opened the shutter (`open_shutter`), that is while a flow waits for a card. Taking a
//! card in closes the shutter, and so do `close_shutter`, `eject` and `retain`; a card
//! offered while it is closed is refused ([`SimError::ShutterClosed`]) and stays with the
//! customer, so no card can get inside while no step would notice it.
//!
//! | command         | args | answers                                          |
//! |-----------------|------|--------------------------------------------------|
//! | `open_shutter`  | –    | `shutter_opened`, or `fault {code}` (`card_inside`) |
//! | `close_shutter` | –    | `shutter_closed`, or `fault {code}`              |
//! | `eject`         | –    | `card_presented` or `fault {code}`               |
//! | `retain`        | –    | `card_retained` or `fault {code}`                |
//!
//! Customer actions: [`SimCardReader::insert`] → `card_inserted {pan: secret,
//! masked_pan: text}`; [`SimCardReader::take`] → `card_taken`.
//! Fault codes of its own: `no_card` (eject/retain with no card in the reader),
//! `card_inside` (`open_shutter` while a card is in the reader or its slot).
//!
//! An injected fault answers every command, but `close_shutter` still closes the
//! shutter: it fails closed, so a faulty reader never stays open for cards. A card offered
//! to a faulty reader is not taken in (`fault {code}`), and the shutter closes.

use atmflow_engine::ports::{Device, DeviceClass, DeviceCommand, DeviceEvent};
use atmflow_engine::value::{Secret, Value};

use crate::SimError;
use crate::args::{fault, unknown_command};

const CLASS: DeviceClass = DeviceClass::CardReader;

/// Where the card is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum CardState {
    Empty,
    /// Inside the reader.
    Inside(Secret),
    /// Ejected, waiting in the slot for the customer.
    Presented(Secret),
}

/// A simulated card reader.
#[derive(Debug)]
pub struct SimCardReader {
    state: CardState,
    /// Whether the shutter is open: the next card offered is taken in.
    shutter_open: bool,
    retained: u32,
    /// Cards a technician took out of the reader after they got stuck.
    removed: u32,
    fault: Option<String>,
}

impl Default for SimCardReader {
    fn default() -> Self {
        SimCardReader::new()
    }
}

impl SimCardReader {
    pub fn new() -> SimCardReader {
        SimCardReader {
            state: CardState::Empty,
            shutter_open: false,
            retained: 0,
            removed: 0,
            fault: None,
        }
    }

    /// A technician opens the reader and takes out a card stuck inside it (one the reader
    /// could neither eject nor retain). A card waiting in the slot is the customer's, not
    /// the technician's. Answers whether there was one; the next `open_shutter` can then
    /// succeed.
    pub fn remove_stuck_card(&mut self) -> bool {
        if !matches!(self.state, CardState::Inside(_)) {
            return false;
        }
        self.state = CardState::Empty;
        self.removed = self.removed.saturating_add(1);
        true
    }

    /// How many stuck cards a technician took out.
    pub fn removed_count(&self) -> u32 {
        self.removed
    }

    /// The customer inserts a card with number `pan` (12 to 19 digits; spaces are
    /// ignored). Answers `card_inserted {pan: secret, masked_pan: text}` and closes the
    /// shutter, or the fault event when the reader is faulted (the card is then not taken
    /// in). Refused while the shutter is closed: the terminal is not waiting for a card.
    pub fn insert(&mut self, pan: &str) -> Result<DeviceEvent, SimError> {
        if self.state != CardState::Empty {
            return Err(SimError::CardAlreadyInserted);
        }
        let digits: String = pan.chars().filter(|c| !c.is_whitespace()).collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SimError::InvalidPan);
        }
        if !self.shutter_open {
            return Err(SimError::ShutterClosed);
        }
        if let Some(code) = &self.fault {
            // It could not read the card: the card stays outside, and the shutter closes.
            self.shutter_open = false;
            return Ok(fault(CLASS, code));
        }
        let masked = mask_pan(&digits);
        self.shutter_open = false;
        self.state = CardState::Inside(Secret::new(digits.clone()));
        Ok(DeviceEvent::new(CLASS, "card_inserted")
            .with("pan", Value::Secret(Secret::new(digits)))
            .with("masked_pan", Value::text(masked)))
    }

    /// The customer takes the card from the slot. `card_taken` only when the card was
    /// presented (ejected); otherwise nothing happens.
    pub fn take(&mut self) -> Option<DeviceEvent> {
        match self.state {
            CardState::Presented(_) => {
                self.state = CardState::Empty;
                Some(DeviceEvent::new(CLASS, "card_taken"))
            }
            _ => None,
        }
    }

    /// Injects a fault (`Some("reader_fault")`): every command then answers
    /// `fault {code}`. `None` clears it.
    pub fn set_fault(&mut self, code: Option<&str>) {
        self.fault = code.map(str::to_string);
    }

    pub fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }

    /// Whether the shutter is open: the terminal waits for a card and takes the next one
    /// offered.
    pub fn accepting(&self) -> bool {
        self.shutter_open && self.state == CardState::Empty
    }

    /// Whether a card is in the reader or waiting in its slot.
    pub fn has_card(&self) -> bool {
        self.state != CardState::Empty
    }

    /// Whether the card is ejected and waiting in the slot.
    pub fn card_presented(&self) -> bool {
        matches!(self.state, CardState::Presented(_))
    }

    /// How many cards were retained in the bin.
    pub fn retained_count(&self) -> u32 {
        self.retained
    }

    fn open_shutter(&mut self) -> DeviceEvent {
        if self.state != CardState::Empty {
            return fault(CLASS, "card_inside");
        }
        self.shutter_open = true;
        DeviceEvent::new(CLASS, "shutter_opened")
    }

    fn eject(&mut self) -> DeviceEvent {
        self.shutter_open = false;
        match std::mem::replace(&mut self.state, CardState::Empty) {
            CardState::Inside(pan) | CardState::Presented(pan) => {
                self.state = CardState::Presented(pan);
                DeviceEvent::new(CLASS, "card_presented")
            }
            CardState::Empty => fault(CLASS, "no_card"),
        }
    }

    /// Retains the card, also one waiting in the slot (pulled back in).
    fn retain(&mut self) -> DeviceEvent {
        self.shutter_open = false;
        match std::mem::replace(&mut self.state, CardState::Empty) {
            CardState::Inside(_) | CardState::Presented(_) => {
                self.retained = self.retained.saturating_add(1);
                DeviceEvent::new(CLASS, "card_retained")
            }
            CardState::Empty => fault(CLASS, "no_card"),
        }
    }
}

impl Device for SimCardReader {
    fn class(&self) -> DeviceClass {
        CLASS
    }

    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        let name = command.command.as_str();
        if !matches!(name, "open_shutter" | "close_shutter" | "eject" | "retain") {
            return unknown_command(CLASS);
        }
        if name == "close_shutter" {
            // Fails closed: even a faulty reader shuts, so it never takes a card unseen.
            self.shutter_open = false;
        }
        if let Some(code) = &self.fault {
            return vec![fault(CLASS, code)];
        }
        match name {
            "open_shutter" => vec![self.open_shutter()],
            "close_shutter" => vec![DeviceEvent::new(CLASS, "shutter_closed")],
            "eject" => vec![self.eject()],
            _ => vec![self.retain()],
        }
    }
}

/// First 6 digits, then `*`s, then the last 4: `418000******1234`.
pub fn mask_pan(pan: &str) -> String {
    let chars: Vec<char> = pan.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::test_support::{cmd, fault_code};

    const PAN: &str = "4180001234561234";

    /// A reader whose shutter the terminal has opened.
    fn open_reader() -> SimCardReader {
        let mut reader = SimCardReader::new();
        open(&mut reader);
        reader
    }

    fn open(reader: &mut SimCardReader) {
        let events = reader.execute(&cmd(CLASS, "open_shutter", &[]));
        assert_eq!(events[0].event, "shutter_opened");
    }

    #[test]
    fn a_technician_takes_out_a_stuck_card_and_the_reader_opens_again() {
        let mut r = SimCardReader::new();
        assert!(!r.remove_stuck_card(), "nothing to take out");
        r.execute(&cmd(CLASS, "open_shutter", &[]));
        r.insert("4741230000001234").expect("taken in");
        r.set_fault(Some("motor_fault"));
        assert_eq!(
            fault_code(&r.execute(&cmd(CLASS, "eject", &[]))[0]),
            Some("motor_fault")
        );
        r.set_fault(None);
        assert_eq!(
            fault_code(&r.execute(&cmd(CLASS, "open_shutter", &[]))[0]),
            Some("card_inside")
        );
        assert!(r.remove_stuck_card());
        assert_eq!(r.removed_count(), 1);
        assert!(!r.has_card());
        assert_eq!(
            r.execute(&cmd(CLASS, "open_shutter", &[]))[0].event,
            "shutter_opened"
        );
        // A card ejected to the slot is the customer's: the technician leaves it.
        r.insert("4741230000001234").expect("taken in");
        r.execute(&cmd(CLASS, "eject", &[]));
        assert!(!r.remove_stuck_card());
        assert!(r.card_presented());
    }

    #[test]
    fn insert_reports_secret_pan_and_masked_pan() {
        let mut reader = open_reader();
        let event = reader.insert(PAN).expect("inserted");
        assert_eq!(event.event, "card_inserted");
        assert_eq!(
            event
                .data
                .get("pan")
                .and_then(Value::as_secret)
                .map(Secret::expose),
            Some(PAN)
        );
        assert_eq!(
            event.data.get("masked_pan").and_then(Value::as_text),
            Some("418000******1234")
        );
        assert!(!format!("{event:?}").contains(PAN));
        assert!(reader.has_card());
        assert!(!reader.card_presented());
    }

    #[test]
    fn second_card_and_bad_numbers_are_refused() {
        let mut reader = open_reader();
        assert_eq!(reader.insert("12345"), Err(SimError::InvalidPan));
        assert_eq!(reader.insert("41800012345612ab"), Err(SimError::InvalidPan));
        reader
            .insert("4180 0012 3456 1234")
            .expect("spaces are ignored");
        assert_eq!(reader.insert(PAN), Err(SimError::CardAlreadyInserted));
    }

    #[test]
    fn eject_presents_and_take_empties() {
        let mut reader = open_reader();
        assert_eq!(reader.take(), None);
        reader.insert(PAN).expect("inserted");
        assert_eq!(reader.take(), None, "card not presented yet");
        let events = reader.execute(&cmd(CLASS, "eject", &[]));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event, "card_presented");
        assert!(reader.card_presented());
        assert_eq!(
            reader.insert(PAN),
            Err(SimError::CardAlreadyInserted),
            "slot occupied"
        );
        let taken = reader.take().expect("taken");
        assert_eq!(taken.event, "card_taken");
        assert!(!reader.has_card());
        assert_eq!(reader.take(), None);
    }

    #[test]
    fn retain_keeps_cards_and_counts_them() {
        let mut reader = open_reader();
        reader.insert(PAN).expect("inserted");
        let events = reader.execute(&cmd(CLASS, "retain", &[]));
        assert_eq!(events[0].event, "card_retained");
        assert!(!reader.has_card());
        // A presented card that is not taken can be pulled back and retained.
        open(&mut reader);
        reader.insert(PAN).expect("inserted");
        reader.execute(&cmd(CLASS, "eject", &[]));
        let events = reader.execute(&cmd(CLASS, "retain", &[]));
        assert_eq!(events[0].event, "card_retained");
        assert_eq!(reader.retained_count(), 2);
        assert_eq!(reader.take(), None);
    }

    #[test]
    fn commands_without_card_fault() {
        let mut reader = SimCardReader::new();
        let events = reader.execute(&cmd(CLASS, "eject", &[]));
        assert_eq!(fault_code(&events[0]), Some("no_card"));
        let events = reader.execute(&cmd(CLASS, "retain", &[]));
        assert_eq!(fault_code(&events[0]), Some("no_card"));
    }

    #[test]
    fn injected_fault_answers_every_command() {
        let mut reader = open_reader();
        reader.insert(PAN).expect("inserted");
        reader.set_fault(Some("reader_fault"));
        for name in ["eject", "retain"] {
            let events = reader.execute(&cmd(CLASS, name, &[]));
            assert_eq!(events.len(), 1);
            assert_eq!(fault_code(&events[0]), Some("reader_fault"));
        }
        assert!(reader.has_card(), "faulted commands change nothing");
        reader.set_fault(None);
        assert_eq!(
            reader.execute(&cmd(CLASS, "eject", &[]))[0].event,
            "card_presented"
        );
    }

    #[test]
    fn faulted_reader_refuses_the_card() {
        let mut reader = open_reader();
        reader.set_fault(Some("reader_fault"));
        let event = reader.insert(PAN).expect("answered");
        assert_eq!(fault_code(&event), Some("reader_fault"));
        assert!(!reader.has_card());
        assert!(!reader.accepting(), "the shutter closed");
        reader.set_fault(None);
        assert_eq!(reader.insert(PAN), Err(SimError::ShutterClosed));
    }

    #[test]
    fn a_closed_shutter_refuses_the_card() {
        let mut reader = SimCardReader::new();
        assert!(!reader.accepting(), "closed until the terminal opens it");
        assert_eq!(reader.insert(PAN), Err(SimError::ShutterClosed));
        assert!(!reader.has_card());
        open(&mut reader);
        assert!(reader.accepting());
        let events = reader.execute(&cmd(CLASS, "close_shutter", &[]));
        assert_eq!(events[0].event, "shutter_closed");
        assert!(!reader.accepting());
        assert_eq!(reader.insert(PAN), Err(SimError::ShutterClosed));
        assert!(!reader.has_card());
    }

    #[test]
    fn a_card_taken_in_closes_the_shutter() {
        let mut reader = open_reader();
        reader.insert(PAN).expect("inserted");
        assert!(!reader.accepting());
        reader.execute(&cmd(CLASS, "eject", &[]));
        reader.take().expect("taken");
        assert!(!reader.accepting(), "still closed after the card went back");
        assert_eq!(reader.insert(PAN), Err(SimError::ShutterClosed));
    }

    #[test]
    fn the_shutter_does_not_open_on_a_card() {
        let mut reader = open_reader();
        reader.insert(PAN).expect("inserted");
        let events = reader.execute(&cmd(CLASS, "open_shutter", &[]));
        assert_eq!(fault_code(&events[0]), Some("card_inside"));
        assert!(!reader.accepting());
    }

    #[test]
    fn a_faulty_reader_fails_closed() {
        let mut reader = open_reader();
        reader.set_fault(Some("reader_fault"));
        let events = reader.execute(&cmd(CLASS, "close_shutter", &[]));
        assert_eq!(fault_code(&events[0]), Some("reader_fault"));
        assert!(!reader.accepting());
        let events = reader.execute(&cmd(CLASS, "open_shutter", &[]));
        assert_eq!(fault_code(&events[0]), Some("reader_fault"));
        reader.set_fault(None);
        assert_eq!(reader.insert(PAN), Err(SimError::ShutterClosed));
    }

    #[test]
    fn unknown_command_faults() {
        let mut reader = SimCardReader::new();
        let events = reader.execute(&cmd(CLASS, "shred", &[]));
        assert_eq!(fault_code(&events[0]), Some("unknown_command"));
    }

    #[test]
    fn masking() {
        assert_eq!(mask_pan("123456789012"), "123456**9012");
        assert_eq!(mask_pan("1234567890123456789"), "123456*********6789");
    }
}
