//! Cardless transactions at the terminal (manual §V): withdrawal with a unique code issued
//! in the phone app, deposit to a BKT client by a depositor identified by personal ID and
//! an SMS code, mobile top-up with cash, deposit with a business code issued in the business
//! internet bank, and the exchange rates.
//!
//! - A unique withdrawal code is checked against the amount typed with it: a wrong amount
//!   answers `invalid_code` like a wrong code, so the terminal cannot confirm that a code
//!   exists. A code is valid until it expires, once, at the terminal it was issued for (or at
//!   every terminal). A withdrawal reversed in full (the cash could not be dispensed) leaves
//!   the code valid again.
//! - A code is used by its id (`unique_code_withdraw`, `business_deposit`) only at a
//!   terminal that checked its digits in the last [`CHECKED_MINUTES`] minutes: ids are
//!   sequential, so an id alone must not be enough to take the money (`declined`).
//! - The cash-in operations book from the terminal's cash vault. Their bookings answer a
//!   balance of zero: the account is not the depositor's (or not only theirs), so its
//!   balance is not shown at the terminal. The same holds for unique-code withdrawals (the
//!   code may have been given to someone else), and for the reversals of all of these.
//! - A cash top-up can be reversed (`reverse`) like a cash deposit, when the notes could not
//!   be stored after it was booked.

use atmflow_engine::ports::HostRequest;
use atmflow_engine::value::Value;
use chrono::{Duration, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::Decimal;
use std::str::FromStr;

use super::catalog::{self, Beneficiary};
use super::codes::{self, code_hash, is_code, mask_phone};
use super::payments::{TOPUP_MAX_ALL, TOPUP_MIN_ALL, grouped_mobile, is_mobile_number};
use super::qr::{account_masked, booking_stands, stamp};
use super::{
    Args, Booked, OpError, amount_in, bad_request, canonical, fingerprint, idempotent, refused,
    short_name,
};
use crate::error::BankError;
use crate::ledger::{self, EntryKind, NewEntry};
use crate::money;

/// Purposes of one-time codes, as mixed into their hashes.
pub(crate) const WITHDRAWAL_CODE: &str = "withdrawal";
pub(crate) const BUSINESS_CODE: &str = "business";
const SMS_CODE: &str = "sms";

/// How long the SMS code of a cardless deposit may be entered.
pub(crate) const OTP_MINUTES: i64 = 5;
/// How long a cardless deposit session lasts after the depositor is identified.
pub(crate) const SESSION_MINUTES: i64 = 30;
/// Tries for the SMS code.
pub(crate) const OTP_TRIES: i64 = 3;
/// How long after a code was checked at a terminal that terminal may use it by its id.
pub(crate) const CHECKED_MINUTES: i64 = 15;

/// A withdrawal code's public id, `UC-000042`; a business code's, `BC-000042`; a cardless
/// deposit session's, `CD-000042`.
pub(crate) fn public_id(prefix: &str, id: i64) -> String {
    format!("{prefix}-{id:06}")
}

fn parse_public_id(prefix: &str, text: &str) -> Option<i64> {
    let digits = text.strip_prefix(prefix)?.strip_prefix('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0)
}

/// Where a code stands for a request at a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CodeState {
    Usable,
    Used,
    Expired,
    WrongTerminal,
}

/// Of the codes matching what was typed (newest first), the first one usable at this
/// terminal now. Else the refusal the newest one's state calls for (expired, used, for
/// another terminal), or `no_match` when nothing matched at all.
fn first_usable<'c, C>(
    conn: &Connection,
    candidates: &'c [C],
    validity: impl Fn(&C) -> (Option<&str>, &str, Option<i64>),
    request: &HostRequest,
    now: NaiveDateTime,
    no_match: impl FnOnce() -> OpError,
) -> Result<&'c C, OpError> {
    let mut first_state = None;
    for c in candidates {
        let (terminal, expires_at, entry_id) = validity(c);
        let state = code_state(
            conn,
            terminal,
            expires_at,
            entry_id,
            &request.terminal_id,
            now,
        )?;
        if state == CodeState::Usable {
            return Ok(c);
        }
        first_state.get_or_insert(state);
    }
    Err(match first_state {
        Some(state) => state_refusal(state, "code"),
        None => no_match(),
    })
}

