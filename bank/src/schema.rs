//! The database schema, as numbered migrations. `PRAGMA user_version` holds how many have
//! been applied; each runs in its own transaction together with the version bump.
//!
//! History: 1 = customers, cards, accounts, ledger, requests; 2 = `outbox`; 3 = the card
//! holders' transactions (mobile top-up, credit cards, bills, tuition, transfers) and more
//! journal entry kinds; 4 = other-bank PIN unblock tries, QR tokens and intents, unique
//! withdrawal codes, cardless deposit sessions, soft PINs, businesses and their deposit
//! codes, epara wallets, exchange rates.
//!
//! Migrations run with foreign-key enforcement off (SQLite's recommended way to rebuild a
//! table that others reference, as version 3 does with `journal_entries`); each checks
//! `PRAGMA foreign_key_check` before it commits, and enforcement is restored afterwards.
//!
//! Conventions:
//! - Amounts are integer minor units (`*_minor`, e.g. cents), never floats. The number of
//!   decimals per currency is in `currencies.minor_unit`.
//! - Postings are signed: **positive = debit, negative = credit**. Every journal entry's
//!   postings sum to zero per currency. Balances are derived, never stored: an account's
//!   balance is the sum of its postings, negated for credit-normal accounts (customer
//!   deposits are liabilities of the bank, hence credit-normal).
//! - Journal entries and postings are append-only (triggers refuse updates and deletes);
//!   corrections are reversal entries.
//! - Card numbers are never stored: only a peppered SHA-256 token and the masked form.

use rusqlite::Connection;

use crate::error::BankError;

/// Version 1: customers, cards, accounts, presets, limits, ledger, idempotent requests.
const V1: &str = r#"
CREATE TABLE currencies (
    code        TEXT PRIMARY KEY CHECK (length(code) = 3),
    minor_unit  INTEGER NOT NULL CHECK (minor_unit BETWEEN 0 AND 4)
);

CREATE TABLE customers (
    id           INTEGER PRIMARY KEY,
    cif          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    email        TEXT,
    phone        TEXT,
    personal_id  TEXT UNIQUE
);

-- Customer accounts, accounts the card network answers for (other-bank cards), and the
-- bank's internal accounts (cash vaults, opening balances).
CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    number       TEXT UNIQUE,
    name         TEXT NOT NULL,
    currency     TEXT NOT NULL REFERENCES currencies(code),
    kind         TEXT NOT NULL CHECK (kind IN ('customer', 'network', 'internal')),
    normal_side  TEXT NOT NULL CHECK (normal_side IN ('debit', 'credit')),
    customer_id  INTEGER REFERENCES customers(id),
    CHECK ((kind = 'customer') = (customer_id IS NOT NULL))
);

CREATE TABLE cards (
    id           INTEGER PRIMARY KEY,
    pan_token    TEXT NOT NULL UNIQUE,
    masked_pan   TEXT NOT NULL,
    issuer       TEXT NOT NULL CHECK (issuer IN ('bkt', 'other')),
    customer_id  INTEGER REFERENCES customers(id),
    status       TEXT NOT NULL CHECK (status IN ('active', 'blocked')),
    pin_hash     TEXT NOT NULL,
    tries_left   INTEGER NOT NULL DEFAULT 3 CHECK (tries_left >= 0),
    last_login   TEXT,
    CHECK (issuer = 'other' OR customer_id IS NOT NULL)
);

CREATE TABLE card_accounts (
    card_id     INTEGER NOT NULL REFERENCES cards(id),
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    is_primary  INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    PRIMARY KEY (card_id, account_id)
);
CREATE UNIQUE INDEX card_accounts_one_primary ON card_accounts(card_id) WHERE is_primary = 1;

-- Personalised fast-withdrawal amounts per card and currency.
CREATE TABLE card_presets (
    card_id       INTEGER NOT NULL REFERENCES cards(id),
    currency      TEXT NOT NULL REFERENCES currencies(code),
    position      INTEGER NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (card_id, currency, position)
);

-- The bank's standard fast-withdrawal amounts (other-bank cards, cards without their own).
CREATE TABLE standard_presets (
    currency      TEXT NOT NULL REFERENCES currencies(code),
    position      INTEGER NOT NULL,
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (currency, position)
);

-- Per-transaction maxima by operation and currency. No row: no limit.
CREATE TABLE limits (
    operation                  TEXT NOT NULL,
    currency                   TEXT NOT NULL REFERENCES currencies(code),
    max_per_transaction_minor  INTEGER NOT NULL CHECK (max_per_transaction_minor > 0),
    PRIMARY KEY (operation, currency)
);

