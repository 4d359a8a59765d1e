//! The card holders' payments (manual §III.4, §III.5, §III.10-§III.12): mobile top-up,
//! credit card payment, utility bill, university service, transfer to a BKT customer.
//!
//! Each is a money-moving request under the rules of [`super`]: one immediate transaction
//! keyed by the idempotency key, refusals stored and booking nothing, and the paying account
//! debited against the payee's ledger account in one balanced journal entry.

use atmflow_engine::ports::HostRequest;
use atmflow_engine::value::Value;
use chrono::NaiveDateTime;
use rusqlite::{Connection, params};

use super::catalog::{self, beneficiary_by_account, credit_card_by_id, owed_minor};
use super::{
    Args, DATE_FORMAT, OpError, Payment, active_card, amount_from, bad_request, bkt_holder,
    book_payment, canonical, card_fingerprint, currency_mismatch, ensure_funds, idempotent,
    linked_account, refused, short_name,
};
use crate::error::BankError;
use crate::ledger::{EntryKind, TIMESTAMP_FORMAT};
use crate::money;

/// The least and the most of a standard (no package) mobile top-up, in ALL.
pub(super) const TOPUP_MIN_ALL: i64 = 100;
pub(super) const TOPUP_MAX_ALL: i64 = 10_000;

/// The longest student id, name or invoice number accepted.
const MAX_FIELD_CHARS: usize = 100;

/// Whether `number` is an Albanian mobile number: `+3556` and exactly 8 more digits.
pub(super) fn is_mobile_number(number: &str) -> bool {
    number
        .strip_prefix("+3556")
        .is_some_and(|rest| rest.len() == 8 && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// `+355691234567` as `+355 69 123 4567`: grouped, so that no run of digits in a
/// description looks like a card number.
pub(super) fn grouped_mobile(number: &str) -> String {
    match (
        number.get(..4),
        number.get(4..6),
        number.get(6..9),
        number.get(9..),
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => format!("{a} {b} {c} {d}"),
        _ => number.to_string(),
    }
}

pub(super) fn mobile_topup(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account", "operator", "number", "package", "amount"])?;
    let pan = args.secret("pan")?;
    let account_id = args.text("account")?;
    let operator = args.text("operator")?;
    let number = args.text("number")?;
    let package = args.text("package")?;
    let amount = args.money("amount")?;
    let print = card_fingerprint(
        "mobile_topup",
        pan,
        &[account_id, operator, number, package, &canonical(amount)],
    );
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        bkt_holder(conn, &card)?;
        let account = linked_account(conn, card.id, account_id)?;
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
        if account.currency != "ALL" {
            return Err(currency_mismatch(
                &format!("account `{}`", account.id),
                &account.currency,
                amount,
            ));
        }
        let minor = amount_from(conn, &account, amount)?;
        let description = match &chosen {
            None => {
                let unit = money::minor_unit(conn, "ALL")?
                    .ok_or_else(|| BankError::InvalidData("the bank does not hold ALL".into()))?;
                let whole = 10_i64.pow(unit);
                if !(TOPUP_MIN_ALL * whole..=TOPUP_MAX_ALL * whole).contains(&minor) {
                    return Err(refused(
                        "invalid_amount",
                        format!(
                            "a standard top-up is {TOPUP_MIN_ALL} to {TOPUP_MAX_ALL} ALL, not {amount}"
                        ),
                    ));
                }
                format!(
                    "Rimbushje {operator_name} / {operator_name} top-up {}",
                    grouped_mobile(number)
                )
            }
            Some(p) => {
                if p.currency != account.currency || p.price_minor != minor {
                    let price = money::money(conn, p.price_minor, &p.currency)?;
                    return Err(refused(
                        "invalid_amount",
                        format!("package `{package}` costs {price}, not {amount}"),
                    ));
                }
                format!(
                    "Rimbushje {operator_name} / {operator_name} top-up {}, {}",
                    grouped_mobile(number),
                    p.name
                )
            }
        };
        ensure_funds(conn, &account, minor)?;
        let booked = book_payment(
            conn,
            request,
            now,
            &Payment {
                kind: EntryKind::Topup,
                description: &description,
                account: &account,
                counter: &operator_account,
                minor,
            },
        )?;
        conn.execute(
            "INSERT INTO topup_numbers (card_id, number, operator_id, last_at, seq)
             VALUES (?1, ?2, ?3, ?4,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM topup_numbers WHERE card_id = ?1))
             ON CONFLICT (card_id, number) DO UPDATE
                SET operator_id = excluded.operator_id, last_at = excluded.last_at,
                    seq = excluded.seq",
            params![
                card.id,
                number,
                operator,
                now.format(TIMESTAMP_FORMAT).to_string()
            ],
        )?;
        Ok(booked)
    })
}

