//! The host operations the terminal's flows call, behind [`atmflow_engine::ports::Host`].
//!
//! One function per operation, all dispatched from `dispatch`; add new operations here
//! and to [`OPERATIONS`]. The card holders' transactions of the manual's §III.4-§III.12 are
//! in submodules: `catalog` (what can be paid and to whom: operators, credit cards,
//! institutions, beneficiaries), `payments` (top-up, credit card, bill, tuition, transfer)
//! and `profile` (e-mail, PIN, history, statements by e-mail). Those of §IV-§VI are in
//! `network` (other-bank cards, PIN unblock), `qr` (QR codes shown by terminals and the
//! intents phones start for them), `cardless` (unique codes, cardless deposit, cash top-up,
//! business codes, exchange rates) and `codes` (one-time codes, masked phones); `channel`
//! answers the bank's other channels (phone app, business internet bank, epara) for
//! [`crate::Bank::channel`].
//!
//! Rules every operation follows:
//! - Arguments are checked strictly: a missing, mistyped or unexpected argument is refused
//!   with `bad_request`. Card numbers and PINs must arrive as secrets.
//! - A refusal books nothing. Refusal messages and errors never contain a card number or a
//!   PIN (cards are not named at all; accounts by their id).
//! - Money-moving operations (`moves_money` in [`OPERATIONS`]) run in one immediate
//!   transaction, keyed by the request's idempotency key: the first answer (booking or
//!   refusal) is stored with the key and a retry gets the same answer without booking again.
//!   A key reused for a different request is refused with `idempotency_conflict`.
//! - Database failures answer `HostError::Unavailable`: nothing is committed, so the
//!   terminal may retry with the same key.
//! - `email_receipt`, `email_history`, `email_account_details`, `update_email` and
//!   `change_pin` queue messages in the `outbox`; they answer addresses only masked, never
//!   queue anything that looks like a full card number, and never a PIN.
//! - SMS are queued through `queue_sms`, which refuses a body that may hold a card number.
//! - The §III payments (`mobile_topup`, `pay_credit_card`, `pay_bill`, `pay_tuition`,
//!   `transfer`) are for BKT cards (`declined` for another bank's card), refuse an amount
//!   that is not positive (or not what a fixed price asks) with `invalid_amount`, and an
//!   amount, account or payee in different currencies with `currency_mismatch`.

use std::collections::BTreeMap;

use atmflow_engine::ports::{HostError, HostRequest};
use atmflow_engine::value::{Currency, Money, Secret, Value};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::card;
use crate::error::BankError;
use crate::ledger::{self, EntryKind, NewEntry, TIMESTAMP_FORMAT};
use crate::money;

pub(crate) mod cardless;
mod catalog;
pub(crate) mod channel;
mod codes;
mod network;
mod payments;
mod profile;
pub(crate) mod qr;

/// A host operation the bank implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    pub name: &'static str,
    /// Whether it books money (and so needs an idempotency key).
    pub moves_money: bool,
}

/// Every operation `dispatch` answers.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        name: "identify_card",
        moves_money: false,
    },
    Operation {
        name: "verify_pin",
        moves_money: false,
    },
    Operation {
        name: "accounts",
        moves_money: false,
    },
    Operation {
        name: "primary_account",
        moves_money: false,
    },
    Operation {
        name: "fast_presets",
        moves_money: false,
    },
    Operation {
        name: "balance",
        moves_money: false,
    },
    Operation {
        name: "withdraw",
        moves_money: true,
    },
    Operation {
        name: "deposit",
        moves_money: true,
    },
    Operation {
        name: "reverse",
        moves_money: true,
    },
    Operation {
        name: "email_receipt",
        moves_money: false,
    },
    Operation {
        name: "operators",
        moves_money: false,
    },
    Operation {
        name: "operator_packages",
        moves_money: false,
    },
    Operation {
        name: "topup_numbers",
        moves_money: false,
    },
    Operation {
        name: "mobile_topup",
        moves_money: true,
    },
    Operation {
        name: "credit_cards",
        moves_money: false,
    },
    Operation {
        name: "find_credit_card",
        moves_money: false,
    },
    Operation {
        name: "paid_cards",
        moves_money: false,
    },
    Operation {
        name: "pay_credit_card",
        moves_money: true,
    },
    Operation {
        name: "update_email",
        moves_money: false,
    },
    Operation {
        name: "change_pin",
        moves_money: false,
    },
    Operation {
        name: "history",
        moves_money: false,
    },
    Operation {
        name: "email_history",
        moves_money: false,
    },
    Operation {
        name: "email_account_details",
        moves_money: false,
    },
    Operation {
        name: "institutions",
        moves_money: false,
    },
    Operation {
        name: "unpaid_bills",
        moves_money: false,
    },
    Operation {
        name: "pay_bill",
        moves_money: true,
    },
    Operation {
        name: "universities",
        moves_money: false,
    },
    Operation {
        name: "university_services",
        moves_money: false,
    },
    Operation {
        name: "pay_tuition",
        moves_money: true,
    },
    Operation {
        name: "find_beneficiary",
        moves_money: false,
    },
    Operation {
        name: "transfer",
        moves_money: true,
    },
    Operation {
        name: "new_qr_token",
        moves_money: false,
    },
    Operation {
        name: "qr_intent",
        moves_money: false,
    },
    Operation {
        name: "qr_withdraw",
        moves_money: true,
    },
    Operation {
        name: "qr_deposit",
        moves_money: true,
    },
    Operation {
        name: "network_withdraw",
        moves_money: true,
    },
    Operation {
        name: "network_balance",
        moves_money: false,
    },
    Operation {
        name: "unblock_pin",
        moves_money: false,
    },
    Operation {
        name: "unique_code_check",
        moves_money: false,
    },
    Operation {
        name: "unique_code_withdraw",
        moves_money: true,
    },
    Operation {
        name: "cardless_identify",
        moves_money: false,
    },
    Operation {
        name: "cardless_verify_otp",
        moves_money: false,
    },
    Operation {
        name: "find_client",
        moves_money: false,
    },
    Operation {
        name: "cardless_deposit",
        moves_money: true,
    },
    Operation {
        name: "cardless_topup",
        moves_money: true,
    },
    Operation {
        name: "business_code_check",
        moves_money: false,
    },
    Operation {
        name: "business_deposit",
        moves_money: true,
    },
    Operation {
        name: "exchange_rates",
        moves_money: false,
    },
];

