//! The simulated cash acceptor (deposit module): a slot, an escrow, a cash box and a
//! return tray.
//!
//! | command  | args             | answers                                                   |
//! |----------|------------------|-----------------------------------------------------------|
//! | `accept` | `currency: text` | `accepting` (slot open) or `fault {code}`                 |
//! | `store`  | –                | `notes_stored {total: money}` (escrow → cash box)         |
//! | `return` | –                | `notes_returned {total: money}` (escrow → return tray)    |
//!
//! `accept` faults: `currency_not_accepted`, `escrow_not_empty` (escrow holds another
//! currency), `notes_not_taken` (returned notes still wait in the tray). `store` and
//! `return` close the slot.
//!
//! Customer actions: [`SimCashAcceptor::insert_notes`] and
//! [`SimCashAcceptor::insert_suspect_note`] → `notes_counted {total: money, notes:
//! list<{denomination: number, count: number}>, refused: number}` where `total` and
//! `notes` are the whole escrow (cumulative over inserts) and `refused` counts the notes
//! of this insert that were handed back (wrong currency, denomination not accepted,
//! suspect); [`SimCashAcceptor::take_returned_notes`] → `notes_taken {total: money}`.
//!
//! Injected fault [`AcceptorFault::NoteJam`]: every command and note insert answers
//! `fault {code: 'note_jam', escrow: money}` and the escrow stays where it is.
//!
//! Notes the jam strands in the escrow belong to the session that inserted them, never
//! to the next one: until the technician takes them out ([`SimCashAcceptor::remove_stranded_notes`],
//! which clearing the faults at the terminal does), `accept` answers `fault {code:
//! 'escrow_not_empty'}` even once the jam itself is gone. Counting them into the next
//! customer's deposit would credit the same notes twice.

use std::collections::BTreeMap;
use std::str::FromStr;

use atmflow_engine::ports::{Device, DeviceClass, DeviceCommand, DeviceEvent};
use atmflow_engine::value::{Currency, Money, Value};
use rust_decimal::Decimal;

use crate::SimError;
use crate::args::{
    self, bad_command, fault, money_value, notes_total, notes_value, unknown_command,
};

const CLASS: DeviceClass = DeviceClass::CashAcceptor;

/// A fault to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcceptorFault {
    /// `fault {code: 'note_jam', escrow: money}`.
    NoteJam,
}

impl AcceptorFault {
    pub fn code(self) -> &'static str {
        match self {
            AcceptorFault::NoteJam => "note_jam",
        }
    }
}

impl FromStr for AcceptorFault {
    type Err = ();
    fn from_str(code: &str) -> Result<Self, ()> {
        match code {
            "note_jam" => Ok(AcceptorFault::NoteJam),
            _ => Err(()),
        }
    }
}

/// The denominations accepted by default: ALL 500, 1000, 2000, 5000, 10000 and EUR 5, 10,
/// 20, 50, 100, 200, 500.
pub fn default_denominations() -> BTreeMap<Currency, Vec<Decimal>> {
    let all = [500, 1000, 2000, 5000, 10000].map(Decimal::from).to_vec();
    let eur = [5, 10, 20, 50, 100, 200, 500].map(Decimal::from).to_vec();
    BTreeMap::from([
        (Currency("ALL".to_string()), all),
        (Currency("EUR".to_string()), eur),
    ])
}

/// A simulated cash acceptor.
#[derive(Debug)]
pub struct SimCashAcceptor {
    accepted: BTreeMap<Currency, Vec<Decimal>>,
    /// The slot is open for this currency.
    accepting: Option<Currency>,
    /// The currency of the escrow (the last `accept`).
    escrow_currency: Option<Currency>,
    escrow: BTreeMap<Decimal, u64>,
    /// Returned notes waiting in the tray.
    returned: Option<Money>,
    stored: BTreeMap<Currency, BTreeMap<Decimal, u64>>,
    fault: Option<AcceptorFault>,
    /// A fault answered while notes were in the escrow: they stay there, stranded, until
    /// the technician removes them.
    stranded: bool,
    /// What the technician took out of the escrow, in order.
    removed: Vec<Money>,
}

