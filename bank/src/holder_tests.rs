//! The card holders' transactions (manual §III.4-§III.12) through the `Host` port: each
//! operation's answer, each refusal code, idempotent retries, the ledger staying balanced,
//! the outbox's contents, and the migration from schema version 2.

use atmflow_engine::ports::{Host, HostError};
use atmflow_engine::value::Value;
use chrono::{NaiveDate, NaiveDateTime};

use crate::Bank;
use crate::tests::{
    ARTA, BLERIM, DEMO_ENTRIES, DRITAN, OTHER, assert_balanced, balance, bank, call, field, money,
    ok, refusal, request, secret, text_of, verify, withdraw,
};

/// Arta's credit card and Blerim's and Dritan's.
const ARTA_CC: &str = "5234560000007788";
const BLERIM_CC: &str = "5234560000003344";
const DRITAN_CC: &str = "5234560000005566";

/// Blerim's account number, as the bank shows it.
const BLERIM_IBAN: &str = "AL39 2051 1001 0000 0004 1187 2205";

fn date(y: i32, m: u32, d: u32) -> Value {
    Value::Date(NaiveDate::from_ymd_opt(y, m, d).expect("valid date"))
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|day| day.and_hms_opt(h, min, 0))
        .expect("valid time")
}

fn call_at(
    bank: &mut Bank,
    op: &str,
    args: &[(&str, Value)],
    key: &str,
    now: NaiveDateTime,
) -> Result<Value, HostError> {
    bank.call(&request(op, args, key), now)
}

fn list(value: &Value) -> &[Value] {
    value.as_list().expect("a list")
}

fn texts(value: &Value, name: &str) -> Vec<String> {
    list(value).iter().map(|v| text_of(v, name)).collect()
}

fn count(bank: &Bank) -> u64 {
    bank.transactions_count().expect("count")
}

fn amount(value: &Value, name: &str) -> String {
    let m = field(value, name).as_money().expect("money");
    format!("{} {}", m.amount.normalize(), m.currency)
}

fn topup(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    (operator, number, package): (&str, &str, &str),
    paid: &str,
    key: &str,
) -> Result<Value, HostError> {
    let (a, c) = paid.split_once(' ').expect("amount and currency");
    call(
        bank,
        "mobile_topup",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("operator", Value::text(operator)),
            ("number", Value::text(number)),
            ("package", Value::text(package)),
            ("amount", Value::Money(money(a, c))),
        ],
        key,
    )
}

fn pay_card(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    card: &str,
    paid: &str,
    key: &str,
) -> Result<Value, HostError> {
    let (a, c) = paid.split_once(' ').expect("amount and currency");
    call(
        bank,
        "pay_credit_card",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("card", Value::text(card)),
            ("amount", Value::Money(money(a, c))),
        ],
        key,
    )
}

fn pay_bill(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    bill: &str,
    key: &str,
) -> Result<Value, HostError> {
    call(
        bank,
        "pay_bill",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("bill", Value::text(bill)),
        ],
        key,
    )
}

fn transfer(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    to: &str,
    paid: &str,
    key: &str,
) -> Result<Value, HostError> {
    let (a, c) = paid.split_once(' ').expect("amount and currency");
    call(
        bank,
        "transfer",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("to", Value::text(to)),
            ("amount", Value::Money(money(a, c))),
        ],
        key,
    )
}

struct Tuition<'a> {
    service: &'a str,
    student_id: &'a str,
    student_name: &'a str,
    invoice: &'a str,
    paid: &'a str,
}

const REGISTRATION: Tuition<'static> = Tuition {
    service: "ut-registration",
    student_id: "S2026-0412",
    student_name: "Ana Berisha",
    invoice: "F-2026-118",
    paid: "5000 ALL",
};

fn pay_tuition(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    t: &Tuition<'_>,
    key: &str,
) -> Result<Value, HostError> {
    let (a, c) = t.paid.split_once(' ').expect("amount and currency");
    call(
        bank,
        "pay_tuition",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("service", Value::text(t.service)),
            ("student_id", Value::text(t.student_id)),
            ("student_name", Value::text(t.student_name)),
            ("invoice_number", Value::text(t.invoice)),
            ("invoice_date", date(2026, 11, 2)),
            ("amount", Value::Money(money(a, c))),
        ],
        key,
    )
}

fn history(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    from: Value,
    to: Value,
) -> Result<Value, HostError> {
    call(
        bank,
        "history",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("from", from),
            ("to", to),
        ],
        "",
    )
}

fn credit_card_of(bank: &mut Bank, pan: &str) -> Value {
    let cards = ok(call(bank, "credit_cards", &[("pan", secret(pan))], ""));
    list(&cards).first().cloned().expect("a credit card")
}

/// Every full card number and PIN of the demo data, and `extra` secrets.
fn assert_outbox_holds_no_secret(bank: &Bank, extra: &[&str]) {
    let secrets = [
        ARTA, BLERIM, DRITAN, OTHER, ARTA_CC, BLERIM_CC, DRITAN_CC, "1234", "4321", "1111",
    ];
    for message in bank.outbox().expect("outbox") {
        let text = format!("{} {} {}", message.recipient, message.subject, message.body);
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        for number in &secrets[..7] {
            assert!(!digits.contains(number), "a card number in {text}");
        }
        for pin in extra {
            assert!(!text.contains(pin), "`{pin}` in {text}");
        }
        // Phone numbers are recipients; the message itself holds no long number.
        let long_run = format!("{} {}", message.subject, message.body)
            .split(|c: char| !c.is_ascii_digit())
            .any(|run| run.len() > 11);
        assert!(!long_run, "a long number in {text}");
    }
}

// ---------------------------------------------------------------------------------------
// Demo data

#[test]
fn the_demo_history_leaves_the_demo_balances() {
    let bank = bank();
    assert_eq!(balance(&bank, "ACC-0001"), money("250000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0004"), money("3000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0005"), money("15000", "ALL"));
    assert_eq!(balance(&bank, "ATM-CASH-ALL"), money("5000000", "ALL"));
    assert_eq!(balance(&bank, "CCA-0001"), money("45000", "ALL"));
    assert_eq!(balance(&bank, "CCA-0002"), money("12000", "ALL"));
    assert_eq!(balance(&bank, "CCA-0003"), money("8200", "ALL"));
    assert_eq!(balance(&bank, "INST-OSHEE"), money("3120", "ALL"));
    assert_eq!(count(&bank), DEMO_ENTRIES);
    assert_balanced(&bank);
    let credit = Bank::demo_credit_cards();
    assert_eq!(
        credit.iter().map(|c| c.number.as_str()).collect::<Vec<_>>(),
        [ARTA_CC, BLERIM_CC, DRITAN_CC]
    );
}

// ---------------------------------------------------------------------------------------
// Mobile top-up (§III.4)