/// PIN tries a card has after a correct PIN.
pub const MAX_PIN_TRIES: i64 = 3;

/// How `last_login` is shown.
const LAST_LOGIN_FORMAT: &str = "%d.%m.%Y %H:%M";

/// The subject of receipts sent by e-mail.
const RECEIPT_SUBJECT: &str = "BKT receipt";

/// A run of this many digits in a receipt line may be a card number: never e-mailed.
const MAX_DIGIT_RUN: usize = 11;

#[derive(Debug)]
enum OpError {
    Refused { code: String, message: String },
    Bank(BankError),
}

impl From<BankError> for OpError {
    fn from(e: BankError) -> OpError {
        OpError::Bank(e)
    }
}

impl From<rusqlite::Error> for OpError {
    fn from(e: rusqlite::Error) -> OpError {
        OpError::Bank(e.into())
    }
}

fn refused(code: &str, message: impl Into<String>) -> OpError {
    OpError::Refused {
        code: code.to_string(),
        message: message.into(),
    }
}

fn bad_request(message: impl Into<String>) -> OpError {
    refused("bad_request", message)
}

/// Answers one host request.
pub(crate) fn dispatch(
    conn: &mut Connection,
    request: &HostRequest,
    now: NaiveDateTime,
) -> Result<Value, HostError> {
    let args = Args {
        op: &request.op,
        args: &request.args,
    };
    let result = match request.op.as_str() {
        "identify_card" => identify_card(conn, &args),
        "verify_pin" => verify_pin(conn, &args, now),
        "accounts" => accounts(conn, &args),
        "primary_account" => primary_account(conn, &args),
        "fast_presets" => fast_presets(conn, &args),
        "balance" => balance(conn, &args),
        "withdraw" => withdraw(conn, request, &args, now),
        "deposit" => deposit(conn, request, &args, now),
        "reverse" => reverse(conn, request, &args, now),
        "email_receipt" => email_receipt(conn, &args, now),
        "operators" => catalog::operators(conn, &args),
        "operator_packages" => catalog::operator_packages(conn, &args),
        "topup_numbers" => catalog::topup_numbers(conn, &args),
        "mobile_topup" => payments::mobile_topup(conn, request, &args, now),
        "credit_cards" => catalog::credit_cards(conn, &args),
        "find_credit_card" => catalog::find_credit_card(conn, &args),
        "paid_cards" => catalog::paid_cards(conn, &args),
        "pay_credit_card" => payments::pay_credit_card(conn, request, &args, now),
        "update_email" => profile::update_email(conn, &args, now),
        "change_pin" => profile::change_pin(conn, &args, now),
        "history" => profile::history(conn, &args),
        "email_history" => profile::email_history(conn, &args, now),
        "email_account_details" => profile::email_account_details(conn, &args, now),
        "institutions" => catalog::institutions(conn, &args),
        "unpaid_bills" => catalog::unpaid_bills(conn, &args),
        "pay_bill" => payments::pay_bill(conn, request, &args, now),
        "universities" => catalog::universities(conn, &args),
        "university_services" => catalog::university_services(conn, &args),
        "pay_tuition" => payments::pay_tuition(conn, request, &args, now),
        "find_beneficiary" => catalog::find_beneficiary(conn, &args),
        "transfer" => payments::transfer(conn, request, &args, now),
        "new_qr_token" => qr::new_qr_token(conn, request, &args, now),
        "qr_intent" => qr::qr_intent(conn, request, &args, now),
        "qr_withdraw" => qr::qr_withdraw(conn, request, &args, now),
        "qr_deposit" => qr::qr_deposit(conn, request, &args, now),
        "network_withdraw" => network::network_withdraw(conn, request, &args, now),
        "network_balance" => network::network_balance(conn, &args),
        "unblock_pin" => network::unblock_pin(conn, &args),
        "unique_code_check" => cardless::unique_code_check(conn, request, &args, now),
        "unique_code_withdraw" => cardless::unique_code_withdraw(conn, request, &args, now),
        "cardless_identify" => cardless::cardless_identify(conn, request, &args, now),
        "cardless_verify_otp" => cardless::cardless_verify_otp(conn, request, &args, now),
        "find_client" => cardless::find_client(conn, &args),
        "cardless_deposit" => cardless::cardless_deposit(conn, request, &args, now),
        "cardless_topup" => cardless::cardless_topup(conn, request, &args, now),
        "business_code_check" => cardless::business_code_check(conn, request, &args, now),
        "business_deposit" => cardless::business_deposit(conn, request, &args, now),
        "exchange_rates" => cardless::exchange_rates(conn, &args),
        other => Err(bad_request(format!("unknown operation `{other}`"))),
    };
    result.map_err(|e| match e {
        OpError::Refused { code, message } => HostError::Refused { code, message },
        OpError::Bank(e) => HostError::Unavailable(e.to_string()),
    })
}

/// A request's arguments, checked by name and type.
struct Args<'a> {
    op: &'a str,
    args: &'a BTreeMap<String, Value>,
}

