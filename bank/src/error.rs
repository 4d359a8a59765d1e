//! The bank's own errors: things that went wrong inside the bank (database, schema,
//! broken invariants), as opposed to refusals, which are answers.
//!
//! No variant ever carries a card number or a PIN: cards are named by their masked form.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum BankError {
    #[error("bank database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("bank database file: {0}")]
    Io(#[from] std::io::Error),
    /// The database was written by a newer build (its schema version is unknown here).
    #[error("bank database has schema version {found}, this build knows up to {known}")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("PIN hashing failed: {0}")]
    PinHash(String),
    #[error("unknown account `{0}`")]
    UnknownAccount(String),
    #[error("unknown card")]
    UnknownCard,
    /// A journal entry whose postings do not sum to zero per currency: a bug, never booked.
    #[error("journal entry `{0}` is not balanced")]
    Unbalanced(String),
    /// Data in the database that this build cannot read (bad timestamp, unknown currency...).
    #[error("invalid data in the bank database: {0}")]
    InvalidData(String),
}
