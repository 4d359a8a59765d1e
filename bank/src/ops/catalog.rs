//! What can be paid and to whom: mobile operators and their packages, credit cards, billing
//! institutions and their bills, universities and their services, beneficiaries of
//! transfers. Nothing here moves money.

use atmflow_engine::value::Value;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Args, CardRow, OpError, active_card, bad_request, refused, short_name, shown_date};
use crate::card;
use crate::error::BankError;
use crate::{ledger, money};

// ---------------------------------------------------------------------------------------
// Mobile operators

fn operator_value(id: String, name: String) -> Value {
    Value::record([("id", Value::text(id)), ("name", Value::text(name))])
}

pub(super) fn operators(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&[])?;
    let mut stmt = conn.prepare_cached("SELECT id, name FROM operators ORDER BY position, id")?;
    let list = stmt
        .query_map([], |row| Ok(operator_value(row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Value::List(list))
}

/// An operator's name and settlement account, or `unknown_operator`.
pub(super) fn known_operator(conn: &Connection, id: &str) -> Result<(String, String), OpError> {
    conn.query_row(
        "SELECT name, account_id FROM operators WHERE id = ?1",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| refused("unknown_operator", format!("no mobile operator `{id}`")))
}

/// A package of an operator.
pub(super) struct Package {
    pub(super) name: String,
    pub(super) price_minor: i64,
    pub(super) currency: String,
}

/// The operator's package `id`, or `unknown_package`.
pub(super) fn known_package(
    conn: &Connection,
    operator: &str,
    id: &str,
) -> Result<Package, OpError> {
    conn.query_row(
        "SELECT name, price_minor, currency FROM operator_packages
          WHERE id = ?1 AND operator_id = ?2",
        params![id, operator],
        |row| {
            Ok(Package {
                name: row.get(0)?,
                price_minor: row.get(1)?,
                currency: row.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| {
        refused(
            "unknown_package",
            format!("operator `{operator}` has no package `{id}`"),
        )
    })
}

pub(super) fn operator_packages(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["operator"])?;
    let operator = args.text("operator")?;
    known_operator(conn, operator)?;
    let rows: Vec<(String, String, i64, String, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, name, price_minor, currency, details FROM operator_packages
              WHERE operator_id = ?1 ORDER BY position, id",
        )?;
        stmt.query_map([operator], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?
    };
    let list = rows
        .into_iter()
        .map(|(id, name, price, currency, details)| {
            Ok(Value::record([
                ("id", Value::text(id)),
                ("name", Value::text(name)),
                ("price", Value::Money(money::money(conn, price, &currency)?)),
                ("details", Value::text(details)),
            ]))
        })
        .collect::<Result<_, BankError>>()?;
    Ok(Value::List(list))
}

pub(super) fn topup_numbers(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan"])?;
    let card = active_card(conn, args.secret("pan")?)?;
    let mut stmt = conn.prepare_cached(
        "SELECT number FROM topup_numbers WHERE card_id = ?1 ORDER BY seq DESC, number",
    )?;
    let list = stmt
        .query_map([card.id], |row| Ok(Value::text(row.get::<_, String>(0)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Value::List(list))
}

// ---------------------------------------------------------------------------------------
// Credit cards

/// A BKT credit card as stored.
pub(super) struct CreditCard {
    pub(super) id: String,
    pub(super) masked: String,
    pub(super) customer_id: i64,
    pub(super) holder: String,
    pub(super) account_id: String,
    limit_minor: i64,
    due_date: String,
    pub(super) blocked: bool,
}

const CREDIT_CARD: &str = "SELECT c.id, c.masked_pan, c.customer_id, k.name, c.account_id,
                                  c.limit_minor, c.due_date, c.status
                             FROM credit_cards c JOIN customers k ON k.id = c.customer_id";

fn credit_card_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CreditCard> {
    Ok(CreditCard {
        id: row.get(0)?,
        masked: row.get(1)?,
        customer_id: row.get(2)?,
        holder: row.get(3)?,
        account_id: row.get(4)?,
        limit_minor: row.get(5)?,
        due_date: row.get(6)?,
        blocked: row.get::<_, String>(7)? == "blocked",
    })
}

/// The credit card with the bank's id `id`, or `unknown_card`.
pub(super) fn credit_card_by_id(conn: &Connection, id: &str) -> Result<CreditCard, OpError> {
    conn.query_row(
        &format!("{CREDIT_CARD} WHERE c.id = ?1"),
        [id],
        credit_card_row,
    )
    .optional()?
    .ok_or_else(unknown_credit_card)
}

fn unknown_credit_card() -> OpError {
    refused("unknown_card", "no BKT credit card with that number or id")
}

/// What is owed on a credit card now, from its ledger account (never below zero).
pub(super) fn owed_minor(conn: &Connection, card: &CreditCard) -> Result<i64, BankError> {
    Ok(ledger::balance_minor(conn, &card.account_id)?.max(0))
}

/// The minimum due: a tenth of what is owed, rounded up to a whole unit of the currency,
/// and never more than what is owed.
fn minimum_due(owed: i64, minor_unit: u32) -> i64 {
    if owed <= 0 {
        return 0;
    }
    let whole = 10_i64.pow(minor_unit);
    let tenth = (owed + 9) / 10;
    (((tenth + whole - 1) / whole) * whole).min(owed)
}

/// The card as the flows' `card_holder` record.
fn card_holder_value(card: &CreditCard, name: String) -> Value {
    Value::record([
        ("id", Value::text(card.id.clone())),
        ("masked", Value::text(card.masked.clone())),
        ("holder_name", Value::text(name)),
    ])
}

pub(super) fn credit_cards(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan"])?;
    let card = active_card(conn, args.secret("pan")?)?;
    let Some(holder) = super::holder_of(conn, &card)? else {
        return Ok(Value::List(Vec::new()));
    };
    let cards: Vec<CreditCard> = {
        let mut stmt = conn.prepare_cached(&format!(
            "{CREDIT_CARD} WHERE c.customer_id = ?1 ORDER BY c.id"
        ))?;
        stmt.query_map([holder.id], credit_card_row)?
            .collect::<Result<_, _>>()?
    };
    let mut list = Vec::with_capacity(cards.len());
    for c in cards {
        let currency = ledger::account_currency(conn, &c.account_id)?;
        let unit = money::minor_unit(conn, &currency)?
            .ok_or_else(|| BankError::InvalidData(format!("unknown currency {currency}")))?;
        let owed = owed_minor(conn, &c)?;
        let shown = |minor: i64| money::money(conn, minor, &currency).map(Value::Money);
        list.push(Value::record([
            ("id", Value::text(c.id.clone())),
            ("masked", Value::text(c.masked.clone())),
            ("holder_name", Value::text(c.holder.clone())),
            ("limit", shown(c.limit_minor)?),
            ("balance", shown(owed)?),
            ("available", shown((c.limit_minor - owed).max(0))?),
            ("minimum_due", shown(minimum_due(owed, unit))?),
            ("full_due", shown(owed)?),
            ("due_date", Value::text(shown_date(&c.due_date)?)),
        ]));
    }
    Ok(Value::List(list))
}

pub(super) fn find_credit_card(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["number"])?;
    let number = args.secret("number")?;
    let token = card::pan_token(number.expose()).ok_or_else(unknown_credit_card)?;
    let found = conn
        .query_row(
            &format!("{CREDIT_CARD} WHERE c.pan_token = ?1"),
            [token],
            credit_card_row,
        )
        .optional()?
        .ok_or_else(unknown_credit_card)?;
    let name = short_name(&found.holder);
    Ok(card_holder_value(&found, name))
}

pub(super) fn paid_cards(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan"])?;
    let card: CardRow = active_card(conn, args.secret("pan")?)?;
    let own = super::holder_of(conn, &card)?.map(|h| h.id);
    let cards: Vec<CreditCard> = {
        let mut stmt = conn.prepare_cached(&format!(
            "{CREDIT_CARD} JOIN credit_card_payees p ON p.credit_card_id = c.id
              WHERE p.payer_card_id = ?1 ORDER BY p.seq DESC"
        ))?;
        stmt.query_map([card.id], credit_card_row)?
            .collect::<Result<_, _>>()?
    };
    let list = cards
        .iter()
        .filter(|c| Some(c.customer_id) != own)
        .map(|c| card_holder_value(c, short_name(&c.holder)))
        .collect();
    Ok(Value::List(list))
}

// ---------------------------------------------------------------------------------------
// Institutions, bills, universities

const UTILITIES: &[&str] = &["electricity", "water"];

fn institution_list(
    conn: &Connection,
    condition: &str,
    param: &str,
) -> Result<Vec<Value>, BankError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT i.id, i.name, COALESCE(a.number, '')
           FROM institutions i JOIN accounts a ON a.id = i.account_id
          WHERE {condition} ORDER BY i.position, i.id"
    ))?;
    let rows = stmt.query_map([param], |row| {
        Ok(Value::record([
            ("id", Value::text(row.get::<_, String>(0)?)),
            ("name", Value::text(row.get::<_, String>(1)?)),
            ("account_number", Value::text(row.get::<_, String>(2)?)),
        ]))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn institutions(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["category"])?;
    let category = args.text("category")?;
    Ok(Value::List(institution_list(
        conn,
        "i.category = ?1",
        category,
    )?))
}

pub(super) fn universities(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["kind"])?;
    let kind = args.text("kind")?;
    let list = match kind {
        "public" | "private" | "all" => institution_list(
            conn,
            "i.category = 'education' AND (?1 = 'all' OR i.kind = ?1)",
            kind,
        )?,
        other => {
            return Err(bad_request(format!(
                "`universities`: kind `{other}` is not public, private or all"
            )));
        }
    };
    Ok(Value::List(list))
}

/// An institution's name and ledger account if it is of one of `categories`, else
/// `unknown_institution`.
fn institution_in(
    conn: &Connection,
    id: &str,
    categories: &[&str],
) -> Result<(String, String), OpError> {
    let found: Option<(String, String, String)> = conn
        .query_row(
            "SELECT name, category, account_id FROM institutions WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    match found {
        Some((name, category, account)) if categories.contains(&category.as_str()) => {
            Ok((name, account))
        }
        _ => Err(refused(
            "unknown_institution",
            format!("no institution `{id}` of this kind"),
        )),
    }
}

pub(super) fn unpaid_bills(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["institution", "customer_number"])?;
    let institution = args.text("institution")?;
    let customer = args.text("customer_number")?.trim();
    institution_in(conn, institution, UTILITIES)?;
    let known: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM billing_customers
          WHERE institution_id = ?1 AND customer_number = ?2",
        params![institution, customer],
        |row| row.get(0),
    )?;
    if !known {
        return Err(refused(
            "unknown_customer",
            format!("`{institution}` has no customer number `{customer}`"),
        ));
    }
    let rows: Vec<(String, String, i64, String, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, period, amount_minor, currency, due_date FROM bills
              WHERE institution_id = ?1 AND customer_number = ?2 AND paid_entry_id IS NULL
              ORDER BY due_date, id",
        )?;
        stmt.query_map(params![institution, customer], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?
    };
    let list = rows
        .into_iter()
        .map(|(id, period, amount, currency, due)| {
            Ok(Value::record([
                ("id", Value::text(id)),
                ("period", Value::text(period)),
                (
                    "amount",
                    Value::Money(money::money(conn, amount, &currency)?),
                ),
                ("due_date", Value::text(shown_date(&due)?)),
            ]))
        })
        .collect::<Result<_, BankError>>()?;
    Ok(Value::List(list))
}