#[test]
fn operators_and_their_packages_are_listed() {
    let mut bank = bank();
    let operators = ok(call(&mut bank, "operators", &[], ""));
    assert_eq!(texts(&operators, "id"), ["one", "vodafone"]);
    assert_eq!(
        texts(&operators, "name"),
        ["ONE Albania", "Vodafone Albania"]
    );
    let one = ok(call(
        &mut bank,
        "operator_packages",
        &[("operator", Value::text("one"))],
        "",
    ));
    let packages = list(&one);
    assert_eq!(packages.len(), 3);
    assert_eq!(text_of(&packages[2], "id"), "one-smart-l");
    assert_eq!(amount(&packages[2], "price"), "1500 ALL");
    assert_eq!(text_of(&packages[2], "details"), "30 GB, 1000 min, 30 days");
    let vodafone = ok(call(
        &mut bank,
        "operator_packages",
        &[("operator", Value::text("vodafone"))],
        "",
    ));
    assert_eq!(list(&vodafone).len(), 2);
    let unknown = call(
        &mut bank,
        "operator_packages",
        &[("operator", Value::text("eagle"))],
        "",
    );
    assert_eq!(refusal(unknown), "unknown_operator");
    let extra = call(&mut bank, "operators", &[("x", Value::text("y"))], "");
    assert_eq!(refusal(extra), "bad_request");
}

#[test]
fn a_standard_top_up_moves_money_to_the_operator_once() {
    let mut bank = bank();
    let before = count(&bank);
    let numbers = |bank: &mut Bank| {
        let v = ok(call(bank, "topup_numbers", &[("pan", secret(ARTA))], ""));
        list(&v)
            .iter()
            .map(|n| n.as_text().expect("text").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(numbers(&mut bank), ["+355695558899", "+355681112233"]);

    let target = ("one", "+355671110000", "");
    let answer = ok(topup(&mut bank, ARTA, "ACC-0001", target, "500 ALL", "t-1"));
    assert!(text_of(&answer, "transaction_id").starts_with("TXN-"));
    assert_eq!(amount(&answer, "balance"), "249500 ALL");
    assert_eq!(balance(&bank, "OP-ONE"), money("1500", "ALL"));
    // Retried: the same answer, booked once.
    let again = ok(topup(
        &mut bank,
        ARTA,
        "ACC-0001",
        target,
        "500.00 ALL",
        "t-1",
    ));
    assert_eq!(answer, again);
    assert_eq!(count(&bank), before + 1);
    // The same key for another top-up is caught.
    let conflict = topup(&mut bank, ARTA, "ACC-0001", target, "600 ALL", "t-1");
    assert_eq!(refusal(conflict), "idempotency_conflict");
    assert_eq!(
        numbers(&mut bank),
        ["+355671110000", "+355695558899", "+355681112233"]
    );
    // Topping up an older number again brings it first.
    ok(topup(
        &mut bank,
        ARTA,
        "ACC-0001",
        ("one", "+355681112233", ""),
        "100 ALL",
        "t-2",
    ));
    assert_eq!(
        numbers(&mut bank),
        ["+355681112233", "+355671110000", "+355695558899"]
    );
    // The most allowed.
    ok(topup(
        &mut bank,
        ARTA,
        "ACC-0001",
        target,
        "10000 ALL",
        "t-3",
    ));
    assert_eq!(balance(&bank, "ACC-0001"), money("239400", "ALL"));
    assert_eq!(
        ok(call(
            &mut bank,
            "topup_numbers",
            &[("pan", secret(BLERIM))],
            ""
        )),
        Value::List(Vec::new())
    );
    assert_balanced(&bank);

    let history = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2025, 7, 14),
        date(2025, 7, 14),
    ));
    let first = &list(&history)[0];
    assert_eq!(
        text_of(first, "description"),
        "Rimbushje ONE Albania / ONE Albania top-up +355 67 111 0000"
    );
    assert_eq!(amount(first, "amount"), "-10000 ALL");
}

#[test]
fn a_package_costs_its_price() {
    let mut bank = bank();
    let answer = ok(topup(
        &mut bank,
        ARTA,
        "ACC-0001",
        ("vodafone", "+355691234567", "vodafone-red-l"),
        "1800 ALL",
        "p-1",
    ));
    assert_eq!(amount(&answer, "balance"), "248200 ALL");
    assert_eq!(balance(&bank, "OP-VODAFONE"), money("2300", "ALL"));
    let before = count(&bank);
    let cases = [
        (
            ("vodafone", "+355691234567", "vodafone-red-l"),
            "1000 ALL",
            "invalid_amount",
        ),
        (
            ("vodafone", "+355691234567", "vodafone-red-l"),
            "18 EUR",
            "currency_mismatch",
        ),
        (
            ("vodafone", "+355691234567", "one-smart-s"),
            "700 ALL",
            "unknown_package",
        ),
        (
            ("one", "+355691234567", "no-such"),
            "700 ALL",
            "unknown_package",
        ),
    ];
    for (i, (target, paid, code)) in cases.iter().enumerate() {
        let result = topup(
            &mut bank,
            ARTA,
            "ACC-0001",
            *target,
            paid,
            &format!("pr-{i}"),
        );
        assert_eq!(&refusal(result), code, "case {i}");
    }
    assert_eq!(count(&bank), before);
    assert_balanced(&bank);
}

#[test]
fn refused_top_ups_book_nothing() {
    let mut bank = bank();
    let before = count(&bank);
    let fine = ("one", "+355681112233", "");
    type Target<'a> = (&'a str, &'a str, &'a str);
    let cases: &[(&str, &str, Target<'_>, &str, &str)] = &[
        (
            ARTA,
            "ACC-0001",
            ("one", "+35568111223", ""),
            "500 ALL",
            "invalid_number",
        ),
        (
            ARTA,
            "ACC-0001",
            ("one", "+3556811122334", ""),
            "500 ALL",
            "invalid_number",
        ),
        (
            ARTA,
            "ACC-0001",
            ("one", "+355581112233", ""),
            "500 ALL",
            "invalid_number",
        ),
        (
            ARTA,
            "ACC-0001",
            ("one", "0681112233", ""),
            "500 ALL",
            "invalid_number",
        ),
        (
            ARTA,
            "ACC-0001",
            ("one", "", ""),
            "500 ALL",
            "invalid_number",
        ),
        (
            ARTA,
            "ACC-0001",
            ("eagle", "+355681112233", ""),
            "500 ALL",
            "unknown_operator",
        ),
        (ARTA, "ACC-0001", fine, "99 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", fine, "10000.01 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", fine, "0 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", fine, "-500 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", fine, "100.001 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", fine, "5 EUR", "currency_mismatch"),
        (ARTA, "ACC-0003", fine, "5 EUR", "currency_mismatch"),
        (BLERIM, "ACC-0004", fine, "5000 ALL", "insufficient_funds"),
        (ARTA, "ACC-0004", fine, "500 ALL", "unknown_account"),
        (DRITAN, "ACC-0005", fine, "500 ALL", "card_blocked"),
        (OTHER, "NET-0001", fine, "500 ALL", "declined"),
        (
            "4111111111111111",
            "ACC-0001",
            fine,
            "500 ALL",
            "unknown_card",
        ),
    ];
    for (i, (pan, account, target, paid, code)) in cases.iter().enumerate() {
        let key = format!("r-{i}");
        let result = topup(&mut bank, pan, account, *target, paid, &key);
        assert_eq!(&refusal(result), code, "case {i}");
        // The refusal is the stored answer.
        let retried = topup(&mut bank, pan, account, *target, paid, &key);
        assert_eq!(&refusal(retried), code, "case {i} retried");
    }
    assert_eq!(count(&bank), before);
    assert_eq!(balance(&bank, "ACC-0001"), money("250000", "ALL"));
    assert_eq!(balance(&bank, "OP-ONE"), money("1000", "ALL"));
    assert_balanced(&bank);
    let keyless = topup(&mut bank, ARTA, "ACC-0001", fine, "500 ALL", "");
    assert_eq!(refusal(keyless), "bad_request");
}