impl Args<'_> {
    /// Refuses arguments the operation does not take.
    fn only(&self, names: &[&str]) -> Result<(), OpError> {
        match self.args.keys().find(|k| !names.contains(&k.as_str())) {
            Some(extra) => Err(bad_request(format!(
                "`{}` takes no argument `{extra}`",
                self.op
            ))),
            None => Ok(()),
        }
    }

    fn get(&self, name: &str, kind: &str) -> Result<&Value, OpError> {
        self.args
            .get(name)
            .ok_or_else(|| bad_request(format!("`{}` needs argument `{name}` ({kind})", self.op)))
    }

    fn mistyped(&self, name: &str, kind: &str) -> OpError {
        bad_request(format!("`{}`: argument `{name}` must be {kind}", self.op))
    }

    fn secret(&self, name: &str) -> Result<&Secret, OpError> {
        self.get(name, "secret")?
            .as_secret()
            .ok_or_else(|| self.mistyped(name, "a secret"))
    }

    fn text(&self, name: &str) -> Result<&str, OpError> {
        self.get(name, "text")?
            .as_text()
            .ok_or_else(|| self.mistyped(name, "text"))
    }

    fn money(&self, name: &str) -> Result<&Money, OpError> {
        self.get(name, "money")?
            .as_money()
            .ok_or_else(|| self.mistyped(name, "money"))
    }

    fn texts(&self, name: &str) -> Result<Vec<&str>, OpError> {
        let mistyped = || self.mistyped(name, "a list of texts");
        self.get(name, "list<text>")?
            .as_list()
            .ok_or_else(mistyped)?
            .iter()
            .map(|item| item.as_text().ok_or_else(mistyped))
            .collect()
    }

    fn date(&self, name: &str) -> Result<NaiveDate, OpError> {
        match self.get(name, "date")? {
            Value::Date(date) => Ok(*date),
            _ => Err(self.mistyped(name, "a date")),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Cards and accounts

struct CardRow {
    id: i64,
    masked: String,
    issuer: String,
    customer_id: Option<i64>,
    blocked: bool,
    pin_hash: String,
    tries_left: i64,
    last_login: Option<String>,
}

fn find_card(conn: &Connection, pan: &Secret) -> Result<Option<CardRow>, BankError> {
    let Some(token) = card::pan_token(pan.expose()) else {
        return Ok(None);
    };
    Ok(conn
        .query_row(
            "SELECT id, masked_pan, issuer, customer_id, status, pin_hash, tries_left, last_login
               FROM cards WHERE pan_token = ?1",
            [token],
            |row| {
                Ok(CardRow {
                    id: row.get(0)?,
                    masked: row.get(1)?,
                    issuer: row.get(2)?,
                    customer_id: row.get(3)?,
                    blocked: row.get::<_, String>(4)? == "blocked",
                    pin_hash: row.get(5)?,
                    tries_left: row.get(6)?,
                    last_login: row.get(7)?,
                })
            },
        )
        .optional()?)
}

/// The card, or `unknown_card`.
fn known_card(conn: &Connection, pan: &Secret) -> Result<CardRow, OpError> {
    find_card(conn, pan)?.ok_or_else(|| {
        refused(
            "unknown_card",
            "the card is not known to the bank or the card network",
        )
    })
}

/// The card if it is active, else `unknown_card` or `card_blocked`.
fn active_card(conn: &Connection, pan: &Secret) -> Result<CardRow, OpError> {
    let card = known_card(conn, pan)?;
    if card.blocked {
        return Err(refused("card_blocked", "the card is blocked"));
    }
    Ok(card)
}

pub(crate) struct LinkedAccount {
    pub(crate) id: String,
    number: String,
    name: String,
    currency: String,
    primary: bool,
}

const LINKED_ACCOUNTS: &str =
    "SELECT a.id, COALESCE(a.number, ''), a.name, a.currency, ca.is_primary
       FROM card_accounts ca JOIN accounts a ON a.id = ca.account_id
      WHERE ca.card_id = ?1";

fn linked_account_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<LinkedAccount> {
    Ok(LinkedAccount {
        id: row.get(0)?,
        number: row.get(1)?,
        name: row.get(2)?,
        currency: row.get(3)?,
        primary: row.get(4)?,
    })
}

/// The accounts linked to a card, primary first.
pub(crate) fn linked_accounts(
    conn: &Connection,
    card_id: i64,
) -> Result<Vec<LinkedAccount>, BankError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{LINKED_ACCOUNTS} ORDER BY ca.is_primary DESC, a.id"
    ))?;
    let rows = stmt.query_map([card_id], linked_account_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The account fast withdrawal uses in `currency`: the card's primary account if it is in
/// that currency, else the first account in that currency in link order.
fn primary_in(
    conn: &Connection,
    card_id: i64,
    currency: &str,
) -> Result<Option<LinkedAccount>, BankError> {
    Ok(conn
        .query_row(
            &format!(
                "{LINKED_ACCOUNTS} AND a.currency = ?2
                  ORDER BY ca.is_primary DESC, ca.rowid LIMIT 1"
            ),
            params![card_id, currency],
            linked_account_row,
        )
        .optional()?)
}

/// One account linked to the card, or `unknown_account`.
fn linked_account(
    conn: &Connection,
    card_id: i64,
    account_id: &str,
) -> Result<LinkedAccount, OpError> {
    conn.query_row(
        &format!("{LINKED_ACCOUNTS} AND a.id = ?2"),
        params![card_id, account_id],
        linked_account_row,
    )
    .optional()?
    .ok_or_else(|| {
        refused(
            "unknown_account",
            format!("account `{account_id}` is not an account of this card"),
        )
    })
}

/// The last two digits of an account number (`... 8741` → `41`).
fn suffix(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(2)..].iter().collect()
}