-- One row per booked transaction. `account_id`, `amount_minor` and `currency` name the
-- customer side (what a reversal is measured against); the postings are the truth.
CREATE TABLE journal_entries (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('opening', 'vault_load', 'withdrawal', 'deposit', 'reversal')),
    booked_at     TEXT NOT NULL,
    description   TEXT NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    currency      TEXT NOT NULL REFERENCES currencies(code),
    reverses      INTEGER REFERENCES journal_entries(id),
    terminal_id   TEXT,
    CHECK ((kind = 'reversal') = (reverses IS NOT NULL))
);
CREATE INDEX journal_entries_reverses ON journal_entries(reverses);

CREATE TABLE postings (
    id            INTEGER PRIMARY KEY,
    entry_id      INTEGER NOT NULL REFERENCES journal_entries(id),
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor <> 0),
    currency      TEXT NOT NULL REFERENCES currencies(code)
);
CREATE INDEX postings_account ON postings(account_id);
CREATE INDEX postings_entry ON postings(entry_id);

CREATE TRIGGER postings_currency_of_account BEFORE INSERT ON postings
WHEN NEW.currency IS NOT (SELECT currency FROM accounts WHERE id = NEW.account_id)
BEGIN SELECT RAISE(ABORT, 'posting currency differs from its account'); END;
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END;
CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;
CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;

-- Every money-moving request, by idempotency key, with its outcome: either the entry it
-- booked (and the balance it answered) or the refusal it answered. A retry with the same
-- key gets the same answer; nothing is booked twice. `fingerprint` is a hash of the
-- request (card token, account, amount), so a key reused for a different request is caught.
CREATE TABLE requests (
    idempotency_key       TEXT PRIMARY KEY,
    op                    TEXT NOT NULL,
    fingerprint           TEXT NOT NULL,
    terminal_id           TEXT NOT NULL,
    received_at           TEXT NOT NULL,
    entry_id              INTEGER UNIQUE REFERENCES journal_entries(id),
    result_balance_minor  INTEGER,
    result_currency       TEXT REFERENCES currencies(code),
    refusal_code          TEXT,
    refusal_message       TEXT,
    CHECK ((entry_id IS NULL) <> (refusal_code IS NULL)),
    CHECK ((entry_id IS NULL) = (result_balance_minor IS NULL))
);
"#;

/// Version 2: the outbox of messages (receipts by e-mail, later SMS) waiting to be sent.
/// `recipient` is the full address; answers to the terminal only ever show it masked.
const V2: &str = r#"
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient   TEXT NOT NULL CHECK (length(recipient) > 0),
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
"#;

/// Version 3: the transactions of BKT card holders (manual §III.4-§III.12).
///
/// - `journal_entries` is rebuilt (SQLite cannot alter a CHECK) to allow the new kinds of
///   entry; ids, rows, the index and the append-only triggers are kept.
/// - Mobile operators and their packages, each operator with a settlement account; the
///   numbers each card topped up (`seq` orders them, most recent highest).
/// - Credit cards: stored like debit cards (peppered token and masked form), each with a
///   debit-normal ledger account holding what is owed; the other people's cards a card
///   paid before.
/// - Billing institutions (utilities, universities) with their ledger accounts; utility
///   customers and their bills (`paid_entry_id` once paid); universities' services;
///   tuition payments' student details.
/// - `entry_notes`: a description of an entry for one account other than the entry's own
///   (the receiving side of a transfer).
const V3: &str = r#"
CREATE TABLE journal_entries_v3 (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('opening', 'vault_load', 'withdrawal', 'deposit', 'reversal',
                                  'topup', 'card_payment', 'bill_payment', 'tuition_payment',
                                  'transfer', 'card_purchase')),
    booked_at     TEXT NOT NULL,
    description   TEXT NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    currency      TEXT NOT NULL REFERENCES currencies(code),
    reverses      INTEGER REFERENCES journal_entries(id),
    terminal_id   TEXT,
    CHECK ((kind = 'reversal') = (reverses IS NOT NULL))
);
INSERT INTO journal_entries_v3
       (id, kind, booked_at, description, account_id, amount_minor, currency, reverses,
        terminal_id)
SELECT id, kind, booked_at, description, account_id, amount_minor, currency, reverses,
       terminal_id
  FROM journal_entries;
DROP TABLE journal_entries;
ALTER TABLE journal_entries_v3 RENAME TO journal_entries;
CREATE INDEX journal_entries_reverses ON journal_entries(reverses);
CREATE INDEX journal_entries_booked_at ON journal_entries(booked_at);
CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;
CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END;

CREATE TABLE entry_notes (
    entry_id     INTEGER NOT NULL REFERENCES journal_entries(id),
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    description  TEXT NOT NULL,
    PRIMARY KEY (entry_id, account_id)
);

