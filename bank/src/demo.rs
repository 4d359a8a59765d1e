//! The demo data written on first run: customers, cards, accounts and their opening
//! balances, presets and limits; mobile operators, credit cards, billing institutions,
//! universities and bills; and a history of past movements (October and November 2026).
//! Deterministic except for the PIN hashes' random salts.
//!
//! The demo balances are the balances *after* the history: each opening balance is what
//! the history needs to end there (Arta's current account holds 250,000 ALL).
//!
//! A database written by an older build (schema 1 or 2) gets the reference data (operators,
//! credit cards, institutions, bills) when it is opened, but no history: its balances stay.
//! The data of schema 4 (the business, the epara wallet, the PIN-blocked other-bank card,
//! exchange rates, personal ID numbers) is in [`cardless`] and is added to any older
//! database in the same way.
//!
//! Every card number and PIN here is demo data and is printed by the CLI on purpose, so
//! that people can try the terminal; real card data never appears in source.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::card;
use crate::error::BankError;

mod cardless;
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
        personal_id: "I75123456A",
    },
    Customer {
        cif: "100002",
        name: "Blerim Krasniqi",
        email: None,
        phone: "+355682345678",
        personal_id: "J80512345L",
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
    /// The balance after the demo history; the opening balance is what makes it so.
    balance_minor: i64,
}

