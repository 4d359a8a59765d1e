//! QR transactions (manual §V.2, §V.3, §VI): the terminal shows a short-lived QR code
//! bound to it (`new_qr_token`); a phone (the bank's app or the epara wallet) scans it and
//! starts a withdrawal or a deposit for that code (an intent, made by [`super::channel`]);
//! the terminal polls `qr_intent` and carries the intent out with `qr_withdraw` or
//! `qr_deposit`.
//!
//! - A token is valid for [`TOKEN_MINUTES`] and only at the terminal it was made for: at
//!   another terminal, or once expired, it is `expired` like an unknown one.
//! - An intent is valid for [`INTENT_MINUTES`] after it was started. Carrying it out books
//!   it once; a booking that is reversed in full (the cash could not be dispensed) frees the
//!   intent again, so the customer can retry without starting over.
//! - QR withdrawals are 1,000 to 75,000 ALL.

use atmflow_engine::ports::HostRequest;
use atmflow_engine::value::Value;
use chrono::{Duration, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Args, Booked, OpError, bad_request, canonical, fingerprint, idempotent, refused};
use crate::error::BankError;
use crate::ledger::{self, EntryKind, NewEntry, TIMESTAMP_FORMAT};
use crate::money;

/// How long a terminal's QR code can be scanned.
pub(crate) const TOKEN_MINUTES: i64 = 10;
/// How long an intent started on a phone waits to be carried out at the terminal.
pub(crate) const INTENT_MINUTES: i64 = 10;
/// QR withdrawals: the least and the most, in whole ALL.
pub(crate) const QR_WITHDRAWAL_MIN_ALL: i64 = 1_000;
pub(crate) const QR_WITHDRAWAL_MAX_ALL: i64 = 75_000;

/// What a QR payload starts with, before the terminal id and the token.
pub(crate) const PAYLOAD_PREFIX: &str = "BKT-ATM";

/// Mixed into tokens so they are not just counters.
const TOKEN_PEPPER: &str = "atmflow-demo-bank/qr-token/v1";

pub(super) fn stamp(t: NaiveDateTime) -> String {
    t.format(TIMESTAMP_FORMAT).to_string()
}

/// The intent's public id, `QRI-000042`.
fn intent_ref(id: i64) -> String {
    format!("QRI-{id:06}")
}

fn parse_intent_ref(text: &str) -> Option<i64> {
    let digits = text.strip_prefix("QRI-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0)
}

/// The token of the `n`th QR code: 12 upper-case hex digits of a peppered hash of `n`.
fn token_for(n: i64) -> String {
    fingerprint(&[TOKEN_PEPPER, &n.to_string()])[..12].to_uppercase()
}

/// The text a terminal's QR code holds: `BKT-ATM:T001:<token>`.
fn payload(terminal: &str, token: &str) -> String {
    format!("{PAYLOAD_PREFIX}:{terminal}:{token}")
}

pub(super) fn new_qr_token(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&[])?;
    let terminal = request.terminal_id.trim();
    if terminal.is_empty() || terminal.contains(':') {
        return Err(bad_request(
            "`new_qr_token` needs the terminal id of the request (without `:`)",
        ));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let next: i64 = tx.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM qr_tokens",
        [],
        |row| row.get(0),
    )?;
    let token = token_for(next);
    tx.execute(
        "INSERT INTO qr_tokens (id, token, terminal_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            next,
            token,
            terminal,
            stamp(now),
            stamp(now + Duration::minutes(TOKEN_MINUTES))
        ],
    )?;
    tx.commit()?;
    Ok(Value::record([
        ("payload", Value::text(payload(terminal, &token))),
        ("token", Value::text(token)),
    ]))
}

/// A live QR token named by a payload (`BKT-ATM:T001:<token>`) or by the token alone.
pub(crate) struct LiveToken {
    pub(crate) id: i64,
    pub(crate) terminal: String,
}

/// The live token a phone scanned: the payload must name a token of that terminal that
/// has not expired. `None` otherwise.
pub(crate) fn live_token_of_payload(
    conn: &Connection,
    payload: &str,
    now: NaiveDateTime,
) -> Result<Option<LiveToken>, BankError> {
    let mut parts = payload.trim().splitn(3, ':');
    let (Some(PAYLOAD_PREFIX), Some(terminal), Some(token)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Ok(None);
    };
    live_token(conn, token, Some(terminal), now)
}