fn code_state(
    conn: &Connection,
    terminal: Option<&str>,
    expires_at: &str,
    entry_id: Option<i64>,
    here: &str,
    now: NaiveDateTime,
) -> Result<CodeState, BankError> {
    Ok(if booking_stands(conn, entry_id)? {
        CodeState::Used
    } else if stamp(now).as_str() >= expires_at {
        CodeState::Expired
    } else if terminal.is_some_and(|t| t != here) {
        CodeState::WrongTerminal
    } else {
        CodeState::Usable
    })
}

fn state_refusal(state: CodeState, what: &str) -> OpError {
    match state {
        CodeState::Used => refused("used", format!("the {what} was already used")),
        CodeState::Expired => refused("expired", format!("the {what} has expired")),
        CodeState::WrongTerminal => refused(
            "wrong_terminal",
            format!("the {what} was issued for another terminal"),
        ),
        CodeState::Usable => refused("declined", format!("the {what} cannot be used")),
    }
}

/// Records that a code (a row of `table`) was checked at this terminal now.
fn mark_checked(
    conn: &Connection,
    table: &str,
    id: i64,
    request: &HostRequest,
    now: NaiveDateTime,
) -> Result<(), BankError> {
    conn.execute(
        &format!("UPDATE {table} SET checked_terminal = ?1, checked_at = ?2 WHERE id = ?3"),
        params![request.terminal_id, stamp(now), id],
    )?;
    Ok(())
}

/// Whether the code (a row of `table`) was checked at this terminal in the last
/// [`CHECKED_MINUTES`]: a code is used by its id only after its digits were checked there.
fn checked_here(
    conn: &Connection,
    table: &str,
    id: i64,
    request: &HostRequest,
    now: NaiveDateTime,
) -> Result<bool, BankError> {
    let since = stamp(now - Duration::minutes(CHECKED_MINUTES));
    Ok(conn.query_row(
        &format!(
            "SELECT COUNT(*) > 0 FROM {table}
              WHERE id = ?1 AND checked_terminal = ?2 AND checked_at >= ?3 AND checked_at <= ?4"
        ),
        params![id, request.terminal_id, since, stamp(now)],
        |row| row.get(0),
    )?)
}

/// A fresh 6-digit code for `purpose` that no live code of the table has; `seq` numbers it.
fn fresh_code(
    conn: &Connection,
    table: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> Result<String, BankError> {
    let seq: i64 = conn.query_row(
        &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
        [],
        |row| row.get(0),
    )?;
    for attempt in 0..1_000 {
        let code = codes::candidate_code(purpose, seq, attempt, now);
        let taken: bool = conn.query_row(
            &format!("SELECT COUNT(*) > 0 FROM {table} WHERE code_hash = ?1 AND expires_at > ?2"),
            params![code_hash(purpose, &code), stamp(now)],
            |row| row.get(0),
        )?;
        if !taken {
            return Ok(code);
        }
    }
    Err(BankError::InvalidData(format!(
        "no free {purpose} code is left"
    )))
}

/// How expiry times are shown (`26.11.2026 10:30`).
pub(crate) const SHOWN_TIME: &str = "%d.%m.%Y %H:%M";

/// Whether an entry moved cash of a terminal (it has a posting on a cash vault).
pub(super) fn is_cash_entry(conn: &Connection, entry_id: i64) -> Result<bool, BankError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) > 0 FROM postings WHERE entry_id = ?1 AND account_id LIKE 'ATM-CASH-%'",
        [entry_id],
        |row| row.get(0),
    )?)
}

/// Whether a booking was answered without the account's balance (a unique-code withdrawal,
/// a cardless or business deposit): so is its reversal.
pub(super) fn balance_is_hidden(conn: &Connection, entry_id: i64) -> Result<bool, BankError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM withdrawal_codes WHERE entry_id = ?1)
             OR EXISTS (SELECT 1 FROM deposit_codes WHERE entry_id = ?1)
             OR EXISTS (SELECT 1 FROM cardless_sessions WHERE entry_id = ?1)",
        [entry_id],
        |row| row.get(0),
    )?)
}