// ---------------------------------------------------------------------------------------
// Credit cards (§III.5)

#[test]
fn credit_cards_show_what_is_owed_from_the_ledger() {
    let mut bank = bank();
    let arta = ok(call(
        &mut bank,
        "credit_cards",
        &[("pan", secret(ARTA))],
        "",
    ));
    assert_eq!(list(&arta).len(), 1);
    let card = &list(&arta)[0];
    assert_eq!(text_of(card, "id"), "CC-0001");
    assert_eq!(text_of(card, "masked"), "5234 56** **** 7788");
    assert_eq!(text_of(card, "holder_name"), "Arta Hoxha");
    assert_eq!(amount(card, "limit"), "300000 ALL");
    assert_eq!(amount(card, "balance"), "45000 ALL");
    assert_eq!(amount(card, "available"), "255000 ALL");
    assert_eq!(amount(card, "minimum_due"), "4500 ALL");
    assert_eq!(amount(card, "full_due"), "45000 ALL");
    assert_eq!(text_of(card, "due_date"), "15.12.2026");

    let blerim = credit_card_of(&mut bank, BLERIM);
    assert_eq!(text_of(&blerim, "id"), "CC-0002");
    assert_eq!(amount(&blerim, "balance"), "12000 ALL");
    assert_eq!(amount(&blerim, "minimum_due"), "1200 ALL");

    assert_eq!(
        ok(call(
            &mut bank,
            "credit_cards",
            &[("pan", secret(OTHER))],
            ""
        )),
        Value::List(Vec::new())
    );
    let blocked = call(&mut bank, "credit_cards", &[("pan", secret(DRITAN))], "");
    assert_eq!(refusal(blocked), "card_blocked");
}

#[test]
fn another_credit_card_is_found_by_its_number() {
    let mut bank = bank();
    let find = |bank: &mut Bank, number: &str| {
        call(bank, "find_credit_card", &[("number", secret(number))], "")
    };
    let expected = Value::record([
        ("id", Value::text("CC-0002")),
        ("masked", Value::text("5234 56** **** 3344")),
        ("holder_name", Value::text("Blerim K.")),
    ]);
    assert_eq!(ok(find(&mut bank, BLERIM_CC)), expected);
    assert_eq!(ok(find(&mut bank, "5234 5600 0000 3344")), expected);
    assert_eq!(
        text_of(&ok(find(&mut bank, DRITAN_CC)), "holder_name"),
        "Dritan L."
    );
    for unknown in ["5234560000009999", ARTA, "not a number", ""] {
        assert_eq!(
            refusal(find(&mut bank, unknown)),
            "unknown_card",
            "{unknown}"
        );
    }
    let as_text = call(
        &mut bank,
        "find_credit_card",
        &[("number", Value::text(BLERIM_CC))],
        "",
    );
    assert_eq!(refusal(as_text), "bad_request");
}

#[test]
fn paying_a_credit_card_lowers_what_is_owed() {
    let mut bank = bank();
    let answer = ok(pay_card(
        &mut bank, ARTA, "ACC-0001", "CC-0001", "4500 ALL", "c-1",
    ));
    assert_eq!(amount(&answer, "balance"), "245500 ALL");
    let again = ok(pay_card(
        &mut bank, ARTA, "ACC-0001", "CC-0001", "4500 ALL", "c-1",
    ));
    assert_eq!(answer, again);
    let card = credit_card_of(&mut bank, ARTA);
    assert_eq!(amount(&card, "balance"), "40500 ALL");
    assert_eq!(amount(&card, "available"), "259500 ALL");
    assert_eq!(amount(&card, "minimum_due"), "4050 ALL");
    // Not more than what is owed; the full amount is fine.
    let over = pay_card(
        &mut bank,
        ARTA,
        "ACC-0001",
        "CC-0001",
        "40500.01 ALL",
        "c-2",
    );
    assert_eq!(refusal(over), "invalid_amount");
    ok(pay_card(
        &mut bank,
        ARTA,
        "ACC-0001",
        "CC-0001",
        "40500 ALL",
        "c-3",
    ));
    let card = credit_card_of(&mut bank, ARTA);
    assert_eq!(amount(&card, "balance"), "0 ALL");
    assert_eq!(amount(&card, "minimum_due"), "0 ALL");
    assert_eq!(amount(&card, "available"), "300000 ALL");
    let nothing_owed = pay_card(&mut bank, ARTA, "ACC-0001", "CC-0001", "1 ALL", "c-4");
    assert_eq!(refusal(nothing_owed), "invalid_amount");
    assert_eq!(balance(&bank, "ACC-0001"), money("205000", "ALL"));
    assert_balanced(&bank);
}

#[test]
fn cards_of_others_paid_before_are_remembered() {
    let mut bank = bank();
    let paid = |bank: &mut Bank, pan: &str| {
        let v = ok(call(bank, "paid_cards", &[("pan", secret(pan))], ""));
        texts(&v, "id")
    };
    assert_eq!(paid(&mut bank, ARTA), ["CC-0002"]);
    let listed = ok(call(&mut bank, "paid_cards", &[("pan", secret(ARTA))], ""));
    assert_eq!(text_of(&list(&listed)[0], "holder_name"), "Blerim K.");
    assert_eq!(text_of(&list(&listed)[0], "masked"), "5234 56** **** 3344");
    // The holder's own card is not "another" card.
    ok(pay_card(
        &mut bank, ARTA, "ACC-0001", "CC-0001", "1000 ALL", "o-1",
    ));
    assert_eq!(paid(&mut bank, ARTA), ["CC-0002"]);
    ok(pay_card(
        &mut bank, ARTA, "ACC-0002", "CC-0003", "2000 ALL", "o-2",
    ));
    assert_eq!(paid(&mut bank, ARTA), ["CC-0003", "CC-0002"]);
    ok(pay_card(
        &mut bank, ARTA, "ACC-0001", "CC-0002", "500 ALL", "o-3",
    ));
    assert_eq!(paid(&mut bank, ARTA), ["CC-0002", "CC-0003"]);
    assert_eq!(balance(&bank, "CCA-0003"), money("6200", "ALL"));
    assert_eq!(balance(&bank, "CCA-0002"), money("11500", "ALL"));
    assert!(paid(&mut bank, BLERIM).is_empty());
    assert_balanced(&bank);
}

#[test]
fn refused_credit_card_payments_book_nothing() {
    let mut bank = bank();
    let before = count(&bank);
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (ARTA, "ACC-0001", "CC-0001", "0 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", "CC-0001", "-10 ALL", "invalid_amount"),
        (
            ARTA,
            "ACC-0001",
            "CC-0001",
            "45000.01 ALL",
            "invalid_amount",
        ),
        (ARTA, "ACC-0001", "CC-0001", "0.001 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", "CC-0001", "100 EUR", "currency_mismatch"),
        (ARTA, "ACC-0003", "CC-0001", "100 EUR", "currency_mismatch"),
        (ARTA, "ACC-0001", "CC-9999", "100 ALL", "unknown_card"),
        (ARTA, "ACC-0001", ARTA_CC, "100 ALL", "unknown_card"),
        (
            BLERIM,
            "ACC-0004",
            "CC-0002",
            "5000 ALL",
            "insufficient_funds",
        ),
        (ARTA, "ACC-0004", "CC-0001", "100 ALL", "unknown_account"),
        (DRITAN, "ACC-0005", "CC-0003", "100 ALL", "card_blocked"),
        (OTHER, "NET-0001", "CC-0001", "100 ALL", "declined"),
    ];
    for (i, (pan, account, card, paid, code)) in cases.iter().enumerate() {
        let result = pay_card(&mut bank, pan, account, card, paid, &format!("r-{i}"));
        assert_eq!(&refusal(result), code, "case {i}");
    }
    assert_eq!(count(&bank), before);
    assert_eq!(balance(&bank, "CCA-0001"), money("45000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0001"), money("250000", "ALL"));
    assert_balanced(&bank);
}

