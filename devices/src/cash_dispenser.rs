//! The simulated cash dispenser: cassettes of notes, an exact note mix, a presenter and a
//! retract bin.
//!
//! | command        | args            | answers                                                        |
//! |----------------|-----------------|----------------------------------------------------------------|
//! | `can_dispense` | `amount: money` | `dispensable` or `not_dispensable {reason: text}`              |
//! | `dispense`     | `amount: money` | `cash_presented {amount: money, notes: list<{denomination: number, count: number}>}`, `not_dispensable {reason}` or `fault {code, dispensed: money}` |
//! | `retract`      | –               | `cash_retracted {amount: money}` or `fault {code: 'no_cash_presented'}` |
//!
//! `reason` is one of `invalid_amount`, `no_notes`, `insufficient_cash`, `not_makeable`,
//! `amount_too_large`. `dispense` while cash is still presented answers
//! `fault {code: 'cash_not_taken'}`. Customer action: [`SimCashDispenser::take_cash`] →
//! `cash_taken {amount: money}`.
//!
//! Injected faults: [`DispenserFault::Jam`] answers `dispense` with
//! `fault {code: 'jam', dispensed: 0}` and nothing leaves the cassettes;
//! [`DispenserFault::PartialDispense`] presents the first half (rounded down) of the
//! notes, largest first, and answers `fault {code: 'partial', dispensed: money}`; the
//! notes that left are counted, the others stay in the cassettes;
//! [`DispenserFault::RetractJam`] answers `retract` with `fault {code: 'retract_jam'}`
//! and the cash stays in the presenter, where the customer may still take it.

use std::collections::BTreeMap;
use std::str::FromStr;

use atmflow_engine::ports::{Device, DeviceClass, DeviceCommand, DeviceEvent};
use atmflow_engine::value::{Currency, Money, Value};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::args::{
    self, bad_command, fault, money_value, notes_total, notes_value, unknown_command,
};
use crate::change::{MixError, make_change};

const CLASS: DeviceClass = DeviceClass::CashDispenser;

/// A cassette of notes of one denomination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cassette {
    pub currency: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    pub denomination: Decimal,
    pub count: u32,
}

impl Cassette {
    pub fn new(currency: &str, denomination: Decimal, count: u32) -> Cassette {
        Cassette {
            currency: Currency(currency.to_string()),
            denomination,
            count,
        }
    }
}

/// The default loading: ALL 500, 1000, 2000 and 5000 (200 notes each) and EUR 5, 10, 20,
/// 50 and 100 (100 notes each).
pub fn default_cassettes() -> Vec<Cassette> {
    let all = [500, 1000, 2000, 5000]
        .into_iter()
        .map(|d| Cassette::new("ALL", Decimal::from(d), 200));
    let eur = [5, 10, 20, 50, 100]
        .into_iter()
        .map(|d| Cassette::new("EUR", Decimal::from(d), 100));
    all.chain(eur).collect()
}

/// A fault to simulate on the next dispenses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DispenserFault {
    /// Nothing leaves: `fault {code: 'jam', dispensed: 0}`.
    Jam,
    /// Half the notes leave: `fault {code: 'partial', dispensed: money}`.
    PartialDispense,
    /// The presenter cannot pull the cash back: `retract` answers
    /// `fault {code: 'retract_jam'}` and the cash stays presented.
    RetractJam,
}

impl DispenserFault {
    pub fn code(self) -> &'static str {
        match self {
            DispenserFault::Jam => "jam",
            DispenserFault::PartialDispense => "partial",
            DispenserFault::RetractJam => "retract_jam",
        }
    }
}

impl FromStr for DispenserFault {
    type Err = ();
    /// `jam`, `partial` (or `partial_dispense`).
    fn from_str(code: &str) -> Result<Self, ()> {
        match code {
            "jam" => Ok(DispenserFault::Jam),
            "partial" | "partial_dispense" => Ok(DispenserFault::PartialDispense),
            "retract_jam" => Ok(DispenserFault::RetractJam),
            _ => Err(()),
        }
    }
}

