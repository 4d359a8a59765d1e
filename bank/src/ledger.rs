//! The double-entry ledger: booking journal entries and deriving balances from postings.
//!
//! Postings are signed, positive = debit, negative = credit; each entry sums to zero per
//! currency, checked before anything is written. Balances are sums of postings, negated for
//! credit-normal accounts, so a customer's deposit account shows a positive balance.

use chrono::NaiveDateTime;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::BankError;

/// How timestamps are stored (ISO 8601, local terminal time, no zone).
pub(crate) const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// What kind of transaction a journal entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Opening,
    VaultLoad,
    Withdrawal,
    Deposit,
    Reversal,
    /// A mobile top-up, to the operator's settlement account.
    Topup,
    /// A payment to a BKT credit card.
    CardPayment,
    /// A utility bill paid to the institution's account.
    BillPayment,
    /// A university service paid to the university's account.
    TuitionPayment,
    /// Between two customer accounts, or from outside the bank (a salary).
    Transfer,
    /// A card payment at a shop (demo history only).
    CardPurchase,
}

impl EntryKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EntryKind::Opening => "opening",
            EntryKind::VaultLoad => "vault_load",
            EntryKind::Withdrawal => "withdrawal",
            EntryKind::Deposit => "deposit",
            EntryKind::Reversal => "reversal",
            EntryKind::Topup => "topup",
            EntryKind::CardPayment => "card_payment",
            EntryKind::BillPayment => "bill_payment",
            EntryKind::TuitionPayment => "tuition_payment",
            EntryKind::Transfer => "transfer",
            EntryKind::CardPurchase => "card_purchase",
        }
    }
}

/// A transaction's public id, `TXN-00000042`, from its journal entry id.
pub(crate) fn entry_ref(id: i64) -> String {
    format!("TXN-{id:08}")
}

/// The journal entry id of a public transaction id.
pub(crate) fn parse_entry_ref(text: &str) -> Option<i64> {
    let digits = text.strip_prefix("TXN-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0)
}

/// A journal entry to book.
pub(crate) struct NewEntry<'a> {
    pub kind: EntryKind,
    pub booked_at: NaiveDateTime,
    pub description: &'a str,
    /// The customer-side account, amount (> 0) and currency the entry is about.
    pub account_id: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub reverses: Option<i64>,
    pub terminal_id: Option<&'a str>,
    /// `(account, signed minor units)`; positive = debit. Currencies are the accounts'.
    pub postings: &'a [(&'a str, i64)],
}

/// Books an entry and its postings; returns the entry id. The caller holds the transaction.
pub(crate) fn book(conn: &Connection, entry: &NewEntry<'_>) -> Result<i64, BankError> {
    let mut legs = Vec::with_capacity(entry.postings.len());
    for (account, amount) in entry.postings {
        let currency = account_currency(conn, account)?;
        legs.push((*account, *amount, currency));
    }
    let mut sums: Vec<(&str, i128)> = Vec::new();
    for (_, amount, currency) in &legs {
        match sums.iter_mut().find(|(c, _)| c == currency) {
            Some((_, sum)) => *sum += i128::from(*amount),
            None => sums.push((currency, i128::from(*amount))),
        }
    }
    let balanced = legs.len() >= 2
        && legs.iter().all(|(_, amount, _)| *amount != 0)
        && sums.iter().all(|(_, sum)| *sum == 0);
    if !balanced {
        return Err(BankError::Unbalanced(entry.description.to_string()));
    }
    conn.execute(
        "INSERT INTO journal_entries
             (kind, booked_at, description, account_id, amount_minor, currency, reverses, terminal_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.kind.as_str(),
            entry.booked_at.format(TIMESTAMP_FORMAT).to_string(),
            entry.description,
            entry.account_id,
            entry.amount_minor,
            entry.currency,
            entry.reverses,
            entry.terminal_id,
        ],
    )?;
    let entry_id = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO postings (entry_id, account_id, amount_minor, currency)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (account, amount, currency) in &legs {
        insert.execute(params![entry_id, account, amount, currency])?;
    }
    Ok(entry_id)
}

/// The currency of an account; unknown accounts are an error.
pub(crate) fn account_currency(conn: &Connection, account_id: &str) -> Result<String, BankError> {
    conn.query_row(
        "SELECT currency FROM accounts WHERE id = ?1",
        [account_id],
        |row| row.get(0),
    )
    .optional()?
    .ok_or_else(|| BankError::UnknownAccount(account_id.to_string()))
}

/// An account's balance in minor units, derived from its postings and its normal side.
pub(crate) fn balance_minor(conn: &Connection, account_id: &str) -> Result<i64, BankError> {
    let (normal_side, sum): (String, i64) = conn
        .query_row(
            "SELECT a.normal_side,
                    (SELECT COALESCE(SUM(p.amount_minor), 0) FROM postings p
                      WHERE p.account_id = a.id)
               FROM accounts a WHERE a.id = ?1",
            [account_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| BankError::UnknownAccount(account_id.to_string()))?;
    Ok(if normal_side == "credit" { -sum } else { sum })
}

/// Whether all postings sum to zero per currency, and every entry does too.
pub(crate) fn is_balanced(conn: &Connection) -> Result<bool, BankError> {
    let unbalanced_currencies: i64 = conn.query_row(
        "SELECT COUNT(*) FROM (SELECT currency FROM postings GROUP BY currency
                                HAVING SUM(amount_minor) <> 0)",
        [],
        |row| row.get(0),
    )?;
    let unbalanced_entries: i64 = conn.query_row(
        "SELECT COUNT(*) FROM (SELECT entry_id FROM postings GROUP BY entry_id, currency
                                HAVING SUM(amount_minor) <> 0)",
        [],
        |row| row.get(0),
    )?;
    let short_entries: i64 = conn.query_row(
        "SELECT COUNT(*) FROM journal_entries e
          WHERE (SELECT COUNT(*) FROM postings p WHERE p.entry_id = e.id) < 2",
        [],
        |row| row.get(0),
    )?;
    Ok(unbalanced_currencies == 0 && unbalanced_entries == 0 && short_entries == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_ids_round_trip() {
        assert_eq!(entry_ref(42), "TXN-00000042");
        assert_eq!(parse_entry_ref("TXN-00000042"), Some(42));
        assert_eq!(parse_entry_ref("TXN-0"), None);
        assert_eq!(parse_entry_ref("TXN-"), None);
        assert_eq!(parse_entry_ref("TXN--1"), None);
        assert_eq!(parse_entry_ref("TXN-+1"), None);
        assert_eq!(parse_entry_ref("42"), None);
        assert_eq!(parse_entry_ref("TXN-99999999999999999999999"), None);
    }
}
