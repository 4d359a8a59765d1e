//! Helpers shared by the simulated devices: reading command arguments and building the
//! common events.

use atmflow_engine::ports::{DeviceClass, DeviceCommand, DeviceEvent};
use atmflow_engine::value::{Currency, Money, Value};
use rust_decimal::Decimal;

/// A command's arguments are missing or of the wrong type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadCommand;

/// `fault {code}` from `device`.
pub(crate) fn fault(device: DeviceClass, code: &str) -> DeviceEvent {
    DeviceEvent::new(device, "fault").with("code", Value::text(code))
}

/// The answer to a command name the device does not know.
pub(crate) fn unknown_command(device: DeviceClass) -> Vec<DeviceEvent> {
    vec![fault(device, "unknown_command")]
}

/// The answer to a command whose arguments are missing or ill-typed.
pub(crate) fn bad_command(device: DeviceClass) -> Vec<DeviceEvent> {
    vec![fault(device, "bad_command")]
}

/// The `money` argument `key`.
pub(crate) fn money<'a>(command: &'a DeviceCommand, key: &str) -> Result<&'a Money, BadCommand> {
    command
        .args
        .get(key)
        .and_then(Value::as_money)
        .ok_or(BadCommand)
}

/// The `text` argument `key`.
pub(crate) fn text<'a>(command: &'a DeviceCommand, key: &str) -> Result<&'a str, BadCommand> {
    command
        .args
        .get(key)
        .and_then(Value::as_text)
        .ok_or(BadCommand)
}

/// The `list<text>` argument `key`.
pub(crate) fn text_list(command: &DeviceCommand, key: &str) -> Result<Vec<String>, BadCommand> {
    let items = command
        .args
        .get(key)
        .and_then(Value::as_list)
        .ok_or(BadCommand)?;
    items
        .iter()
        .map(|v| v.as_text().map(str::to_string).ok_or(BadCommand))
        .collect()
}

/// A money value.
pub(crate) fn money_value(amount: Decimal, currency: &Currency) -> Value {
    Value::Money(Money::new(amount, currency.clone()))
}

/// `list<{denomination: number, count: number}>`, in the order given.
pub(crate) fn notes_value<I>(notes: I) -> Value
where
    I: IntoIterator<Item = (Decimal, u64)>,
{
    Value::List(
        notes
            .into_iter()
            .map(|(denomination, count)| {
                Value::record([
                    ("denomination", Value::Number(denomination.normalize())),
                    ("count", Value::Number(Decimal::from(count))),
                ])
            })
            .collect(),
    )
}

/// The total value of notes, saturating instead of overflowing.
pub(crate) fn notes_total<'a, I>(notes: I) -> Decimal
where
    I: IntoIterator<Item = (&'a Decimal, &'a u64)>,
{
    notes.into_iter().fold(Decimal::ZERO, |sum, (d, c)| {
        d.checked_mul(Decimal::from(*c))
            .and_then(|v| sum.checked_add(v))
            .unwrap_or(Decimal::MAX)
    })
}

/// Whether `code` can name a fault: lowercase snake case, starting with a letter.
pub(crate) fn is_fault_code(code: &str) -> bool {
    code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::collections::BTreeMap;

    use super::*;

    pub fn cmd(device: DeviceClass, command: &str, args: &[(&str, Value)]) -> DeviceCommand {
        DeviceCommand {
            device,
            command: command.to_string(),
            args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    pub fn cur(code: &str) -> Currency {
        Currency(code.to_string())
    }

    pub fn dec(n: i64) -> Decimal {
        Decimal::from(n)
    }

    pub fn money(n: i64, code: &str) -> Money {
        Money::new(dec(n), cur(code))
    }

    pub fn money_val(n: i64, code: &str) -> Value {
        Value::Money(money(n, code))
    }

    /// The event's `code` when it is a fault.
    pub fn fault_code(event: &DeviceEvent) -> Option<&str> {
        (event.event == "fault")
            .then(|| event.data.get("code").and_then(Value::as_text))
            .flatten()
    }

    /// `[(denomination, count)]` out of a `notes` list value.
    pub fn notes_of(value: &Value) -> Vec<(i64, i64)> {
        use rust_decimal::prelude::ToPrimitive;
        value
            .as_list()
            .unwrap_or_default()
            .iter()
            .map(|n| {
                let d = n.field("denomination").and_then(Value::as_number);
                let c = n.field("count").and_then(Value::as_number);
                (
                    d.and_then(|d| d.to_i64()).unwrap_or(-1),
                    c.and_then(|c| c.to_i64()).unwrap_or(-1),
                )
            })
            .collect()
    }
}
