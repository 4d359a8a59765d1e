//! The holder's profile and statements (manual §III.6-§III.9): changing the e-mail address
//! and the PIN, an account's movements, and sending them or the account's details by
//! e-mail. Messages are queued in the outbox; answers show addresses only masked.

use atmflow_engine::value::{Money, Secret, Value, format_money};
use chrono::{Days, NaiveDate, NaiveDateTime};
use rusqlite::{Connection, TransactionBehavior, params};

use super::{
    Args, CardRow, DATE_FORMAT, LinkedAccount, MAX_PIN_TRIES, OpError, active_card, bad_request,
    balance_money, bkt_holder, holder_of, known_card, linked_account, mask_email,
    may_hold_card_number, queue, refused,
};
use crate::card;
use crate::error::BankError;
use crate::ledger::TIMESTAMP_FORMAT;
use crate::money;

/// The longest e-mail address accepted.
const MAX_EMAIL_CHARS: usize = 100;

/// The longest period a history may cover, in days between its first and last day.
const MAX_PERIOD_DAYS: i64 = 366;

/// Where customers call if a change was not theirs.
const SERVICE_PHONE: &str = "+355 4 2250 955";

/// How times are shown in notices.
const NOTICE_TIME: &str = "%d.%m.%Y %H:%M";

/// Whether `address` looks like an e-mail address: at most 100 characters, no spaces or
/// control characters, exactly one `@` with something before it, and a domain with a dot
/// between non-empty labels.
fn is_valid_email(address: &str) -> bool {
    if address.is_empty()
        || address.chars().count() > MAX_EMAIL_CHARS
        || address.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let mut parts = address.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && domain.split('.').all(|label| !label.is_empty())
}

pub(super) fn update_email(
    conn: &mut Connection,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "email"])?;
    let pan = args.secret("pan")?;
    let new = args.text("email")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let card = active_card(&tx, pan)?;
    let holder = bkt_holder(&tx, &card)?;
    if !is_valid_email(new) {
        return Err(refused(
            "invalid_email",
            "an e-mail address is name@domain.tld, without spaces, at most 100 characters",
        ));
    }
    tx.execute(
        "UPDATE customers SET email = ?1 WHERE id = ?2",
        params![new, holder.id],
    )?;
    let when = now.format(NOTICE_TIME);
    let subject = "BKT - Ndryshim i e-mailit / E-mail address changed";
    let body = format!(
        "Adresa e e-mailit e regjistruar në BKT u ndryshua më {when} në {masked_new}.\n\
         Your e-mail address registered with BKT was changed on {when} to {masked_new}.\n\
         Nëse nuk e keni bërë ju / If this was not you: {SERVICE_PHONE}",
        masked_new = mask_email(new),
    );
    queue(&tx, "email", new, subject, &body, now)?;
    if let Some(old) = holder.email.as_deref().filter(|old| *old != new) {
        queue(&tx, "email", old, subject, &body, now)?;
    }
    tx.commit()?;
    Ok(Value::record([
        (
            "old",
            Value::text(holder.email.as_deref().map(mask_email).unwrap_or_default()),
        ),
        ("new", Value::text(mask_email(new))),
    ]))
}

pub(super) fn change_pin(
    conn: &mut Connection,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "pin"])?;
    let pan = args.secret("pan")?;
    let pin: &Secret = args.secret("pin")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let card: CardRow = known_card(&tx, pan)?;
    if card.blocked {
        return Err(refused("card_blocked", "the card is blocked"));
    }
    if !card::is_valid_pin(pin.expose()) {
        return Err(refused("invalid_pin", "a PIN is exactly 4 digits"));
    }
    if card::verify_pin(pin.expose(), &card.pin_hash)? {
        return Err(refused(
            "same_pin",
            "the new PIN must differ from the current one",
        ));
    }
    tx.execute(
        "UPDATE cards SET pin_hash = ?1, tries_left = ?2 WHERE id = ?3",
        params![card::hash_pin(pin.expose())?, MAX_PIN_TRIES, card.id],
    )?;
    if let Some(holder) = holder_of(&tx, &card)? {
        let when = now.format(NOTICE_TIME);
        let text = format!(
            "BKT: PIN-i i kartës {masked} u ndryshua më {when}. / The PIN of card {masked} was \
             changed on {when}. Nëse nuk e keni bërë ju / If this was not you: {SERVICE_PHONE}",
            masked = card.masked,
        );
        match (&holder.phone, &holder.email) {
            (Some(phone), _) => queue(&tx, "sms", phone, "", &text, now)?,
            (None, Some(email)) => queue(
                &tx,
                "email",
                email,
                "BKT - Ndryshim i PIN-it / PIN changed",
                &text,
                now,
            )?,
            (None, None) => {}
        }
    }
    tx.commit()?;
    Ok(Value::record([("changed", Value::Bool(true))]))
}