// ---------------------------------------------------------------------------------------
// Unique withdrawal codes (§V.1)

/// A unique withdrawal code to issue.
pub(crate) struct NewWithdrawalCode<'a> {
    pub(crate) card_id: i64,
    pub(crate) account_id: &'a str,
    pub(crate) amount_minor: i64,
    pub(crate) currency: &'a str,
    pub(crate) terminal: Option<&'a str>,
    pub(crate) hours: i64,
}

/// Issues a unique withdrawal code: answers its id, the code and when it expires.
pub(crate) fn issue_withdrawal_code(
    conn: &Connection,
    new: &NewWithdrawalCode<'_>,
    now: NaiveDateTime,
) -> Result<(String, String, NaiveDateTime), BankError> {
    let code = fresh_code(conn, "withdrawal_codes", WITHDRAWAL_CODE, now)?;
    let expires = now + Duration::hours(new.hours);
    conn.execute(
        "INSERT INTO withdrawal_codes (code_hash, card_id, account_id, amount_minor, currency,
                                       terminal_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            code_hash(WITHDRAWAL_CODE, &code),
            new.card_id,
            new.account_id,
            new.amount_minor,
            new.currency,
            new.terminal,
            stamp(now),
            stamp(expires),
        ],
    )?;
    Ok((public_id("UC", conn.last_insert_rowid()), code, expires))
}

struct WithdrawalCode {
    id: i64,
    account_id: String,
    amount_minor: i64,
    currency: String,
    terminal: Option<String>,
    expires_at: String,
    entry_id: Option<i64>,
}

const WITHDRAWAL_CODE_ROW: &str = "SELECT id, account_id, amount_minor, currency, terminal_id,
                                          expires_at, entry_id
                                     FROM withdrawal_codes";

fn withdrawal_code_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<WithdrawalCode> {
    Ok(WithdrawalCode {
        id: row.get(0)?,
        account_id: row.get(1)?,
        amount_minor: row.get(2)?,
        currency: row.get(3)?,
        terminal: row.get(4)?,
        expires_at: row.get(5)?,
        entry_id: row.get(6)?,
    })
}

fn invalid_code() -> OpError {
    refused(
        "invalid_code",
        "the code and the amount do not match a code issued by the bank",
    )
}

pub(super) fn unique_code_check(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["code", "amount"])?;
    let code = args.secret("code")?;
    let amount = args.money("amount")?;
    if !is_code(code.expose().trim()) {
        return Err(invalid_code());
    }
    let Some(minor) = money::minor_unit(conn, amount.currency.as_str())?
        .and_then(|unit| money::to_minor(amount.amount, unit))
    else {
        return Err(invalid_code());
    };
    let candidates: Vec<WithdrawalCode> = {
        let mut stmt = conn.prepare_cached(&format!(
            "{WITHDRAWAL_CODE_ROW} WHERE code_hash = ?1 AND amount_minor = ?2 AND currency = ?3
              ORDER BY id DESC"
        ))?;
        stmt.query_map(
            params![
                code_hash(WITHDRAWAL_CODE, code.expose()),
                minor,
                amount.currency.as_str()
            ],
            withdrawal_code_row,
        )?
        .collect::<Result<_, _>>()?
    };
    let c = first_usable(
        conn,
        &candidates,
        |c| (c.terminal.as_deref(), c.expires_at.as_str(), c.entry_id),
        request,
        now,
        invalid_code,
    )?;
    mark_checked(conn, "withdrawal_codes", c.id, request, now)?;
    Ok(Value::record([
        ("code_id", Value::text(public_id("UC", c.id))),
        (
            "account_masked",
            Value::text(account_masked(conn, &c.account_id)?),
        ),
        (
            "amount",
            Value::Money(money::money(conn, c.amount_minor, &c.currency)?),
        ),
    ]))
}