fn balance_money(conn: &Connection, account_id: &str) -> Result<Money, BankError> {
    let currency = ledger::account_currency(conn, account_id)?;
    money::money(conn, ledger::balance_minor(conn, account_id)?, &currency)
}

/// An account as the flows' `account` record.
fn account_value(conn: &Connection, account: LinkedAccount) -> Result<Value, BankError> {
    Ok(Value::record([
        ("balance", Value::Money(balance_money(conn, &account.id)?)),
        ("suffix", Value::text(suffix(&account.number))),
        ("id", Value::text(account.id)),
        ("number", Value::text(account.number)),
        ("currency", Value::text(account.currency)),
        ("primary", Value::Bool(account.primary)),
        ("name", Value::text(account.name)),
    ]))
}

/// `arta.hoxha@example.al` as `ar***@example.al`: at most the first two characters of the
/// local part (fewer when it is that short), and the domain.
pub(crate) fn mask_email(address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let shown = local.chars().count().saturating_sub(1).min(2);
    let head: String = local.chars().take(shown).collect();
    if domain.is_empty() {
        format!("{head}***")
    } else {
        format!("{head}***@{domain}")
    }
}

/// Whether receipt lines may hold a full card number: a run of 12 or more digits in a
/// line (but for an Albanian phone number in international form, `+355` and 9 digits), or
/// this card's own number anywhere in the lines' digits (however it is grouped or split
/// across lines).
fn may_hold_card_number(lines: &[&str], pan: &Secret) -> bool {
    let long_run = lines.iter().any(|line| {
        let mut rest = *line;
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
            let run_len = rest[start..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - start);
            let run = &rest[start..start + run_len];
            let phone = rest[..start].ends_with('+') && run.len() == 12 && run.starts_with("355");
            if run.len() > MAX_DIGIT_RUN && !phone {
                return true;
            }
            rest = &rest[start + run_len..];
        }
        false
    });
    let own: String = pan.expose().chars().filter(char::is_ascii_digit).collect();
    let digits: String = lines
        .iter()
        .flat_map(|line| line.chars())
        .filter(char::is_ascii_digit)
        .collect();
    long_run || (own.len() > MAX_DIGIT_RUN && digits.contains(&own))
}

/// A positive amount in a currency the bank holds, as minor units; else `bad_request`.
fn positive_minor(conn: &Connection, amount: &Money) -> Result<i64, OpError> {
    let currency = amount.currency.as_str();
    let unit = money::minor_unit(conn, currency)?
        .ok_or_else(|| bad_request(format!("the bank does not hold {currency}")))?;
    let minor = money::to_minor(amount.amount, unit).ok_or_else(|| {
        bad_request(format!(
            "amount {} has more than {unit} decimals or is too large",
            amount.amount
        ))
    })?;
    if minor <= 0 {
        return Err(bad_request("the amount must be greater than zero"));
    }
    Ok(minor)
}