// ---------------------------------------------------------------------------------------
// E-mail and PIN (§III.6, §III.7)

#[test]
fn a_new_email_is_confirmed_to_the_old_and_the_new_address() {
    let mut bank = bank();
    let update = |bank: &mut Bank, pan: &str, email: &str| {
        call(
            bank,
            "update_email",
            &[("pan", secret(pan)), ("email", Value::text(email))],
            "",
        )
    };
    let answer = ok(update(&mut bank, ARTA, "arta.h@mail.al"));
    assert_eq!(
        answer,
        Value::record([
            ("old", Value::text("ar***@example.al")),
            ("new", Value::text("ar***@mail.al")),
        ])
    );
    let outbox = bank.outbox().expect("outbox");
    let mut recipients: Vec<&str> = outbox.iter().map(|m| m.recipient.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(recipients, ["arta.h@mail.al", "arta.hoxha@example.al"]);
    assert!(outbox.iter().all(|m| m.channel == "email"));
    assert!(outbox.iter().all(|m| m.body.contains("ar***@mail.al")));
    let card = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(ARTA))],
        "",
    ));
    assert_eq!(text_of(&card, "email"), "arta.h@mail.al");

    // Blerim had none: only the new address hears of it.
    let blerim = ok(update(&mut bank, BLERIM, "blerim@example.al"));
    assert_eq!(text_of(&blerim, "old"), "");
    assert_eq!(text_of(&blerim, "new"), "bl***@example.al");
    assert_eq!(bank.outbox().expect("outbox").len(), 3);

    let long = format!("{}@example.al", "a".repeat(90));
    for bad in [
        "arta",
        "arta@",
        "arta@example",
        "a b@example.al",
        "a@@example.al",
        &long,
    ] {
        assert_eq!(
            refusal(update(&mut bank, ARTA, bad)),
            "invalid_email",
            "{bad}"
        );
    }
    assert_eq!(
        refusal(update(&mut bank, DRITAN, "d@example.al")),
        "card_blocked"
    );
    assert_eq!(
        refusal(update(&mut bank, OTHER, "o@example.al")),
        "declined"
    );
    assert_eq!(bank.outbox().expect("outbox").len(), 3);
    assert_outbox_holds_no_secret(&bank, &[]);
    assert_eq!(count(&bank), DEMO_ENTRIES);
}

#[test]
fn a_pin_change_takes_a_new_four_digit_pin() {
    let mut bank = bank();
    let change = |bank: &mut Bank, pan: &str, pin: &str| {
        call(
            bank,
            "change_pin",
            &[("pan", secret(pan)), ("pin", secret(pin))],
            "",
        )
    };
    // A wrong PIN first: the change resets the tries.
    assert_eq!(
        field(&verify(&mut bank, ARTA, "9999"), "tries_left"),
        &Value::number(2)
    );
    let answer = ok(change(&mut bank, ARTA, "2580"));
    assert_eq!(answer, Value::record([("changed", Value::Bool(true))]));
    let card = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(ARTA))],
        "",
    ));
    assert_eq!(field(&card, "tries_left"), &Value::number(3));
    assert_eq!(
        field(&verify(&mut bank, ARTA, "2580"), "valid"),
        &Value::Bool(true)
    );
    assert_eq!(
        field(&verify(&mut bank, ARTA, "1234"), "valid"),
        &Value::Bool(false)
    );

    let outbox = bank.outbox().expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].channel, "sms");
    assert_eq!(outbox[0].recipient, "+355691234567");
    assert!(outbox[0].body.contains("474123******1234"));
    assert_outbox_holds_no_secret(&bank, &["2580"]);

    for bad in ["123", "12345", "12a4", "", "１２３４"] {
        assert_eq!(
            refusal(change(&mut bank, ARTA, bad)),
            "invalid_pin",
            "{bad}"
        );
    }
    assert_eq!(refusal(change(&mut bank, ARTA, "2580")), "same_pin");
    assert_eq!(refusal(change(&mut bank, DRITAN, "2222")), "card_blocked");
    assert_eq!(
        refusal(change(&mut bank, "4111111111111111", "2222")),
        "unknown_card"
    );
    let as_text = call(
        &mut bank,
        "change_pin",
        &[("pan", secret(ARTA)), ("pin", Value::text("3333"))],
        "",
    );
    assert_eq!(refusal(as_text), "bad_request");
    // Another bank's card: the PIN changes (§IV.15), the bank knows no one to tell.
    ok(change(&mut bank, OTHER, "5555"));
    assert_eq!(
        field(&verify(&mut bank, OTHER, "5555"), "valid"),
        &Value::Bool(true)
    );
    assert_eq!(bank.outbox().expect("outbox").len(), 1);
    assert_eq!(count(&bank), DEMO_ENTRIES);
}

// ---------------------------------------------------------------------------------------
// History and statements (§III.8, §III.9)

#[test]
fn the_history_lists_movements_most_recent_first() {
    let mut bank = bank();
    let all = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2026, 10, 1),
        date(2026, 11, 24),
    ));
    let movements = list(&all);
    assert_eq!(movements.len(), 14);
    assert_eq!(
        movements[0],
        Value::record([
            ("date", Value::text("21.11.2026")),
            (
                "description",
                Value::text("Pagesë POS / POS payment - Neptun Tirana")
            ),
            ("amount", Value::Money(money("-1640", "ALL"))),
        ])
    );
    let last = &movements[13];
    assert_eq!(text_of(last, "date"), "02.10.2026");
    assert_eq!(amount(last, "amount"), "85000 ALL");
    let descriptions = texts(&all, "description");
    for wanted in [
        "Tërheqje / Withdrawal T001",
        "Depozitë / Deposit T001",
        "Transfertë te Blerim K. / Transfer to Blerim K.",
        "Pagesë OSHEE / OSHEE bill 09/2026, nr. 123456",
        "Paga / Salary - Tech Albania sh.p.k.",
    ] {
        assert!(descriptions.iter().any(|d| d == wanted), "{wanted}");
    }
    // Both days are included.
    let days = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2026, 11, 2),
        date(2026, 11, 10),
    ));
    assert_eq!(
        texts(&days, "date"),
        ["10.11.2026", "07.11.2026", "02.11.2026", "02.11.2026"]
    );
    // The receiving side of a transfer.
    let blerim = ok(history(
        &mut bank,
        BLERIM,
        "ACC-0004",
        date(2026, 10, 1),
        date(2026, 10, 31),
    ));
    assert_eq!(
        texts(&blerim, "description"),
        [
            "Tërheqje / Withdrawal T001",
            "Transfertë nga Arta H. / Transfer from Arta H."
        ]
    );
    assert_eq!(amount(&list(&blerim)[1], "amount"), "5000 ALL");
    // Nothing in the period: an empty list.
    let empty = ok(history(
        &mut bank,
        ARTA,
        "ACC-0002",
        date(2026, 10, 1),
        date(2026, 11, 24),
    ));
    assert_eq!(empty, Value::List(Vec::new()));

    // A new booking is first.
    ok(call_at(
        &mut bank,
        "transfer",
        &[
            ("pan", secret(ARTA)),
            ("account", Value::text("ACC-0001")),
            ("to", Value::text("ACC-0004")),
            ("amount", Value::Money(money("700", "ALL"))),
        ],
        "h-1",
        at(2026, 11, 25, 10, 0),
    ));
    let today = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2026, 11, 1),
        date(2026, 11, 25),
    ));
    assert_eq!(text_of(&list(&today)[0], "date"), "25.11.2026");
    assert_eq!(amount(&list(&today)[0], "amount"), "-700 ALL");

    let cases = [
        (
            ARTA,
            "ACC-0001",
            date(2026, 11, 2),
            date(2026, 11, 1),
            "invalid_period",
        ),
        (
            ARTA,
            "ACC-0001",
            date(2025, 10, 1),
            date(2026, 11, 1),
            "invalid_period",
        ),
        (
            ARTA,
            "ACC-0004",
            date(2026, 10, 1),
            date(2026, 11, 1),
            "unknown_account",
        ),
        (
            DRITAN,
            "ACC-0005",
            date(2026, 10, 1),
            date(2026, 11, 1),
            "card_blocked",
        ),
    ];
    for (pan, account, from, to, code) in cases {
        assert_eq!(refusal(history(&mut bank, pan, account, from, to)), code);
    }
    ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2025, 11, 1),
        date(2026, 11, 2),
    ));
    let as_text = history(
        &mut bank,
        ARTA,
        "ACC-0001",
        Value::text("2026-10-01"),
        date(2026, 11, 1),
    );
    assert_eq!(refusal(as_text), "bad_request");
}