pub(super) fn unique_code_withdraw(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["code_id"])?;
    let text = args.text("code_id")?;
    let print = fingerprint(&["unique_code_withdraw", text]);
    idempotent(conn, request, print, now, |conn| {
        let unknown = || refused("declined", format!("`{text}` is not a checked unique code"));
        let id = parse_public_id("UC", text).ok_or_else(unknown)?;
        let c = conn
            .query_row(
                &format!("{WITHDRAWAL_CODE_ROW} WHERE id = ?1"),
                [id],
                withdrawal_code_row,
            )
            .optional()?
            .ok_or_else(unknown)?;
        match code_state(
            conn,
            c.terminal.as_deref(),
            &c.expires_at,
            c.entry_id,
            &request.terminal_id,
            now,
        )? {
            CodeState::Usable => {}
            CodeState::WrongTerminal => return Err(unknown()),
            state => return Err(state_refusal(state, "code")),
        }
        if !checked_here(conn, "withdrawal_codes", c.id, request, now)? {
            return Err(unknown());
        }
        if c.amount_minor > ledger::balance_minor(conn, &c.account_id)? {
            return Err(refused(
                "insufficient_funds",
                "the account of this code does not hold its amount",
            ));
        }
        let vault = format!("ATM-CASH-{}", c.currency);
        let description = format!(
            "Tërheqje me kod unik / Unique code withdrawal {}",
            request.terminal_id
        );
        let entry_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Withdrawal,
                booked_at: now,
                description: &description,
                account_id: &c.account_id,
                amount_minor: c.amount_minor,
                currency: &c.currency,
                reverses: None,
                terminal_id: Some(&request.terminal_id),
                postings: &[(&c.account_id, c.amount_minor), (&vault, -c.amount_minor)],
            },
        )?;
        conn.execute(
            "UPDATE withdrawal_codes SET entry_id = ?1 WHERE id = ?2",
            params![entry_id, c.id],
        )?;
        Ok(Booked {
            entry_id,
            balance_minor: 0,
            currency: c.currency,
        })
    })
}

// ---------------------------------------------------------------------------------------
// Cardless deposit to a BKT client (§V.5)

fn unknown_depositor() -> OpError {
    refused(
        "unknown_depositor",
        "the personal ID number and the mobile number do not match a registration at the bank",
    )
}

/// A personal ID number as compared: trimmed, upper case.
fn normal_personal_id(text: &str) -> String {
    text.trim().to_uppercase()
}

pub(super) fn cardless_identify(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["personal_id", "mobile"])?;
    let personal_id = normal_personal_id(args.text("personal_id")?);
    let mobile = catalog::normal_mobile(args.text("mobile")?);
    if personal_id.is_empty() || !is_mobile_number(&mobile) {
        return Err(unknown_depositor());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let customer: Option<i64> = tx
        .query_row(
            "SELECT id FROM customers WHERE upper(personal_id) = ?1 AND phone = ?2",
            params![personal_id, mobile],
            |row| row.get(0),
        )
        .optional()?;
    let customer = customer.ok_or_else(unknown_depositor)?;
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM cardless_sessions",
        [],
        |row| row.get(0),
    )?;
    let otp = codes::candidate_code(SMS_CODE, seq, 0, now);
    tx.execute(
        "INSERT INTO cardless_sessions (id, customer_id, mobile, terminal_id, otp_hash,
                                        tries_left, created_at, otp_expires_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            seq,
            customer,
            mobile,
            request.terminal_id,
            code_hash(SMS_CODE, &otp),
            OTP_TRIES,
            stamp(now),
            stamp(now + Duration::minutes(OTP_MINUTES)),
            stamp(now + Duration::minutes(SESSION_MINUTES)),
        ],
    )?;
    let body = format!(
        "BKT: Kodi njëpërdorimësh për depozitën pa kartë: {otp}. Vlen {OTP_MINUTES} minuta, \
         mos ia jepni askujt. / Your one-time code for the cardless deposit: {otp}. Valid \
         {OTP_MINUTES} minutes; do not share it."
    );
    super::queue_sms(&tx, &mobile, &body, now)?;
    tx.commit()?;
    Ok(Value::record([
        ("ref", Value::text(public_id("CD", seq))),
        ("masked_mobile", Value::text(mask_phone(&mobile))),
    ]))
}