impl Default for SimCashAcceptor {
    fn default() -> Self {
        SimCashAcceptor::new(default_denominations())
    }
}

impl SimCashAcceptor {
    /// An acceptor taking `accepted` denominations per currency.
    pub fn new(accepted: BTreeMap<Currency, Vec<Decimal>>) -> SimCashAcceptor {
        SimCashAcceptor {
            accepted,
            accepting: None,
            escrow_currency: None,
            escrow: BTreeMap::new(),
            returned: None,
            stored: BTreeMap::new(),
            fault: None,
            stranded: false,
            removed: Vec::new(),
        }
    }

    /// The technician opens the module and takes out the notes a fault stranded in the
    /// escrow; answers their total, none when nothing was stranded.
    pub fn remove_stranded_notes(&mut self) -> Option<Money> {
        if !self.stranded {
            return None;
        }
        self.stranded = false;
        self.accepting = None;
        let total = self.escrow();
        self.escrow.clear();
        if total.amount.is_zero() {
            return None;
        }
        self.removed.push(total.clone());
        Some(total)
    }

    /// The notes the technician took out of the escrow, in order.
    pub fn removed(&self) -> &[Money] {
        &self.removed
    }

    /// The currency the slot is open for.
    pub fn accepting(&self) -> Option<&Currency> {
        self.accepting.as_ref()
    }

    /// The escrow's total (zero in the last accepted currency, or the first configured
    /// one, when empty).
    pub fn escrow(&self) -> Money {
        Money::new(notes_total(self.escrow.iter()), self.escrow_currency())
    }

    /// The escrow's notes, `(denomination, count)` largest first.
    pub fn escrow_notes(&self) -> Vec<(Decimal, u64)> {
        self.escrow.iter().rev().map(|(d, c)| (*d, *c)).collect()
    }

    /// Everything stored in the cash box in `currency`.
    pub fn stored_total(&self, currency: &Currency) -> Money {
        let total = self
            .stored
            .get(currency)
            .map(|notes| notes_total(notes.iter()))
            .unwrap_or_default();
        Money::new(total, currency.clone())
    }

    /// The notes stored in the cash box in `currency`, `(denomination, count)` largest
    /// first.
    pub fn stored_notes(&self, currency: &Currency) -> Vec<(Decimal, u64)> {
        self.stored
            .get(currency)
            .map(|notes| notes.iter().rev().map(|(d, c)| (*d, *c)).collect())
            .unwrap_or_default()
    }

    /// Returned notes waiting in the tray.
    pub fn returned(&self) -> Option<&Money> {
        self.returned.as_ref()
    }

    /// Injects a fault; `None` clears it.
    pub fn set_fault(&mut self, fault: Option<AcceptorFault>) {
        self.fault = fault;
    }

    pub fn fault(&self) -> Option<AcceptorFault> {
        self.fault
    }

    /// The customer inserts `notes` (`(denomination, count)`) of `currency`. Notes of
    /// another currency than the slot's, or of a denomination not accepted, are handed
    /// back and counted in `refused`. Answers `notes_counted`, or the jam fault.
    pub fn insert_notes(
        &mut self,
        notes: &[(Decimal, u32)],
        currency: &Currency,
    ) -> Result<DeviceEvent, SimError> {
        if let Some(event) = self.fault_event() {
            return Ok(event);
        }
        let slot = self.accepting.clone().ok_or(SimError::SlotClosed)?;
        let accepted = self.accepted.get(&slot).cloned().unwrap_or_default();
        let mut refused: u64 = 0;
        for (denomination, count) in notes {
            let count = u64::from(*count);
            if currency == &slot && accepted.contains(denomination) {
                let held = self.escrow.entry(denomination.normalize()).or_default();
                *held = held.saturating_add(count);
            } else {
                refused = refused.saturating_add(count);
            }
        }
        Ok(self.counted(refused))
    }