#[test]
fn the_history_and_the_account_details_go_by_email() {
    let mut bank = bank();
    let send_history = |bank: &mut Bank, pan: &str, account: &str, from: Value, to: Value| {
        call(
            bank,
            "email_history",
            &[
                ("pan", secret(pan)),
                ("account", Value::text(account)),
                ("from", from),
                ("to", to),
            ],
            "",
        )
    };
    let send_details = |bank: &mut Bank, pan: &str, account: &str| {
        call(
            bank,
            "email_account_details",
            &[("pan", secret(pan)), ("account", Value::text(account))],
            "",
        )
    };
    let sent = ok(send_history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2026, 10, 1),
        date(2026, 11, 24),
    ));
    assert_eq!(
        sent,
        Value::record([("sent_to", Value::text("ar***@example.al"))])
    );
    let outbox = bank.outbox().expect("outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].recipient, "arta.hoxha@example.al");
    let body = &outbox[0].body;
    assert!(
        body.contains("AL89 2051 1001 0000 0002 3569 8741"),
        "{body}"
    );
    assert!(body.contains("01.10.2026 - 24.11.2026"), "{body}");
    assert!(
        body.contains("14.11.2026  Tërheqje / Withdrawal T001  -20,000.00 ALL"),
        "{body}"
    );
    assert!(body.contains("+355 69 555 8899"), "{body}");
    assert!(body.contains("250,000.00 ALL"), "{body}");

    let details = ok(send_details(&mut bank, ARTA, "ACC-0002"));
    assert_eq!(text_of(&details, "sent_to"), "ar***@example.al");
    let outbox = bank.outbox().expect("outbox");
    assert_eq!(outbox.len(), 2);
    assert!(
        outbox[1]
            .body
            .contains("AL83 2051 1001 0000 0002 3569 8752")
    );
    assert!(outbox[1].body.contains("Arta Hoxha"));
    assert!(outbox[1].body.contains("40,000.00 ALL"));
    assert_outbox_holds_no_secret(&bank, &[]);

    let blerim = send_history(
        &mut bank,
        BLERIM,
        "ACC-0004",
        date(2026, 10, 1),
        date(2026, 11, 1),
    );
    assert_eq!(refusal(blerim), "no_email");
    assert_eq!(
        refusal(send_details(&mut bank, BLERIM, "ACC-0004")),
        "no_email"
    );
    assert_eq!(
        refusal(send_details(&mut bank, OTHER, "NET-0001")),
        "no_email"
    );
    assert_eq!(
        refusal(send_details(&mut bank, ARTA, "ACC-0004")),
        "unknown_account"
    );
    let backwards = send_history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2026, 11, 1),
        date(2026, 10, 1),
    );
    assert_eq!(refusal(backwards), "invalid_period");
    let foreign = send_history(
        &mut bank,
        ARTA,
        "ACC-0005",
        date(2026, 10, 1),
        date(2026, 11, 1),
    );
    assert_eq!(refusal(foreign), "unknown_account");
    assert_eq!(bank.outbox().expect("outbox").len(), 2);
    assert_eq!(count(&bank), DEMO_ENTRIES);
}

// ---------------------------------------------------------------------------------------
// Utility bills (§III.10)

#[test]
fn institutions_and_unpaid_bills_are_listed() {
    let mut bank = bank();
    let of = |bank: &mut Bank, category: &str| {
        ok(call(
            bank,
            "institutions",
            &[("category", Value::text(category))],
            "",
        ))
    };
    let electricity = of(&mut bank, "electricity");
    assert_eq!(texts(&electricity, "id"), ["oshee"]);
    assert_eq!(texts(&electricity, "name"), ["OSHEE"]);
    assert_eq!(
        texts(&electricity, "account_number"),
        ["AL96 2051 1001 0000 0009 0000 0011"]
    );
    let water = of(&mut bank, "water");
    assert_eq!(texts(&water, "id"), ["uk_tirana", "uk_durres"]);
    assert_eq!(texts(&water, "name"), ["UK Tirana", "UK Durrës"]);
    assert_eq!(of(&mut bank, "gas"), Value::List(Vec::new()));

    let bills = |bank: &mut Bank, institution: &str, customer: &str| {
        call(
            bank,
            "unpaid_bills",
            &[
                ("institution", Value::text(institution)),
                ("customer_number", Value::text(customer)),
            ],
            "",
        )
    };
    let oshee = ok(bills(&mut bank, "oshee", "123456"));
    assert_eq!(
        list(&oshee),
        [
            Value::record([
                ("id", Value::text("BILL-0001")),
                ("period", Value::text("10/2026")),
                ("amount", Value::Money(money("3450", "ALL"))),
                ("due_date", Value::text("20.11.2026")),
            ]),
            Value::record([
                ("id", Value::text("BILL-0002")),
                ("period", Value::text("11/2026")),
                ("amount", Value::Money(money("2980", "ALL"))),
                ("due_date", Value::text("20.12.2026")),
            ]),
        ]
    );
    let tirana = ok(bills(&mut bank, "uk_tirana", "778899"));
    assert_eq!(list(&tirana).len(), 1);
    assert_eq!(amount(&list(&tirana)[0], "amount"), "1200 ALL");
    assert_eq!(
        ok(bills(&mut bank, "uk_durres", "445566")),
        Value::List(Vec::new())
    );
    assert_eq!(
        refusal(bills(&mut bank, "oshee", "999999")),
        "unknown_customer"
    );
    assert_eq!(
        refusal(bills(&mut bank, "uk_tirana", "123456")),
        "unknown_customer"
    );
    assert_eq!(
        refusal(bills(&mut bank, "kesh", "123456")),
        "unknown_institution"
    );
    assert_eq!(
        refusal(bills(&mut bank, "ut", "123456")),
        "unknown_institution"
    );
}

