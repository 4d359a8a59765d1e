//! The embedded demo bank: it answers the terminal's host requests (cards, PINs, accounts,
//! withdrawals, deposits, reversals) from a SQLite database with a double-entry ledger.
//!
//! - [`Bank`] opens (or creates, with demo data) the database and implements
//!   [`atmflow_engine::ports::Host`]; the operations are in [`ops`].
//! - Balances are derived from ledger postings, never stored. Every money-moving request
//!   carries an idempotency key and is booked at most once; reversals are journal entries
//!   of their own that reference the original.
//! - Card numbers are stored only as a peppered hash and a masked form; PINs only as
//!   Argon2id hashes. Neither ever appears in an answer, an error or a log.
//! - Receipts, statements and notices (e-mail or SMS) are queued in an outbox
//!   ([`Bank::outbox`]); nothing is sent.
//! - The bank's other channels (phone app, business internet bank, epara wallet) are
//!   reached with [`Bank::channel`] and text arguments ([`CHANNEL_OPERATIONS`]): they issue
//!   the codes and start the QR transactions that the terminal then carries out. One-time
//!   codes, like card numbers, are stored only as peppered hashes.

mod card;
mod demo;
mod error;
mod ledger;
mod money;
pub mod ops;
mod schema;

#[cfg(test)]
mod cardless_tests;
#[cfg(test)]
mod holder_tests;
#[cfg(test)]
mod qr_tests;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::time::Duration;

use atmflow_engine::ports::{Host, HostError, HostRequest};
use atmflow_engine::value::{Money, Value};
use chrono::NaiveDateTime;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

pub use demo::{DemoCard, DemoCreditCard};
pub use error::BankError;
pub use ops::channel::CHANNEL_OPERATIONS;
pub use ops::{MAX_PIN_TRIES, OPERATIONS, Operation};
pub use schema::SCHEMA_VERSION;

/// A message queued in the bank's outbox (a receipt by e-mail, ...), as the bank would
/// hand it to a mail or SMS gateway. The demo bank only queues; nothing is sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// `email` or `sms`.
    pub channel: String,
    /// The full address or phone number.
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// The bank: one SQLite connection.
pub struct Bank {
    conn: Connection,
}

impl std::fmt::Debug for Bank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bank")
            .field("path", &self.conn.path())
            .finish()
    }
}

impl Bank {
    /// The bank's other channels (phone app, business internet bank, epara wallet):
    /// what a customer does there, by operation name with text arguments, as the CLI,
    /// the HTTP API and the scenario runner call it. Refusals say why with a code.
    ///
    /// The operations, with their arguments, are listed in [`CHANNEL_OPERATIONS`]; an
    /// unknown one is refused with `unknown_operation`.
    pub fn channel(
        &mut self,
        op: &str,
        args: &std::collections::BTreeMap<String, String>,
        now: NaiveDateTime,
    ) -> Result<Value, HostError> {
        ops::channel::dispatch(&mut self.conn, op, args, now)
    }

    /// Opens the bank's database at `path`, creating it, its schema and the demo data if
    /// it does not exist or is empty, and bringing an older schema up to date.
    pub fn open(path: &Path) -> Result<Bank, BankError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        Bank::init(conn)
    }

    /// A bank in memory, with the demo data: for tests.
    pub fn open_in_memory() -> Result<Bank, BankError> {
        Bank::init(Connection::open_in_memory()?)
    }

    /// Deletes the database at `path` and creates it afresh with the demo data.
    pub fn reset(path: &Path) -> Result<Bank, BankError> {
        let mut files = vec![path.to_path_buf()];
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            files.push(name.into());
        }
        for file in files {
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Bank::open(path)
    }

    fn init(mut conn: Connection) -> Result<Bank, BankError> {
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let customers: i64 =
            tx.query_row("SELECT COUNT(*) FROM customers", [], |row| row.get(0))?;
        let currencies: i64 =
            tx.query_row("SELECT COUNT(*) FROM currencies", [], |row| row.get(0))?;
        if customers == 0 && currencies == 0 {
            demo::seed(&tx)?;
        } else {
            demo::seed_missing(&tx)?;
        }
        tx.commit()?;
        Ok(Bank { conn })
    }

    /// The demo cards with their numbers and PINs, for people trying the terminal out.
    pub fn demo_cards() -> Vec<DemoCard> {
        demo::demo_cards()
    }

    /// The demo credit cards with their numbers, for people trying the credit-card payments
    /// out (they cannot be inserted: they are paid, not used, at the terminal).
    pub fn demo_credit_cards() -> Vec<DemoCreditCard> {
        demo::demo_credit_cards()
    }

    /// An account's balance, derived from the ledger.
    pub fn balance_of(&self, account_id: &str) -> Result<Money, BankError> {
        let currency = ledger::account_currency(&self.conn, account_id)?;
        money::money(
            &self.conn,
            ledger::balance_minor(&self.conn, account_id)?,
            &currency,
        )
    }

    /// Whether every journal entry, and so the whole ledger, sums to zero per currency.
    pub fn ledger_is_balanced(&self) -> Result<bool, BankError> {
        ledger::is_balanced(&self.conn)
    }

    /// How many journal entries are booked (demo opening entries and vault loads included).
    pub fn transactions_count(&self) -> Result<u64, BankError> {
        let count: i64 =
            self.conn
                .query_row("SELECT COUNT(*) FROM journal_entries", [], |row| row.get(0))?;
        u64::try_from(count).map_err(|_| BankError::InvalidData("journal entry count".into()))
    }

    /// The messages queued in the outbox, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxMessage>, BankError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT channel, recipient, subject, body, created_at FROM outbox ORDER BY id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        let mut messages = Vec::new();
        for row in rows {
            let (channel, recipient, subject, body, created_at) = row?;
            let created_at =
                NaiveDateTime::parse_from_str(&created_at, ledger::TIMESTAMP_FORMAT)
                    .map_err(|_| BankError::InvalidData(format!("outbox time `{created_at}`")))?;
            messages.push(OutboxMessage {
                channel,
                recipient,
                subject,
                body,
                created_at,
            });
        }
        Ok(messages)
    }

    /// The ids of the accounts linked to a card, primary first. `number` is the card number
    /// in clear; it is only hashed.
    pub fn account_ids_of_card(&self, number: &str) -> Result<Vec<String>, BankError> {
        let token = card::pan_token(number).ok_or(BankError::UnknownCard)?;
        let card_id: i64 = self
            .conn
            .query_row(
                "SELECT id FROM cards WHERE pan_token = ?1",
                [token],
                |row| row.get(0),
            )
            .optional()?
            .ok_or(BankError::UnknownCard)?;
        Ok(ops::linked_accounts(&self.conn, card_id)?
            .into_iter()
            .map(|a| a.id)
            .collect())
    }
}

impl Host for Bank {
    fn call(&mut self, request: &HostRequest, now: NaiveDateTime) -> Result<Value, HostError> {
        ops::dispatch(&mut self.conn, request, now)
    }
}
