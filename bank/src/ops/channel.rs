//! The bank's other channels (manual §V-§VI): what a customer does in the phone app, in the
//! business internet bank or in the epara wallet before going to the terminal, plus two
//! views for tests and demos (`last_sms`, `outbox`). Called by name with text arguments
//! (amounts as `5000 ALL`, numbers as text) through [`crate::Bank::channel`].
//!
//! Every operation runs in one immediate transaction. Refusals write nothing, but for the
//! one thing a refusal must remember: a wrong Soft PIN counts against its tries.
//! Card numbers arrive in clear here (the app knows its card); they are only hashed, and
//! never appear in an answer, a refusal or a message.

use std::collections::BTreeMap;
use std::str::FromStr;

use atmflow_engine::ports::HostError;
use atmflow_engine::value::{Currency, Money, Secret, Value};
use chrono::{Months, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::Decimal;

use super::cardless::{
    NewDepositCode, NewWithdrawalCode, issue_deposit_code, issue_withdrawal_code, rates_value,
    shown_time,
};
use super::codes::{code_in, mask_phone};
use super::qr::{NewIntent, create_intent, live_token_of_payload, whole_unit};
use super::{
    CardRow, Holder, LinkedAccount, OpError, active_card, bad_request, bkt_holder, catalog,
    linked_account, refused,
};
use crate::card;
use crate::error::BankError;
use crate::ledger::{self, TIMESTAMP_FORMAT};
use crate::money;

/// The channel operations: name and a one-line usage, for the CLI.
pub const CHANNEL_OPERATIONS: &[(&str, &str)] = &[
    (
        "app_issue_code",
        "card, account, amount (1,000-10,000 ALL), hours (1-72), terminal ('' = all): a unique withdrawal code",
    ),
    (
        "app_activate_soft_pin",
        "card, soft_pin, soft_pin_again (4 digits): activates the phone app's Soft PIN",
    ),
    (
        "app_qr",
        "card, soft_pin, account, amount, payload (of the terminal's QR), kind (withdrawal|deposit): starts a QR transaction",
    ),
    (
        "business_employees",
        "account: who may deposit to a business account with a code",
    ),
    (
        "business_deposit_code",
        "account, employee, terminal ('' = all), hours (1-72), source, currency: a business deposit code, sent by SMS",
    ),
    (
        "epara_intent",
        "wallet, kind (withdrawal|deposit), amount, payload (of the terminal's QR): starts an epara transaction",
    ),
    ("rates", "the exchange rates"),
    (
        "last_sms",
        "to (phone number): the newest SMS to that number and the 6-digit code in it",
    ),
    ("outbox", "every message queued (e-mails and SMS)"),
];

/// Unique withdrawal codes: the least and the most, in whole ALL.
pub(crate) const CODE_MIN_ALL: i64 = 1_000;
pub(crate) const CODE_MAX_ALL: i64 = 10_000;
/// Withdrawal amounts issued on a phone are multiples of this many ALL (what notes allow).
pub(crate) const WITHDRAWAL_STEP_ALL: i64 = 500;
/// Validity of codes, in hours.
pub(crate) const MIN_HOURS: i64 = 1;
pub(crate) const MAX_HOURS: i64 = 72;
/// Wrong Soft PINs before the Soft PIN must be activated again.
pub(crate) const SOFT_PIN_TRIES: i64 = 3;
/// How far back a salary makes an employee eligible to deposit with a business code.
pub(crate) const SALARY_MONTHS: u32 = 2;

/// Answers one channel operation.
pub(crate) fn dispatch(
    conn: &mut Connection,
    op: &str,
    args: &BTreeMap<String, String>,
    now: NaiveDateTime,
) -> Result<Value, HostError> {
    let args = TextArgs { op, args };
    let result = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let result = match op {
            "app_issue_code" => app_issue_code(&tx, &args, now),
            "app_activate_soft_pin" => app_activate_soft_pin(&tx, &args, now),
            "app_qr" => app_qr(&tx, &args, now),
            "business_employees" => business_employees(&tx, &args, now),
            "business_deposit_code" => business_deposit_code(&tx, &args, now),
            "epara_intent" => epara_intent(&tx, &args, now),
            "rates" => args.only(&[]).and_then(|()| Ok(rates_value(&tx)?)),
            "last_sms" => last_sms(&tx, &args),
            "outbox" => outbox(&tx, &args),
            other => Err(refused(
                "unknown_operation",
                format!("the channels have no operation `{other}`"),
            )),
        };
        match result {
            Ok(value) => {
                tx.commit()?;
                Ok(value)
            }
            Err(OpError::Refused { code, message }) => {
                tx.commit()?;
                Err(OpError::Refused { code, message })
            }
            Err(e) => Err(e),
        }
    })();
    result.map_err(|e| match e {
        OpError::Refused { code, message } => HostError::Refused { code, message },
        OpError::Bank(e) => HostError::Unavailable(e.to_string()),
    })
}