#[test]
fn a_bill_is_paid_once() {
    let mut bank = bank();
    let before = count(&bank);
    let answer = ok(pay_bill(&mut bank, ARTA, "ACC-0001", "BILL-0001", "b-1"));
    assert_eq!(amount(&answer, "balance"), "246550 ALL");
    assert_eq!(balance(&bank, "INST-OSHEE"), money("6570", "ALL"));
    // Retried with the same key: the same answer.
    assert_eq!(
        ok(pay_bill(&mut bank, ARTA, "ACC-0001", "BILL-0001", "b-1")),
        answer
    );
    // Paid again with another key: refused.
    let twice = pay_bill(&mut bank, ARTA, "ACC-0002", "BILL-0001", "b-2");
    assert_eq!(refusal(twice), "already_paid");
    assert_eq!(count(&bank), before + 1);
    let left = ok(call(
        &mut bank,
        "unpaid_bills",
        &[
            ("institution", Value::text("oshee")),
            ("customer_number", Value::text("123456")),
        ],
        "",
    ));
    assert_eq!(texts(&left, "id"), ["BILL-0002"]);
    let history = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2025, 7, 14),
        date(2025, 7, 14),
    ));
    assert_eq!(
        text_of(&list(&history)[0], "description"),
        "Pagesë OSHEE / OSHEE bill 10/2026, nr. 123456"
    );

    // Blerim can pay UK Tirana's 1,200, not OSHEE's 2,980 after it.
    ok(pay_bill(&mut bank, BLERIM, "ACC-0004", "BILL-0003", "b-3"));
    assert_eq!(balance(&bank, "ACC-0004"), money("1800", "ALL"));
    let cases: &[(&str, &str, &str, &str)] = &[
        (ARTA, "ACC-0001", "BILL-9999", "unknown_bill"),
        (ARTA, "ACC-0001", "BILL-0004", "already_paid"),
        (BLERIM, "ACC-0004", "BILL-0002", "insufficient_funds"),
        (ARTA, "ACC-0003", "BILL-0002", "currency_mismatch"),
        (ARTA, "ACC-0004", "BILL-0002", "unknown_account"),
        (DRITAN, "ACC-0005", "BILL-0002", "card_blocked"),
        (OTHER, "NET-0001", "BILL-0002", "declined"),
    ];
    for (i, (pan, account, bill, code)) in cases.iter().enumerate() {
        let result = pay_bill(&mut bank, pan, account, bill, &format!("r-{i}"));
        assert_eq!(&refusal(result), code, "case {i}");
    }
    assert_eq!(count(&bank), before + 2);
    assert_balanced(&bank);
}

// ---------------------------------------------------------------------------------------
// Education (§III.11)

#[test]
fn universities_and_their_services_are_listed() {
    let mut bank = bank();
    let of = |bank: &mut Bank, kind: &str| {
        call(bank, "universities", &[("kind", Value::text(kind))], "")
    };
    assert_eq!(texts(&ok(of(&mut bank, "public")), "id"), ["ut", "upt"]);
    assert_eq!(texts(&ok(of(&mut bank, "private")), "id"), ["epoka"]);
    let all = ok(of(&mut bank, "all"));
    assert_eq!(
        texts(&all, "name"),
        [
            "Universiteti i Tiranës",
            "Universiteti Politeknik i Tiranës",
            "Universiteti Epoka"
        ]
    );
    assert_eq!(refusal(of(&mut bank, "foreign")), "bad_request");

    let services = ok(call(
        &mut bank,
        "university_services",
        &[("institution", Value::text("ut"))],
        "",
    ));
    assert_eq!(
        texts(&services, "id"),
        [
            "ut-tuition",
            "ut-registration",
            "ut-application",
            "ut-diploma"
        ]
    );
    let fees: Vec<String> = list(&services).iter().map(|s| amount(s, "fee")).collect();
    assert_eq!(fees, ["0 ALL", "5000 ALL", "2000 ALL", "10000 ALL"]);
    assert!(
        texts(&services, "account_number")
            .iter()
            .all(|n| n == "AL78 2051 1001 0000 0009 0000 0044")
    );
    assert_eq!(
        text_of(&list(&services)[1], "name"),
        "Tarifa e regjistrimit / Registration fee"
    );
    for unknown in ["harvard", "oshee"] {
        let result = call(
            &mut bank,
            "university_services",
            &[("institution", Value::text(unknown))],
            "",
        );
        assert_eq!(refusal(result), "unknown_institution", "{unknown}");
    }
}

#[test]
fn tuition_is_paid_with_the_students_details() {
    let mut bank = bank();
    let before = count(&bank);
    let answer = ok(pay_tuition(
        &mut bank,
        ARTA,
        "ACC-0001",
        &REGISTRATION,
        "u-1",
    ));
    assert_eq!(amount(&answer, "balance"), "245000 ALL");
    assert_eq!(
        ok(pay_tuition(
            &mut bank,
            ARTA,
            "ACC-0001",
            &REGISTRATION,
            "u-1"
        )),
        answer
    );
    assert_eq!(balance(&bank, "INST-UT"), money("5000", "ALL"));
    // The amount is the payer's for tuition.
    let tuition = Tuition {
        service: "epoka-tuition",
        paid: "35000 ALL",
        ..REGISTRATION
    };
    ok(pay_tuition(&mut bank, ARTA, "ACC-0001", &tuition, "u-2"));
    assert_eq!(balance(&bank, "INST-EPOKA"), money("35000", "ALL"));
    assert_eq!(count(&bank), before + 2);
    let history = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2025, 7, 14),
        date(2025, 7, 14),
    ));
    let description = text_of(&list(&history)[1], "description");
    for part in [
        "Universiteti i Tiranës",
        "Registration fee",
        "S2026-0412",
        "Ana Berisha",
        "F-2026-118",
        "02.11.2026",
    ] {
        assert!(description.contains(part), "{part} in {description}");
    }
    let stored: (String, String, String) = bank
        .conn
        .query_row(
            "SELECT student_id, student_name, invoice_date FROM tuition_payments
              ORDER BY entry_id LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .expect("stored");
    assert_eq!(
        stored,
        (
            "S2026-0412".into(),
            "Ana Berisha".into(),
            "2026-11-02".into()
        )
    );

    let with = |service: &'static str, paid: &'static str| Tuition {
        service,
        paid,
        ..REGISTRATION
    };
    let cases: Vec<(&str, &str, Tuition<'_>, &str)> = vec![
        (
            ARTA,
            "ACC-0001",
            with("ut-registration", "4000 ALL"),
            "invalid_amount",
        ),
        (
            ARTA,
            "ACC-0001",
            with("ut-tuition", "0 ALL"),
            "invalid_amount",
        ),
        (
            ARTA,
            "ACC-0001",
            with("ut-tuition", "-1 ALL"),
            "invalid_amount",
        ),
        (
            ARTA,
            "ACC-0001",
            with("ut-parking", "500 ALL"),
            "unknown_service",
        ),
        (
            ARTA,
            "ACC-0001",
            with("ut-tuition", "50 EUR"),
            "currency_mismatch",
        ),
        (
            ARTA,
            "ACC-0003",
            with("ut-tuition", "50 EUR"),
            "currency_mismatch",
        ),
        (
            BLERIM,
            "ACC-0004",
            with("upt-diploma", "10000 ALL"),
            "insufficient_funds",
        ),
        (
            ARTA,
            "ACC-0004",
            with("ut-tuition", "100 ALL"),
            "unknown_account",
        ),
        (
            DRITAN,
            "ACC-0005",
            with("ut-tuition", "100 ALL"),
            "card_blocked",
        ),
        (OTHER, "NET-0001", with("ut-tuition", "100 ALL"), "declined"),
        (
            ARTA,
            "ACC-0001",
            Tuition {
                student_name: "  ",
                ..REGISTRATION
            },
            "bad_request",
        ),
        (
            ARTA,
            "ACC-0001",
            Tuition {
                student_id: "",
                ..REGISTRATION
            },
            "bad_request",
        ),
        (
            ARTA,
            "ACC-0001",
            Tuition {
                invoice: "4741230000001234",
                ..REGISTRATION
            },
            "bad_request",
        ),
    ];
    for (i, (pan, account, t, code)) in cases.iter().enumerate() {
        let result = pay_tuition(&mut bank, pan, account, t, &format!("r-{i}"));
        assert_eq!(&refusal(result), code, "case {i}");
    }
    let text_date = call(
        &mut bank,
        "pay_tuition",
        &[
            ("pan", secret(ARTA)),
            ("account", Value::text("ACC-0001")),
            ("service", Value::text("ut-registration")),
            ("student_id", Value::text("S1")),
            ("student_name", Value::text("Ana")),
            ("invoice_number", Value::text("F1")),
            ("invoice_date", Value::text("02.11.2026")),
            ("amount", Value::Money(money("5000", "ALL"))),
        ],
        "r-date",
    );
    assert_eq!(refusal(text_date), "bad_request");
    assert_eq!(count(&bank), before + 2);
    assert_balanced(&bank);
}