/// Cash in the presenter, waiting for the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presented {
    pub amount: Money,
    /// `(denomination, count)`, largest first.
    pub notes: Vec<(Decimal, u64)>,
}

/// A simulated cash dispenser.
#[derive(Debug)]
pub struct SimCashDispenser {
    cassettes: Vec<Cassette>,
    presented: Option<Presented>,
    dispensed: BTreeMap<Currency, Decimal>,
    retracted: BTreeMap<Currency, Decimal>,
    fault: Option<DispenserFault>,
}

impl Default for SimCashDispenser {
    fn default() -> Self {
        SimCashDispenser::new(default_cassettes())
    }
}

impl SimCashDispenser {
    pub fn new(cassettes: Vec<Cassette>) -> SimCashDispenser {
        SimCashDispenser {
            cassettes,
            presented: None,
            dispensed: BTreeMap::new(),
            retracted: BTreeMap::new(),
            fault: None,
        }
    }

    /// Replaces the loading (replenishment). Presented cash and totals are kept.
    pub fn load(&mut self, cassettes: Vec<Cassette>) {
        self.cassettes = cassettes;
    }

    pub fn cassettes(&self) -> &[Cassette] {
        &self.cassettes
    }

    /// The cash waiting in the presenter.
    pub fn presented(&self) -> Option<&Presented> {
        self.presented.as_ref()
    }

    /// Everything that left the cassettes in `currency` (presented, whether then taken
    /// or retracted).
    pub fn total_dispensed(&self, currency: &Currency) -> Money {
        let amount = self.dispensed.get(currency).copied().unwrap_or_default();
        Money::new(amount, currency.clone())
    }

    /// Everything retracted into the retract bin in `currency`.
    pub fn total_retracted(&self, currency: &Currency) -> Money {
        let amount = self.retracted.get(currency).copied().unwrap_or_default();
        Money::new(amount, currency.clone())
    }

    /// Injects a fault (acting on `dispense`); `None` clears it.
    pub fn set_fault(&mut self, fault: Option<DispenserFault>) {
        self.fault = fault;
    }

    pub fn fault(&self) -> Option<DispenserFault> {
        self.fault
    }

    /// The customer takes the presented cash: `cash_taken {amount}`, or nothing when no
    /// cash is presented.
    pub fn take_cash(&mut self) -> Option<DeviceEvent> {
        let presented = self.presented.take()?;
        Some(DeviceEvent::new(CLASS, "cash_taken").with("amount", Value::Money(presented.amount)))
    }

    /// The note mix for `amount`.
    pub fn mix(&self, amount: &Money) -> Result<Vec<(Decimal, u64)>, MixError> {
        let available: Vec<(Decimal, u64)> = self
            .cassettes
            .iter()
            .filter(|c| c.currency == amount.currency)
            .map(|c| (c.denomination, u64::from(c.count)))
            .collect();
        make_change(amount.amount, &available)
    }

    fn can_dispense(&self, amount: &Money) -> DeviceEvent {
        match self.mix(amount) {
            Ok(_) => DeviceEvent::new(CLASS, "dispensable"),
            Err(e) => not_dispensable(e),
        }
    }

    fn dispense(&mut self, amount: &Money) -> DeviceEvent {
        if self.presented.is_some() {
            return fault(CLASS, "cash_not_taken");
        }
        let mix = match self.mix(amount) {
            Ok(mix) => mix,
            Err(e) => return not_dispensable(e),
        };
        let currency = &amount.currency;
        match self.fault {
            Some(DispenserFault::Jam) => {
                fault(CLASS, "jam").with("dispensed", money_value(Decimal::ZERO, currency))
            }
            Some(DispenserFault::PartialDispense) => {
                let total_notes: u64 = mix.iter().map(|(_, c)| c).sum();
                let mut left = total_notes / 2;
                let mut part = Vec::new();
                for (denomination, count) in mix {
                    if left == 0 {
                        break;
                    }
                    let n = count.min(left);
                    left -= n;
                    part.push((denomination, n));
                }
                let dispensed = self.remove_and_present(currency, part);
                fault(CLASS, "partial").with("dispensed", money_value(dispensed, currency))
            }
            // A retract jam lets the dispense through; it shows on the retract.
            None | Some(DispenserFault::RetractJam) => {
                let dispensed = self.remove_and_present(currency, mix.clone());
                DeviceEvent::new(CLASS, "cash_presented")
                    .with("amount", money_value(dispensed, currency))
                    .with("notes", notes_value(mix))
            }
        }
    }