const ACCOUNTS: &[Account] = &[
    Account {
        id: "ACC-0001",
        bank_code: BKT_BANK_CODE,
        account: "0000000235698741",
        name: "Current account",
        currency: "ALL",
        customer: Some("100001"),
        balance_minor: cents(250_000),
    },
    Account {
        id: "ACC-0002",
        bank_code: BKT_BANK_CODE,
        account: "0000000235698752",
        name: "Savings account",
        currency: "ALL",
        customer: Some("100001"),
        balance_minor: cents(40_000),
    },
    Account {
        id: "ACC-0003",
        bank_code: BKT_BANK_CODE,
        account: "0000000235698763",
        name: "Euro account",
        currency: "EUR",
        customer: Some("100001"),
        balance_minor: cents(2_000),
    },
    Account {
        id: "ACC-0004",
        bank_code: BKT_BANK_CODE,
        account: "0000000411872205",
        name: "Current account",
        currency: "ALL",
        customer: Some("100002"),
        balance_minor: cents(3_000),
    },
    Account {
        id: "ACC-0005",
        bank_code: BKT_BANK_CODE,
        account: "0000000766503318",
        name: "Current account",
        currency: "ALL",
        customer: Some("100003"),
        balance_minor: cents(15_000),
    },
    Account {
        id: "NET-0001",
        bank_code: OTHER_BANK_CODE,
        account: "0000000081209999",
        name: "Card account (other bank)",
        currency: "ALL",
        customer: None,
        balance_minor: cents(100_000),
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

/// Cash in the terminal's vault accounts after the demo history: `(vault, opening, minor)`.
/// The load booked at the start is what makes it so.
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
    let mut cards: Vec<DemoCard> = CARDS
        .iter()
        .map(|c| DemoCard {
            holder: c.holder.to_string(),
            masked: card::mask_pan(c.number).unwrap_or_default(),
            number: c.number.to_string(),
            pin: c.pin.to_string(),
            kind: c.issuer.to_string(),
            status: c.status.to_string(),
        })
        .collect();
    cards.extend(cardless::demo_cards());
    cards
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
    seed_as_version_3(conn)?;
    cardless::seed(conn)
}

/// Writes the demo data as builds of schema version 3 did.
pub(crate) fn seed_as_version_3(conn: &Connection) -> Result<(), BankError> {
    seed_base(conn, true)?;
    seed_reference(conn, true)?;
    seed_history(conn)
}

/// Writes the demo data as builds before schema version 3 did (customers, cards, accounts,
/// presets, limits; no history): for tests of the migration.
#[cfg(test)]
pub(crate) fn seed_as_version_2(conn: &Connection) -> Result<(), BankError> {
    seed_base(conn, false)
}

/// Customers, accounts and their opening balances, vault loads, cards, presets, limits.
/// `history`: the demo history follows, so the opening balances make room for it.
fn seed_base(conn: &Connection, history: bool) -> Result<(), BankError> {
    let epoch = demo_epoch()?;
    let change = |account: &str| if history { history_change(account) } else { 0 };
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
        let opening_minor = a.balance_minor - change(a.id);
        book_opening(
            conn,
            epoch,
            a.id,
            a.currency,
            &opening,
            opening_minor,
            false,
        )?;
    }

    for (vault, opening, minor) in VAULT_LOADS {
        let currency = ledger::account_currency(conn, vault)?;
        let load = minor - change(vault);
        ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::VaultLoad,
                booked_at: epoch,
                description: "Terminal cash loaded (demo data)",
                account_id: vault,
                amount_minor: load,
                currency: &currency,
                reverses: None,
                terminal_id: None,
                postings: &[(vault, load), (opening, -load)],
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

/// A demo credit card, for people trying the credit-card payments out. Holds the card
/// number in clear: demo data only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DemoCreditCard {
    /// The bank's opaque id (`CC-0001`), what `pay_credit_card` takes.
    pub id: String,
    pub holder: String,
    pub masked: String,
    pub number: String,
}

/// The mobile operators: `(id, name, settlement account)`, in the order they are listed.
const OPERATORS: &[(&str, &str, &str)] = &[
    ("one", "ONE Albania", "OP-ONE"),
    ("vodafone", "Vodafone Albania", "OP-VODAFONE"),
];

/// The operators' packages: `(id, operator, name, price in ALL minor units, details)`.
const PACKAGES: &[(&str, &str, &str, i64, &str)] = &[
    (
        "one-week",
        "one",
        "ONE Week",
        cents(300),
        "5 GB, 100 min, 7 days",
    ),
    (
        "one-smart-s",
        "one",
        "ONE Smart S",
        cents(700),
        "10 GB, 500 min, 30 days",
    ),
    (
        "one-smart-l",
        "one",
        "ONE Smart L",
        cents(1_500),
        "30 GB, 1000 min, 30 days",
    ),
    (
        "vodafone-red-s",
        "vodafone",
        "Vodafone Red S",
        cents(900),
        "15 GB, 600 min, 30 days",
    ),
    (
        "vodafone-red-l",
        "vodafone",
        "Vodafone Red L",
        cents(1_800),
        "40 GB, 2000 min, 30 days",
    ),
];

/// Numbers Arta's debit card topped up before: `(number, operator, when)`, oldest first.
const TOPUP_NUMBERS: &[(&str, &str, &str)] = &[
    ("+355681112233", "one", "2026-10-15T17:40:00"),
    ("+355695558899", "vodafone", "2026-11-10T12:05:00"),
];

/// The debit card that topped up [`TOPUP_NUMBERS`] and paid [`PAID_CARDS`].
const ARTA_DEBIT_CARD: &str = "4741230000001234";

/// Other people's credit cards Arta's debit card paid before: `(credit card, when)`.
const PAID_CARDS: &[(&str, &str)] = &[("CC-0002", "2026-11-02T19:30:00")];

struct CreditCard {
    id: &'static str,
    number: &'static str,
    cif: &'static str,
    /// The card's ledger account (debit-normal: what the holder owes).
    account: &'static str,
    limit_minor: i64,
    /// What is owed after the demo history.
    owed_minor: i64,
    due_date: &'static str,
}

const CREDIT_CARDS: &[CreditCard] = &[
    CreditCard {
        id: "CC-0001",
        number: "5234560000007788",
        cif: "100001",
        account: "CCA-0001",
        limit_minor: cents(300_000),
        owed_minor: cents(45_000),
        due_date: "2026-12-15",
    },
    CreditCard {
        id: "CC-0002",
        number: "5234560000003344",
        cif: "100002",
        account: "CCA-0002",
        limit_minor: cents(100_000),
        owed_minor: cents(12_000),
        due_date: "2026-12-15",
    },
    CreditCard {
        id: "CC-0003",
        number: "5234560000005566",
        cif: "100003",
        account: "CCA-0003",
        limit_minor: cents(150_000),
        owed_minor: cents(8_200),
        due_date: "2026-12-20",
    },
];

struct Institution {
    id: &'static str,
    name: &'static str,
    category: &'static str,
    /// `public` or `private` for universities.
    kind: Option<&'static str>,
    /// Its ledger account (credit-normal: what the bank owes it).
    account: &'static str,
    /// The 16-digit account part of its IBAN at this bank.
    number: &'static str,
}

const INSTITUTIONS: &[Institution] = &[
    Institution {
        id: "oshee",
        name: "OSHEE",
        category: "electricity",
        kind: None,
        account: "INST-OSHEE",
        number: "0000000900000011",
    },
    Institution {
        id: "uk_tirana",
        name: "UK Tirana",
        category: "water",
        kind: None,
        account: "INST-UK-TIRANA",
        number: "0000000900000022",
    },
    Institution {
        id: "uk_durres",
        name: "UK Durrës",
        category: "water",
        kind: None,
        account: "INST-UK-DURRES",
        number: "0000000900000033",
    },
    Institution {
        id: "ut",
        name: "Universiteti i Tiranës",
        category: "education",
        kind: Some("public"),
        account: "INST-UT",
        number: "0000000900000044",
    },
    Institution {
        id: "upt",
        name: "Universiteti Politeknik i Tiranës",
        category: "education",
        kind: Some("public"),
        account: "INST-UPT",
        number: "0000000900000055",
    },
    Institution {
        id: "epoka",
        name: "Universiteti Epoka",
        category: "education",
        kind: Some("private"),
        account: "INST-EPOKA",
        number: "0000000900000066",
    },
];

/// Utility customers: `(institution, customer number, name)`.
const BILLING_CUSTOMERS: &[(&str, &str, &str)] = &[
    ("oshee", "123456", "Arta Hoxha"),
    ("uk_tirana", "778899", "Arta Hoxha"),
    ("uk_durres", "445566", "Blerim Krasniqi"),
];

struct Bill {
    id: &'static str,
    institution: &'static str,
    customer: &'static str,
    period: &'static str,
    amount_minor: i64,
    due_date: &'static str,
}

/// Unpaid bills (UK Durrës customer 445566 has none).
const BILLS: &[Bill] = &[
    Bill {
        id: "BILL-0001",
        institution: "oshee",
        customer: "123456",
        period: "10/2026",
        amount_minor: cents(3_450),
        due_date: "2026-11-20",
    },
    Bill {
        id: "BILL-0002",
        institution: "oshee",
        customer: "123456",
        period: "11/2026",
        amount_minor: cents(2_980),
        due_date: "2026-12-20",
    },
    Bill {
        id: "BILL-0003",
        institution: "uk_tirana",
        customer: "778899",
        period: "10/2026",
        amount_minor: cents(1_200),
        due_date: "2026-11-30",
    },
];

/// A bill paid in the demo history.
const PAID_BILL: Bill = Bill {
    id: "BILL-0004",
    institution: "oshee",
    customer: "123456",
    period: "09/2026",
    amount_minor: cents(3_120),
    due_date: "2026-10-20",
};

/// Every university's services: `(id suffix, name, fee)`; a fee of 0 means the payer
/// enters the amount.
const SERVICES: &[(&str, &str, i64)] = &[
    ("tuition", "Tarifa e studimit / Tuition fee", 0),
    (
        "registration",
        "Tarifa e regjistrimit / Registration fee",
        cents(5_000),
    ),
    (
        "application",
        "Tarifa e aplikimit / Application fee",
        cents(2_000),
    ),
    ("diploma", "Tarifa e diplomës / Diploma fee", cents(10_000)),
];

/// Where money from outside the bank comes from and goes to (salaries, shop payments).
const CLEARING: &str = "CLEARING-ALL";

/// A past movement of the demo history, in ALL.
struct Movement {
    at: &'static str,
    kind: EntryKind,
    /// The customer account it is about.
    account: &'static str,
    /// The other side.
    counter: &'static str,
    /// Into `account` (positive) or out of it (negative), minor units.
    signed_minor: i64,
    description: &'static str,
    /// What the counter account shows, when it is a customer's (a transfer).
    counter_note: Option<&'static str>,
    terminal: Option<&'static str>,
    /// The bill it paid.
    bill: Option<&'static Bill>,
}

const fn movement(
    at: &'static str,
    kind: EntryKind,
    account: &'static str,
    counter: &'static str,
    signed_minor: i64,
    description: &'static str,
) -> Movement {
    Movement {
        at,
        kind,
        account,
        counter,
        signed_minor,
        description,
        counter_note: None,
        terminal: None,
        bill: None,
    }
}

const SALARY: &str = "Paga / Salary - Tech Albania sh.p.k.";
const WITHDRAWAL_T001: &str = "Tërheqje / Withdrawal T001";

/// Arta's (ACC-0001) and Blerim's (ACC-0004) past movements, oldest first.
const HISTORY: &[Movement] = &[
    movement(
        "2026-10-02T09:00:00",
        EntryKind::Transfer,
        "ACC-0001",
        CLEARING,
        cents(85_000),
        SALARY,
    ),
    movement(
        "2026-10-06T18:22:00",
        EntryKind::CardPurchase,
        "ACC-0001",
        CLEARING,
        -cents(4_350),
        "Pagesë POS / POS payment - Conad Tirana",
    ),
    Movement {
        terminal: Some("T001"),
        ..movement(
            "2026-10-09T11:15:00",
            EntryKind::Withdrawal,
            "ACC-0001",
            "ATM-CASH-ALL",
            -cents(10_000),
            WITHDRAWAL_T001,
        )
    },
    movement(
        "2026-10-15T17:40:00",
        EntryKind::Topup,
        "ACC-0001",
        "OP-ONE",
        -cents(1_000),
        "Rimbushje ONE Albania / ONE Albania top-up +355 68 111 2233",
    ),
    Movement {
        bill: Some(&PAID_BILL),
        ..movement(
            "2026-10-18T10:05:00",
            EntryKind::BillPayment,
            "ACC-0001",
            "INST-OSHEE",
            -cents(3_120),
            "Pagesë OSHEE / OSHEE bill 09/2026, nr. 123456",
        )
    },
    Movement {
        counter_note: Some("Transfertë nga Arta H. / Transfer from Arta H."),
        ..movement(
            "2026-10-20T14:30:00",
            EntryKind::Transfer,
            "ACC-0001",
            "ACC-0004",
            -cents(5_000),
            "Transfertë te Blerim K. / Transfer to Blerim K.",
        )
    },
    Movement {
        terminal: Some("T001"),
        ..movement(
            "2026-10-21T16:45:00",
            EntryKind::Withdrawal,
            "ACC-0004",
            "ATM-CASH-ALL",
            -cents(6_000),
            WITHDRAWAL_T001,
        )
    },
    Movement {
        terminal: Some("T001"),
        ..movement(
            "2026-10-27T13:10:00",
            EntryKind::Deposit,
            "ACC-0001",
            "ATM-CASH-ALL",
            cents(20_000),
            "Depozitë / Deposit T001",
        )
    },
    movement(
        "2026-11-02T09:00:00",
        EntryKind::Transfer,
        "ACC-0001",
        CLEARING,
        cents(85_000),
        SALARY,
    ),
    movement(
        "2026-11-02T19:30:00",
        EntryKind::CardPayment,
        "ACC-0001",
        "CCA-0002",
        -cents(2_000),
        "Pagesë karte krediti / Credit card payment 5234 56** **** 3344",
    ),
    movement(
        "2026-11-07T11:48:00",
        EntryKind::CardPurchase,
        "ACC-0001",
        CLEARING,
        -cents(2_780),
        "Pagesë POS / POS payment - Spar Durrës",
    ),
    movement(
        "2026-11-10T12:05:00",
        EntryKind::Topup,
        "ACC-0001",
        "OP-VODAFONE",
        -cents(500),
        "Rimbushje Vodafone Albania / Vodafone Albania top-up +355 69 555 8899",
    ),
    Movement {
        terminal: Some("T001"),
        ..movement(
            "2026-11-14T17:20:00",
            EntryKind::Withdrawal,
            "ACC-0001",
            "ATM-CASH-ALL",
            -cents(20_000),
            WITHDRAWAL_T001,
        )
    },
    movement(
        "2026-11-18T08:55:00",
        EntryKind::CardPayment,
        "ACC-0001",
        "CCA-0001",
        -cents(10_000),
        "Pagesë karte krediti / Credit card payment 5234 56** **** 7788",
    ),
    movement(
        "2026-11-21T12:00:00",
        EntryKind::CardPurchase,
        "ACC-0001",
        CLEARING,
        -cents(1_640),
        "Pagesë POS / POS payment - Neptun Tirana",
    ),
];

/// Whether a demo ledger account is debit-normal (cash vaults, credit cards).
fn debit_normal(account: &str) -> bool {
    account.starts_with("ATM-CASH-") || account.starts_with("CCA-")
}

/// How much the demo history changes an account's balance.
fn history_change(account: &str) -> i64 {
    HISTORY
        .iter()
        .map(|m| {
            if m.account == account {
                m.signed_minor
            } else if m.counter == account {
                // The counter posting is `+signed` (a debit when money leaves `account`).
                if debit_normal(account) {
                    m.signed_minor
                } else {
                    -m.signed_minor
                }
            } else {
                0
            }
        })
        .sum()
}

fn timestamp(text: &str) -> Result<NaiveDateTime, BankError> {
    NaiveDateTime::parse_from_str(text, TIMESTAMP_FORMAT)
        .map_err(|_| BankError::InvalidData(format!("demo time `{text}`")))
}

/// Books an opening balance of `minor` (nothing if zero) against `opening`.
fn book_opening(
    conn: &Connection,
    at: NaiveDateTime,
    account: &str,
    currency: &str,
    opening: &str,
    minor: i64,
    debit: bool,
) -> Result<(), BankError> {
    if minor == 0 {
        return Ok(());
    }
    if minor < 0 {
        return Err(BankError::InvalidData(format!(
            "demo opening balance of `{account}` would be negative"
        )));
    }
    let postings: [(&str, i64); 2] = if debit {
        [(account, minor), (opening, -minor)]
    } else {
        [(opening, minor), (account, -minor)]
    };
    ledger::book(
        conn,
        &NewEntry {
            kind: EntryKind::Opening,
            booked_at: at,
            description: "Opening balance (demo data)",
            account_id: account,
            amount_minor: minor,
            currency,
            reverses: None,
            terminal_id: None,
            postings: &postings,
        },
    )?;
    Ok(())
}

fn internal_account(
    conn: &Connection,
    id: &str,
    number: Option<&str>,
    name: &str,
    side: &str,
) -> Result<(), BankError> {
    conn.execute(
        "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
         VALUES (?1, ?2, ?3, 'ALL', 'internal', ?4, NULL)",
        params![id, number, name, side],
    )?;
    Ok(())
}

fn card_id(conn: &Connection, number: &str) -> Result<Option<i64>, BankError> {
    let token = card::pan_token(number)
        .ok_or_else(|| BankError::InvalidData("demo card number".to_string()))?;
    Ok(conn
        .query_row(
            "SELECT id FROM cards WHERE pan_token = ?1",
            [token],
            |row| row.get(0),
        )
        .optional()?)
}

/// Writes the reference data of schema version 3: operators and packages, institutions,
/// utility customers and unpaid bills, university services, credit cards (for the demo
/// customers that exist) and Arta's remembered top-up numbers and paid cards. `fresh`:
/// the demo history follows, so the credit cards open at what the history leaves owed.
fn seed_reference(conn: &Connection, fresh: bool) -> Result<(), BankError> {
    let epoch = demo_epoch()?;
    for (position, (id, name, account)) in (1_i64..).zip(OPERATORS) {
        internal_account(conn, account, None, &format!("{name} settlement"), "credit")?;
        conn.execute(
            "INSERT INTO operators (id, name, account_id, position) VALUES (?1, ?2, ?3, ?4)",
            params![id, name, account, position],
        )?;
    }
    for (position, (id, operator, name, price, details)) in (1_i64..).zip(PACKAGES) {
        conn.execute(
            "INSERT INTO operator_packages
                 (id, operator_id, name, price_minor, currency, details, position)
             VALUES (?1, ?2, ?3, ?4, 'ALL', ?5, ?6)",
            params![id, operator, name, price, details, position],
        )?;
    }

    for (position, i) in (1_i64..).zip(INSTITUTIONS) {
        let number = iban("AL", &format!("{BKT_BANK_CODE}{}", i.number));
        internal_account(conn, i.account, Some(&number), i.name, "credit")?;
        conn.execute(
            "INSERT INTO institutions (id, name, category, kind, account_id, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![i.id, i.name, i.category, i.kind, i.account, position],
        )?;
        if i.category == "education" {
            for (place, (suffix, name, fee)) in (1_i64..).zip(SERVICES) {
                conn.execute(
                    "INSERT INTO university_services
                         (id, institution_id, name, fee_minor, currency, position)
                     VALUES (?1, ?2, ?3, ?4, 'ALL', ?5)",
                    params![format!("{}-{suffix}", i.id), i.id, name, fee, place],
                )?;
            }
        }
    }
    for (institution, number, name) in BILLING_CUSTOMERS {
        conn.execute(
            "INSERT INTO billing_customers (institution_id, customer_number, name)
             VALUES (?1, ?2, ?3)",
            params![institution, number, name],
        )?;
    }
    for bill in BILLS {
        insert_bill(conn, bill, None)?;
    }

    for c in CREDIT_CARDS {
        let owner: Option<i64> = conn
            .query_row("SELECT id FROM customers WHERE cif = ?1", [c.cif], |row| {
                row.get(0)
            })
            .optional()?;
        let Some(owner) = owner else {
            continue;
        };
        let token = card::pan_token(c.number)
            .ok_or_else(|| BankError::InvalidData("demo credit card number".to_string()))?;
        let masked = card::mask_pan_grouped(c.number)
            .ok_or_else(|| BankError::InvalidData("demo credit card number".to_string()))?;
        conn.execute(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES (?1, NULL, ?2, 'ALL', 'customer', 'debit', ?3)",
            params![c.account, format!("Credit card {masked}"), owner],
        )?;
        conn.execute(
            "INSERT INTO credit_cards
                 (id, pan_token, masked_pan, customer_id, account_id, limit_minor, due_date,
                  status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'active')",
            params![
                c.id,
                token,
                masked,
                owner,
                c.account,
                c.limit_minor,
                c.due_date
            ],
        )?;
        let owed = c.owed_minor - if fresh { history_change(c.account) } else { 0 };
        book_opening(conn, epoch, c.account, "ALL", "OPENING-ALL", owed, true)?;
    }

    if let Some(card) = card_id(conn, ARTA_DEBIT_CARD)? {
        for (seq, (number, operator, at)) in (1_i64..).zip(TOPUP_NUMBERS) {
            conn.execute(
                "INSERT INTO topup_numbers (card_id, number, operator_id, last_at, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![card, number, operator, at, seq],
            )?;
        }
        for (seq, (credit_card, at)) in (1_i64..).zip(PAID_CARDS) {
            let exists: bool = conn.query_row(
                "SELECT COUNT(*) > 0 FROM credit_cards WHERE id = ?1",
                [credit_card],
                |row| row.get(0),
            )?;
            if exists {
                conn.execute(
                    "INSERT INTO credit_card_payees (payer_card_id, credit_card_id, last_at, seq)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![card, credit_card, at, seq],
                )?;
            }
        }
    }
    Ok(())
}

fn insert_bill(conn: &Connection, bill: &Bill, paid_entry: Option<i64>) -> Result<(), BankError> {
    conn.execute(
        "INSERT INTO bills (id, institution_id, customer_number, period, amount_minor, currency,
                            due_date, paid_entry_id)
         VALUES (?1, ?2, ?3, ?4, ?5, 'ALL', ?6, ?7)",
        params![
            bill.id,
            bill.institution,
            bill.customer,
            bill.period,
            bill.amount_minor,
            bill.due_date,
            paid_entry
        ],
    )?;
    Ok(())
}

