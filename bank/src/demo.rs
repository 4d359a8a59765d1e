//! The demo data written on first run: customers, cards, accounts and their opening
//! balances, presets and limits. Deterministic except for the PIN hashes' random salts.
//!
//! Every card number and PIN here is demo data and is printed by the CLI on purpose, so
//! that people can try the terminal; real card data never appears in source.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::card;
use crate::error::BankError;
use crate::ledger::{self, EntryKind, NewEntry, TIMESTAMP_FORMAT};

/// A demo card, for people trying the terminal out. Holds the card number and PIN in
/// clear: demo data only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoCard {
    /// The holder's name; empty for the other-bank card (the bank does not know it).
    pub holder: String,
    pub masked: String,
    pub number: String,
    pub pin: String,
    /// `bkt` or `other`.
    pub kind: String,
    /// `active` or `blocked`, as created.
    pub status: String,
}

struct Customer {
    cif: &'static str,
    name: &'static str,
    email: Option<&'static str>,
    phone: &'static str,
    personal_id: &'static str,
}

const CUSTOMERS: &[Customer] = &[
    Customer {
        cif: "100001",
        name: "Arta Hoxha",
        email: Some("arta.hoxha@example.al"),
        phone: "+355691234567",
        personal_id: "J85406123A",
    },
    Customer {
        cif: "100002",
        name: "Blerim Krasniqi",
        email: None,
        phone: "+355682345678",
        personal_id: "I90312456B",
    },
    Customer {
        cif: "100003",
        name: "Dritan Leka",
        email: Some("dritan.leka@example.al"),
        phone: "+355673456789",
        personal_id: "H75123789C",
    },
];

/// The bank part of this bank's account numbers (bank, branch, check digit).
const BKT_BANK_CODE: &str = "20511001";
/// The bank part of the other bank whose card the network answers for.
const OTHER_BANK_CODE: &str = "20811007";

struct Account {
    id: &'static str,
    bank_code: &'static str,
    /// The 16-digit account part of the IBAN.
    account: &'static str,
    name: &'static str,
    currency: &'static str,
    /// `Some(cif)` for a customer account, `None` for a network account.
    customer: Option<&'static str>,
    opening_minor: i64,
}

const ACCOUNTS: &[Account] = &[
    Account {
        id: "ACC-0001",
        bank_code: BKT_BANK_CODE,
        account: "0000000235698741",
        name: "Current account",
        currency: "ALL",
        customer: Some("100001"),
        opening_minor: cents(250_000),
    },
    Account {
        id: "ACC-0002",
        bank_code: BKT_BANK_CODE,
        account: "0000000235698752",
        name: "Savings account",
        currency: "ALL",
        customer: Some("100001"),
        opening_minor: cents(40_000),
    },
    Account {
        id: "ACC-0003",
        bank_code: BKT_BANK_CODE,
        account: "0000000235698763",
        name: "Euro account",
        currency: "EUR",
        customer: Some("100001"),
        opening_minor: cents(2_000),
    },
    Account {
        id: "ACC-0004",
        bank_code: BKT_BANK_CODE,
        account: "0000000411872205",
        name: "Current account",
        currency: "ALL",
        customer: Some("100002"),
        opening_minor: cents(3_000),
    },
    Account {
        id: "ACC-0005",
        bank_code: BKT_BANK_CODE,
        account: "0000000766503318",
        name: "Current account",
        currency: "ALL",
        customer: Some("100003"),
        opening_minor: cents(15_000),
    },
    Account {
        id: "NET-0001",
        bank_code: OTHER_BANK_CODE,
        account: "0000000081209999",
        name: "Card account (other bank)",
        currency: "ALL",
        customer: None,
        opening_minor: cents(100_000),
    },
];

/// The terminal's cash vaults (debit-normal assets) and the opening-balance accounts that
/// fund the demo balances (credit-normal), per currency: `(id, name, normal side)`.
const INTERNAL_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("ATM-CASH-ALL", "Terminal cash vault ALL", "ALL", "debit"),
    ("ATM-CASH-EUR", "Terminal cash vault EUR", "EUR", "debit"),
    (
        "OPENING-ALL",
        "Opening balances ALL (demo funding)",
        "ALL",
        "credit",
    ),
    (
        "OPENING-EUR",
        "Opening balances EUR (demo funding)",
        "EUR",
        "credit",
    ),
];

/// Cash loaded into the terminal's vault accounts at start: `(vault, opening, minor)`.
const VAULT_LOADS: &[(&str, &str, i64)] = &[
    ("ATM-CASH-ALL", "OPENING-ALL", cents(5_000_000)),
    ("ATM-CASH-EUR", "OPENING-EUR", cents(50_000)),
];