/// A channel operation's text arguments.
struct TextArgs<'a> {
    op: &'a str,
    args: &'a BTreeMap<String, String>,
}

impl TextArgs<'_> {
    fn only(&self, names: &[&str]) -> Result<(), OpError> {
        match self.args.keys().find(|k| !names.contains(&k.as_str())) {
            Some(extra) => Err(bad_request(format!(
                "`{}` takes no argument `{extra}`",
                self.op
            ))),
            None => Ok(()),
        }
    }

    fn text(&self, name: &str) -> Result<&str, OpError> {
        self.args
            .get(name)
            .map(|s| s.trim())
            .ok_or_else(|| bad_request(format!("`{}` needs argument `{name}`", self.op)))
    }

    /// An amount: `5000 ALL`, `5,000 ALL`, `ALL 5000`, `20.50 EUR`.
    fn money(&self, name: &str) -> Result<Money, OpError> {
        let text = self.text(name)?;
        parse_money(text).ok_or_else(|| {
            bad_request(format!(
                "`{}`: `{name}` must be an amount like `5000 ALL`, not `{text}`",
                self.op
            ))
        })
    }

    /// Whole hours of validity, 1 to 72; else `invalid_validity`.
    fn hours(&self, name: &str) -> Result<i64, OpError> {
        let text = self.text(name)?;
        text.parse::<i64>()
            .ok()
            .filter(|h| (MIN_HOURS..=MAX_HOURS).contains(h))
            .ok_or_else(|| {
                refused(
                    "invalid_validity",
                    format!("a code is valid {MIN_HOURS} to {MAX_HOURS} hours, not `{text}`"),
                )
            })
    }

    /// A terminal id, or `None` for every terminal (`''`, `all`, `ALL`).
    fn terminal(&self, name: &str) -> Result<Option<String>, OpError> {
        let text = self.text(name)?;
        Ok(if text.is_empty() || text.eq_ignore_ascii_case("all") {
            None
        } else {
            Some(text.to_string())
        })
    }
}

/// `5000 ALL`, `5,000.50 EUR`, `ALL 5000` as money; `None` if it is not an amount.
pub(crate) fn parse_money(text: &str) -> Option<Money> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let (number, code) = match parts.as_slice() {
        [a, b] if Currency::new(b).is_some() => (*a, *b),
        [a, b] if Currency::new(a).is_some() => (*b, *a),
        _ => return None,
    };
    let digits: String = number.chars().filter(|c| *c != ',' && *c != '_').collect();
    let amount = Decimal::from_str(&digits).ok()?;
    Some(Money::new(amount, Currency::new(code)?))
}

/// The app's card: a BKT card that is active, with its holder.
fn app_card(conn: &Connection, number: &str) -> Result<(CardRow, Holder), OpError> {
    let card = active_card(conn, &Secret::new(number))?;
    let holder = bkt_holder(conn, &card)?;
    Ok((card, holder))
}

fn invalid_amount(message: String) -> OpError {
    refused("invalid_amount", message)
}