    /// Takes `notes` out of the cassettes into the presenter; their total.
    fn remove_and_present(&mut self, currency: &Currency, notes: Vec<(Decimal, u64)>) -> Decimal {
        for (denomination, count) in &notes {
            let mut wanted = *count;
            for cassette in self
                .cassettes
                .iter_mut()
                .filter(|c| &c.currency == currency && c.denomination == *denomination)
            {
                let n = u32::try_from(wanted)
                    .unwrap_or(u32::MAX)
                    .min(cassette.count);
                cassette.count -= n;
                wanted -= u64::from(n);
                if wanted == 0 {
                    break;
                }
            }
        }
        let total = notes_total(notes.iter().map(|(d, c)| (d, c)));
        if total > Decimal::ZERO {
            let sum = self.dispensed.entry(currency.clone()).or_default();
            *sum = sum.saturating_add(total);
            self.presented = Some(Presented {
                amount: Money::new(total, currency.clone()),
                notes,
            });
        }
        total
    }

    fn retract(&mut self) -> DeviceEvent {
        if self.fault == Some(DispenserFault::RetractJam) && self.presented.is_some() {
            return fault(CLASS, "retract_jam");
        }
        match self.presented.take() {
            Some(presented) => {
                let sum = self
                    .retracted
                    .entry(presented.amount.currency.clone())
                    .or_default();
                *sum = sum.saturating_add(presented.amount.amount);
                DeviceEvent::new(CLASS, "cash_retracted")
                    .with("amount", Value::Money(presented.amount))
            }
            None => fault(CLASS, "no_cash_presented"),
        }
    }
}

fn not_dispensable(e: MixError) -> DeviceEvent {
    DeviceEvent::new(CLASS, "not_dispensable").with("reason", Value::text(e.reason()))
}

impl Device for SimCashDispenser {
    fn class(&self) -> DeviceClass {
        CLASS
    }