    /// The customer inserts a note the validator finds suspect: it is handed back and
    /// counted in `refused`.
    pub fn insert_suspect_note(&mut self) -> Result<DeviceEvent, SimError> {
        if let Some(event) = self.fault_event() {
            return Ok(event);
        }
        if self.accepting.is_none() {
            return Err(SimError::SlotClosed);
        }
        Ok(self.counted(1))
    }

    /// The customer takes the returned notes from the tray: `notes_taken {total}`.
    pub fn take_returned_notes(&mut self) -> Option<DeviceEvent> {
        let total = self.returned.take()?;
        Some(DeviceEvent::new(CLASS, "notes_taken").with("total", Value::Money(total)))
    }

    fn escrow_currency(&self) -> Currency {
        self.escrow_currency
            .clone()
            .or_else(|| self.accepted.keys().next().cloned())
            .unwrap_or_else(|| Currency("ALL".to_string()))
    }

    fn fault_event(&mut self) -> Option<DeviceEvent> {
        let f = self.fault?;
        if !self.escrow.is_empty() {
            self.stranded = true;
        }
        Some(fault(CLASS, f.code()).with("escrow", Value::Money(self.escrow())))
    }

    fn counted(&self, refused: u64) -> DeviceEvent {
        DeviceEvent::new(CLASS, "notes_counted")
            .with("total", Value::Money(self.escrow()))
            .with("notes", notes_value(self.escrow_notes()))
            .with("refused", Value::Number(Decimal::from(refused)))
    }

    fn accept(&mut self, code: &str) -> DeviceEvent {
        let currency = Currency(code.to_string());
        if !self.accepted.contains_key(&currency) {
            return fault(CLASS, "currency_not_accepted");
        }
        if self.returned.is_some() {
            return fault(CLASS, "notes_not_taken");
        }
        if self.stranded
            || (!self.escrow.is_empty() && self.escrow_currency.as_ref() != Some(&currency))
        {
            self.accepting = None;
            return fault(CLASS, "escrow_not_empty").with("escrow", Value::Money(self.escrow()));
        }
        self.accepting = Some(currency.clone());
        self.escrow_currency = Some(currency);
        DeviceEvent::new(CLASS, "accepting")
    }

    fn store(&mut self) -> DeviceEvent {
        let currency = self.escrow_currency();
        let total = notes_total(self.escrow.iter());
        let box_ = self.stored.entry(currency.clone()).or_default();
        for (denomination, count) in std::mem::take(&mut self.escrow) {
            let held = box_.entry(denomination).or_default();
            *held = held.saturating_add(count);
        }
        self.accepting = None;
        self.stranded = false;
        DeviceEvent::new(CLASS, "notes_stored").with("total", money_value(total, &currency))
    }

    fn return_escrow(&mut self) -> DeviceEvent {
        let currency = self.escrow_currency();
        let total = notes_total(self.escrow.iter());
        self.escrow.clear();
        self.accepting = None;
        self.stranded = false;
        if total > Decimal::ZERO {
            self.returned = Some(match self.returned.take() {
                Some(waiting) if waiting.currency == currency => {
                    Money::new(waiting.amount.saturating_add(total), currency.clone())
                }
                _ => Money::new(total, currency.clone()),
            });
        }
        DeviceEvent::new(CLASS, "notes_returned").with("total", money_value(total, &currency))
    }
}