/// `limit_exceeded` if `minor` is above the operation's per-transaction maximum.
fn check_limit(
    conn: &Connection,
    operation: &str,
    currency: &str,
    minor: i64,
) -> Result<(), OpError> {
    let max: Option<i64> = conn
        .query_row(
            "SELECT max_per_transaction_minor FROM limits WHERE operation = ?1 AND currency = ?2",
            params![operation, currency],
            |row| row.get(0),
        )
        .optional()?;
    match max {
        Some(max) if minor > max => {
            let shown = money::money(conn, max, currency)?;
            Err(refused(
                "limit_exceeded",
                format!("the most per {operation} is {shown}"),
            ))
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Operations that move no money

fn identify_card(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan"])?;
    let card = known_card(conn, args.secret("pan")?)?;
    let (holder, email): (String, Option<String>) = match (card.issuer.as_str(), card.customer_id) {
        ("bkt", Some(customer)) => conn.query_row(
            "SELECT name, email FROM customers WHERE id = ?1",
            [customer],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?,
        _ => (String::new(), None),
    };
    let last_login = match &card.last_login {
        Some(text) => NaiveDateTime::parse_from_str(text, TIMESTAMP_FORMAT)
            .map_err(|_| BankError::InvalidData(format!("last login `{text}`")))?
            .format(LAST_LOGIN_FORMAT)
            .to_string(),
        None => String::new(),
    };
    Ok(Value::record([
        ("kind", Value::text(card.issuer)),
        ("holder_name", Value::text(holder)),
        ("masked_pan", Value::text(card.masked)),
        ("tries_left", Value::number(card.tries_left)),
        ("blocked", Value::Bool(card.blocked)),
        ("last_login", Value::text(last_login)),
        ("email", Value::text(email.unwrap_or_default())),
    ]))
}

fn verify_pin(
    conn: &mut Connection,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "pin"])?;
    let pan = args.secret("pan")?;
    let pin = args.secret("pin")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let card = known_card(&tx, pan)?;
    let answer = |valid: bool, tries_left: i64, blocked: bool| {
        Value::record([
            ("valid", Value::Bool(valid)),
            ("tries_left", Value::number(tries_left)),
            ("blocked", Value::Bool(blocked)),
        ])
    };
    if card.blocked {
        return Ok(answer(false, card.tries_left, true));
    }
    if card::verify_pin(pin.expose(), &card.pin_hash)? {
        tx.execute(
            "UPDATE cards SET tries_left = ?1, last_login = ?2 WHERE id = ?3",
            params![
                MAX_PIN_TRIES,
                now.format(TIMESTAMP_FORMAT).to_string(),
                card.id
            ],
        )?;
        tx.commit()?;
        return Ok(answer(true, MAX_PIN_TRIES, false));
    }
    let tries_left = (card.tries_left - 1).max(0);
    let blocked = tries_left == 0;
    tx.execute(
        "UPDATE cards SET tries_left = ?1, status = ?2 WHERE id = ?3",
        params![
            tries_left,
            if blocked { "blocked" } else { "active" },
            card.id
        ],
    )?;
    tx.commit()?;
    Ok(answer(false, tries_left, blocked))
}

fn accounts(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan"])?;
    let card = active_card(conn, args.secret("pan")?)?;
    let list = linked_accounts(conn, card.id)?
        .into_iter()
        .map(|account| account_value(conn, account))
        .collect::<Result<_, _>>()?;
    Ok(Value::List(list))
}

fn primary_account(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan", "currency"])?;
    let card = active_card(conn, args.secret("pan")?)?;
    let currency = args.text("currency")?;
    if Currency::new(currency).is_none() {
        return Err(bad_request(format!("`{currency}` is not a currency code")));
    }
    let account = primary_in(conn, card.id, currency)?.ok_or_else(|| {
        refused(
            "no_account",
            format!("the card has no account in {currency}"),
        )
    })?;
    Ok(account_value(conn, account)?)
}

fn fast_presets(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan", "currency"])?;
    let card = active_card(conn, args.secret("pan")?)?;
    let currency = args.text("currency")?;
    if money::minor_unit(conn, currency)?.is_none() {
        return Err(bad_request(format!("the bank does not hold `{currency}`")));
    }
    let own: Vec<i64> = if card.issuer == "bkt" {
        let mut stmt = conn.prepare_cached(
            "SELECT amount_minor FROM card_presets
              WHERE card_id = ?1 AND currency = ?2 ORDER BY position",
        )?;
        stmt.query_map(params![card.id, currency], |row| row.get(0))?
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let amounts = if own.is_empty() {
        let mut stmt = conn.prepare_cached(
            "SELECT amount_minor FROM standard_presets WHERE currency = ?1 ORDER BY position",
        )?;
        stmt.query_map([currency], |row| row.get(0))?
            .collect::<Result<Vec<i64>, _>>()?
    } else {
        own
    };
    let list = amounts
        .into_iter()
        .map(|minor| money::money(conn, minor, currency).map(Value::Money))
        .collect::<Result<_, _>>()?;
    Ok(Value::List(list))
}

fn balance(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan", "account"])?;
    let card = active_card(conn, args.secret("pan")?)?;
    let account = linked_account(conn, card.id, args.text("account")?)?;
    Ok(Value::record([(
        "balance",
        Value::Money(balance_money(conn, &account.id)?),
    )]))
}

/// Queues the receipt to the card holder's e-mail address; answers the address masked.
fn email_receipt(
    conn: &mut Connection,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "lines"])?;
    let pan = args.secret("pan")?;
    let lines = args.texts("lines")?;
    if lines.is_empty() {
        return Err(bad_request("`email_receipt`: the receipt has no lines"));
    }
    // Never echo the lines: the message must not carry what it refuses.
    if may_hold_card_number(&lines, pan) {
        return Err(bad_request(
            "`email_receipt`: a receipt line looks like a full card number; nothing was sent",
        ));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let card = active_card(&tx, pan)?;
    let email: Option<String> = match card.customer_id {
        Some(customer) => tx
            .query_row(
                "SELECT email FROM customers WHERE id = ?1",
                [customer],
                |row| row.get(0),
            )
            .optional()?
            .flatten(),
        None => None,
    };
    let Some(email) = email
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
    else {
        return Err(refused(
            "no_email",
            "the card holder has no e-mail address registered with the bank",
        ));
    };
    tx.execute(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at)
         VALUES ('email', ?1, ?2, ?3, ?4)",
        params![
            email,
            RECEIPT_SUBJECT,
            lines.join("\n"),
            now.format(TIMESTAMP_FORMAT).to_string()
        ],
    )?;
    tx.commit()?;
    Ok(Value::record([(
        "sent_to",
        Value::text(mask_email(&email)),
    )]))
}

// ---------------------------------------------------------------------------------------
// Shared by the card holders' transactions (§III.4-§III.12)

/// How dates are shown (`15.12.2026`), as the engine shows a date value.
const DATE_FORMAT: &str = "%d.%m.%Y";

/// How dates are stored in reference tables (`2026-12-15`).
const ISO_DATE: &str = "%Y-%m-%d";

/// A stored date (`2026-12-15`) as shown (`15.12.2026`).
fn shown_date(iso: &str) -> Result<String, BankError> {
    NaiveDate::parse_from_str(iso, ISO_DATE)
        .map(|d| d.format(DATE_FORMAT).to_string())
        .map_err(|_| BankError::InvalidData(format!("date `{iso}`")))
}

/// The bank's customer behind a BKT card.
struct Holder {
    id: i64,
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

/// The card's holder, if the card is this bank's.
fn holder_of(conn: &Connection, card: &CardRow) -> Result<Option<Holder>, BankError> {
    let Some(customer) = card.customer_id.filter(|_| card.issuer == "bkt") else {
        return Ok(None);
    };
    let clean = |text: Option<String>| text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    Ok(conn
        .query_row(
            "SELECT id, name, email, phone FROM customers WHERE id = ?1",
            [customer],
            |row| {
                Ok(Holder {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    email: clean(row.get(2)?),
                    phone: clean(row.get(3)?),
                })
            },
        )
        .optional()?)
}

/// The holder of a BKT card; another bank's card is `declined`.
fn bkt_holder(conn: &Connection, card: &CardRow) -> Result<Holder, OpError> {
    holder_of(conn, card)?.ok_or_else(|| {
        refused(
            "declined",
            "this transaction is for the holders of BKT cards",
        )
    })
}

/// `Blerim Krasniqi` as `Blerim K.`: the first name and the last name's initial.
pub(crate) fn short_name(full: &str) -> String {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.as_slice() {
        [] => String::new(),
        [only] => (*only).to_string(),
        [first, .., last] => {
            let initial: String = last.chars().take(1).collect();
            format!("{first} {initial}.")
        }
    }
}

/// `currency_mismatch` between an amount and what it is paid from or to.
fn currency_mismatch(what: &str, currency: &str, amount: &Money) -> OpError {
    refused(
        "currency_mismatch",
        format!("{what} is in {currency}, not {}", amount.currency),
    )
}

/// `amount` in minor units of `currency`: `currency_mismatch` in another currency,
/// `invalid_amount` unless positive with no more decimals than the currency has.
fn amount_in(conn: &Connection, amount: &Money, currency: &str) -> Result<i64, OpError> {
    if amount.currency.as_str() != currency {
        return Err(currency_mismatch("the payment", currency, amount));
    }
    let unit = money::minor_unit(conn, currency)?
        .ok_or_else(|| BankError::InvalidData(format!("unknown currency {currency}")))?;
    money::to_minor(amount.amount, unit)
        .filter(|minor| *minor > 0)
        .ok_or_else(|| {
            refused(
                "invalid_amount",
                format!("{amount} is not a positive amount in {currency}"),
            )
        })
}

/// An amount to pay from `account`: in the account's currency and positive.
fn amount_from(conn: &Connection, account: &LinkedAccount, amount: &Money) -> Result<i64, OpError> {
    if amount.currency.as_str() != account.currency {
        return Err(currency_mismatch(
            &format!("account `{}`", account.id),
            &account.currency,
            amount,
        ));
    }
    amount_in(conn, amount, &account.currency)
}

/// `insufficient_funds` unless `account` holds `minor`.
fn ensure_funds(conn: &Connection, account: &LinkedAccount, minor: i64) -> Result<(), OpError> {
    if minor > ledger::balance_minor(conn, &account.id)? {
        let shown = money::money(conn, minor, &account.currency)?;
        return Err(refused(
            "insufficient_funds",
            format!("account `{}` does not hold {shown}", account.id),
        ));
    }
    Ok(())
}

/// A payment of `minor` from a customer account to `counter`, booked.
struct Payment<'a> {
    kind: EntryKind,
    description: &'a str,
    account: &'a LinkedAccount,
    counter: &'a str,
    minor: i64,
}

/// Books a payment; answers the entry and the paying account's balance after it.
fn book_payment(
    conn: &Connection,
    request: &HostRequest,
    now: NaiveDateTime,
    payment: &Payment<'_>,
) -> Result<Booked, OpError> {
    let account = payment.account;
    let entry_id = ledger::book(
        conn,
        &NewEntry {
            kind: payment.kind,
            booked_at: now,
            description: payment.description,
            account_id: &account.id,
            amount_minor: payment.minor,
            currency: &account.currency,
            reverses: None,
            terminal_id: Some(&request.terminal_id),
            postings: &[
                (&account.id, payment.minor),
                (payment.counter, -payment.minor),
            ],
        },
    )?;
    Ok(Booked {
        entry_id,
        balance_minor: ledger::balance_minor(conn, &account.id)?,
        currency: account.currency.clone(),
    })
}

/// Queues a message in the outbox.
fn queue(
    conn: &Connection,
    channel: &str,
    recipient: &str,
    subject: &str,
    body: &str,
    now: NaiveDateTime,
) -> Result<(), BankError> {
    conn.execute(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            channel,
            recipient,
            subject,
            body,
            now.format(TIMESTAMP_FORMAT).to_string()
        ],
    )?;
    Ok(())
}