/// A withdrawal amount issued on a phone: in ALL, within `min..=max` whole ALL, a multiple
/// of 500 ALL; answers minor units.
fn withdrawal_minor(conn: &Connection, amount: &Money, min: i64, max: i64) -> Result<i64, OpError> {
    let whole = whole_unit(conn, "ALL")?;
    let unit = money::minor_unit(conn, "ALL")?
        .ok_or_else(|| BankError::InvalidData("the bank does not hold ALL".into()))?;
    let minor = (amount.currency.as_str() == "ALL")
        .then(|| money::to_minor(amount.amount, unit))
        .flatten();
    match minor {
        Some(minor)
            if (min * whole..=max * whole).contains(&minor)
                && minor % (WITHDRAWAL_STEP_ALL * whole) == 0 =>
        {
            Ok(minor)
        }
        _ => Err(invalid_amount(format!(
            "the amount must be {min} to {max} ALL in multiples of {WITHDRAWAL_STEP_ALL}, not {amount}"
        ))),
    }
}

fn ensure_funds(conn: &Connection, account_id: &str, minor: i64) -> Result<(), OpError> {
    if minor > ledger::balance_minor(conn, account_id)? {
        return Err(refused(
            "insufficient_funds",
            format!("account `{account_id}` does not hold the amount"),
        ));
    }
    Ok(())
}

/// The amount a deposit is announced with on a phone: none (`''`, `0`) or a positive
/// amount in the account's currency; answers minor units (0 for none).
fn announced_deposit(
    conn: &Connection,
    args: &TextArgs<'_>,
    currency: &str,
) -> Result<i64, OpError> {
    let text = args.text("amount")?;
    if text.is_empty() || text == "0" {
        return Ok(0);
    }
    let amount = args.money("amount")?;
    super::amount_in(conn, &amount, currency)
}

fn app_issue_code(
    conn: &Connection,
    args: &TextArgs<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["card", "account", "amount", "hours", "terminal"])?;
    let (card, _) = app_card(conn, args.text("card")?)?;
    let account = linked_account(conn, card.id, args.text("account")?)?;
    let amount = args.money("amount")?;
    let minor = withdrawal_minor(conn, &amount, CODE_MIN_ALL, CODE_MAX_ALL)?;
    let hours = args.hours("hours")?;
    let terminal = args.terminal("terminal")?;
    if account.currency != "ALL" {
        return Err(refused(
            "currency_mismatch",
            format!(
                "account `{}` is in {}, not ALL",
                account.id, account.currency
            ),
        ));
    }
    ensure_funds(conn, &account.id, minor)?;
    let (code_id, code, expires) = issue_withdrawal_code(
        conn,
        &NewWithdrawalCode {
            card_id: card.id,
            account_id: &account.id,
            amount_minor: minor,
            currency: "ALL",
            terminal: terminal.as_deref(),
            hours,
        },
        now,
    )?;
    Ok(Value::record([
        ("code", Value::text(code)),
        ("code_id", Value::text(code_id)),
        ("amount", Value::Money(money::money(conn, minor, "ALL")?)),
        ("expires", Value::text(shown_time(expires))),
        ("terminal", Value::text(terminal.unwrap_or_default())),
    ]))
}

fn app_activate_soft_pin(
    conn: &Connection,
    args: &TextArgs<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["card", "soft_pin", "soft_pin_again"])?;
    let (card, holder) = app_card(conn, args.text("card")?)?;
    let pin = args.text("soft_pin")?;
    let again = args.text("soft_pin_again")?;
    if !card::is_valid_pin(pin) {
        return Err(refused("invalid_pin", "a Soft PIN is exactly 4 digits"));
    }
    if pin != again {
        return Err(refused("mismatch", "the two Soft PINs differ"));
    }
    conn.execute(
        "INSERT INTO soft_pins (card_id, pin_hash, tries_left, activated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (card_id) DO UPDATE
            SET pin_hash = excluded.pin_hash, tries_left = excluded.tries_left,
                activated_at = excluded.activated_at",
        params![
            card.id,
            card::hash_pin(pin)?,
            SOFT_PIN_TRIES,
            now.format(TIMESTAMP_FORMAT).to_string()
        ],
    )?;
    if let Some(phone) = &holder.phone {
        super::queue_sms(
            conn,
            phone,
            "BKT: Soft PIN-i për veprimet pa kartë u aktivizua. / Your Soft PIN for cardless \
             transactions was activated.",
            now,
        )?;
    }
    Ok(Value::record([("activated", Value::Bool(true))]))
}