impl Device for SimCashAcceptor {
    fn class(&self) -> DeviceClass {
        CLASS
    }

    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        if !matches!(command.command.as_str(), "accept" | "store" | "return") {
            return unknown_command(CLASS);
        }
        if let Some(event) = self.fault_event() {
            // `store` and `return` close the slot, whether or not the notes moved: no
            // note may go in after the session gave up on the escrow.
            if command.command != "accept" {
                self.accepting = None;
            }
            return vec![event];
        }
        match command.command.as_str() {
            "accept" => match args::text(command, "currency") {
                Ok(code) if Currency::new(code).is_some() => vec![self.accept(code)],
                _ => bad_command(CLASS),
            },
            "store" => vec![self.store()],
            _ => vec![self.return_escrow()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::test_support::{cmd, cur, dec, fault_code, money, money_val, notes_of};

    fn run(a: &mut SimCashAcceptor, name: &str, args: &[(&str, Value)]) -> DeviceEvent {
        let mut events = a.execute(&cmd(CLASS, name, args));
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    fn open(a: &mut SimCashAcceptor, currency: &str) {
        let e = run(a, "accept", &[("currency", Value::text(currency))]);
        assert_eq!(e.event, "accepting");
    }

    fn refused(e: &DeviceEvent) -> Option<Decimal> {
        e.data.get("refused").and_then(Value::as_number)
    }

    #[test]
    fn notes_need_an_open_slot() {
        let mut a = SimCashAcceptor::default();
        assert_eq!(
            a.insert_notes(&[(dec(1000), 1)], &cur("ALL")),
            Err(SimError::SlotClosed)
        );
        assert_eq!(a.insert_suspect_note(), Err(SimError::SlotClosed));
    }

    #[test]
    fn escrow_accumulates_over_inserts_and_stores() {
        let mut a = SimCashAcceptor::default();
        open(&mut a, "ALL");
        assert_eq!(a.accepting(), Some(&cur("ALL")));
        let e = a
            .insert_notes(&[(dec(5000), 2), (dec(1000), 3)], &cur("ALL"))
            .expect("counted");
        assert_eq!(e.event, "notes_counted");
        assert_eq!(e.data.get("total"), Some(&money_val(13000, "ALL")));
        assert_eq!(refused(&e), Some(dec(0)));
        let e = a
            .insert_notes(&[(dec(10000), 1), (dec(1000), 1)], &cur("ALL"))
            .expect("counted");
        assert_eq!(e.data.get("total"), Some(&money_val(24000, "ALL")));
        assert_eq!(
            notes_of(&e.data["notes"]),
            vec![(10000, 1), (5000, 2), (1000, 4)]
        );
        assert_eq!(a.escrow(), money(24000, "ALL"));

        let e = run(&mut a, "store", &[]);
        assert_eq!(e.event, "notes_stored");
        assert_eq!(e.data.get("total"), Some(&money_val(24000, "ALL")));
        assert_eq!(a.escrow(), money(0, "ALL"));
        assert_eq!(a.stored_total(&cur("ALL")), money(24000, "ALL"));
        assert_eq!(a.accepting(), None, "store closes the slot");

        // A second deposit adds to the box; totals are kept per currency.
        open(&mut a, "EUR");
        a.insert_notes(&[(dec(50), 2)], &cur("EUR"))
            .expect("counted");
        run(&mut a, "store", &[]);
        open(&mut a, "ALL");
        a.insert_notes(&[(dec(500), 2)], &cur("ALL"))
            .expect("counted");
        run(&mut a, "store", &[]);
        assert_eq!(a.stored_total(&cur("ALL")), money(25000, "ALL"));
        assert_eq!(a.stored_total(&cur("EUR")), money(100, "EUR"));
        assert_eq!(a.stored_total(&cur("USD")), money(0, "USD"));
        assert_eq!(
            a.stored_notes(&cur("ALL")),
            vec![
                (dec(10000), 1),
                (dec(5000), 2),
                (dec(1000), 4),
                (dec(500), 2)
            ]
        );
    }

    #[test]
    fn unaccepted_and_suspect_notes_are_refused() {
        let mut a = SimCashAcceptor::default();
        open(&mut a, "ALL");
        // 200 ALL is not accepted; EUR notes are not accepted in an ALL deposit.
        let e = a
            .insert_notes(&[(dec(200), 2), (dec(1000), 1)], &cur("ALL"))
            .expect("counted");
        assert_eq!(refused(&e), Some(dec(2)));
        assert_eq!(e.data.get("total"), Some(&money_val(1000, "ALL")));
        let e = a
            .insert_notes(&[(dec(50), 3)], &cur("EUR"))
            .expect("counted");
        assert_eq!(refused(&e), Some(dec(3)));
        assert_eq!(e.data.get("total"), Some(&money_val(1000, "ALL")));
        let e = a.insert_suspect_note().expect("counted");
        assert_eq!(e.event, "notes_counted");
        assert_eq!(refused(&e), Some(dec(1)));
        assert_eq!(e.data.get("total"), Some(&money_val(1000, "ALL")));
        assert_eq!(a.escrow(), money(1000, "ALL"));
        assert_eq!(a.stored_total(&cur("ALL")), money(0, "ALL"));
    }

    #[test]
    fn return_hands_the_escrow_back() {
        let mut a = SimCashAcceptor::default();
        open(&mut a, "EUR");
        a.insert_notes(&[(dec(20), 2)], &cur("EUR"))
            .expect("counted");
        a.insert_notes(&[(dec(500), 1)], &cur("EUR"))
            .expect("counted");
        let e = run(&mut a, "return", &[]);
        assert_eq!(e.event, "notes_returned");
        assert_eq!(e.data.get("total"), Some(&money_val(540, "EUR")));
        assert_eq!(a.escrow(), money(0, "EUR"));
        assert_eq!(a.returned(), Some(&money(540, "EUR")));
        assert_eq!(a.stored_total(&cur("EUR")), money(0, "EUR"));

        // The slot stays shut until the customer takes the notes.
        let e = run(&mut a, "accept", &[("currency", Value::text("EUR"))]);
        assert_eq!(fault_code(&e), Some("notes_not_taken"));
        let taken = a.take_returned_notes().expect("taken");
        assert_eq!(taken.event, "notes_taken");
        assert_eq!(taken.data.get("total"), Some(&money_val(540, "EUR")));
        assert_eq!(a.take_returned_notes(), None);

        // A new deposit, partly returned then stored.
        open(&mut a, "EUR");
        a.insert_notes(&[(dec(100), 1)], &cur("EUR"))
            .expect("counted");
        run(&mut a, "return", &[]);
        a.take_returned_notes();
        open(&mut a, "EUR");
        a.insert_notes(&[(dec(100), 2)], &cur("EUR"))
            .expect("counted");
        let e = run(&mut a, "store", &[]);
        assert_eq!(e.data.get("total"), Some(&money_val(200, "EUR")));
        assert_eq!(a.stored_total(&cur("EUR")), money(200, "EUR"));
    }

    #[test]
    fn empty_escrow_stores_and_returns_zero() {
        let mut a = SimCashAcceptor::default();
        open(&mut a, "EUR");
        let e = run(&mut a, "return", &[]);
        assert_eq!(e.data.get("total"), Some(&money_val(0, "EUR")));
        assert_eq!(a.returned(), None);
        let e = run(&mut a, "store", &[]);
        assert_eq!(e.data.get("total"), Some(&money_val(0, "EUR")));
    }

    #[test]
    fn accept_checks_currency_and_escrow() {
        let mut a = SimCashAcceptor::default();
        let e = run(&mut a, "accept", &[("currency", Value::text("USD"))]);
        assert_eq!(fault_code(&e), Some("currency_not_accepted"));
        open(&mut a, "ALL");
        a.insert_notes(&[(dec(500), 1)], &cur("ALL"))
            .expect("counted");
        let e = run(&mut a, "accept", &[("currency", Value::text("EUR"))]);
        assert_eq!(fault_code(&e), Some("escrow_not_empty"));
        open(&mut a, "ALL");
        assert_eq!(a.escrow(), money(500, "ALL"));
    }

    #[test]
    fn note_jam_reports_the_escrow() {
        let mut a = SimCashAcceptor::default();
        open(&mut a, "ALL");
        a.insert_notes(&[(dec(2000), 2)], &cur("ALL"))
            .expect("counted");
        a.set_fault(Some(AcceptorFault::NoteJam));
        for name in ["store", "return"] {
            let e = run(&mut a, name, &[]);
            assert_eq!(fault_code(&e), Some("note_jam"));
            assert_eq!(e.data.get("escrow"), Some(&money_val(4000, "ALL")));
        }
        let e = a
            .insert_notes(&[(dec(1000), 1)], &cur("ALL"))
            .expect("answered");
        assert_eq!(fault_code(&e), Some("note_jam"));
        assert_eq!(a.escrow(), money(4000, "ALL"), "the jam keeps the escrow");
        assert_eq!(a.stored_total(&cur("ALL")), money(0, "ALL"));
        a.set_fault(None);
        let e = run(&mut a, "store", &[]);
        assert_eq!(e.data.get("total"), Some(&money_val(4000, "ALL")));
    }

    #[test]
    fn notes_a_jam_strands_are_never_counted_for_the_next_deposit() {
        let mut a = SimCashAcceptor::default();
        open(&mut a, "ALL");
        a.insert_notes(&[(dec(2000), 1)], &cur("ALL"))
            .expect("counted");
        a.set_fault(Some(AcceptorFault::NoteJam));
        assert_eq!(fault_code(&run(&mut a, "return", &[])), Some("note_jam"));
        // The jam goes away (the fault switch), but nobody took the notes out: the next
        // deposit may not start on them, in this currency or another.
        a.set_fault(None);
        for currency in ["ALL", "EUR"] {
            let e = run(
                &mut a,
                "accept",
                &[("currency", Value::Text(currency.into()))],
            );
            assert_eq!(fault_code(&e), Some("escrow_not_empty"), "{currency}");
            assert_eq!(e.data.get("escrow"), Some(&money_val(2000, "ALL")));
        }
        assert_eq!(a.accepting(), None);
        // The technician takes them out; then a deposit starts from nothing.
        assert_eq!(a.remove_stranded_notes(), Some(money(2000, "ALL")));
        assert_eq!(a.removed(), [money(2000, "ALL")]);
        assert_eq!(a.remove_stranded_notes(), None, "only once");
        open(&mut a, "ALL");
        let e = a
            .insert_notes(&[(dec(500), 1)], &cur("ALL"))
            .expect("counted");
        assert_eq!(e.data.get("total"), Some(&money_val(500, "ALL")));
    }

    #[test]
    fn a_retry_that_clears_the_escrow_frees_the_acceptor() {
        let mut a = SimCashAcceptor::default();
        open(&mut a, "ALL");
        a.insert_notes(&[(dec(1000), 1)], &cur("ALL"))
            .expect("counted");
        a.set_fault(Some(AcceptorFault::NoteJam));
        assert_eq!(fault_code(&run(&mut a, "store", &[])), Some("note_jam"));
        a.set_fault(None);
        assert_eq!(run(&mut a, "return", &[]).event, "notes_returned");
        a.take_returned_notes();
        assert_eq!(a.remove_stranded_notes(), None, "nothing left to remove");
        open(&mut a, "ALL");
        assert_eq!(a.accepting(), Some(&cur("ALL")));
    }

    #[test]
    fn bad_and_unknown_commands() {
        let mut a = SimCashAcceptor::default();
        for args in [
            vec![],
            vec![("currency", Value::number(8))],
            vec![("currency", Value::text("eur"))],
        ] {
            let e = run(&mut a, "accept", &args);
            assert_eq!(fault_code(&e), Some("bad_command"));
        }
        let e = run(&mut a, "swallow", &[]);
        assert_eq!(fault_code(&e), Some("unknown_command"));
        assert_eq!("note_jam".parse(), Ok(AcceptorFault::NoteJam));
    }
}
