//! Exact conversion between `rust_decimal` amounts and the integer minor units the ledger
//! stores. No floating point anywhere.

use atmflow_engine::value::{Currency, Money};
use rusqlite::{Connection, OptionalExtension};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::BankError;

/// The number of decimals of `currency` in this bank, `None` if the bank does not hold it.
pub(crate) fn minor_unit(conn: &Connection, currency: &str) -> Result<Option<u32>, BankError> {
    let unit: Option<i64> = conn
        .query_row(
            "SELECT minor_unit FROM currencies WHERE code = ?1",
            [currency],
            |row| row.get(0),
        )
        .optional()?;
    unit.map(|u| {
        u32::try_from(u)
            .ok()
            .filter(|u| *u <= 4)
            .ok_or_else(|| BankError::InvalidData(format!("minor unit {u} of {currency}")))
    })
    .transpose()
}

/// `amount` in minor units, if it has no more decimals than the currency allows and fits.
pub(crate) fn to_minor(amount: Decimal, minor_unit: u32) -> Option<i64> {
    let factor = Decimal::from(10_i64.checked_pow(minor_unit)?);
    let scaled = amount.checked_mul(factor)?;
    if !scaled.fract().is_zero() {
        return None;
    }
    scaled.trunc().to_i64()
}

/// Minor units back to an amount with exactly `minor_unit` decimals (`25000000` → `250000.00`).
pub(crate) fn from_minor(minor: i64, minor_unit: u32) -> Result<Decimal, BankError> {
    Decimal::try_new(minor, minor_unit)
        .map_err(|e| BankError::InvalidData(format!("amount {minor}e-{minor_unit}: {e}")))
}

/// A money value from minor units of a currency held by the bank.
pub(crate) fn money(conn: &Connection, minor: i64, currency: &str) -> Result<Money, BankError> {
    let unit = minor_unit(conn, currency)?
        .ok_or_else(|| BankError::InvalidData(format!("unknown currency {currency}")))?;
    let code = Currency::new(currency)
        .ok_or_else(|| BankError::InvalidData(format!("currency code {currency}")))?;
    Ok(Money::new(from_minor(minor, unit)?, code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal literal")
    }

    #[test]
    fn converts_exactly() {
        assert_eq!(to_minor(dec("0.10"), 2), Some(10));
        assert_eq!(to_minor(dec("0.1"), 2), Some(10));
        assert_eq!(to_minor(dec("250000"), 2), Some(25_000_000));
        assert_eq!(to_minor(dec("-5.5"), 2), Some(-550));
        assert_eq!(to_minor(dec("0.001"), 2), None);
        assert_eq!(to_minor(dec("1.5"), 0), None);
        assert_eq!(to_minor(dec("79228162514264337593543950335"), 2), None);
        assert_eq!(from_minor(30, 2).expect("amount"), dec("0.30"));
        assert_eq!(from_minor(30, 2).expect("amount").to_string(), "0.30");
        let sum = from_minor(
            to_minor(dec("0.10"), 2).expect("minor") + to_minor(dec("0.20"), 2).expect("minor"),
            2,
        )
        .expect("amount");
        assert_eq!(sum, dec("0.3"));
    }
}