/// Queues an SMS. A body that may hold a full card number is never queued: that is a bug
/// of the caller, answered as an error.
fn queue_sms(conn: &Connection, to: &str, body: &str, now: NaiveDateTime) -> Result<(), BankError> {
    if may_hold_card_number(&[body], &Secret::new("")) {
        return Err(BankError::InvalidData(
            "an SMS that may hold a card number was not queued".into(),
        ));
    }
    queue(conn, "sms", to, "", body, now)
}

/// The fingerprint of a card-bound request: the operation, the card's token and `parts`.
fn card_fingerprint(op: &str, pan: &Secret, parts: &[&str]) -> String {
    let token = card::pan_token(pan.expose()).unwrap_or_else(|| "not-a-card-number".to_string());
    let mut all = vec![op, token.as_str()];
    all.extend_from_slice(parts);
    fingerprint(&all)
}

// ---------------------------------------------------------------------------------------
// Money-moving operations

/// What a booking answered: the entry, and the customer account's balance after it.
struct Booked {
    entry_id: i64,
    balance_minor: i64,
    currency: String,
}

fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// The amount as canonical text, so `50` and `50.00` are the same request.
fn canonical(amount: &Money) -> String {
    format!("{} {}", amount.amount.normalize(), amount.currency)
}

fn booked_answer(conn: &Connection, op: &str, booked: &Booked) -> Result<Value, OpError> {
    let id_field = if op == "reverse" {
        "reversal_id"
    } else {
        "transaction_id"
    };
    Ok(Value::record([
        (id_field, Value::text(ledger::entry_ref(booked.entry_id))),
        (
            "balance",
            Value::Money(money::money(conn, booked.balance_minor, &booked.currency)?),
        ),
    ]))
}