/// One movement of an account.
struct Movement {
    date: NaiveDate,
    description: String,
    amount: Money,
}

/// `invalid_period` unless `from` ≤ `to` and at most [`MAX_PERIOD_DAYS`] apart.
fn check_period(from: NaiveDate, to: NaiveDate) -> Result<(), OpError> {
    if from > to || (to - from).num_days() > MAX_PERIOD_DAYS {
        return Err(refused(
            "invalid_period",
            format!(
                "the period must start before it ends and cover at most {MAX_PERIOD_DAYS} days"
            ),
        ));
    }
    Ok(())
}

/// The account's movements booked from `from` to `to` (both days included), most recent
/// first. Amounts are signed: money in is positive.
fn movements(
    conn: &Connection,
    account: &LinkedAccount,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Movement>, BankError> {
    let start = from.and_time(chrono::NaiveTime::MIN);
    let end = to
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX)
        .and_time(chrono::NaiveTime::MIN);
    let credit_normal: bool = conn.query_row(
        "SELECT normal_side = 'credit' FROM accounts WHERE id = ?1",
        [&account.id],
        |row| row.get(0),
    )?;
    let rows: Vec<(String, String, i64, String)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT e.booked_at, COALESCE(n.description, e.description), p.amount_minor,
                    p.currency
               FROM postings p
               JOIN journal_entries e ON e.id = p.entry_id
               LEFT JOIN entry_notes n ON n.entry_id = e.id AND n.account_id = p.account_id
              WHERE p.account_id = ?1 AND e.booked_at >= ?2 AND e.booked_at < ?3
              ORDER BY e.booked_at DESC, e.id DESC, p.id DESC",
        )?;
        stmt.query_map(
            params![
                account.id,
                start.format(TIMESTAMP_FORMAT).to_string(),
                end.format(TIMESTAMP_FORMAT).to_string()
            ],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?
        .collect::<Result<_, _>>()?
    };
    rows.into_iter()
        .map(|(at, description, posted, currency)| {
            let date = NaiveDateTime::parse_from_str(&at, TIMESTAMP_FORMAT)
                .map_err(|_| BankError::InvalidData(format!("booking time `{at}`")))?
                .date();
            let signed = if credit_normal { -posted } else { posted };
            Ok(Movement {
                date,
                description,
                amount: money::money(conn, signed, &currency)?,
            })
        })
        .collect()
}

/// The account and period of a history request, checked.
fn history_request(
    conn: &Connection,
    args: &Args<'_>,
) -> Result<(CardRow, LinkedAccount, NaiveDate, NaiveDate), OpError> {
    let card = active_card(conn, args.secret("pan")?)?;
    let account = linked_account(conn, card.id, args.text("account")?)?;
    let from = args.date("from")?;
    let to = args.date("to")?;
    check_period(from, to)?;
    Ok((card, account, from, to))
}

pub(super) fn history(conn: &mut Connection, args: &Args<'_>) -> Result<Value, OpError> {
    args.only(&["pan", "account", "from", "to"])?;
    let (_, account, from, to) = history_request(conn, args)?;
    let list = movements(conn, &account, from, to)?
        .into_iter()
        .map(|m| {
            Value::record([
                ("date", Value::text(m.date.format(DATE_FORMAT).to_string())),
                ("description", Value::text(m.description)),
                ("amount", Value::Money(m.amount)),
            ])
        })
        .collect();
    Ok(Value::List(list))
}

/// The holder's registered e-mail address, or `no_email`.
fn registered_email(conn: &Connection, card: &CardRow) -> Result<String, OpError> {
    holder_of(conn, card)?.and_then(|h| h.email).ok_or_else(|| {
        refused(
            "no_email",
            "the card holder has no e-mail address registered with the bank",
        )
    })
}