    fn execute(&mut self, command: &DeviceCommand) -> Vec<DeviceEvent> {
        match command.command.as_str() {
            "can_dispense" => match args::money(command, "amount") {
                Ok(amount) => vec![self.can_dispense(amount)],
                Err(_) => bad_command(CLASS),
            },
            "dispense" => match args::money(command, "amount") {
                Ok(amount) => vec![self.dispense(amount)],
                Err(_) => bad_command(CLASS),
            },
            "retract" => vec![self.retract()],
            _ => unknown_command(CLASS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::test_support::{cmd, cur, dec, fault_code, money, money_val, notes_of};

    fn dispense(d: &mut SimCashDispenser, amount: i64, currency: &str) -> DeviceEvent {
        let mut events = d.execute(&cmd(
            CLASS,
            "dispense",
            &[("amount", money_val(amount, currency))],
        ));
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    fn can(d: &mut SimCashDispenser, amount: i64, currency: &str) -> DeviceEvent {
        let mut events = d.execute(&cmd(
            CLASS,
            "can_dispense",
            &[("amount", money_val(amount, currency))],
        ));
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    fn reason(e: &DeviceEvent) -> Option<&str> {
        (e.event == "not_dispensable")
            .then(|| e.data.get("reason").and_then(Value::as_text))
            .flatten()
    }

    fn count_of(d: &SimCashDispenser, currency: &str, denomination: i64) -> u32 {
        d.cassettes()
            .iter()
            .filter(|c| c.currency.as_str() == currency && c.denomination == dec(denomination))
            .map(|c| c.count)
            .sum()
    }

    #[test]
    fn default_loading() {
        let d = SimCashDispenser::default();
        assert_eq!(d.cassettes().len(), 9);
        assert_eq!(count_of(&d, "ALL", 5000), 200);
        assert_eq!(count_of(&d, "EUR", 5), 100);
    }

    #[test]
    fn can_dispense_checks_the_mix() {
        let mut d = SimCashDispenser::default();
        assert_eq!(can(&mut d, 2500, "ALL").event, "dispensable");
        assert_eq!(reason(&can(&mut d, 7, "EUR")), Some("not_makeable"));
        assert_eq!(reason(&can(&mut d, 100, "USD")), Some("no_notes"));
        assert_eq!(reason(&can(&mut d, 0, "ALL")), Some("invalid_amount"));
        assert_eq!(
            reason(&can(&mut d, 10_000_000, "ALL")),
            Some("insufficient_cash")
        );
        let mut no_fives = SimCashDispenser::new(vec![
            Cassette::new("ALL", dec(500), 0),
            Cassette::new("ALL", dec(1000), 50),
        ]);
        assert_eq!(
            reason(&can(&mut no_fives, 1500, "ALL")),
            Some("not_makeable")
        );
        assert_eq!(can(&mut no_fives, 2000, "ALL").event, "dispensable");
    }

    #[test]
    fn dispense_presents_and_counts() {
        let mut d = SimCashDispenser::default();
        let e = dispense(&mut d, 2500, "ALL");
        assert_eq!(e.event, "cash_presented");
        assert_eq!(e.data.get("amount"), Some(&money_val(2500, "ALL")));
        assert_eq!(notes_of(&e.data["notes"]), vec![(2000, 1), (500, 1)]);
        assert_eq!(count_of(&d, "ALL", 2000), 199);
        assert_eq!(count_of(&d, "ALL", 500), 199);
        assert_eq!(d.presented().map(|p| &p.amount), Some(&money(2500, "ALL")));
        assert_eq!(d.total_dispensed(&cur("ALL")), money(2500, "ALL"));

        // A second dispense while cash waits is refused.
        assert_eq!(
            fault_code(&dispense(&mut d, 500, "ALL")),
            Some("cash_not_taken")
        );

        let taken = d.take_cash().expect("taken");
        assert_eq!(taken.event, "cash_taken");
        assert_eq!(taken.data.get("amount"), Some(&money_val(2500, "ALL")));
        assert_eq!(d.take_cash(), None);
        assert!(d.presented().is_none());
    }

    #[test]
    fn dispense_of_unmakeable_amount_leaves_cassettes_alone() {
        let mut d = SimCashDispenser::default();
        assert_eq!(reason(&dispense(&mut d, 7, "EUR")), Some("not_makeable"));
        assert_eq!(d.cassettes(), default_cassettes().as_slice());
        assert!(d.presented().is_none());
    }

    #[test]
    fn dispensing_empties_cassettes_until_not_makeable() {
        let mut d = SimCashDispenser::new(vec![
            Cassette::new("ALL", dec(500), 1),
            Cassette::new("ALL", dec(1000), 5),
        ]);
        assert_eq!(dispense(&mut d, 1500, "ALL").event, "cash_presented");
        d.take_cash();
        assert_eq!(count_of(&d, "ALL", 500), 0);
        assert_eq!(reason(&can(&mut d, 1500, "ALL")), Some("not_makeable"));
        assert_eq!(dispense(&mut d, 4000, "ALL").event, "cash_presented");
        d.take_cash();
        assert_eq!(reason(&can(&mut d, 1000, "ALL")), Some("no_notes"));
        assert_eq!(d.total_dispensed(&cur("ALL")), money(5500, "ALL"));
    }

    #[test]
    fn a_retract_jam_leaves_the_cash_presented_for_the_customer() {
        let mut d = SimCashDispenser::default();
        dispense(&mut d, 150, "EUR");
        d.set_fault(Some(DispenserFault::RetractJam));
        let e = d.execute(&cmd(CLASS, "retract", &[]));
        assert_eq!(fault_code(&e[0]), Some("retract_jam"));
        assert_eq!(d.total_retracted(&cur("EUR")), money(0, "EUR"));
        let taken = d.take_cash().expect("the cash is still there");
        assert_eq!(taken.data.get("amount"), Some(&money_val(150, "EUR")));
        assert_eq!("retract_jam".parse(), Ok(DispenserFault::RetractJam));
    }

    #[test]
    fn retract_moves_presented_cash_to_the_bin() {
        let mut d = SimCashDispenser::default();
        let e = d.execute(&cmd(CLASS, "retract", &[]));
        assert_eq!(fault_code(&e[0]), Some("no_cash_presented"));
        dispense(&mut d, 150, "EUR");
        let e = d.execute(&cmd(CLASS, "retract", &[]));
        assert_eq!(e[0].event, "cash_retracted");
        assert_eq!(e[0].data.get("amount"), Some(&money_val(150, "EUR")));
        assert_eq!(d.take_cash(), None);
        assert_eq!(d.total_retracted(&cur("EUR")), money(150, "EUR"));
        assert_eq!(d.total_dispensed(&cur("EUR")), money(150, "EUR"));
    }

    #[test]
    fn jam_dispenses_nothing() {
        let mut d = SimCashDispenser::default();
        d.set_fault(Some(DispenserFault::Jam));
        let e = dispense(&mut d, 5000, "ALL");
        assert_eq!(fault_code(&e), Some("jam"));
        assert_eq!(e.data.get("dispensed"), Some(&money_val(0, "ALL")));
        assert_eq!(d.cassettes(), default_cassettes().as_slice());
        assert!(d.presented().is_none());
        assert_eq!(d.total_dispensed(&cur("ALL")), money(0, "ALL"));
        // can_dispense still answers from the loading.
        assert_eq!(can(&mut d, 5000, "ALL").event, "dispensable");
        d.set_fault(None);
        assert_eq!(dispense(&mut d, 5000, "ALL").event, "cash_presented");
    }

    #[test]
    fn partial_dispense_presents_half_the_notes() {
        let mut d = SimCashDispenser::default();
        d.set_fault(Some(DispenserFault::PartialDispense));
        // 18,500 = 3×5000 + 2000 + 1000 + 500: six notes, the first three leave.
        let e = dispense(&mut d, 18500, "ALL");
        assert_eq!(fault_code(&e), Some("partial"));
        assert_eq!(e.data.get("dispensed"), Some(&money_val(15000, "ALL")));
        assert_eq!(count_of(&d, "ALL", 5000), 197);
        assert_eq!(count_of(&d, "ALL", 2000), 200);
        assert_eq!(d.total_dispensed(&cur("ALL")), money(15000, "ALL"));
        let taken = d.take_cash().expect("the part is presented");
        assert_eq!(taken.data.get("amount"), Some(&money_val(15000, "ALL")));
    }

    #[test]
    fn partial_dispense_of_one_note_dispenses_nothing() {
        let mut d = SimCashDispenser::default();
        d.set_fault(Some(DispenserFault::PartialDispense));
        let e = dispense(&mut d, 5000, "ALL");
        assert_eq!(fault_code(&e), Some("partial"));
        assert_eq!(e.data.get("dispensed"), Some(&money_val(0, "ALL")));
        assert!(d.presented().is_none());
    }

    #[test]
    fn bad_and_unknown_commands() {
        let mut d = SimCashDispenser::default();
        for c in [
            cmd(CLASS, "dispense", &[]),
            cmd(CLASS, "dispense", &[("amount", Value::number(5000))]),
            cmd(
                CLASS,
                "can_dispense",
                &[("amount", Value::text("5000 ALL"))],
            ),
        ] {
            assert_eq!(fault_code(&d.execute(&c)[0]), Some("bad_command"));
        }
        let e = d.execute(&cmd(CLASS, "explode", &[]));
        assert_eq!(fault_code(&e[0]), Some("unknown_command"));
    }

    #[test]
    fn fault_codes_parse() {
        assert_eq!("jam".parse(), Ok(DispenserFault::Jam));
        assert_eq!("partial".parse(), Ok(DispenserFault::PartialDispense));
        assert_eq!("smoke".parse::<DispenserFault>(), Err(()));
    }
}