/// A utility bill as stored.
pub(super) struct Bill {
    pub(super) institution: String,
    pub(super) institution_account: String,
    pub(super) customer_number: String,
    pub(super) period: String,
    pub(super) amount_minor: i64,
    pub(super) currency: String,
    pub(super) paid: bool,
}

/// The bill `id`, or `unknown_bill`.
pub(super) fn known_bill(conn: &Connection, id: &str) -> Result<Bill, OpError> {
    conn.query_row(
        "SELECT i.name, i.account_id, b.customer_number, b.period, b.amount_minor, b.currency,
                b.paid_entry_id IS NOT NULL
           FROM bills b JOIN institutions i ON i.id = b.institution_id
          WHERE b.id = ?1",
        [id],
        |row| {
            Ok(Bill {
                institution: row.get(0)?,
                institution_account: row.get(1)?,
                customer_number: row.get(2)?,
                period: row.get(3)?,
                amount_minor: row.get(4)?,
                currency: row.get(5)?,
                paid: row.get(6)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| refused("unknown_bill", format!("no bill `{id}`")))
}

pub(super) fn university_services(
    conn: &mut Connection,
    args: &Args<'_>,
) -> Result<Value, OpError> {
    args.only(&["institution"])?;
    let institution = args.text("institution")?;
    institution_in(conn, institution, &["education"])?;
    let rows: Vec<(String, String, String, i64, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT s.id, s.name, COALESCE(a.number, ''), s.fee_minor, s.currency
               FROM university_services s
               JOIN institutions i ON i.id = s.institution_id
               JOIN accounts a ON a.id = i.account_id
              WHERE s.institution_id = ?1 ORDER BY s.position, s.id",
        )?;
        stmt.query_map([institution], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?
        .collect::<Result<_, _>>()?
    };
    let list = rows
        .into_iter()
        .map(|(id, name, number, fee, currency)| {
            Ok(Value::record([
                ("id", Value::text(id)),
                ("name", Value::text(name)),
                ("account_number", Value::text(number)),
                ("fee", Value::Money(money::money(conn, fee, &currency)?)),
            ]))
        })
        .collect::<Result<_, BankError>>()?;
    Ok(Value::List(list))
}

/// A university's service as stored.
pub(super) struct Service {
    pub(super) name: String,
    pub(super) university: String,
    pub(super) university_account: String,
    /// 0: the payer enters the amount.
    pub(super) fee_minor: i64,
    pub(super) currency: String,
}

/// The service `id`, or `unknown_service`.
pub(super) fn known_service(conn: &Connection, id: &str) -> Result<Service, OpError> {
    conn.query_row(
        "SELECT s.name, i.name, i.account_id, s.fee_minor, s.currency
           FROM university_services s JOIN institutions i ON i.id = s.institution_id
          WHERE s.id = ?1",
        [id],
        |row| {
            Ok(Service {
                name: row.get(0)?,
                university: row.get(1)?,
                university_account: row.get(2)?,
                fee_minor: row.get(3)?,
                currency: row.get(4)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| refused("unknown_service", format!("no university service `{id}`")))
}

// ---------------------------------------------------------------------------------------
// Beneficiaries

/// A customer's deposit account that may receive a transfer.
pub(super) struct Beneficiary {
    pub(super) account: String,
    pub(super) number: String,
    pub(super) currency: String,
    pub(super) customer_id: i64,
    pub(super) name: String,
}

const BENEFICIARY: &str = "SELECT a.id, COALESCE(a.number, ''), a.currency, k.id, k.name
                             FROM accounts a JOIN customers k ON k.id = a.customer_id
                            WHERE a.kind = 'customer' AND a.normal_side = 'credit'";

fn beneficiary_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Beneficiary> {
    Ok(Beneficiary {
        account: row.get(0)?,
        number: row.get(1)?,
        currency: row.get(2)?,
        customer_id: row.get(3)?,
        name: row.get(4)?,
    })
}

fn unknown_beneficiary() -> OpError {
    refused(
        "unknown_beneficiary",
        "no BKT customer account matches what was entered",
    )
}

/// Text without spaces, upper case: how account numbers are compared.
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The deposit account that `text` names: its id (`ACC-0004`), its IBAN with or without
/// spaces, the IBAN without country and check digits (what a keypad can type), or the
/// 16-digit account part of it.
pub(super) fn beneficiary_by_account(
    conn: &Connection,
    text: &str,
) -> Result<Beneficiary, OpError> {
    let wanted = compact(text);
    if wanted.is_empty() {
        return Err(unknown_beneficiary());
    }
    let all: Vec<Beneficiary> = {
        let mut stmt = conn.prepare_cached(&format!("{BENEFICIARY} ORDER BY a.id"))?;
        stmt.query_map([], beneficiary_row)?
            .collect::<Result<_, _>>()?
    };
    all.into_iter()
        .find(|b| {
            let iban = compact(&b.number);
            let bban = iban.get(4..).unwrap_or_default();
            let account_part = bban
                .get(bban.len().saturating_sub(16)..)
                .unwrap_or_default();
            b.account.to_uppercase() == wanted
                || (!iban.is_empty() && iban == wanted)
                || (!bban.is_empty() && bban == wanted)
                || (account_part.len() == 16 && account_part == wanted)
        })
        .ok_or_else(unknown_beneficiary)
}

/// A customer's account to receive transfers: the first account in ALL, else the first.
pub(super) fn beneficiary_of_customer(
    conn: &Connection,
    customer: i64,
) -> Result<Beneficiary, OpError> {
    conn.query_row(
        &format!("{BENEFICIARY} AND k.id = ?1 ORDER BY a.currency = 'ALL' DESC, a.id LIMIT 1"),
        [customer],
        beneficiary_row,
    )
    .optional()?
    .ok_or_else(unknown_beneficiary)
}

/// A mobile number as stored (`+355682345678`), from `+3556...`, `003556...`, `3556...`
/// or `06...`, with spaces allowed.
pub(super) fn normal_mobile(text: &str) -> String {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(rest) = compact.strip_prefix("00") {
        format!("+{rest}")
    } else if compact.starts_with('+') {
        compact
    } else if let Some(rest) = compact.strip_prefix('0') {
        format!("+355{rest}")
    } else if compact.starts_with("355") {
        format!("+{compact}")
    } else {
        compact
    }
}

/// The last four digits of an account number, the rest hidden: `**** 2205`.
pub(super) fn masked_account(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("**** {last}")
}

pub(super) fn find_beneficiary(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["by", "value"])?;
    let by = args.text("by")?;
    let value = args.text("value")?.trim();
    let found = match by {
        "cif" => {
            let customer: Option<i64> = conn
                .query_row("SELECT id FROM customers WHERE cif = ?1", [value], |row| {
                    row.get(0)
                })
                .optional()?;
            beneficiary_of_customer(conn, customer.ok_or_else(unknown_beneficiary)?)?
        }
        "account" => beneficiary_by_account(conn, value)?,
        "mobile" => {
            let number = normal_mobile(value);
            let customer: Option<i64> = if super::payments::is_mobile_number(&number) {
                conn.query_row(
                    "SELECT id FROM customers WHERE phone = ?1 ORDER BY id LIMIT 1",
                    [number],
                    |row| row.get(0),
                )
                .optional()?
            } else {
                None
            };
            beneficiary_of_customer(conn, customer.ok_or_else(unknown_beneficiary)?)?
        }
        other => {
            return Err(bad_request(format!(
                "`find_beneficiary`: by `{other}` is not cif, account or mobile"
            )));
        }
    };
    Ok(Value::record([
        ("account", Value::text(found.account)),
        ("name", Value::text(short_name(&found.name))),
        ("masked_account", Value::text(masked_account(&found.number))),
        ("currency", Value::text(found.currency)),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_due_is_a_tenth_rounded_up_to_a_whole_unit() {
        assert_eq!(minimum_due(4_500_000, 2), 450_000);
        assert_eq!(minimum_due(1_200_000, 2), 120_000);
        assert_eq!(minimum_due(12_345, 2), 1_300);
        assert_eq!(minimum_due(50, 2), 50);
        assert_eq!(minimum_due(0, 2), 0);
        assert_eq!(minimum_due(-100, 2), 0);
        assert_eq!(minimum_due(95, 0), 10);
    }

    #[test]
    fn mobile_numbers_are_normalised() {
        assert_eq!(normal_mobile("+355682345678"), "+355682345678");
        assert_eq!(normal_mobile("+355 68 234 5678"), "+355682345678");
        assert_eq!(normal_mobile("00355682345678"), "+355682345678");
        assert_eq!(normal_mobile("355682345678"), "+355682345678");
        assert_eq!(normal_mobile("0682345678"), "+355682345678");
    }

    #[test]
    fn account_numbers_are_masked_to_the_last_four() {
        assert_eq!(
            masked_account("AL35 2051 1001 0000 0004 1187 2205"),
            "**** 2205"
        );
        assert_eq!(masked_account("12"), "**** 12");
    }
}