fn live_token(
    conn: &Connection,
    token: &str,
    terminal: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<LiveToken>, BankError> {
    let found: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT id, terminal_id, expires_at FROM qr_tokens WHERE token = ?1",
            [token.trim()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    Ok(found.and_then(|(id, at, expires)| {
        let here = terminal.is_none_or(|t| t == at);
        (here && stamp(now) < expires).then_some(LiveToken { id, terminal: at })
    }))
}

/// An intent, as stored.
struct Intent {
    id: i64,
    terminal: String,
    kind: String,
    channel: String,
    account_id: String,
    amount_minor: i64,
    currency: String,
    expires_at: String,
    entry_id: Option<i64>,
}

const INTENT: &str = "SELECT i.id, t.terminal_id, i.kind, i.channel, i.account_id,
                             i.amount_minor, i.currency, i.expires_at, i.entry_id
                        FROM qr_intents i JOIN qr_tokens t ON t.id = i.token_id";

fn intent_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Intent> {
    Ok(Intent {
        id: row.get(0)?,
        terminal: row.get(1)?,
        kind: row.get(2)?,
        channel: row.get(3)?,
        account_id: row.get(4)?,
        amount_minor: row.get(5)?,
        currency: row.get(6)?,
        expires_at: row.get(7)?,
        entry_id: row.get(8)?,
    })
}

/// Whether a booking that used a code or an intent still stands: it exists and has not
/// been reversed in full. A booking reversed in full leaves the code or intent unused.
pub(super) fn booking_stands(conn: &Connection, entry_id: Option<i64>) -> Result<bool, BankError> {
    let Some(entry_id) = entry_id else {
        return Ok(false);
    };
    let (amount, reversed): (i64, i64) = conn.query_row(
        "SELECT e.amount_minor,
                (SELECT COALESCE(SUM(r.amount_minor), 0) FROM journal_entries r
                  WHERE r.reverses = e.id)
           FROM journal_entries e WHERE e.id = ?1",
        [entry_id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(reversed < amount)
}

/// How an account is shown to whoever holds the phone or the code: the last four digits
/// of its number (`**** 8741`), or for an epara wallet its id's last four (`epara ****1001`).
pub(super) fn account_masked(conn: &Connection, account_id: &str) -> Result<String, BankError> {
    let wallet: Option<String> = conn
        .query_row(
            "SELECT id FROM wallets WHERE account_id = ?1",
            [account_id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(wallet) = wallet {
        let digits: Vec<char> = wallet.chars().filter(char::is_ascii_digit).collect();
        let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
        return Ok(format!("epara ****{last}"));
    }
    let number: Option<String> = conn
        .query_row(
            "SELECT number FROM accounts WHERE id = ?1",
            [account_id],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    let digits: Vec<char> = number
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    Ok(format!("**** {last}"))
}

pub(super) fn qr_intent(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["token"])?;
    let token = args.text("token")?;
    let live = live_token(conn, token, Some(&request.terminal_id), now)?.ok_or_else(|| {
        refused(
            "expired",
            "this QR code is no longer valid at this terminal; show a new one",
        )
    })?;
    let intents: Vec<Intent> = {
        let mut stmt = conn.prepare_cached(&format!(
            "{INTENT} WHERE i.token_id = ?1 AND i.expires_at > ?2 ORDER BY i.id DESC"
        ))?;
        stmt.query_map(params![live.id, stamp(now)], intent_row)?
            .collect::<Result<_, _>>()?
    };
    for intent in intents {
        if booking_stands(conn, intent.entry_id)? {
            continue;
        }
        return Ok(Value::record([
            ("kind", Value::text(&intent.kind)),
            ("intent", Value::text(intent_ref(intent.id))),
            ("channel", Value::text(&intent.channel)),
            (
                "amount",
                Value::Money(money::money(conn, intent.amount_minor, &intent.currency)?),
            ),
            (
                "account_masked",
                Value::text(account_masked(conn, &intent.account_id)?),
            ),
        ]));
    }
    Ok(Value::record([
        ("kind", Value::text("none")),
        ("intent", Value::text("")),
        ("channel", Value::text("")),
        ("amount", Value::Money(money::money(conn, 0, "ALL")?)),
        ("account_masked", Value::text("")),
    ]))
}

/// Records an intent for a live token; answers its public id.
pub(crate) struct NewIntent<'a> {
    pub(crate) token_id: i64,
    pub(crate) kind: &'a str,
    pub(crate) channel: &'a str,
    pub(crate) account_id: &'a str,
    pub(crate) amount_minor: i64,
    pub(crate) currency: &'a str,
}

pub(crate) fn create_intent(
    conn: &Connection,
    intent: &NewIntent<'_>,
    now: NaiveDateTime,
) -> Result<String, BankError> {
    conn.execute(
        "INSERT INTO qr_intents (token_id, kind, channel, account_id, amount_minor, currency,
                                 created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            intent.token_id,
            intent.kind,
            intent.channel,
            intent.account_id,
            intent.amount_minor,
            intent.currency,
            stamp(now),
            stamp(now + Duration::minutes(INTENT_MINUTES)),
        ],
    )?;
    Ok(intent_ref(conn.last_insert_rowid()))
}

/// Whether `minor` ALL is a QR withdrawal amount (1,000 to 75,000 ALL).
pub(crate) fn qr_withdrawal_amount_ok(conn: &Connection, minor: i64) -> Result<bool, BankError> {
    let whole = whole_unit(conn, "ALL")?;
    Ok((QR_WITHDRAWAL_MIN_ALL * whole..=QR_WITHDRAWAL_MAX_ALL * whole).contains(&minor))
}

/// Minor units in one whole unit of `currency` (100 for ALL with 2 decimals).
pub(super) fn whole_unit(conn: &Connection, currency: &str) -> Result<i64, BankError> {
    let unit = money::minor_unit(conn, currency)?
        .ok_or_else(|| BankError::InvalidData(format!("the bank does not hold {currency}")))?;
    Ok(10_i64.pow(unit))
}

/// The intent for this terminal that may be carried out now, or why not.
fn usable_intent(
    conn: &Connection,
    request: &HostRequest,
    text: &str,
    kind: &str,
    now: NaiveDateTime,
) -> Result<Intent, OpError> {
    let unknown = || {
        refused(
            "declined",
            format!("`{text}` is not a QR {kind} started for this terminal"),
        )
    };
    let id = parse_intent_ref(text).ok_or_else(unknown)?;
    let intent = conn
        .query_row(&format!("{INTENT} WHERE i.id = ?1"), [id], intent_row)
        .optional()?
        .ok_or_else(unknown)?;
    if intent.terminal != request.terminal_id || intent.kind != kind {
        return Err(unknown());
    }
    if booking_stands(conn, intent.entry_id)? {
        return Err(refused("used", format!("`{text}` was already carried out")));
    }
    if stamp(now) >= intent.expires_at {
        return Err(refused(
            "expired",
            format!("`{text}` has expired; start it again on the phone"),
        ));
    }
    Ok(intent)
}

pub(super) fn qr_withdraw(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["intent"])?;
    let text = args.text("intent")?;
    let print = fingerprint(&["qr_withdraw", text]);
    idempotent(conn, request, print, now, |conn| {
        let intent = usable_intent(conn, request, text, "withdrawal", now)?;
        if intent.currency != "ALL" || !qr_withdrawal_amount_ok(conn, intent.amount_minor)? {
            let shown = money::money(conn, intent.amount_minor, &intent.currency)?;
            return Err(refused(
                "invalid_amount",
                format!(
                    "a QR withdrawal is {QR_WITHDRAWAL_MIN_ALL} to {QR_WITHDRAWAL_MAX_ALL} ALL, not {shown}"
                ),
            ));
        }
        if intent.amount_minor > ledger::balance_minor(conn, &intent.account_id)? {
            return Err(refused(
                "insufficient_funds",
                "the account does not hold the amount of this QR withdrawal",
            ));
        }
        let vault = format!("ATM-CASH-{}", intent.currency);
        let description = format!(
            "Tërheqje me QR / QR withdrawal ({}) {}",
            intent.channel, request.terminal_id
        );
        let entry_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Withdrawal,
                booked_at: now,
                description: &description,
                account_id: &intent.account_id,
                amount_minor: intent.amount_minor,
                currency: &intent.currency,
                reverses: None,
                terminal_id: Some(&request.terminal_id),
                postings: &[
                    (&intent.account_id, intent.amount_minor),
                    (&vault, -intent.amount_minor),
                ],
            },
        )?;
        conn.execute(
            "UPDATE qr_intents SET entry_id = ?1 WHERE id = ?2",
            params![entry_id, intent.id],
        )?;
        Ok(Booked {
            entry_id,
            balance_minor: ledger::balance_minor(conn, &intent.account_id)?,
            currency: intent.currency,
        })
    })
}

pub(super) fn qr_deposit(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["intent", "amount"])?;
    let text = args.text("intent")?;
    let amount = args.money("amount")?;
    let print = fingerprint(&["qr_deposit", text, &canonical(amount)]);
    idempotent(conn, request, print, now, |conn| {
        let intent = usable_intent(conn, request, text, "deposit", now)?;
        let minor = super::amount_in(conn, amount, &intent.currency)?;
        let vault = format!("ATM-CASH-{}", intent.currency);
        let description = format!(
            "Depozitë me QR / QR deposit ({}) {}",
            intent.channel, request.terminal_id
        );
        let entry_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Deposit,
                booked_at: now,
                description: &description,
                account_id: &intent.account_id,
                amount_minor: minor,
                currency: &intent.currency,
                reverses: None,
                terminal_id: Some(&request.terminal_id),
                postings: &[(&vault, minor), (&intent.account_id, -minor)],
            },
        )?;
        conn.execute(
            "UPDATE qr_intents SET entry_id = ?1 WHERE id = ?2",
            params![entry_id, intent.id],
        )?;
        Ok(Booked {
            entry_id,
            balance_minor: ledger::balance_minor(conn, &intent.account_id)?,
            currency: intent.currency,
        })
    })
}