struct Session {
    id: i64,
    customer_id: i64,
    terminal: String,
    otp_hash: String,
    tries_left: i64,
    otp_expires_at: String,
    expires_at: String,
    verified: bool,
    entry_id: Option<i64>,
}

fn expired_session() -> OpError {
    refused(
        "expired",
        "this cardless deposit has expired or is over; identify again",
    )
}

/// The session `text` names, at this terminal, not over: else `expired`.
fn open_session(
    conn: &Connection,
    request: &HostRequest,
    text: &str,
    now: NaiveDateTime,
) -> Result<Session, OpError> {
    let id = parse_public_id("CD", text).ok_or_else(expired_session)?;
    let session = conn
        .query_row(
            "SELECT id, customer_id, terminal_id, otp_hash, tries_left, otp_expires_at,
                    expires_at, verified_at IS NOT NULL, entry_id
               FROM cardless_sessions WHERE id = ?1",
            [id],
            |row| {
                Ok(Session {
                    id: row.get(0)?,
                    customer_id: row.get(1)?,
                    terminal: row.get(2)?,
                    otp_hash: row.get(3)?,
                    tries_left: row.get(4)?,
                    otp_expires_at: row.get(5)?,
                    expires_at: row.get(6)?,
                    verified: row.get(7)?,
                    entry_id: row.get(8)?,
                })
            },
        )
        .optional()?
        .ok_or_else(expired_session)?;
    if session.terminal != request.terminal_id
        || stamp(now) >= session.expires_at
        || session.entry_id.is_some()
    {
        return Err(expired_session());
    }
    Ok(session)
}

pub(super) fn cardless_verify_otp(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["ref", "otp"])?;
    let text = args.text("ref")?;
    let otp = args.secret("otp")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let session = open_session(&tx, request, text, now)?;
    let answer = |valid: bool, tries_left: i64| {
        Value::record([
            ("valid", Value::Bool(valid)),
            ("tries_left", Value::number(tries_left)),
        ])
    };
    if session.verified {
        return Ok(answer(true, session.tries_left));
    }
    if session.tries_left <= 0 || stamp(now) >= session.otp_expires_at {
        return Err(refused(
            "expired",
            "the SMS code has expired or was entered wrong too often; identify again",
        ));
    }
    if code_hash(SMS_CODE, otp.expose()) == session.otp_hash {
        tx.execute(
            "UPDATE cardless_sessions SET verified_at = ?1 WHERE id = ?2",
            params![stamp(now), session.id],
        )?;
        tx.commit()?;
        return Ok(answer(true, session.tries_left));
    }
    let left = session.tries_left - 1;
    tx.execute(
        "UPDATE cardless_sessions SET tries_left = ?1 WHERE id = ?2",
        params![left, session.id],
    )?;
    tx.commit()?;
    Ok(answer(false, left))
}

fn unknown_client() -> OpError {
    refused("unknown_client", "no BKT client matches what was entered")
}

fn beneficiary_value(found: Beneficiary) -> Value {
    Value::record([
        (
            "masked_account",
            Value::text(catalog::masked_account(&found.number)),
        ),
        ("account", Value::text(found.account)),
        ("name", Value::text(short_name(&found.name))),
        ("currency", Value::text(found.currency)),
    ])
}

pub(super) fn find_client(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["by", "value"])?;
    let by = args.text("by")?;
    let value = args.text("value")?.trim();
    let sql = match by {
        "client" => "SELECT id FROM customers WHERE cif = ?1",
        "personal_id" => "SELECT id FROM customers WHERE upper(personal_id) = ?1",
        other => {
            return Err(bad_request(format!(
                "`find_client`: by `{other}` is not client or personal_id"
            )));
        }
    };
    let wanted = if by == "personal_id" {
        normal_personal_id(value)
    } else {
        value.to_string()
    };
    if wanted.is_empty() {
        return Err(unknown_client());
    }
    let customer: Option<i64> = conn.query_row(sql, [wanted], |row| row.get(0)).optional()?;
    let customer = customer.ok_or_else(unknown_client)?;
    let found = catalog::beneficiary_of_customer(conn, customer).map_err(|e| match e {
        OpError::Refused { .. } => unknown_client(),
        other => other,
    })?;
    Ok(beneficiary_value(found))
}