/// Checks the card's Soft PIN; a wrong one counts a try, and with none left the Soft PIN
/// must be activated again.
fn check_soft_pin(conn: &Connection, card: &CardRow, pin: &str) -> Result<(), OpError> {
    let stored: Option<(String, i64)> = conn
        .query_row(
            "SELECT pin_hash, tries_left FROM soft_pins WHERE card_id = ?1",
            [card.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((hash, tries)) = stored.filter(|(_, tries)| *tries > 0) else {
        return Err(refused(
            "soft_pin_not_active",
            "activate the Soft PIN in the app first",
        ));
    };
    if card::is_valid_pin(pin) && card::verify_pin(pin, &hash)? {
        conn.execute(
            "UPDATE soft_pins SET tries_left = ?1 WHERE card_id = ?2",
            params![SOFT_PIN_TRIES, card.id],
        )?;
        return Ok(());
    }
    let left = tries - 1;
    if left == 0 {
        conn.execute("DELETE FROM soft_pins WHERE card_id = ?1", [card.id])?;
    } else {
        conn.execute(
            "UPDATE soft_pins SET tries_left = ?1 WHERE card_id = ?2",
            params![left, card.id],
        )?;
    }
    Err(refused(
        "wrong_soft_pin",
        if left == 0 {
            "the Soft PIN is wrong; it must now be activated again".to_string()
        } else {
            format!("the Soft PIN is wrong; {left} tries left")
        },
    ))
}

fn qr_kind(text: &str) -> Result<&'static str, OpError> {
    match text {
        "withdrawal" => Ok("withdrawal"),
        "deposit" => Ok("deposit"),
        other => Err(bad_request(format!(
            "kind `{other}` is not withdrawal or deposit"
        ))),
    }
}

fn unknown_qr() -> OpError {
    refused(
        "unknown_qr",
        "this is not a terminal's QR code that can be scanned now",
    )
}

fn app_qr(conn: &Connection, args: &TextArgs<'_>, now: NaiveDateTime) -> Result<Value, OpError> {
    args.only(&["card", "soft_pin", "account", "amount", "payload", "kind"])?;
    let (card, _) = app_card(conn, args.text("card")?)?;
    check_soft_pin(conn, &card, args.text("soft_pin")?)?;
    let kind = qr_kind(args.text("kind")?)?;
    let account: LinkedAccount = linked_account(conn, card.id, args.text("account")?)?;
    let token = live_token_of_payload(conn, args.text("payload")?, now)?.ok_or_else(unknown_qr)?;
    let minor = if kind == "withdrawal" {
        let minor = withdrawal_minor(
            conn,
            &args.money("amount")?,
            super::qr::QR_WITHDRAWAL_MIN_ALL,
            super::qr::QR_WITHDRAWAL_MAX_ALL,
        )?;
        if account.currency != "ALL" {
            return Err(refused(
                "currency_mismatch",
                format!(
                    "account `{}` is in {}, not ALL",
                    account.id, account.currency
                ),
            ));
        }
        ensure_funds(conn, &account.id, minor)?;
        minor
    } else {
        announced_deposit(conn, args, &account.currency)?
    };
    let intent = create_intent(
        conn,
        &NewIntent {
            token_id: token.id,
            kind,
            channel: "app",
            account_id: &account.id,
            amount_minor: minor,
            currency: &account.currency,
        },
        now,
    )?;
    Ok(Value::record([
        ("intent", Value::text(intent)),
        ("terminal", Value::text(token.terminal)),
    ]))
}

fn epara_intent(
    conn: &Connection,
    args: &TextArgs<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["wallet", "kind", "amount", "payload"])?;
    let wallet = args.text("wallet")?;
    let account: Option<String> = conn
        .query_row(
            "SELECT account_id FROM wallets WHERE upper(id) = upper(?1)",
            [wallet],
            |row| row.get(0),
        )
        .optional()?;
    let account = account.ok_or_else(|| {
        refused(
            "unknown_wallet",
            format!("`{wallet}` is not an epara wallet"),
        )
    })?;
    let currency = ledger::account_currency(conn, &account)?;
    let kind = qr_kind(args.text("kind")?)?;
    let token = live_token_of_payload(conn, args.text("payload")?, now)?.ok_or_else(unknown_qr)?;
    let minor = if kind == "withdrawal" {
        let minor = withdrawal_minor(
            conn,
            &args.money("amount")?,
            super::qr::QR_WITHDRAWAL_MIN_ALL,
            super::qr::QR_WITHDRAWAL_MAX_ALL,
        )?;
        ensure_funds(conn, &account, minor)?;
        minor
    } else {
        announced_deposit(conn, args, &currency)?
    };
    let intent = create_intent(
        conn,
        &NewIntent {
            token_id: token.id,
            kind,
            channel: "epara",
            account_id: &account,
            amount_minor: minor,
            currency: &currency,
        },
        now,
    )?;
    Ok(Value::record([
        ("intent", Value::text(intent)),
        ("terminal", Value::text(token.terminal)),
    ]))
}