/// Whole currency units as minor units: both demo currencies (ALL, EUR) have two decimals.
const fn cents(units: i64) -> i64 {
    units * 100
}

type Presets = &'static [(&'static str, &'static [i64])];

struct Card {
    number: &'static str,
    pin: &'static str,
    issuer: &'static str,
    customer: Option<&'static str>,
    holder: &'static str,
    status: &'static str,
    tries_left: i64,
    last_login: Option<&'static str>,
    /// `(account id, primary)`.
    accounts: &'static [(&'static str, bool)],
    /// Personalised fast-withdrawal amounts, minor units, per currency.
    presets: Presets,
}

const STANDARD_PRESETS: Presets = &[
    (
        "ALL",
        &[cents(1_000), cents(2_000), cents(5_000), cents(10_000)],
    ),
    ("EUR", &[cents(20), cents(50), cents(100), cents(200)]),
];

const CARDS: &[Card] = &[
    Card {
        number: "4741230000001234",
        pin: "1234",
        issuer: "bkt",
        customer: Some("100001"),
        holder: "Arta Hoxha",
        status: "active",
        tries_left: 3,
        last_login: Some("2025-06-02T09:15:00"),
        accounts: &[("ACC-0001", true), ("ACC-0002", false), ("ACC-0003", false)],
        presets: &[
            (
                "ALL",
                &[cents(2_000), cents(5_000), cents(10_000), cents(20_000)],
            ),
            ("EUR", &[cents(20), cents(50), cents(100), cents(200)]),
        ],
    },
    Card {
        number: "4741230000005678",
        pin: "4321",
        issuer: "bkt",
        customer: Some("100002"),
        holder: "Blerim Krasniqi",
        status: "active",
        tries_left: 3,
        last_login: None,
        accounts: &[("ACC-0004", true)],
        presets: &[
            (
                "ALL",
                &[cents(1_000), cents(2_000), cents(5_000), cents(10_000)],
            ),
            ("EUR", &[cents(20), cents(50), cents(100), cents(200)]),
        ],
    },
    Card {
        number: "4741230000009012",
        pin: "1111",
        issuer: "bkt",
        customer: Some("100003"),
        holder: "Dritan Leka",
        status: "blocked",
        tries_left: 0,
        last_login: None,
        accounts: &[("ACC-0005", true)],
        presets: &[],
    },
    Card {
        number: "5355000000009999",
        pin: "0000",
        issuer: "other",
        customer: None,
        holder: "",
        status: "active",
        tries_left: 3,
        last_login: None,
        accounts: &[("NET-0001", true)],
        presets: &[],
    },
];

/// Per-transaction maxima, minor units: `(operation, currency, max)`. Operations without a
/// row have no limit. These follow the demo bank's terms; edit here or in the `limits` table.
const LIMITS: &[(&str, &str, i64)] = &[
    ("withdraw", "ALL", cents(100_000)),
    ("withdraw", "EUR", cents(1_000)),
];

/// When the demo balances were opened (fixed, so the data is the same on every run).
fn demo_epoch() -> Result<NaiveDateTime, BankError> {
    NaiveDate::from_ymd_opt(2025, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| BankError::InvalidData("demo epoch".to_string()))
}

/// The demo cards, as created.
pub fn demo_cards() -> Vec<DemoCard> {
    CARDS
        .iter()
        .map(|c| DemoCard {
            holder: c.holder.to_string(),
            masked: card::mask_pan(c.number).unwrap_or_default(),
            number: c.number.to_string(),
            pin: c.pin.to_string(),
            kind: c.issuer.to_string(),
            status: c.status.to_string(),
        })
        .collect()
}