/// Books cash from the terminal's vault into `account`; the answer shows no balance.
fn book_cash_in(
    conn: &Connection,
    request: &HostRequest,
    now: NaiveDateTime,
    account: &str,
    currency: &str,
    minor: i64,
    description: &str,
) -> Result<Booked, OpError> {
    let vault = format!("ATM-CASH-{currency}");
    let vault_exists: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM accounts WHERE id = ?1",
        [&vault],
        |row| row.get(0),
    )?;
    if !vault_exists {
        return Err(refused(
            "currency_mismatch",
            format!("the terminal takes no cash in {currency}"),
        ));
    }
    let entry_id = ledger::book(
        conn,
        &NewEntry {
            kind: EntryKind::Deposit,
            booked_at: now,
            description,
            account_id: account,
            amount_minor: minor,
            currency,
            reverses: None,
            terminal_id: Some(&request.terminal_id),
            postings: &[(&vault, minor), (account, -minor)],
        },
    )?;
    Ok(Booked {
        entry_id,
        balance_minor: 0,
        currency: currency.to_string(),
    })
}

pub(super) fn cardless_deposit(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["ref", "to", "amount"])?;
    let text = args.text("ref")?;
    let to = args.text("to")?;
    let amount = args.money("amount")?;
    let print = fingerprint(&["cardless_deposit", text, to, &canonical(amount)]);
    idempotent(conn, request, print, now, |conn| {
        let session = open_session(conn, request, text, now)?;
        if !session.verified {
            return Err(refused(
                "declined",
                "the depositor has not entered the SMS code yet",
            ));
        }
        let beneficiary = catalog::beneficiary_by_account(conn, to).map_err(|e| match e {
            OpError::Refused { .. } => refused(
                "declined",
                format!("`{to}` is not an account of a BKT client"),
            ),
            other => other,
        })?;
        let minor = amount_in(conn, amount, &beneficiary.currency)?;
        let depositor: String = conn.query_row(
            "SELECT name FROM customers WHERE id = ?1",
            [session.customer_id],
            |row| row.get(0),
        )?;
        let description = format!(
            "Depozitë pa kartë nga / Cardless deposit by {} {}",
            short_name(&depositor),
            request.terminal_id
        );
        let booked = book_cash_in(
            conn,
            request,
            now,
            &beneficiary.account,
            &beneficiary.currency,
            minor,
            &description,
        )?;
        conn.execute(
            "UPDATE cardless_sessions SET entry_id = ?1 WHERE id = ?2",
            params![booked.entry_id, session.id],
        )?;
        Ok(booked)
    })
}

// ---------------------------------------------------------------------------------------
// Mobile top-up with cash (§V.4)