/// The company that holds `account`: `(company id, name, account currency)`.
fn company_of(conn: &Connection, account: &str) -> Result<(String, String, String), OpError> {
    conn.query_row(
        "SELECT c.id, c.name, a.currency
           FROM accounts a JOIN companies c ON c.customer_id = a.customer_id
          WHERE a.id = ?1 AND a.kind = 'customer' AND a.normal_side = 'credit'",
        [account],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
    .optional()?
    .ok_or_else(|| {
        refused(
            "unknown_account",
            format!("`{account}` is not a business account"),
        )
    })
}

/// A person who may deposit to a company's accounts with a code.
struct Staff {
    id: String,
    name: String,
    phone: String,
}

/// The company's legal representatives, and the employees it paid a salary from one of
/// its accounts in the last [`SALARY_MONTHS`] months (salaries reversed in full do not
/// count).
fn eligible_staff(
    conn: &Connection,
    company: &str,
    now: NaiveDateTime,
) -> Result<Vec<Staff>, BankError> {
    let since = now
        .checked_sub_months(Months::new(SALARY_MONTHS))
        .unwrap_or(now)
        .format(TIMESTAMP_FORMAT)
        .to_string();
    let until = now.format(TIMESTAMP_FORMAT).to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.name, s.phone FROM company_staff s
          WHERE s.company_id = ?1
            AND (s.role = 'representative'
                 OR EXISTS (SELECT 1 FROM salary_payments p
                              JOIN journal_entries e ON e.id = p.entry_id
                              JOIN accounts a ON a.id = e.account_id
                              JOIN companies c ON c.customer_id = a.customer_id
                             WHERE p.staff_id = s.id AND c.id = s.company_id
                               AND e.booked_at >= ?2 AND e.booked_at <= ?3
                               AND e.amount_minor > (SELECT COALESCE(SUM(r.amount_minor), 0)
                                                       FROM journal_entries r
                                                      WHERE r.reverses = e.id)))
          ORDER BY s.role = 'representative' DESC, s.id",
    )?;
    let rows = stmt.query_map(params![company, since, until], |row| {
        Ok(Staff {
            id: row.get(0)?,
            name: row.get(1)?,
            phone: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn business_employees(
    conn: &Connection,
    args: &TextArgs<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["account"])?;
    let (company, _, _) = company_of(conn, args.text("account")?)?;
    Ok(Value::List(
        eligible_staff(conn, &company, now)?
            .into_iter()
            .map(|s| {
                Value::record([
                    ("id", Value::text(s.id)),
                    ("name", Value::text(s.name)),
                    ("phone", Value::text(mask_phone(&s.phone))),
                ])
            })
            .collect(),
    ))
}

fn business_deposit_code(
    conn: &Connection,
    args: &TextArgs<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&[
        "account", "employee", "terminal", "hours", "source", "currency",
    ])?;
    let account = args.text("account")?;
    let (company, company_name, currency) = company_of(conn, account)?;
    let wanted = args.text("currency")?.to_uppercase();
    if wanted != currency {
        return Err(refused(
            "currency_mismatch",
            format!("account `{account}` is in {currency}, not {wanted}"),
        ));
    }
    let employee = args.text("employee")?;
    let staff = eligible_staff(conn, &company, now)?
        .into_iter()
        .find(|s| s.id.eq_ignore_ascii_case(employee))
        .ok_or_else(|| {
            refused(
                "unknown_employee",
                format!(
                    "`{employee}` is not the legal representative nor an employee paid by the \
                     bank in the last {SALARY_MONTHS} months"
                ),
            )
        })?;
    let terminal = args.terminal("terminal")?;
    let hours = args.hours("hours")?;
    let source = args.text("source")?;
    if source.is_empty() {
        return Err(bad_request(
            "`business_deposit_code` needs the source of the funds",
        ));
    }
    let (code_id, code, expires) = issue_deposit_code(
        conn,
        &NewDepositCode {
            account_id: account,
            staff_id: &staff.id,
            terminal: terminal.as_deref(),
            source,
            hours,
        },
        now,
    )?;
    let until = shown_time(expires);
    let body = format!(
        "BKT: Kodi për depozitimin në llogarinë e {company_name}: {code}. I vlefshëm deri më \
         {until}. / Your code to deposit to the account of {company_name}: {code}. Valid until \
         {until}."
    );
    super::queue_sms(conn, &staff.phone, &body, now)?;
    Ok(Value::record([
        ("code", Value::text(code)),
        ("code_id", Value::text(code_id)),
        ("sent_to", Value::text(mask_phone(&staff.phone))),
        ("expires", Value::text(until)),
    ]))
}

fn last_sms(conn: &Connection, args: &TextArgs<'_>) -> Result<Value, OpError> {
    args.only(&["to"])?;
    let to = catalog::normal_mobile(args.text("to")?);
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM outbox WHERE channel = 'sms' AND recipient = ?1
              ORDER BY id DESC LIMIT 1",
            [&to],
            |row| row.get(0),
        )
        .optional()?;
    let body = body.ok_or_else(|| refused("no_sms", "no SMS was sent to that number"))?;
    Ok(Value::record([
        ("code", Value::text(code_in(&body).unwrap_or_default())),
        ("body", Value::text(body)),
    ]))
}

fn outbox(conn: &Connection, args: &TextArgs<'_>) -> Result<Value, OpError> {
    args.only(&[])?;
    let mut stmt = conn.prepare_cached(
        "SELECT channel, recipient, subject, body, created_at FROM outbox ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(Value::record([
            ("channel", Value::text(row.get::<_, String>(0)?)),
            ("recipient", Value::text(row.get::<_, String>(1)?)),
            ("subject", Value::text(row.get::<_, String>(2)?)),
            ("body", Value::text(row.get::<_, String>(3)?)),
            ("created_at", Value::text(row.get::<_, String>(4)?)),
        ]))
    })?;
    Ok(Value::List(rows.collect::<Result<_, _>>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_parsed_from_text() {
        let m = parse_money("5000 ALL").expect("amount");
        assert_eq!(m.amount, Decimal::from(5000));
        assert_eq!(m.currency.as_str(), "ALL");
        assert_eq!(
            parse_money("5,000.50 EUR").map(|m| m.amount),
            Decimal::from_str("5000.50").ok()
        );
        assert_eq!(
            parse_money("ALL 1000").map(|m| m.amount),
            Some(Decimal::from(1000))
        );
        for bad in ["", "5000", "ALL", "five ALL", "5000 all", "5000 ALL EUR"] {
            assert!(parse_money(bad).is_none(), "{bad}");
        }
    }
}