// ---------------------------------------------------------------------------------------
// Transfers (§III.12)

#[test]
fn a_beneficiary_is_found_by_cif_account_or_mobile() {
    let mut bank = bank();
    let find = |bank: &mut Bank, by: &str, value: &str| {
        call(
            bank,
            "find_beneficiary",
            &[("by", Value::text(by)), ("value", Value::text(value))],
            "",
        )
    };
    let blerim = Value::record([
        ("account", Value::text("ACC-0004")),
        ("name", Value::text("Blerim K.")),
        ("masked_account", Value::text("**** 2205")),
        ("currency", Value::text("ALL")),
    ]);
    for (by, value) in [
        ("cif", "100002"),
        ("account", BLERIM_IBAN),
        ("account", "AL39205110010000000411872205"),
        ("account", "205110010000000411872205"),
        ("account", "0000000411872205"),
        ("account", "ACC-0004"),
        ("account", "acc-0004"),
        ("mobile", "+355682345678"),
        ("mobile", "+355 68 234 5678"),
        ("mobile", "0682345678"),
    ] {
        assert_eq!(ok(find(&mut bank, by, value)), blerim, "{by} {value}");
    }
    let arta = ok(find(&mut bank, "cif", "100001"));
    assert_eq!(text_of(&arta, "account"), "ACC-0001");
    assert_eq!(text_of(&arta, "name"), "Arta H.");
    for (by, value) in [
        ("cif", "100009"),
        ("cif", ""),
        ("account", "ACC-9999"),
        ("account", "CCA-0001"),
        ("account", "INST-OSHEE"),
        ("account", "NET-0001"),
        ("account", "AL96 2051 1001 0000 0009 0000 0011"),
        ("account", ""),
        ("mobile", "+355699999999"),
        ("mobile", "12"),
    ] {
        assert_eq!(
            refusal(find(&mut bank, by, value)),
            "unknown_beneficiary",
            "{by} {value}"
        );
    }
    assert_eq!(refusal(find(&mut bank, "name", "Blerim")), "bad_request");
}

#[test]
fn a_transfer_moves_money_between_customers() {
    let mut bank = bank();
    let before = count(&bank);
    let answer = ok(transfer(
        &mut bank,
        ARTA,
        "ACC-0001",
        "ACC-0004",
        "10000 ALL",
        "x-1",
    ));
    assert_eq!(amount(&answer, "balance"), "240000 ALL");
    assert_eq!(balance(&bank, "ACC-0004"), money("13000", "ALL"));
    assert_eq!(
        ok(transfer(
            &mut bank,
            ARTA,
            "ACC-0001",
            "ACC-0004",
            "10000 ALL",
            "x-1"
        )),
        answer
    );
    assert_eq!(count(&bank), before + 1);
    let received = ok(history(
        &mut bank,
        BLERIM,
        "ACC-0004",
        date(2025, 7, 14),
        date(2025, 7, 14),
    ));
    assert_eq!(
        text_of(&list(&received)[0], "description"),
        "Transfertë nga Arta H. / Transfer from Arta H."
    );
    let sent = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2025, 7, 14),
        date(2025, 7, 14),
    ));
    assert_eq!(
        text_of(&list(&sent)[0], "description"),
        "Transfertë te Blerim K. / Transfer to Blerim K."
    );
    // Back from Blerim, by account number; and between Arta's own accounts.
    ok(transfer(
        &mut bank,
        BLERIM,
        "ACC-0004",
        "AL89 2051 1001 0000 0002 3569 8741",
        "13000 ALL",
        "x-2",
    ));
    assert_eq!(balance(&bank, "ACC-0004"), money("0", "ALL"));
    ok(transfer(
        &mut bank, ARTA, "ACC-0001", "ACC-0002", "1000 ALL", "x-3",
    ));
    assert_eq!(balance(&bank, "ACC-0002"), money("41000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0001"), money("252000", "ALL"));
    assert_balanced(&bank);

    let before = count(&bank);
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (ARTA, "ACC-0001", "ACC-0001", "100 ALL", "same_account"),
        (
            ARTA,
            "ACC-0001",
            "AL89 2051 1001 0000 0002 3569 8741",
            "100 ALL",
            "same_account",
        ),
        (ARTA, "ACC-0001", "ACC-0003", "100 ALL", "currency_mismatch"),
        (ARTA, "ACC-0001", "ACC-0004", "100 EUR", "currency_mismatch"),
        (ARTA, "ACC-0001", "ACC-0004", "0 ALL", "invalid_amount"),
        (ARTA, "ACC-0001", "ACC-0004", "-100 ALL", "invalid_amount"),
        (
            ARTA,
            "ACC-0001",
            "ACC-0004",
            "300000 ALL",
            "insufficient_funds",
        ),
        (
            ARTA,
            "ACC-0001",
            "ACC-9999",
            "100 ALL",
            "unknown_beneficiary",
        ),
        (
            ARTA,
            "ACC-0001",
            "CCA-0002",
            "100 ALL",
            "unknown_beneficiary",
        ),
        (ARTA, "ACC-0001", "OP-ONE", "100 ALL", "unknown_beneficiary"),
        (ARTA, "ACC-0004", "ACC-0005", "100 ALL", "unknown_account"),
        (DRITAN, "ACC-0005", "ACC-0004", "100 ALL", "card_blocked"),
        (OTHER, "NET-0001", "ACC-0004", "100 ALL", "declined"),
    ];
    for (i, (pan, account, to, paid, code)) in cases.iter().enumerate() {
        let result = transfer(&mut bank, pan, account, to, paid, &format!("r-{i}"));
        assert_eq!(&refusal(result), code, "case {i}");
    }
    assert_eq!(count(&bank), before);
    assert_balanced(&bank);
}

