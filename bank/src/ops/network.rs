//! Cards of other banks (manual §IV): withdrawal and balance through the card network
//! (the network account stands for the card's account at its bank), and the PIN unblock.
//!
//! - Other-bank withdrawals are in ALL only (`currency_mismatch` otherwise) and follow the
//!   withdrawal limits; a BKT card is `declined` here (it uses `withdraw` and `balance`).
//! - `unblock_pin` unblocks a PIN-blocked card (any issuer) when its valid PIN is given.
//!   A wrong PIN counts against [`UNBLOCK_TRIES`] unblock tries; with none left the PIN is
//!   no longer checked (`wrong_pin` always), so the unblock cannot be used to guess a PIN.

use atmflow_engine::ports::HostRequest;
use atmflow_engine::value::Value;
use chrono::NaiveDateTime;
use rusqlite::{Connection, TransactionBehavior, params};

use super::{
    Args, Booked, CardRow, MAX_PIN_TRIES, OpError, active_card, balance_money,
    card_request_fingerprint, check_limit, idempotent, known_card, positive_minor, primary_in,
    refused,
};
use crate::card;
use crate::ledger::{self, EntryKind, NewEntry};

/// Wrong PINs a blocked card may be given at the unblock before it is no longer checked.
pub(crate) const UNBLOCK_TRIES: i64 = 3;

/// The card's account at its bank, if it is another bank's card; else `declined`.
fn network_account(conn: &Connection, card: &CardRow) -> Result<super::LinkedAccount, OpError> {
    if card.issuer != "other" {
        return Err(refused(
            "declined",
            "this transaction is for cards of other banks",
        ));
    }
    primary_in(conn, card.id, "ALL")?
        .ok_or_else(|| refused("declined", "the card's bank does not answer for it in ALL"))
}

pub(super) fn network_withdraw(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "amount"])?;
    let pan = args.secret("pan")?;
    let amount = args.money("amount")?;
    let print = card_request_fingerprint("network_withdraw", pan, "", amount);
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        let account = network_account(conn, &card)?;
        if amount.currency.as_str() != "ALL" {
            return Err(refused(
                "currency_mismatch",
                format!(
                    "cards of other banks withdraw in ALL only, not {}",
                    amount.currency
                ),
            ));
        }
        let minor = positive_minor(conn, amount)?;
        check_limit(conn, "withdraw", "ALL", minor)?;
        if minor > ledger::balance_minor(conn, &account.id)? {
            return Err(refused(
                "insufficient_funds",
                format!("the card's bank does not allow {amount}"),
            ));
        }
        let description = format!(
            "Tërheqje me kartë të bankës tjetër / Other-bank card withdrawal {}",
            request.terminal_id
        );
        let entry_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Withdrawal,
                booked_at: now,
                description: &description,
                account_id: &account.id,
                amount_minor: minor,
                currency: "ALL",
                reverses: None,
                terminal_id: Some(&request.terminal_id),
                postings: &[(&account.id, minor), ("ATM-CASH-ALL", -minor)],
            },
        )?;
        Ok(Booked {
            entry_id,
            balance_minor: ledger::balance_minor(conn, &account.id)?,
            currency: "ALL".to_string(),
        })
    })
}

pub(super) fn network_balance(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan"])?;
    let card = active_card(conn, args.secret("pan")?)?;
    let account = network_account(conn, &card)?;
    Ok(Value::record([(
        "balance",
        Value::Money(balance_money(conn, &account.id)?),
    )]))
}

pub(super) fn unblock_pin(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan", "pin"])?;
    let pan = args.secret("pan")?;
    let pin = args.secret("pin")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let card = known_card(&tx, pan)?;
    if !card.blocked {
        return Err(refused("not_blocked", "the card's PIN is not blocked"));
    }
    let tries: i64 = tx.query_row(
        "SELECT unblock_tries_left FROM cards WHERE id = ?1",
        [card.id],
        |row| row.get(0),
    )?;
    if tries <= 0 {
        return Err(refused(
            "wrong_pin",
            "no unblock tries are left; contact the card's bank",
        ));
    }
    if card::is_valid_pin(pin.expose()) && card::verify_pin(pin.expose(), &card.pin_hash)? {
        tx.execute(
            "UPDATE cards SET status = 'active', tries_left = ?1, unblock_tries_left = ?2
              WHERE id = ?3",
            params![MAX_PIN_TRIES, UNBLOCK_TRIES, card.id],
        )?;
        tx.commit()?;
        return Ok(Value::record([
            ("unblocked", Value::Bool(true)),
            ("masked_pan", Value::text(card.masked)),
        ]));
    }
    tx.execute(
        "UPDATE cards SET unblock_tries_left = ?1 WHERE id = ?2",
        params![tries - 1, card.id],
    )?;
    tx.commit()?;
    Err(refused(
        "wrong_pin",
        format!(
            "the PIN is not the card's PIN; {} unblock tries left",
            tries - 1
        ),
    ))
}