/// Runs `body` at most once per idempotency key; see the module's rules.
fn idempotent(
    conn: &mut Connection,
    request: &HostRequest,
    fingerprint: String,
    now: NaiveDateTime,
    body: impl FnOnce(&Connection) -> Result<Booked, OpError>,
) -> Result<Value, OpError> {
    let key = request.idempotency_key.as_str();
    if key.trim().is_empty() {
        return Err(bad_request(format!(
            "`{}` moves money and needs an idempotency key",
            request.op
        )));
    }
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

    type Stored = (
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let stored: Option<Stored> = tx
        .query_row(
            "SELECT op, fingerprint, entry_id, result_balance_minor, result_currency,
                    refusal_code, refusal_message
               FROM requests WHERE idempotency_key = ?1",
            [key],
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            },
        )
        .optional()?;
    if let Some((op, print, entry, balance, currency, code, message)) = stored {
        if op != request.op || print != fingerprint {
            return Err(refused(
                "idempotency_conflict",
                "this idempotency key was used for a different request",
            ));
        }
        return match (entry, balance, currency, code) {
            (Some(entry_id), Some(balance_minor), Some(currency), None) => booked_answer(
                &tx,
                &op,
                &Booked {
                    entry_id,
                    balance_minor,
                    currency,
                },
            ),
            (None, _, _, Some(code)) => Err(OpError::Refused {
                code,
                message: message.unwrap_or_default(),
            }),
            _ => Err(BankError::InvalidData(format!("stored request `{key}`")).into()),
        };
    }

    let outcome = {
        let savepoint = tx.savepoint()?;
        match body(&savepoint) {
            Ok(booked) => {
                savepoint.commit()?;
                Ok(booked)
            }
            // Dropping the savepoint rolls back whatever the body wrote.
            Err(e) => Err(e),
        }
    };
    let received_at = now.format(TIMESTAMP_FORMAT).to_string();
    match outcome {
        Ok(booked) => {
            tx.execute(
                "INSERT INTO requests (idempotency_key, op, fingerprint, terminal_id, received_at,
                                       entry_id, result_balance_minor, result_currency)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    key,
                    request.op,
                    fingerprint,
                    request.terminal_id,
                    received_at,
                    booked.entry_id,
                    booked.balance_minor,
                    booked.currency,
                ],
            )?;
            let answer = booked_answer(&tx, &request.op, &booked)?;
            tx.commit()?;
            Ok(answer)
        }
        Err(OpError::Refused { code, message }) => {
            tx.execute(
                "INSERT INTO requests (idempotency_key, op, fingerprint, terminal_id, received_at,
                                       refusal_code, refusal_message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    key,
                    request.op,
                    fingerprint,
                    request.terminal_id,
                    received_at,
                    code,
                    message,
                ],
            )?;
            tx.commit()?;
            Err(OpError::Refused { code, message })
        }
        Err(e @ OpError::Bank(_)) => Err(e),
    }
}

/// The fingerprint of a card-bound money request.
fn card_request_fingerprint(op: &str, pan: &Secret, account: &str, amount: &Money) -> String {
    let token = card::pan_token(pan.expose()).unwrap_or_else(|| "not-a-card-number".to_string());
    fingerprint(&[op, &token, account, &canonical(amount)])
}

fn withdraw(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account", "amount"])?;
    let pan = args.secret("pan")?;
    let account_id = args.text("account")?;
    let amount = args.money("amount")?;
    let print = card_request_fingerprint("withdraw", pan, account_id, amount);
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        let account = linked_account(conn, card.id, account_id)?;
        if amount.currency.as_str() != account.currency {
            return Err(refused(
                "currency_mismatch",
                format!(
                    "account `{}` is in {}, not {}",
                    account.id, account.currency, amount.currency
                ),
            ));
        }
        let minor = positive_minor(conn, amount)?;
        check_limit(conn, "withdraw", &account.currency, minor)?;
        let available = ledger::balance_minor(conn, &account.id)?;
        if minor > available {
            return Err(refused(
                "insufficient_funds",
                format!("account `{}` does not hold {amount}", account.id),
            ));
        }
        let vault = format!("ATM-CASH-{}", account.currency);
        let description = format!("Tërheqje / Withdrawal {}", request.terminal_id);
        let entry_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Withdrawal,
                booked_at: now,
                description: &description,
                account_id: &account.id,
                amount_minor: minor,
                currency: &account.currency,
                reverses: None,
                terminal_id: Some(&request.terminal_id),
                postings: &[(&account.id, minor), (&vault, -minor)],
            },
        )?;
        Ok(Booked {
            entry_id,
            balance_minor: ledger::balance_minor(conn, &account.id)?,
            currency: account.currency,
        })
    })
}

fn deposit(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account", "amount"])?;
    let pan = args.secret("pan")?;
    let account_id = args.text("account")?;
    let amount = args.money("amount")?;
    let print = card_request_fingerprint("deposit", pan, account_id, amount);
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        let account = linked_account(conn, card.id, account_id)?;
        if amount.currency.as_str() != account.currency {
            return Err(refused(
                "currency_mismatch",
                format!(
                    "account `{}` is in {}, not {}",
                    account.id, account.currency, amount.currency
                ),
            ));
        }
        let minor = positive_minor(conn, amount)?;
        check_limit(conn, "deposit", &account.currency, minor)?;
        let vault = format!("ATM-CASH-{}", account.currency);
        let description = format!("Depozitë / Deposit {}", request.terminal_id);
        let entry_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Deposit,
                booked_at: now,
                description: &description,
                account_id: &account.id,
                amount_minor: minor,
                currency: &account.currency,
                reverses: None,
                terminal_id: Some(&request.terminal_id),
                postings: &[(&vault, minor), (&account.id, -minor)],
            },
        )?;
        Ok(Booked {
            entry_id,
            balance_minor: ledger::balance_minor(conn, &account.id)?,
            currency: account.currency,
        })
    })
}

