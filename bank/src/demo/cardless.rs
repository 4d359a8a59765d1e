//! The demo data of schema version 4 (manual §IV-§VI): a second other-bank card (PIN
//! blocked, to demonstrate the PIN unblock), the business Alba Trade sh.p.k. with its
//! accounts, staff and salary payments, Arta's epara wallet, the exchange rates, and the
//! personal ID numbers the cardless deposit identifies depositors by.
//!
//! Written on a fresh database and added to a database of an older build when it is
//! opened (nothing is written twice). Existing balances are not touched: every new account
//! gets its own opening balance.

use chrono::NaiveDateTime;
use rusqlite::{Connection, OptionalExtension, params};

use super::{
    BKT_BANK_CODE, Card, DemoCard, OTHER_BANK_CODE, book_opening, card_id, cents, customer_id,
    demo_epoch, iban, timestamp,
};
use crate::card;
use crate::error::BankError;
use crate::ledger::{self, EntryKind, NewEntry};

/// Personal ID numbers of the demo customers: `(cif, personal ID, as older builds wrote it)`.
pub(super) const PERSONAL_IDS: &[(&str, &str, &str)] = &[
    ("100001", "I75123456A", "J85406123A"),
    ("100002", "J80512345L", "I90312456B"),
];

/// The other-bank card whose PIN is blocked, and its account at the other bank.
const BLOCKED_OTHER_CARD: Card = Card {
    number: "5355000000008888",
    pin: "0000",
    issuer: "other",
    customer: None,
    holder: "",
    status: "blocked",
    tries_left: 0,
    last_login: None,
    accounts: &[("NET-0002", true)],
    presets: &[],
};

/// `(id, account part of the IBAN, balance)`.
const BLOCKED_OTHER_ACCOUNT: (&str, &str, i64) = ("NET-0002", "0000000081208888", cents(60_000));

/// The business customer.
const COMPANY_CIF: &str = "200001";
const COMPANY_ID: &str = "ALBA";
const COMPANY_NAME: &str = "Alba Trade sh.p.k.";
const COMPANY_EMAIL: &str = "finance@albatrade.example.al";
const COMPANY_PHONE: &str = "+355697778899";

/// The business's accounts: `(id, account part of the IBAN, name, currency, balance)`.
const COMPANY_ACCOUNTS: &[(&str, &str, &str, &str, i64)] = &[
    (
        "ACC-0006",
        "0000000530017706",
        "Business current account",
        "ALL",
        cents(1_250_000),
    ),
    (
        "ACC-0007",
        "0000000530017717",
        "Business euro account",
        "EUR",
        cents(18_000),
    ),
];

/// Staff: `(id, name, phone, role)`.
const STAFF: &[(&str, &str, &str, &str)] = &[
    ("R-100", "Ilir Alba", "+355697778899", "representative"),
    ("E-100", "Elira Meta", "+355694445566", "employee"),
    ("E-101", "Gent Basha", "+355675551122", "employee"),
];

/// Salaries paid from ACC-0006 (to other banks): `(staff, when, ALL)`. Elira was paid
/// within the two months before 25.11.2026; Gent last five months before.
const SALARIES: &[(&str, &str, i64)] = &[
    ("E-101", "2026-06-25T09:00:00", cents(70_000)),
    ("E-100", "2026-09-25T09:00:00", cents(65_000)),
    ("E-100", "2026-10-26T09:00:00", cents(65_000)),
];

/// Where salaries to other banks go.
const CLEARING: &str = "CLEARING-ALL";

/// Epara wallets: `(id, holder cif, ledger account, balance in ALL)`.
const WALLETS: &[(&str, &str, &str, i64)] = &[("W-1001", "100001", "EPARA-W-1001", cents(20_000))];

/// Exchange rates in ALL per unit: `(currency, buy, sell)`, exact decimal text.
const RATES: &[(&str, &str, &str)] = &[
    ("EUR", "97.20", "99.40"),
    ("USD", "89.10", "91.60"),
    ("GBP", "113.50", "117.30"),
    ("CHF", "101.40", "104.80"),
];

/// The demo cards of version 4, for [`super::demo_cards`].
pub(super) fn demo_cards() -> Vec<DemoCard> {
    let c = &BLOCKED_OTHER_CARD;
    vec![DemoCard {
        holder: c.holder.to_string(),
        masked: card::mask_pan(c.number).unwrap_or_default(),
        number: c.number.to_string(),
        pin: c.pin.to_string(),
        kind: c.issuer.to_string(),
        status: c.status.to_string(),
    }]
}

fn exists(conn: &Connection, sql: &str, key: &str) -> Result<bool, BankError> {
    Ok(conn.query_row(sql, [key], |_| Ok(())).optional()?.is_some())
}

fn account_exists(conn: &Connection, id: &str) -> Result<bool, BankError> {
    exists(conn, "SELECT 1 FROM accounts WHERE id = ?1", id)
}