pub(super) fn pay_credit_card(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account", "card", "amount"])?;
    let pan = args.secret("pan")?;
    let account_id = args.text("account")?;
    let credit_card = args.text("card")?;
    let amount = args.money("amount")?;
    let print = card_fingerprint(
        "pay_credit_card",
        pan,
        &[account_id, credit_card, &canonical(amount)],
    );
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        let holder = bkt_holder(conn, &card)?;
        let account = linked_account(conn, card.id, account_id)?;
        let target = credit_card_by_id(conn, credit_card)?;
        if target.blocked {
            return Err(refused(
                "declined",
                "the credit card does not take payments",
            ));
        }
        let card_currency = crate::ledger::account_currency(conn, &target.account_id)?;
        if card_currency != account.currency {
            return Err(currency_mismatch("the credit card", &card_currency, amount));
        }
        let minor = amount_from(conn, &account, amount)?;
        let owed = owed_minor(conn, &target)?;
        if minor > owed {
            let shown = money::money(conn, owed, &card_currency)?;
            return Err(refused(
                "invalid_amount",
                format!("{shown} is owed on the card; {amount} is more"),
            ));
        }
        ensure_funds(conn, &account, minor)?;
        let description = format!(
            "Pagesë karte krediti / Credit card payment {}",
            target.masked
        );
        let booked = book_payment(
            conn,
            request,
            now,
            &Payment {
                kind: EntryKind::CardPayment,
                description: &description,
                account: &account,
                counter: &target.account_id,
                minor,
            },
        )?;
        if target.customer_id != holder.id {
            conn.execute(
                "INSERT INTO credit_card_payees (payer_card_id, credit_card_id, last_at, seq)
                 VALUES (?1, ?2, ?3,
                         (SELECT COALESCE(MAX(seq), 0) + 1 FROM credit_card_payees
                           WHERE payer_card_id = ?1))
                 ON CONFLICT (payer_card_id, credit_card_id) DO UPDATE
                    SET last_at = excluded.last_at, seq = excluded.seq",
                params![card.id, target.id, now.format(TIMESTAMP_FORMAT).to_string()],
            )?;
        }
        Ok(booked)
    })
}

pub(super) fn pay_bill(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account", "bill"])?;
    let pan = args.secret("pan")?;
    let account_id = args.text("account")?;
    let bill_id = args.text("bill")?;
    let print = card_fingerprint("pay_bill", pan, &[account_id, bill_id]);
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        bkt_holder(conn, &card)?;
        let account = linked_account(conn, card.id, account_id)?;
        let bill = catalog::known_bill(conn, bill_id)?;
        if bill.paid {
            return Err(refused(
                "already_paid",
                format!("bill `{bill_id}` is paid already"),
            ));
        }
        if bill.currency != account.currency {
            let amount = money::money(conn, bill.amount_minor, &bill.currency)?;
            return Err(currency_mismatch(
                &format!("account `{}`", account.id),
                &account.currency,
                &amount,
            ));
        }
        ensure_funds(conn, &account, bill.amount_minor)?;
        let description = format!(
            "Pagesë {0} / {0} bill {1}, nr. {2}",
            bill.institution, bill.period, bill.customer_number
        );
        let booked = book_payment(
            conn,
            request,
            now,
            &Payment {
                kind: EntryKind::BillPayment,
                description: &description,
                account: &account,
                counter: &bill.institution_account,
                minor: bill.amount_minor,
            },
        )?;
        conn.execute(
            "UPDATE bills SET paid_entry_id = ?1 WHERE id = ?2 AND paid_entry_id IS NULL",
            params![booked.entry_id, bill_id],
        )?;
        Ok(booked)
    })
}

/// A student field as entered: trimmed, not empty, not too long and not holding a run of
/// digits that could be a card number; else `bad_request`.
fn student_field<'a>(args: &'a Args<'_>, name: &str) -> Result<&'a str, OpError> {
    let value = args.text(name)?.trim();
    if value.is_empty() {
        return Err(bad_request(format!("`pay_tuition`: `{name}` is empty")));
    }
    if value.chars().count() > MAX_FIELD_CHARS || value.chars().any(char::is_control) {
        return Err(bad_request(format!(
            "`pay_tuition`: `{name}` is longer than {MAX_FIELD_CHARS} characters or not text"
        )));
    }
    let long_digits = value
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() > super::MAX_DIGIT_RUN);
    if long_digits {
        return Err(bad_request(format!(
            "`pay_tuition`: `{name}` holds a long number; nothing was paid"
        )));
    }
    Ok(value)
}