pub(super) fn cardless_topup(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["operator", "number", "package", "amount"])?;
    let operator = args.text("operator")?;
    let number = args.text("number")?;
    let package = args.text("package")?;
    let amount = args.money("amount")?;
    let print = fingerprint(&[
        "cardless_topup",
        operator,
        number,
        package,
        &canonical(amount),
    ]);
    idempotent(conn, request, print, now, |conn| {
        let (operator_name, operator_account) = catalog::known_operator(conn, operator)?;
        if !is_mobile_number(number) {
            return Err(refused(
                "invalid_number",
                "a mobile number is +3556 followed by 8 digits",
            ));
        }
        let chosen = if package.is_empty() {
            None
        } else {
            Some(catalog::known_package(conn, operator, package)?)
        };
        let minor = amount_in(conn, amount, "ALL")?;
        let description = match &chosen {
            None => {
                let whole = super::qr::whole_unit(conn, "ALL")?;
                if !(TOPUP_MIN_ALL * whole..=TOPUP_MAX_ALL * whole).contains(&minor) {
                    return Err(refused(
                        "invalid_amount",
                        format!(
                            "a standard top-up is {TOPUP_MIN_ALL} to {TOPUP_MAX_ALL} ALL, not {amount}"
                        ),
                    ));
                }
                format!(
                    "Rimbushje me para në dorë {operator_name} / {operator_name} cash top-up {}",
                    grouped_mobile(number)
                )
            }
            Some(p) => {
                if p.currency != "ALL" || p.price_minor != minor {
                    let price = money::money(conn, p.price_minor, &p.currency)?;
                    return Err(refused(
                        "invalid_amount",
                        format!("package `{package}` costs {price}, not the {amount} inserted"),
                    ));
                }
                format!(
                    "Rimbushje me para në dorë {operator_name} / {operator_name} cash top-up {}, {}",
                    grouped_mobile(number),
                    p.name
                )
            }
        };
        let entry_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Topup,
                booked_at: now,
                description: &description,
                account_id: &operator_account,
                amount_minor: minor,
                currency: "ALL",
                reverses: None,
                terminal_id: Some(&request.terminal_id),
                postings: &[("ATM-CASH-ALL", minor), (&operator_account, -minor)],
            },
        )?;
        Ok(Booked {
            entry_id,
            balance_minor: 0,
            currency: "ALL".to_string(),
        })
    })
}

// ---------------------------------------------------------------------------------------
// Business deposit codes (§V.6)

/// A business deposit code to issue.
pub(crate) struct NewDepositCode<'a> {
    pub(crate) account_id: &'a str,
    pub(crate) staff_id: &'a str,
    pub(crate) terminal: Option<&'a str>,
    pub(crate) source: &'a str,
    pub(crate) hours: i64,
}

/// Issues a business deposit code: answers its id, the code and when it expires.
pub(crate) fn issue_deposit_code(
    conn: &Connection,
    new: &NewDepositCode<'_>,
    now: NaiveDateTime,
) -> Result<(String, String, NaiveDateTime), BankError> {
    let code = fresh_code(conn, "deposit_codes", BUSINESS_CODE, now)?;
    let expires = now + Duration::hours(new.hours);
    conn.execute(
        "INSERT INTO deposit_codes (code_hash, account_id, staff_id, terminal_id, source,
                                    created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            code_hash(BUSINESS_CODE, &code),
            new.account_id,
            new.staff_id,
            new.terminal,
            new.source,
            stamp(now),
            stamp(expires),
        ],
    )?;
    Ok((public_id("BC", conn.last_insert_rowid()), code, expires))
}

struct DepositCode {
    id: i64,
    account_id: String,
    currency: String,
    company: String,
    employee: String,
    source: String,
    terminal: Option<String>,
    expires_at: String,
    entry_id: Option<i64>,
}

const DEPOSIT_CODE_ROW: &str = "SELECT d.id, d.account_id, a.currency, c.name, s.name, d.source,
                                       d.terminal_id, d.expires_at, d.entry_id
                                  FROM deposit_codes d
                                  JOIN accounts a ON a.id = d.account_id
                                  JOIN company_staff s ON s.id = d.staff_id
                                  JOIN companies c ON c.id = s.company_id";

fn deposit_code_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DepositCode> {
    Ok(DepositCode {
        id: row.get(0)?,
        account_id: row.get(1)?,
        currency: row.get(2)?,
        company: row.get(3)?,
        employee: row.get(4)?,
        source: row.get(5)?,
        terminal: row.get(6)?,
        expires_at: row.get(7)?,
        entry_id: row.get(8)?,
    })
}