/// Books the demo history (the opening balances already account for it).
fn seed_history(conn: &Connection) -> Result<(), BankError> {
    internal_account(
        conn,
        CLEARING,
        None,
        "Interbank clearing ALL (salaries, shop payments)",
        "credit",
    )?;
    for m in HISTORY {
        let entry = ledger::book(
            conn,
            &NewEntry {
                kind: m.kind,
                booked_at: timestamp(m.at)?,
                description: m.description,
                account_id: m.account,
                amount_minor: m.signed_minor.abs(),
                currency: "ALL",
                reverses: None,
                terminal_id: m.terminal,
                postings: &[(m.account, -m.signed_minor), (m.counter, m.signed_minor)],
            },
        )?;
        if let Some(note) = m.counter_note {
            conn.execute(
                "INSERT INTO entry_notes (entry_id, account_id, description) VALUES (?1, ?2, ?3)",
                params![entry, m.counter, note],
            )?;
        }
        if let Some(bill) = m.bill {
            insert_bill(conn, bill, Some(entry))?;
        }
    }
    Ok(())
}

/// Adds the reference data of schema version 3 to a database written by an older build
/// (it has customers but no operators yet). Books no history.
pub(crate) fn seed_missing(conn: &Connection) -> Result<(), BankError> {
    let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |row| row.get(0))?;
    let operators: i64 = conn.query_row("SELECT COUNT(*) FROM operators", [], |row| row.get(0))?;
    let holds_all: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM currencies WHERE code = 'ALL'",
        [],
        |row| row.get(0),
    )?;
    let has_opening: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM accounts WHERE id = 'OPENING-ALL'",
        [],
        |row| row.get(0),
    )?;
    if customers > 0 && operators == 0 && holds_all && has_opening {
        seed_reference(conn, false)?;
    }
    if customers > 0 {
        cardless::seed(conn)?;
    }
    Ok(())
}