/// Reverses part or all of a withdrawal or deposit (or a top-up paid in cash at the
/// terminal): the opposite of each of its postings,
/// scaled to `amount`. Several partial reversals may follow one another up to the original
/// amount. A deposit's reversal is booked even if it leaves the account negative: the cash
/// went back to the customer, so the correction must stand.
fn reverse(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["transaction_id", "amount"])?;
    let transaction_id = args.text("transaction_id")?;
    let amount = args.money("amount")?;
    let print = fingerprint(&["reverse", transaction_id, &canonical(amount)]);
    idempotent(conn, request, print, now, |conn| {
        let unknown = || {
            refused(
                "unknown_transaction",
                format!("`{transaction_id}` is not a withdrawal or deposit of this bank"),
            )
        };
        let entry_id = ledger::parse_entry_ref(transaction_id).ok_or_else(unknown)?;
        let original: Option<(String, String, i64, String)> = conn
            .query_row(
                "SELECT kind, account_id, amount_minor, currency FROM journal_entries
                  WHERE id = ?1",
                [entry_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let (kind, account_id, original_minor, currency) = original.ok_or_else(unknown)?;
        let cash_topup =
            kind == EntryKind::Topup.as_str() && cardless::is_cash_entry(conn, entry_id)?;
        if kind != EntryKind::Withdrawal.as_str()
            && kind != EntryKind::Deposit.as_str()
            && !cash_topup
        {
            return Err(unknown());
        }
        if amount.currency.as_str() != currency {
            return Err(refused(
                "currency_mismatch",
                format!(
                    "`{transaction_id}` was in {currency}, not {}",
                    amount.currency
                ),
            ));
        }
        let minor = positive_minor(conn, amount)?;
        let reversed: i64 = conn.query_row(
            "SELECT COALESCE(SUM(amount_minor), 0) FROM journal_entries WHERE reverses = ?1",
            [entry_id],
            |row| row.get(0),
        )?;
        if minor > original_minor - reversed {
            let left = money::money(conn, original_minor - reversed, &currency)?;
            return Err(refused(
                "amount_exceeds_original",
                format!("at most {left} of `{transaction_id}` is left to reverse"),
            ));
        }
        let originals: Vec<(String, i64)> = {
            let mut stmt = conn.prepare_cached(
                "SELECT account_id, amount_minor FROM postings WHERE entry_id = ?1 ORDER BY id",
            )?;
            stmt.query_map([entry_id], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let mut legs = Vec::with_capacity(originals.len());
        for (account, posted) in &originals {
            let scaled = -i128::from(*posted) * i128::from(minor);
            let divisor = i128::from(original_minor);
            if scaled % divisor != 0 {
                return Err(BankError::Unbalanced(format!("reversal of {transaction_id}")).into());
            }
            let leg = i64::try_from(scaled / divisor)
                .map_err(|_| BankError::Unbalanced(format!("reversal of {transaction_id}")))?;
            legs.push((account.as_str(), leg));
        }
        let description = format!("Kthim / Reversal of {transaction_id}");
        let reversal_id = ledger::book(
            conn,
            &NewEntry {
                kind: EntryKind::Reversal,
                booked_at: now,
                description: &description,
                account_id: &account_id,
                amount_minor: minor,
                currency: &currency,
                reverses: Some(entry_id),
                terminal_id: Some(&request.terminal_id),
                postings: &legs,
            },
        )?;
        // Whoever reverses a cardless booking at the terminal does not see the balance.
        let balance_minor = if cash_topup || cardless::balance_is_hidden(conn, entry_id)? {
            0
        } else {
            ledger::balance_minor(conn, &account_id)?
        };
        Ok(Booked {
            entry_id: reversal_id,
            balance_minor,
            currency,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn suffix_is_last_two_digits() {
        assert_eq!(suffix("AL47 2121 1009 0000 0002 3569 8741"), "41");
        assert_eq!(suffix("7"), "7");
        assert_eq!(suffix(""), "");
    }

    #[test]
    fn names_are_shortened() {
        assert_eq!(short_name("Blerim Krasniqi"), "Blerim K.");
        assert_eq!(short_name("Arta  Maria Hoxha"), "Arta H.");
        assert_eq!(short_name("Cher"), "Cher");
        assert_eq!(short_name(""), "");
        assert_eq!(short_name("Ana Ëndërra"), "Ana Ë.");
    }

    #[test]
    fn emails_are_masked() {
        assert_eq!(mask_email("arta.hoxha@example.al"), "ar***@example.al");
        assert_eq!(mask_email("ab@x.al"), "a***@x.al");
        assert_eq!(mask_email("a@x.al"), "***@x.al");
        assert_eq!(mask_email("@x.al"), "***@x.al");
        assert_eq!(mask_email("nodomain"), "no***");
    }

    #[test]
    fn card_numbers_are_caught_in_receipt_lines() {
        let pan = Secret::new("4741230000001234");
        let fine = [
            "Card 474123******1234",
            "TXN-00000042  14.07.2025 10:30",
            "Amount 5,000.00 ALL",
            "Account AL47 2121 1009 0000 0002 3569 8741",
            "12345678901",
            "Top-up +355681112233 ONE Albania",
            "+355681112233",
        ];
        assert!(!may_hold_card_number(&fine, &pan));
        for bad in [
            &["4741230000001234"][..],
            &["Card: 4741 2300 0000 1234"],
            &["Card: 4741-2300", "0000-1234"],
            &["Other 4111111111111111 x"],
            &["Ref 123456789012"],
            &["Phone 355681112233"],
            &["+3556811122334"],
            &["+411111111111"],
            &["+4741230000001234"],
        ] {
            assert!(may_hold_card_number(bad, &pan), "{bad:?}");
        }
    }

    #[test]
    fn canonical_amounts_ignore_trailing_zeros() {
        let a = Money::new(
            Decimal::new(5000, 0),
            atmflow_engine::value::Currency("ALL".into()),
        );
        let b = Money::new(
            Decimal::new(500000, 2),
            atmflow_engine::value::Currency("ALL".into()),
        );
        assert_eq!(canonical(&a), canonical(&b));
    }
}