pub(super) fn business_code_check(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["code"])?;
    let code = args.secret("code")?;
    let invalid = || {
        refused(
            "invalid_code",
            "the code does not match a business deposit code",
        )
    };
    if !is_code(code.expose().trim()) {
        return Err(invalid());
    }
    let candidates: Vec<DepositCode> = {
        let mut stmt = conn.prepare_cached(&format!(
            "{DEPOSIT_CODE_ROW} WHERE d.code_hash = ?1 ORDER BY d.id DESC"
        ))?;
        stmt.query_map([code_hash(BUSINESS_CODE, code.expose())], deposit_code_row)?
            .collect::<Result<_, _>>()?
    };
    let c = first_usable(
        conn,
        &candidates,
        |c| (c.terminal.as_deref(), c.expires_at.as_str(), c.entry_id),
        request,
        now,
        invalid,
    )?;
    mark_checked(conn, "deposit_codes", c.id, request, now)?;
    Ok(Value::record([
        ("code_id", Value::text(public_id("BC", c.id))),
        ("company", Value::text(&c.company)),
        (
            "account_masked",
            Value::text(account_masked(conn, &c.account_id)?),
        ),
        ("currency", Value::text(&c.currency)),
        ("employee", Value::text(&c.employee)),
    ]))
}

pub(super) fn business_deposit(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["code_id", "amount"])?;
    let text = args.text("code_id")?;
    let amount = args.money("amount")?;
    let print = fingerprint(&["business_deposit", text, &canonical(amount)]);
    idempotent(conn, request, print, now, |conn| {
        let unknown = || {
            refused(
                "declined",
                format!("`{text}` is not a checked business deposit code"),
            )
        };
        let id = parse_public_id("BC", text).ok_or_else(unknown)?;
        let c = conn
            .query_row(
                &format!("{DEPOSIT_CODE_ROW} WHERE d.id = ?1"),
                [id],
                deposit_code_row,
            )
            .optional()?
            .ok_or_else(unknown)?;
        match code_state(
            conn,
            c.terminal.as_deref(),
            &c.expires_at,
            c.entry_id,
            &request.terminal_id,
            now,
        )? {
            CodeState::Usable => {}
            CodeState::WrongTerminal => return Err(unknown()),
            state => return Err(state_refusal(state, "code")),
        }
        if !checked_here(conn, "deposit_codes", c.id, request, now)? {
            return Err(unknown());
        }
        if amount.currency.as_str() != c.currency {
            return Err(refused(
                "currency_mismatch",
                format!(
                    "the company's account is in {}, not {}",
                    c.currency, amount.currency
                ),
            ));
        }
        let minor = amount_in(conn, amount, &c.currency)?;
        let description = format!(
            "Depozitë me kod biznesi nga / Business code deposit by {} ({}) {}",
            c.employee, c.source, request.terminal_id
        );
        let booked = book_cash_in(
            conn,
            request,
            now,
            &c.account_id,
            &c.currency,
            minor,
            &description,
        )?;
        conn.execute(
            "UPDATE deposit_codes SET entry_id = ?1 WHERE id = ?2",
            params![booked.entry_id, c.id],
        )?;
        Ok(booked)
    })
}

// ---------------------------------------------------------------------------------------
// Exchange rates (§V.7)

/// The rates, as `(currency, buy, sell)`, in their order.
pub(crate) fn rates(conn: &Connection) -> Result<Vec<(String, Decimal, Decimal)>, BankError> {
    let mut stmt = conn.prepare_cached(
        "SELECT currency, buy, sell FROM exchange_rates ORDER BY position, currency",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut list = Vec::new();
    for row in rows {
        let (currency, buy, sell) = row?;
        let parse = |text: &str| {
            Decimal::from_str(text)
                .map_err(|_| BankError::InvalidData(format!("rate `{text}` of {currency}")))
        };
        list.push((currency.clone(), parse(&buy)?, parse(&sell)?));
    }
    Ok(list)
}

pub(crate) fn rates_value(conn: &Connection) -> Result<Value, BankError> {
    Ok(Value::List(
        rates(conn)?
            .into_iter()
            .map(|(currency, buy, sell)| {
                Value::record([
                    ("currency", Value::text(currency)),
                    ("buy", Value::Number(buy)),
                    ("sell", Value::Number(sell)),
                ])
            })
            .collect(),
    ))
}

pub(super) fn exchange_rates(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&[])?;
    Ok(rates_value(conn)?)
}

/// A time, shown as [`SHOWN_TIME`].
pub(crate) fn shown_time(t: NaiveDateTime) -> String {
    t.format(SHOWN_TIME).to_string()
}