CREATE TABLE operators (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    position    INTEGER NOT NULL
);

CREATE TABLE operator_packages (
    id           TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL REFERENCES operators(id),
    name         TEXT NOT NULL,
    price_minor  INTEGER NOT NULL CHECK (price_minor > 0),
    currency     TEXT NOT NULL REFERENCES currencies(code),
    details      TEXT NOT NULL,
    position     INTEGER NOT NULL
);

CREATE TABLE topup_numbers (
    card_id      INTEGER NOT NULL REFERENCES cards(id),
    number       TEXT NOT NULL,
    operator_id  TEXT NOT NULL REFERENCES operators(id),
    last_at      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    PRIMARY KEY (card_id, number)
);

CREATE TABLE credit_cards (
    id           TEXT PRIMARY KEY,
    pan_token    TEXT NOT NULL UNIQUE,
    masked_pan   TEXT NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    account_id   TEXT NOT NULL UNIQUE REFERENCES accounts(id),
    limit_minor  INTEGER NOT NULL CHECK (limit_minor > 0),
    due_date     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('active', 'blocked'))
);

CREATE TABLE credit_card_payees (
    payer_card_id   INTEGER NOT NULL REFERENCES cards(id),
    credit_card_id  TEXT NOT NULL REFERENCES credit_cards(id),
    last_at         TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    PRIMARY KEY (payer_card_id, credit_card_id)
);

CREATE TABLE institutions (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('electricity', 'water', 'education')),
    kind        TEXT CHECK (kind IN ('public', 'private')),
    account_id  TEXT NOT NULL UNIQUE REFERENCES accounts(id),
    position    INTEGER NOT NULL,
    CHECK ((category = 'education') = (kind IS NOT NULL))
);

CREATE TABLE billing_customers (
    institution_id   TEXT NOT NULL REFERENCES institutions(id),
    customer_number  TEXT NOT NULL,
    name             TEXT NOT NULL,
    PRIMARY KEY (institution_id, customer_number)
);

CREATE TABLE bills (
    id               TEXT PRIMARY KEY,
    institution_id   TEXT NOT NULL,
    customer_number  TEXT NOT NULL,
    period           TEXT NOT NULL,
    amount_minor     INTEGER NOT NULL CHECK (amount_minor > 0),
    currency         TEXT NOT NULL REFERENCES currencies(code),
    due_date         TEXT NOT NULL,
    paid_entry_id    INTEGER UNIQUE REFERENCES journal_entries(id),
    FOREIGN KEY (institution_id, customer_number)
        REFERENCES billing_customers(institution_id, customer_number)
);
CREATE INDEX bills_customer ON bills(institution_id, customer_number);

CREATE TABLE university_services (
    id              TEXT PRIMARY KEY,
    institution_id  TEXT NOT NULL REFERENCES institutions(id),
    name            TEXT NOT NULL,
    fee_minor       INTEGER NOT NULL CHECK (fee_minor >= 0),
    currency        TEXT NOT NULL REFERENCES currencies(code),
    position        INTEGER NOT NULL
);

CREATE TABLE tuition_payments (
    entry_id        INTEGER PRIMARY KEY REFERENCES journal_entries(id),
    service_id      TEXT NOT NULL REFERENCES university_services(id),
    student_id      TEXT NOT NULL,
    student_name    TEXT NOT NULL,
    invoice_number  TEXT NOT NULL,
    invoice_date    TEXT NOT NULL
);
"#;

/// Version 4: other-bank cards, cardless transactions and epara (manual §IV-§VI).
///
/// - `cards.unblock_tries_left`: wrong PINs left for unblocking a PIN-blocked card.
/// - `qr_tokens`: the QR codes terminals show (each bound to one terminal, short-lived);
///   `qr_intents`: what a phone (the bank's app or epara) started for a token. `entry_id`
///   is the booking that used it (a fully reversed booking frees it again).
/// - `soft_pins`: the phone app's Soft PIN per card (Argon2id hash, like card PINs).
/// - `withdrawal_codes`: unique withdrawal codes issued in the app (peppered hash of the
///   code, never the code); `terminal_id` NULL means every terminal; `checked_terminal`
///   and `checked_at`: where and when the code was last checked (only a terminal that
///   checked the code may then use it by its id).
/// - `cardless_sessions`: a depositor without a card, identified by personal ID and
///   registered mobile, with the one-time code sent by SMS (hashed) and its tries.
/// - `companies`, `company_staff` (employees and legal representatives), `salary_payments`
///   (which journal entry paid whom), `deposit_codes` (business deposit codes, hashed,
///   checked like withdrawal codes).
/// - `wallets`: epara wallets, each with its own (internal) ledger account.
/// - `exchange_rates`: buy and sell per currency, in ALL, as exact decimal text.
const V4: &str = r#"
ALTER TABLE cards ADD COLUMN unblock_tries_left INTEGER NOT NULL DEFAULT 3
    CHECK (unblock_tries_left >= 0);