/// An IBAN with valid check digits (ISO 13616, mod 97), grouped by four:
/// `iban("AL", "212110090000000235698741")` is `AL47 2121 1009 0000 0002 3569 8741`.
pub(crate) fn iban(country: &str, bban: &str) -> String {
    let mut remainder: u32 = 0;
    for ch in bban.chars().chain(country.chars()).chain("00".chars()) {
        let Some(value) = ch.to_digit(36) else {
            continue;
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    let compact = format!("{country}{:02}{bban}", 98 - remainder);
    compact
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn customer_id(conn: &Connection, cif: &str) -> Result<i64, BankError> {
    Ok(
        conn.query_row("SELECT id FROM customers WHERE cif = ?1", [cif], |row| {
            row.get(0)
        })?,
    )
}

/// Writes the demo data. The caller holds a transaction on an empty database.
pub(crate) fn seed(conn: &Connection) -> Result<(), BankError> {
    let epoch = demo_epoch()?;
    conn.execute_batch("INSERT INTO currencies (code, minor_unit) VALUES ('ALL', 2), ('EUR', 2);")?;

    for c in CUSTOMERS {
        conn.execute(
            "INSERT INTO customers (cif, name, email, phone, personal_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.cif, c.name, c.email, c.phone, c.personal_id],
        )?;
    }

    for (id, name, currency, side) in INTERNAL_ACCOUNTS {
        conn.execute(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES (?1, NULL, ?2, ?3, 'internal', ?4, NULL)",
            params![id, name, currency, side],
        )?;
    }

    for a in ACCOUNTS {
        let (kind, owner) = match a.customer {
            Some(cif) => ("customer", Some(customer_id(conn, cif)?)),
            None => ("network", None),
        };
        let number = iban("AL", &format!("{}{}", a.bank_code, a.account));
        conn.execute(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES (?1, ?2, ?3, ?4, ?5, 'credit', ?6)",
            params![a.id, number, a.name, a.currency, kind, owner],
        )?;
        let opening = format!("OPENING-{}", a.currency);
        ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Opening,
                booked_at: epoch,
                description: "Opening balance (demo data)",
                account_id: a.id,
                amount_minor: a.opening_minor,
                currency: a.currency,
                reverses: None,
                terminal_id: None,
                postings: &[
                    (opening.as_str(), a.opening_minor),
                    (a.id, -a.opening_minor),
                ],
            },
        )?;
    }

    for (vault, opening, minor) in VAULT_LOADS {
        let currency = ledger::account_currency(conn, vault)?;
        ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::VaultLoad,
                booked_at: epoch,
                description: "Terminal cash loaded (demo data)",
                account_id: vault,
                amount_minor: *minor,
                currency: &currency,
                reverses: None,
                terminal_id: None,
                postings: &[(vault, *minor), (opening, -*minor)],
            },
        )?;
    }

    for c in CARDS {
        let token = card::pan_token(c.number)
            .ok_or_else(|| BankError::InvalidData("demo card number".to_string()))?;
        let masked = card::mask_pan(c.number)
            .ok_or_else(|| BankError::InvalidData("demo card number".to_string()))?;
        let owner = c.customer.map(|cif| customer_id(conn, cif)).transpose()?;
        conn.execute(
            "INSERT INTO cards (pan_token, masked_pan, issuer, customer_id, status, pin_hash,
                                tries_left, last_login)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                token,
                masked,
                c.issuer,
                owner,
                c.status,
                card::hash_pin(c.pin)?,
                c.tries_left,
                c.last_login,
            ],
        )?;
        let card_id = conn.last_insert_rowid();
        for (account, primary) in c.accounts {
            conn.execute(
                "INSERT INTO card_accounts (card_id, account_id, is_primary) VALUES (?1, ?2, ?3)",
                params![card_id, account, primary],
            )?;
        }
        for (currency, amounts) in c.presets {
            for (position, amount) in (1_i64..).zip(amounts.iter()) {
                conn.execute(
                    "INSERT INTO card_presets (card_id, currency, position, amount_minor)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![card_id, currency, position, amount],
                )?;
            }
        }
    }

    for (currency, amounts) in STANDARD_PRESETS {
        for (position, amount) in (1_i64..).zip(amounts.iter()) {
            conn.execute(
                "INSERT INTO standard_presets (currency, position, amount_minor)
                 VALUES (?1, ?2, ?3)",
                params![currency, position, amount],
            )?;
        }
    }

    for (operation, currency, max) in LIMITS {
        conn.execute(
            "INSERT INTO limits (operation, currency, max_per_transaction_minor)
             VALUES (?1, ?2, ?3)",
            params![operation, currency, max],
        )?;
    }

    // The stored format must be what the bank reads back.
    debug_assert!(
        CARDS
            .iter()
            .filter_map(|c| c.last_login)
            .all(|t| NaiveDateTime::parse_from_str(t, TIMESTAMP_FORMAT).is_ok())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_have_valid_check_digits() {
        assert_eq!(
            iban("AL", "212110090000000235698741"),
            "AL47 2121 1009 0000 0002 3569 8741"
        );
        assert_eq!(
            iban("GB", "WEST12345698765432"),
            "GB82 WEST 1234 5698 7654 32"
        );
    }

    #[test]
    fn demo_cards_are_listed_with_masks() {
        let cards = demo_cards();
        assert_eq!(cards.len(), 4);
        assert_eq!(cards[0].masked, "474123******1234");
        assert_eq!(cards[0].holder, "Arta Hoxha");
        assert_eq!(cards[2].status, "blocked");
        assert_eq!(cards[3].kind, "other");
    }
}