/// The demo credit cards, as created.
pub fn demo_credit_cards() -> Vec<DemoCreditCard> {
    CREDIT_CARDS
        .iter()
        .map(|c| DemoCreditCard {
            id: c.id.to_string(),
            holder: CUSTOMERS
                .iter()
                .find(|k| k.cif == c.cif)
                .map(|k| k.name.to_string())
                .unwrap_or_default(),
            masked: card::mask_pan_grouped(c.number).unwrap_or_default(),
            number: c.number.to_string(),
        })
        .collect()
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
        assert_eq!(cards.len(), 5);
        assert_eq!(cards[0].masked, "474123******1234");
        assert_eq!(cards[0].holder, "Arta Hoxha");
        assert_eq!(cards[2].status, "blocked");
        assert_eq!(cards[3].kind, "other");
        assert_eq!(cards[4].kind, "other");
        assert_eq!(cards[4].status, "blocked");
        assert_eq!(cards[4].masked, "535500******8888");
        let credit = demo_credit_cards();
        assert_eq!(credit.len(), 3);
        assert_eq!(credit[0].masked, "5234 56** **** 7788");
        assert_eq!(credit[0].holder, "Arta Hoxha");
        assert_eq!(credit[1].id, "CC-0002");
    }

    #[test]
    fn the_history_leaves_positive_openings() {
        for a in ACCOUNTS {
            assert!(a.balance_minor - history_change(a.id) > 0, "{}", a.id);
        }
        for c in CREDIT_CARDS {
            assert!(c.owed_minor - history_change(c.account) >= 0, "{}", c.id);
        }
        assert_eq!(history_change("ACC-0004"), -cents(1_000));
        assert_eq!(history_change("CCA-0001"), -cents(10_000));
        assert_eq!(history_change("ATM-CASH-ALL"), -cents(16_000));
        for m in HISTORY {
            assert!(timestamp(m.at).is_ok(), "{}", m.at);
            assert!(m.signed_minor != 0);
        }
    }
}