pub(super) fn pay_tuition(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&[
        "pan",
        "account",
        "service",
        "student_id",
        "student_name",
        "invoice_number",
        "invoice_date",
        "amount",
    ])?;
    let pan = args.secret("pan")?;
    let account_id = args.text("account")?;
    let service_id = args.text("service")?;
    let student_id = student_field(args, "student_id")?;
    let student_name = student_field(args, "student_name")?;
    let invoice_number = student_field(args, "invoice_number")?;
    let invoice_date = args.date("invoice_date")?;
    let amount = args.money("amount")?;
    let invoice_day = invoice_date.format("%Y-%m-%d").to_string();
    let print = card_fingerprint(
        "pay_tuition",
        pan,
        &[
            account_id,
            service_id,
            student_id,
            student_name,
            invoice_number,
            &invoice_day,
            &canonical(amount),
        ],
    );
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        bkt_holder(conn, &card)?;
        let account = linked_account(conn, card.id, account_id)?;
        let service = catalog::known_service(conn, service_id)?;
        if service.currency != account.currency {
            return Err(currency_mismatch("the service", &service.currency, amount));
        }
        let minor = amount_from(conn, &account, amount)?;
        if service.fee_minor > 0 && minor != service.fee_minor {
            let fee = money::money(conn, service.fee_minor, &service.currency)?;
            return Err(refused(
                "invalid_amount",
                format!("`{service_id}` costs {fee}, not {amount}"),
            ));
        }
        ensure_funds(conn, &account, minor)?;
        let description = format!(
            "Pagesë {} - {}; student {student_id} {student_name}; fatura / invoice \
             {invoice_number}, {}",
            service.university,
            service.name,
            invoice_date.format(DATE_FORMAT)
        );
        let booked = book_payment(
            conn,
            request,
            now,
            &Payment {
                kind: EntryKind::TuitionPayment,
                description: &description,
                account: &account,
                counter: &service.university_account,
                minor,
            },
        )?;
        conn.execute(
            "INSERT INTO tuition_payments
                 (entry_id, service_id, student_id, student_name, invoice_number, invoice_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                booked.entry_id,
                service_id,
                student_id,
                student_name,
                invoice_number,
                invoice_day
            ],
        )?;
        Ok(booked)
    })
}

pub(super) fn transfer(
    conn: &mut Connection,
    request: &HostRequest,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account", "to", "amount"])?;
    let pan = args.secret("pan")?;
    let account_id = args.text("account")?;
    let to = args.text("to")?;
    let amount = args.money("amount")?;
    let print = card_fingerprint("transfer", pan, &[account_id, to, &canonical(amount)]);
    idempotent(conn, request, print, now, |conn| {
        let card = active_card(conn, pan)?;
        let holder = bkt_holder(conn, &card)?;
        let account = linked_account(conn, card.id, account_id)?;
        let beneficiary = beneficiary_by_account(conn, to)?;
        if beneficiary.account == account.id {
            return Err(refused(
                "same_account",
                "the transfer's accounts must differ",
            ));
        }
        if beneficiary.currency != account.currency {
            return Err(currency_mismatch(
                "the beneficiary's account",
                &beneficiary.currency,
                amount,
            ));
        }
        let minor = amount_from(conn, &account, amount)?;
        ensure_funds(conn, &account, minor)?;
        let own = beneficiary.customer_id == holder.id;
        let (description, note) = if own {
            let text = "Transfertë midis llogarive / Transfer between own accounts".to_string();
            (text.clone(), text)
        } else {
            let to_name = short_name(&beneficiary.name);
            let from_name = short_name(&holder.name);
            (
                format!("Transfertë te {to_name} / Transfer to {to_name}"),
                format!("Transfertë nga {from_name} / Transfer from {from_name}"),
            )
        };
        let booked = book_payment(
            conn,
            request,
            now,
            &Payment {
                kind: EntryKind::Transfer,
                description: &description,
                account: &account,
                counter: &beneficiary.account,
                minor,
            },
        )?;
        conn.execute(
            "INSERT INTO entry_notes (entry_id, account_id, description) VALUES (?1, ?2, ?3)",
            params![booked.entry_id, beneficiary.account, note],
        )?;
        Ok(booked)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_plus_3556_and_8_digits() {
        assert!(is_mobile_number("+355691234567"));
        assert!(is_mobile_number("+355600000000"));
        for bad in [
            "",
            "+35569123456",
            "+3556912345678",
            "+355591234567",
            "355691234567",
            "+35569123456x",
            "+355 69 123 4567",
            "0691234567",
        ] {
            assert!(!is_mobile_number(bad), "{bad:?}");
        }
    }

    #[test]
    fn mobile_numbers_are_grouped_in_descriptions() {
        assert_eq!(grouped_mobile("+355691234567"), "+355 69 123 4567");
    }
}