// ---------------------------------------------------------------------------------------
// Everything together

#[test]
fn the_ledger_stays_balanced_and_the_outbox_clean_through_a_busy_day() {
    let mut bank = bank();
    ok(topup(
        &mut bank,
        ARTA,
        "ACC-0001",
        ("one", "+355681112233", "one-week"),
        "300 ALL",
        "d-1",
    ));
    ok(pay_card(
        &mut bank, ARTA, "ACC-0001", "CC-0002", "2000 ALL", "d-2",
    ));
    ok(pay_bill(&mut bank, ARTA, "ACC-0001", "BILL-0002", "d-3"));
    ok(pay_tuition(
        &mut bank,
        ARTA,
        "ACC-0002",
        &REGISTRATION,
        "d-4",
    ));
    ok(transfer(
        &mut bank, ARTA, "ACC-0001", "ACC-0005", "2500 ALL", "d-5",
    ));
    ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("5000", "ALL"),
        "d-6",
    ));
    ok(call(
        &mut bank,
        "email_history",
        &[
            ("pan", secret(ARTA)),
            ("account", Value::text("ACC-0001")),
            ("from", date(2025, 1, 1)),
            ("to", date(2025, 12, 31)),
        ],
        "",
    ));
    ok(call(
        &mut bank,
        "email_account_details",
        &[("pan", secret(ARTA)), ("account", Value::text("ACC-0003"))],
        "",
    ));
    ok(call(
        &mut bank,
        "change_pin",
        &[("pan", secret(ARTA)), ("pin", secret("7410"))],
        "",
    ));
    assert_eq!(balance(&bank, "ACC-0001"), money("237220", "ALL"));
    assert_eq!(balance(&bank, "ACC-0005"), money("17500", "ALL"));
    assert_balanced(&bank);
    let outbox = bank.outbox().expect("outbox");
    assert_eq!(outbox.len(), 3);
    // The history e-mail holds every movement of the day, the opening balance included.
    assert!(outbox[0].body.contains("Opening balance (demo data)"));
    assert!(
        outbox[0]
            .body
            .contains("Pagesë karte krediti / Credit card payment 5234 56** **** 3344")
    );
    assert_outbox_holds_no_secret(&bank, &["7410"]);
    // A key reused by another operation is caught.
    let reused = transfer(&mut bank, ARTA, "ACC-0001", "ACC-0004", "300 ALL", "d-1");
    assert_eq!(refusal(reused), "idempotency_conflict");
}

#[test]
fn a_version_2_database_is_migrated_and_gets_the_reference_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bank-v2.sqlite");
    let withdrawal = {
        let mut conn = rusqlite::Connection::open(&path).expect("open v2");
        conn.pragma_update(None, "foreign_keys", true).expect("fk");
        crate::schema::migrate_to(&mut conn, 2).expect("v2 schema");
        let tx = conn.transaction().expect("tx");
        crate::demo::seed_as_version_2(&tx).expect("seed");
        tx.commit().expect("commit");
        let answer = crate::ops::dispatch(
            &mut conn,
            &request(
                "withdraw",
                &[
                    ("pan", secret(ARTA)),
                    ("account", Value::text("ACC-0001")),
                    ("amount", Value::Money(money("5000", "ALL"))),
                ],
                "v2-w",
            ),
            at(2026, 11, 20, 9, 0),
        )
        .expect("withdraw on v2");
        assert_eq!(crate::schema::version(&conn).expect("version"), 2);
        text_of(&answer, "transaction_id")
    };
    let mut bank = Bank::open(&path).expect("open and migrate");
    assert_eq!(crate::schema::version(&bank.conn).expect("version"), 4);
    let enforced: bool = bank
        .conn
        .pragma_query_value(None, "foreign_keys", |row| row.get(0))
        .expect("pragma");
    assert!(enforced);
    let dangling: i64 = bank
        .conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .expect("check");
    assert_eq!(dangling, 0);
    // The balances are kept; no history is added, the credit cards open at what is owed.
    assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0004"), money("3000", "ALL"));
    assert_eq!(balance(&bank, "CCA-0001"), money("45000", "ALL"));
    // Version 4 adds 4 opening balances and 3 salaries.
    assert_eq!(count(&bank), 9 + 3 + 7);
    assert_balanced(&bank);
    // The entry booked before the migration keeps its id and can be reversed.
    let reversal = ok(call(
        &mut bank,
        "reverse",
        &[
            ("transaction_id", Value::text(withdrawal.as_str())),
            ("amount", Value::Money(money("5000", "ALL"))),
        ],
        "v3-r",
    ));
    assert_eq!(amount(&reversal, "balance"), "250000 ALL");
    // The ledger is still append-only.
    assert!(
        bank.conn
            .execute("DELETE FROM journal_entries", [])
            .is_err()
    );
    assert!(
        bank.conn
            .execute("UPDATE journal_entries SET amount_minor = 1", [])
            .is_err()
    );
    // The new operations work on the migrated data.
    let numbers = ok(call(
        &mut bank,
        "topup_numbers",
        &[("pan", secret(ARTA))],
        "",
    ));
    assert_eq!(list(&numbers).len(), 2);
    assert_eq!(
        amount(&credit_card_of(&mut bank, ARTA), "balance"),
        "45000 ALL"
    );
    ok(pay_bill(&mut bank, ARTA, "ACC-0001", "BILL-0001", "v3-b"));
    ok(topup(
        &mut bank,
        ARTA,
        "ACC-0001",
        ("one", "+355681112233", ""),
        "500 ALL",
        "v3-t",
    ));
    let withdrawals = ok(history(
        &mut bank,
        ARTA,
        "ACC-0001",
        date(2026, 11, 20),
        date(2026, 11, 20),
    ));
    assert_eq!(list(&withdrawals).len(), 1);
    assert_balanced(&bank);
    drop(bank);
    // Opening again adds nothing.
    let bank = Bank::open(&path).expect("reopen");
    assert_eq!(count(&bank), 9 + 3 + 7 + 3);
    let operators: i64 = bank
        .conn
        .query_row("SELECT COUNT(*) FROM operators", [], |row| row.get(0))
        .expect("count");
    assert_eq!(operators, 2);
}

#[test]
fn every_catalogue_operation_is_answered_by_the_bank() {
    let catalogue = include_str!("../../flows/catalogue.yaml");
    let mut in_host = false;
    let mut declared: Vec<(String, bool)> = Vec::new();
    for line in catalogue.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            in_host = line.trim_end() == "host:";
            continue;
        }
        if !in_host {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if indent == 2 && !trimmed.starts_with('#') {
            if let Some(name) = trimmed.strip_suffix(':') {
                declared.push((name.to_string(), false));
            }
        } else if indent == 4
            && trimmed == "moves_money: true"
            && let Some(last) = declared.last_mut()
        {
            last.1 = true;
        }
    }
    assert!(declared.len() >= 31, "{declared:?}");
    for (name, moves_money) in &declared {
        let op = crate::OPERATIONS
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("the catalogue's `{name}` is not in OPERATIONS"));
        assert_eq!(op.moves_money, *moves_money, "{name}");
    }
    for op in crate::OPERATIONS {
        assert!(
            declared.iter().any(|(name, _)| name == op.name),
            "`{}` is not in the catalogue",
            op.name
        );
    }
}