CREATE TABLE qr_tokens (
    id           INTEGER PRIMARY KEY,
    token        TEXT NOT NULL UNIQUE,
    terminal_id  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);

CREATE TABLE qr_intents (
    id            INTEGER PRIMARY KEY,
    token_id      INTEGER NOT NULL REFERENCES qr_tokens(id),
    kind          TEXT NOT NULL CHECK (kind IN ('withdrawal', 'deposit')),
    channel       TEXT NOT NULL CHECK (channel IN ('app', 'epara')),
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency      TEXT NOT NULL REFERENCES currencies(code),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    entry_id      INTEGER UNIQUE REFERENCES journal_entries(id)
);
CREATE INDEX qr_intents_token ON qr_intents(token_id);

CREATE TABLE soft_pins (
    card_id       INTEGER PRIMARY KEY REFERENCES cards(id),
    pin_hash      TEXT NOT NULL,
    tries_left    INTEGER NOT NULL CHECK (tries_left >= 0),
    activated_at  TEXT NOT NULL
);

CREATE TABLE withdrawal_codes (
    id            INTEGER PRIMARY KEY,
    code_hash     TEXT NOT NULL,
    card_id       INTEGER NOT NULL REFERENCES cards(id),
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    amount_minor  INTEGER NOT NULL CHECK (amount_minor > 0),
    currency      TEXT NOT NULL REFERENCES currencies(code),
    terminal_id   TEXT,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    checked_terminal  TEXT,
    checked_at        TEXT,
    entry_id      INTEGER UNIQUE REFERENCES journal_entries(id)
);
CREATE INDEX withdrawal_codes_hash ON withdrawal_codes(code_hash);

CREATE TABLE cardless_sessions (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    mobile          TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    otp_hash        TEXT NOT NULL,
    tries_left      INTEGER NOT NULL CHECK (tries_left >= 0),
    created_at      TEXT NOT NULL,
    otp_expires_at  TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    verified_at     TEXT,
    entry_id        INTEGER UNIQUE REFERENCES journal_entries(id)
);

CREATE TABLE companies (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    customer_id  INTEGER NOT NULL UNIQUE REFERENCES customers(id)
);

CREATE TABLE company_staff (
    id          TEXT PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies(id),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('employee', 'representative'))
);

CREATE TABLE salary_payments (
    entry_id  INTEGER PRIMARY KEY REFERENCES journal_entries(id),
    staff_id  TEXT NOT NULL REFERENCES company_staff(id)
);

CREATE TABLE deposit_codes (
    id           INTEGER PRIMARY KEY,
    code_hash    TEXT NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    staff_id     TEXT NOT NULL REFERENCES company_staff(id),
    terminal_id  TEXT,
    source       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    checked_terminal  TEXT,
    checked_at        TEXT,
    entry_id     INTEGER UNIQUE REFERENCES journal_entries(id)
);
CREATE INDEX deposit_codes_hash ON deposit_codes(code_hash);

CREATE TABLE wallets (
    id           TEXT PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    account_id   TEXT NOT NULL UNIQUE REFERENCES accounts(id)
);

CREATE TABLE exchange_rates (
    currency  TEXT PRIMARY KEY CHECK (length(currency) = 3),
    buy       TEXT NOT NULL,
    sell      TEXT NOT NULL,
    position  INTEGER NOT NULL
);
"#;

/// All migrations, in order. Append only: never edit one that has shipped.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), BankError> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// The database's schema version (`PRAGMA user_version`).
pub(crate) fn version(conn: &Connection) -> Result<i64, BankError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the database up to `target` (at most [`SCHEMA_VERSION`]); tests use a lower
/// target to write databases as older builds did.
pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), BankError> {
    let current = version(conn)?;
    if current > SCHEMA_VERSION {
        return Err(BankError::SchemaTooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    if current >= target {
        return Ok(());
    }
    // Foreign-key enforcement can only change outside a transaction.
    let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = apply(conn, current, target);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    result
}

fn apply(conn: &mut Connection, current: i64, target: i64) -> Result<(), BankError> {
    for (version, sql) in (1_i64..)
        .zip(MIGRATIONS.iter())
        .skip(current.max(0) as usize)
        .take_while(|(version, _)| *version <= target)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        let dangling: i64 =
            tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })?;
        if dangling > 0 {
            return Err(BankError::InvalidData(format!(
                "migration to version {version} leaves {dangling} dangling references"
            )));
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
