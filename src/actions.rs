//! What a customer (or a technician) does at the terminal, as values: insert a card,
//! type on the keypad, press a button, take cash... The headless console and the scenario
//! runner both turn their input into [`Action`]s and perform them the same way.

use std::str::FromStr;

use crate::host::SimHost;
use atmflow_devices::{Cassette, SimDevices};
use atmflow_engine::interp::Event;
use atmflow_engine::ports::DeviceClass;
use atmflow_engine::terminal::Terminal;
use atmflow_engine::value::Currency;
use chrono::NaiveDateTime;
use rust_decimal::Decimal;

pub type SimTerminal = Terminal<SimHost, SimDevices>;

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    InsertCard(String),
    /// Keys on the keypad or the virtual keyboard, into the focused input.
    Type(String),
    Backspace,
    Clear,
    Focus(String),
    /// A screen button by id (`confirm`, `preset.2`), or by its number on the screen.
    Press(String),
    Language(String),
    /// The terminal's physical eject key, which works on every screen.
    EjectKey,
    TakeCard,
    TakeCash,
    TakeNotes,
    InsertNotes {
        currency: String,
        notes: Vec<(Decimal, u32)>,
    },
    SuspectNote,
    ScanQr(String),
    Fault {
        device: String,
        code: String,
    },
    ClearFaults,
    /// A technician takes a stuck card out of the card reader.
    RemoveStuckCard,
    /// The host link goes down (true) or comes back (false).
    HostOffline(bool),
    /// The host refuses the next request for an operation with a code: `withdraw declined`.
    HostRefuse {
        op: String,
        code: String,
    },
    /// A technician sets how many notes the dispenser's cassettes of one currency hold:
    /// `(denomination, count)`; a denomination not loaded gets a cassette of its own, the
    /// ones not named keep their notes. A count of 0 empties that cassette.
    Cassettes {
        currency: String,
        counts: Vec<(Decimal, u32)>,
    },
}

/// Why an action could not be done; said to the user, never containing a secret.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ActionError(pub String);

/// `1000x5 500x2` into note counts.
pub fn parse_notes(words: &[&str]) -> Result<Vec<(Decimal, u32)>, ActionError> {
    words
        .iter()
        .map(|w| {
            let (d, c) = w.split_once('x').unwrap_or((w, "1"));
            let d = Decimal::from_str(d).map_err(|_| {
                ActionError(format!(
                    "`{w}`: write notes as DENOMINATIONxCOUNT, e.g. 1000x5"
                ))
            })?;
            let c = c
                .parse::<u32>()
                .map_err(|_| ActionError(format!("`{w}`: the count must be a whole number")))?;
            Ok((d, c))
        })
        .collect()
}

/// The dispenser's loading `cassettes` with the notes of `currency` set to `counts`
/// (see [`Action::Cassettes`]).
pub fn set_cassettes(
    cassettes: &[Cassette],
    currency: &str,
    counts: &[(Decimal, u32)],
) -> Result<Vec<Cassette>, ActionError> {
    let cur = Currency::new(currency)
        .ok_or_else(|| ActionError(format!("`{currency}` is not a currency code")))?;
    let mut loading = cassettes.to_vec();
    for &(denomination, count) in counts {
        if denomination <= Decimal::ZERO {
            return Err(ActionError(format!(
                "`{denomination}` is not a note: a denomination is more than 0"
            )));
        }
        let mut found = false;
        for c in loading
            .iter_mut()
            .filter(|c| c.currency == cur && c.denomination == denomination)
        {
            // Several cassettes of one denomination: the first gets the count, the
            // others are emptied, so the total is what was asked.
            c.count = if found { 0 } else { count };
            found = true;
        }
        if !found {
            loading.push(Cassette {
                currency: cur.clone(),
                denomination,
                count,
            });
        }
    }
    Ok(loading)
}