/// Writes whatever of the version-4 demo data is missing. Needs the base data (ALL, EUR,
/// the opening accounts); without it (an empty or foreign database) writes nothing.
pub(crate) fn seed(conn: &Connection) -> Result<(), BankError> {
    if !account_exists(conn, "OPENING-ALL")? || !account_exists(conn, "OPENING-EUR")? {
        return Ok(());
    }
    let epoch = demo_epoch()?;

    for (cif, id, old) in PERSONAL_IDS {
        conn.execute(
            "UPDATE customers SET personal_id = ?1 WHERE cif = ?2 AND personal_id = ?3",
            params![id, cif, old],
        )?;
    }

    if card_id(conn, BLOCKED_OTHER_CARD.number)?.is_none() {
        let (account, number, balance) = BLOCKED_OTHER_ACCOUNT;
        conn.execute(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES (?1, ?2, 'Card account (other bank)', 'ALL', 'network', 'credit', NULL)",
            params![account, iban("AL", &format!("{OTHER_BANK_CODE}{number}"))],
        )?;
        book_opening(conn, epoch, account, "ALL", "OPENING-ALL", balance, false)?;
        let c = &BLOCKED_OTHER_CARD;
        let token = card::pan_token(c.number)
            .ok_or_else(|| BankError::InvalidData("demo card number".to_string()))?;
        let masked = card::mask_pan(c.number)
            .ok_or_else(|| BankError::InvalidData("demo card number".to_string()))?;
        conn.execute(
            "INSERT INTO cards (pan_token, masked_pan, issuer, customer_id, status, pin_hash,
                                tries_left, last_login)
             VALUES (?1, ?2, ?3, NULL, ?4, ?5, ?6, NULL)",
            params![
                token,
                masked,
                c.issuer,
                c.status,
                card::hash_pin(c.pin)?,
                c.tries_left
            ],
        )?;
        let card = conn.last_insert_rowid();
        for (account, primary) in c.accounts {
            conn.execute(
                "INSERT INTO card_accounts (card_id, account_id, is_primary) VALUES (?1, ?2, ?3)",
                params![card, account, primary],
            )?;
        }
    }

    if !exists(conn, "SELECT 1 FROM companies WHERE id = ?1", COMPANY_ID)? {
        seed_company(conn, epoch)?;
    }

    for (id, cif, account, balance) in WALLETS {
        if exists(conn, "SELECT 1 FROM wallets WHERE id = ?1", id)? {
            continue;
        }
        let Some(owner) = conn
            .query_row("SELECT id FROM customers WHERE cif = ?1", [cif], |row| {
                row.get::<_, i64>(0)
            })
            .optional()?
        else {
            continue;
        };
        conn.execute(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES (?1, NULL, ?2, 'ALL', 'internal', 'credit', NULL)",
            params![account, format!("epara wallet {id}")],
        )?;
        conn.execute(
            "INSERT INTO wallets (id, customer_id, account_id) VALUES (?1, ?2, ?3)",
            params![id, owner, account],
        )?;
        book_opening(conn, epoch, account, "ALL", "OPENING-ALL", *balance, false)?;
    }

    let rates: i64 = conn.query_row("SELECT COUNT(*) FROM exchange_rates", [], |row| row.get(0))?;
    if rates == 0 {
        for (position, (currency, buy, sell)) in (1_i64..).zip(RATES) {
            conn.execute(
                "INSERT INTO exchange_rates (currency, buy, sell, position)
                 VALUES (?1, ?2, ?3, ?4)",
                params![currency, buy, sell, position],
            )?;
        }
    }
    Ok(())
}

fn seed_company(conn: &Connection, epoch: NaiveDateTime) -> Result<(), BankError> {
    conn.execute(
        "INSERT INTO customers (cif, name, email, phone, personal_id)
         VALUES (?1, ?2, ?3, ?4, NULL)",
        params![COMPANY_CIF, COMPANY_NAME, COMPANY_EMAIL, COMPANY_PHONE],
    )?;
    let owner = customer_id(conn, COMPANY_CIF)?;
    conn.execute(
        "INSERT INTO companies (id, name, customer_id) VALUES (?1, ?2, ?3)",
        params![COMPANY_ID, COMPANY_NAME, owner],
    )?;
    for (id, name, phone, role) in STAFF {
        conn.execute(
            "INSERT INTO company_staff (id, company_id, name, phone, role)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, COMPANY_ID, name, phone, role],
        )?;
    }
    if !account_exists(conn, CLEARING)? {
        conn.execute(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES (?1, NULL, 'Interbank clearing ALL (salaries, shop payments)', 'ALL',
                     'internal', 'credit', NULL)",
            [CLEARING],
        )?;
    }
    let salaries_from = |account: &str| -> i64 {
        if account == "ACC-0006" {
            SALARIES.iter().map(|(_, _, minor)| minor).sum()
        } else {
            0
        }
    };
    for (id, number, name, currency, balance) in COMPANY_ACCOUNTS {
        conn.execute(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES (?1, ?2, ?3, ?4, 'customer', 'credit', ?5)",
            params![
                id,
                iban("AL", &format!("{BKT_BANK_CODE}{number}")),
                name,
                currency,
                owner
            ],
        )?;
        let opening = format!("OPENING-{currency}");
        book_opening(
            conn,
            epoch,
            id,
            currency,
            &opening,
            balance + salaries_from(id),
            false,
        )?;
    }
    for (staff, at, minor) in SALARIES {
        let name = STAFF
            .iter()
            .find(|(id, ..)| id == staff)
            .map(|(_, name, ..)| *name)
            .unwrap_or_default();
        let entry = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Transfer,
                booked_at: timestamp(at)?,
                description: &format!("Paga / Salary - {name}"),
                account_id: "ACC-0006",
                amount_minor: *minor,
                currency: "ALL",
                reverses: None,
                terminal_id: None,
                postings: &[("ACC-0006", *minor), (CLEARING, -*minor)],
            },
        )?;
        conn.execute(
            "INSERT INTO salary_payments (entry_id, staff_id) VALUES (?1, ?2)",
            params![entry, staff],
        )?;
    }
    Ok(())
}