/// Queues `lines` to the holder's address, after the card-number check; answers `sent`.
fn send_lines(
    conn: &mut Connection,
    pan: &Secret,
    card: &CardRow,
    subject: &str,
    lines: &[String],
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    let borrowed: Vec<&str> = lines.iter().map(String::as_str).collect();
    // Never echo the lines: the message must not carry what it refuses.
    if may_hold_card_number(&borrowed, pan) {
        return Err(bad_request(
            "a line of the message looks like a full card number; nothing was sent",
        ));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let email = registered_email(&tx, card)?;
    queue(&tx, "email", &email, subject, &lines.join("\n"), now)?;
    tx.commit()?;
    Ok(Value::record([(
        "sent_to",
        Value::text(mask_email(&email)),
    )]))
}

pub(super) fn email_history(
    conn: &mut Connection,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account", "from", "to"])?;
    let pan = args.secret("pan")?;
    let (card, account, from, to) = history_request(conn, args)?;
    registered_email(conn, &card)?;
    let found = movements(conn, &account, from, to)?;
    let mut lines = vec![
        "BKT - Historiku i llogarisë / Account history".to_string(),
        format!(
            "Llogaria / Account: {} ({}, {})",
            account.number, account.name, account.currency
        ),
        format!(
            "Periudha / Period: {} - {}",
            from.format(DATE_FORMAT),
            to.format(DATE_FORMAT)
        ),
    ];
    if found.is_empty() {
        lines.push("Asnjë lëvizje / No movements".to_string());
    }
    for m in &found {
        lines.push(format!(
            "{}  {}  {}",
            m.date.format(DATE_FORMAT),
            m.description,
            format_money(&m.amount)
        ));
    }
    lines.push(format!(
        "Gjendja sot / Balance today: {}",
        format_money(&balance_money(conn, &account.id)?)
    ));
    send_lines(
        conn,
        pan,
        &card,
        "BKT - Historiku i llogarisë / Account history",
        &lines,
        now,
    )
}

pub(super) fn email_account_details(
    conn: &mut Connection,
    args: &Args<'_>,
    now: NaiveDateTime,
) -> Result<Value, OpError> {
    args.only(&["pan", "account"])?;
    let pan = args.secret("pan")?;
    let card = active_card(conn, pan)?;
    let account = linked_account(conn, card.id, args.text("account")?)?;
    registered_email(conn, &card)?;
    let holder = holder_of(conn, &card)?.map(|h| h.name).unwrap_or_default();
    let lines = vec![
        "BKT - Të dhënat e llogarisë / Account details".to_string(),
        format!("Mbajtësi / Holder: {holder}"),
        format!("Llogaria / Account: {} ({})", account.name, account.id),
        format!("IBAN: {}", account.number),
        format!("Monedha / Currency: {}", account.currency),
        format!(
            "Gjendja / Balance: {}",
            format_money(&balance_money(conn, &account.id)?)
        ),
    ];
    send_lines(
        conn,
        pan,
        &card,
        "BKT - Të dhënat e llogarisë / Account details",
        &lines,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked() {
        for good in [
            "arta.hoxha@example.al",
            "a@b.co",
            "new+tag@mail.example.com",
        ] {
            assert!(is_valid_email(good), "{good}");
        }
        let long = format!("{}@example.al", "a".repeat(90));
        for bad in [
            "",
            "arta",
            "arta@example",
            "@example.al",
            "arta@@example.al",
            "arta@exa@mple.al",
            "arta @example.al",
            "arta@example.al ",
            "arta@.al",
            "arta@example.",
            "arta@example..al",
            long.as_str(),
        ] {
            assert!(!is_valid_email(bad), "{bad:?}");
        }
    }

    #[test]
    fn periods_are_checked() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
        assert!(check_period(day(10, 1), day(10, 1)).is_ok());
        assert!(check_period(day(1, 1), day(12, 31)).is_ok());
        assert!(check_period(day(10, 2), day(10, 1)).is_err());
        let next_year = NaiveDate::from_ymd_opt(2027, 1, 3).expect("date");
        assert!(check_period(day(1, 1), next_year).is_err());
    }
}