/// Performs an action at time `now`.
pub fn perform(
    t: &mut SimTerminal,
    action: &Action,
    now: NaiveDateTime,
) -> Result<(), ActionError> {
    let dev = |e: atmflow_engine::ports::DeviceEvent| Event::Device(e);
    match action {
        Action::InsertCard(pan) => {
            let ev = t
                .devices
                .card_reader
                .insert(pan)
                .map_err(|e| ActionError(e.to_string()))?;
            t.dispatch(dev(ev), now);
        }
        Action::Type(text) => t.dispatch(Event::Type { text: text.clone() }, now),
        Action::Backspace => t.dispatch(Event::Backspace, now),
        Action::Clear => t.dispatch(Event::Clear, now),
        Action::Focus(input) => t.dispatch(
            Event::Focus {
                input: input.clone(),
            },
            now,
        ),
        Action::Language(code) => t.dispatch(Event::Language { code: code.clone() }, now),
        Action::EjectKey => t.dispatch(Event::Button { id: "eject".into() }, now),
        Action::Press(key) => {
            let view = t
                .view()
                .ok_or_else(|| ActionError("no screen is shown".into()))?;
            let button =
                atmflow_devices::text_display::button_for_key(view, key).ok_or_else(|| {
                    let ids: Vec<&str> = view.buttons.iter().map(|b| b.id.as_str()).collect();
                    ActionError(format!(
                        "the screen {} has no button `{key}` (buttons: {})",
                        view.id,
                        ids.join(", ")
                    ))
                })?;
            let id = button.id.clone();
            t.dispatch(Event::Button { id }, now);
        }
        Action::TakeCard => {
            let ev = t
                .devices
                .card_reader
                .take()
                .ok_or_else(|| ActionError("no card is waiting to be taken".into()))?;
            t.dispatch(dev(ev), now);
        }
        Action::TakeCash => {
            let ev = t
                .devices
                .cash_dispenser
                .take_cash()
                .ok_or_else(|| ActionError("no cash is presented".into()))?;
            t.dispatch(dev(ev), now);
        }
        Action::TakeNotes => {
            let ev = t
                .devices
                .cash_acceptor
                .take_returned_notes()
                .ok_or_else(|| ActionError("no notes are waiting to be taken".into()))?;
            t.dispatch(dev(ev), now);
        }
        Action::InsertNotes { currency, notes } => {
            let cur = Currency::new(currency)
                .ok_or_else(|| ActionError(format!("`{currency}` is not a currency code")))?;
            let ev = t
                .devices
                .cash_acceptor
                .insert_notes(notes, &cur)
                .map_err(|e| ActionError(e.to_string()))?;
            t.dispatch(dev(ev), now);
        }
        Action::SuspectNote => {
            let ev = t
                .devices
                .cash_acceptor
                .insert_suspect_note()
                .map_err(|e| ActionError(e.to_string()))?;
            t.dispatch(dev(ev), now);
        }
        Action::ScanQr(payload) => {
            let ev = t
                .devices
                .qr_reader
                .scan(payload)
                .map_err(|e| ActionError(e.to_string()))?;
            t.dispatch(dev(ev), now);
        }
        Action::Fault { device, code } => {
            let class = DeviceClass::from_name(device).ok_or_else(|| {
                ActionError(format!(
                    "`{device}` is not a device; devices: {}",
                    DeviceClass::ALL.map(|c| c.name()).join(", ")
                ))
            })?;
            t.devices
                .inject_fault(class, code)
                .map_err(|e| ActionError(e.to_string()))?;
        }
        Action::ClearFaults => t.devices.clear_faults(),
        Action::RemoveStuckCard => {
            if !t.devices.card_reader.remove_stuck_card() {
                return Err(ActionError(
                    "no card is stuck inside the card reader (a card in the slot is the \
                     customer's to take)"
                        .into(),
                ));
            }
        }
        Action::HostOffline(off) => t.host.offline = *off,
        Action::HostRefuse { op, code } => t.host.refuse_next = Some((op.clone(), code.clone())),
        Action::Cassettes { currency, counts } => {
            let dispenser = &mut t.devices.cash_dispenser;
            let loading = set_cassettes(dispenser.cassettes(), currency, counts)?;
            dispenser.load(loading);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use atmflow_devices::cash_dispenser::default_cassettes;

    fn count(loading: &[Cassette], currency: &str, denomination: i64) -> Vec<u32> {
        loading
            .iter()
            .filter(|c| c.currency.as_str() == currency && c.denomination == denomination.into())
            .map(|c| c.count)
            .collect()
    }

    #[test]
    fn cassettes_set_the_named_counts_and_keep_the_others() {
        let loading = set_cassettes(
            &default_cassettes(),
            "ALL",
            &[(5000.into(), 0), (2000.into(), 3)],
        )
        .expect("a loading");
        assert_eq!(count(&loading, "ALL", 5000), [0]);
        assert_eq!(count(&loading, "ALL", 2000), [3]);
        assert_eq!(count(&loading, "ALL", 1000), [200]);
        assert_eq!(count(&loading, "EUR", 50), [100]);
        assert_eq!(loading.len(), default_cassettes().len());
    }

    #[test]
    fn cassettes_add_a_denomination_not_loaded_and_empty_duplicates() {
        let mut two = default_cassettes();
        two.push(Cassette::new("ALL", 500.into(), 50));
        let loading =
            set_cassettes(&two, "ALL", &[(500.into(), 7), (200.into(), 10)]).expect("a loading");
        assert_eq!(count(&loading, "ALL", 500), [7, 0]);
        assert_eq!(count(&loading, "ALL", 200), [10]);
        // The same counts in another currency leave ALL alone.
        let eur =
            set_cassettes(&default_cassettes(), "EUR", &[(5000.into(), 0)]).expect("a loading");
        assert_eq!(count(&eur, "ALL", 5000), [200]);
        assert_eq!(count(&eur, "EUR", 5000), [0]);
    }

    #[test]
    fn cassettes_refuse_a_bad_currency_or_denomination() {
        let e = set_cassettes(&default_cassettes(), "lek", &[(500.into(), 1)]);
        assert!(e.is_err_and(|e| e.0.contains("currency")));
        let e = set_cassettes(&default_cassettes(), "ALL", &[(0.into(), 1)]);
        assert!(e.is_err_and(|e| e.0.contains("denomination")));
    }
}
