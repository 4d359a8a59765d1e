//! The bank through its public face: `Bank`'s queries and the `Host` operations.

use std::collections::BTreeMap;
use std::str::FromStr;

use atmflow_engine::ports::{Host, HostError, HostRequest};
use atmflow_engine::value::{Currency, Money, Secret, Value};
use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::{Bank, BankError};

pub(crate) const ARTA: &str = "4741230000001234";
pub(crate) const BLERIM: &str = "4741230000005678";
pub(crate) const DRITAN: &str = "4741230000009012";
pub(crate) const OTHER: &str = "5355000000009999";

/// Journal entries of a fresh demo bank: 6 opening balances, 2 vault loads, 3 credit card
/// opening balances and 15 movements of the demo history; and of version 4, 4 opening
/// balances (the blocked other-bank card, the business's two accounts, the epara wallet)
/// and 3 salaries.
pub(crate) const DEMO_ENTRIES: u64 = 33;

pub(crate) fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2025, 7, 14)
        .and_then(|d| d.and_hms_opt(10, 30, 0))
        .expect("valid test time")
}

pub(crate) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal literal")
}

pub(crate) fn money(amount: &str, currency: &str) -> Money {
    Money::new(dec(amount), Currency(currency.to_string()))
}

pub(crate) fn secret(text: &str) -> Value {
    Value::Secret(Secret::new(text))
}

pub(crate) fn request(op: &str, args: &[(&str, Value)], key: &str) -> HostRequest {
    HostRequest {
        op: op.to_string(),
        args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<BTreeMap<_, _>>(),
        idempotency_key: key.to_string(),
        terminal_id: "ATM-TEST-01".to_string(),
    }
}

pub(crate) fn bank() -> Bank {
    Bank::open_in_memory().expect("in-memory bank")
}

pub(crate) fn call(
    bank: &mut Bank,
    op: &str,
    args: &[(&str, Value)],
    key: &str,
) -> Result<Value, HostError> {
    bank.call(&request(op, args, key), now())
}

pub(crate) fn ok(result: Result<Value, HostError>) -> Value {
    match result {
        Ok(v) => v,
        Err(e) => panic!("expected an answer, got {e}"),
    }
}

pub(crate) fn refusal(result: Result<Value, HostError>) -> String {
    match result {
        Err(HostError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub(crate) fn withdraw(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    amount: Money,
    key: &str,
) -> Result<Value, HostError> {
    call(
        bank,
        "withdraw",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("amount", Value::Money(amount)),
        ],
        key,
    )
}

pub(crate) fn deposit(
    bank: &mut Bank,
    pan: &str,
    account: &str,
    amount: Money,
    key: &str,
) -> Result<Value, HostError> {
    call(
        bank,
        "deposit",
        &[
            ("pan", secret(pan)),
            ("account", Value::text(account)),
            ("amount", Value::Money(amount)),
        ],
        key,
    )
}

fn reverse(
    bank: &mut Bank,
    transaction: &str,
    amount: Money,
    key: &str,
) -> Result<Value, HostError> {
    call(
        bank,
        "reverse",
        &[
            ("transaction_id", Value::text(transaction)),
            ("amount", Value::Money(amount)),
        ],
        key,
    )
}

pub(crate) fn verify(bank: &mut Bank, pan: &str, pin: &str) -> Value {
    ok(call(
        bank,
        "verify_pin",
        &[("pan", secret(pan)), ("pin", secret(pin))],
        "",
    ))
}

pub(crate) fn field<'a>(value: &'a Value, name: &str) -> &'a Value {
    value
        .field(name)
        .unwrap_or_else(|| panic!("no field `{name}` in {value:?}"))
}

pub(crate) fn text_of(value: &Value, name: &str) -> String {
    field(value, name)
        .as_text()
        .unwrap_or_else(|| panic!("`{name}` is not text"))
        .to_string()
}

pub(crate) fn balance(bank: &Bank, account: &str) -> Money {
    bank.balance_of(account).expect("balance")
}

pub(crate) fn assert_balanced(bank: &Bank) {
    assert!(bank.ledger_is_balanced().expect("ledger check"));
}

#[test]
fn first_run_creates_the_demo_data() {
    let bank = bank();
    assert_eq!(balance(&bank, "ACC-0001"), money("250000.00", "ALL"));
    assert_eq!(balance(&bank, "ACC-0001").amount.to_string(), "250000.00");
    assert_eq!(balance(&bank, "ACC-0002"), money("40000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0003"), money("2000", "EUR"));
    assert_eq!(balance(&bank, "ACC-0004"), money("3000", "ALL"));
    assert_eq!(balance(&bank, "NET-0001"), money("100000", "ALL"));
    assert_eq!(balance(&bank, "ATM-CASH-ALL"), money("5000000", "ALL"));
    assert_balanced(&bank);
    assert_eq!(
        bank.account_ids_of_card(ARTA).expect("accounts"),
        ["ACC-0001", "ACC-0002", "ACC-0003"]
    );
    assert_eq!(
        bank.account_ids_of_card(OTHER).expect("accounts"),
        ["NET-0001"]
    );
    assert!(matches!(
        bank.account_ids_of_card("4111111111111111"),
        Err(BankError::UnknownCard)
    ));
    assert!(matches!(
        bank.balance_of("ACC-9999"),
        Err(BankError::UnknownAccount(_))
    ));
    let cards = Bank::demo_cards();
    assert!(cards.iter().any(|c| c.number == ARTA && c.pin == "1234"));
    assert!(
        cards
            .iter()
            .any(|c| c.number == DRITAN && c.status == "blocked")
    );
    assert_eq!(bank.transactions_count().expect("count"), DEMO_ENTRIES);
}

#[test]
fn identify_card_answers_for_each_kind_of_card() {
    let mut bank = bank();
    let arta = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(ARTA))],
        "",
    ));
    assert_eq!(text_of(&arta, "kind"), "bkt");
    assert_eq!(text_of(&arta, "holder_name"), "Arta Hoxha");
    assert_eq!(text_of(&arta, "masked_pan"), "474123******1234");
    assert_eq!(field(&arta, "tries_left"), &Value::number(3));
    assert_eq!(field(&arta, "blocked"), &Value::Bool(false));
    assert_eq!(text_of(&arta, "last_login"), "02.06.2025 09:15");
    assert_eq!(text_of(&arta, "email"), "arta.hoxha@example.al");

    let blerim = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(BLERIM))],
        "",
    ));
    assert_eq!(text_of(&blerim, "last_login"), "");
    assert_eq!(text_of(&blerim, "email"), "");

    let dritan = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(DRITAN))],
        "",
    ));
    assert_eq!(field(&dritan, "blocked"), &Value::Bool(true));
    assert_eq!(field(&dritan, "tries_left"), &Value::number(0));

    let other = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(OTHER))],
        "",
    ));
    assert_eq!(text_of(&other, "kind"), "other");
    assert_eq!(text_of(&other, "holder_name"), "");
    assert_eq!(text_of(&other, "masked_pan"), "535500******9999");

    let unknown = call(
        &mut bank,
        "identify_card",
        &[("pan", secret("4111111111111111"))],
        "",
    );
    assert_eq!(refusal(unknown), "unknown_card");
    let garbage = call(
        &mut bank,
        "identify_card",
        &[("pan", secret("not a card"))],
        "",
    );
    assert_eq!(refusal(garbage), "unknown_card");
}

#[test]
fn a_correct_pin_resets_tries_and_records_the_login() {
    let mut bank = bank();
    let wrong = verify(&mut bank, BLERIM, "0000");
    assert_eq!(field(&wrong, "valid"), &Value::Bool(false));
    assert_eq!(field(&wrong, "tries_left"), &Value::number(2));
    let right = verify(&mut bank, BLERIM, "4321");
    assert_eq!(
        right,
        Value::record([
            ("valid", Value::Bool(true)),
            ("tries_left", Value::number(3)),
            ("blocked", Value::Bool(false)),
        ])
    );
    let card = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(BLERIM))],
        "",
    ));
    assert_eq!(field(&card, "tries_left"), &Value::number(3));
    assert_eq!(text_of(&card, "last_login"), "14.07.2025 10:30");
}

#[test]
fn three_wrong_pins_block_the_card() {
    let mut bank = bank();
    for expected in [2, 1, 0] {
        let answer = verify(&mut bank, BLERIM, "9999");
        assert_eq!(field(&answer, "valid"), &Value::Bool(false));
        assert_eq!(field(&answer, "tries_left"), &Value::number(expected));
        assert_eq!(field(&answer, "blocked"), &Value::Bool(expected == 0));
    }
    // Blocked: even the right PIN is not accepted.
    let answer = verify(&mut bank, BLERIM, "4321");
    assert_eq!(field(&answer, "valid"), &Value::Bool(false));
    assert_eq!(field(&answer, "blocked"), &Value::Bool(true));
    let card = ok(call(
        &mut bank,
        "identify_card",
        &[("pan", secret(BLERIM))],
        "",
    ));
    assert_eq!(field(&card, "blocked"), &Value::Bool(true));
    assert_eq!(
        refusal(withdraw(
            &mut bank,
            BLERIM,
            "ACC-0004",
            money("1000", "ALL"),
            "k1"
        )),
        "card_blocked"
    );
    assert_eq!(
        refusal(call(&mut bank, "accounts", &[("pan", secret(BLERIM))], "")),
        "card_blocked"
    );
    // The demo's blocked card stays blocked.
    let dritan = verify(&mut bank, DRITAN, "1111");
    assert_eq!(field(&dritan, "valid"), &Value::Bool(false));
    assert_eq!(field(&dritan, "blocked"), &Value::Bool(true));
}

#[test]
fn accounts_lists_the_cards_accounts_primary_first() {
    let mut bank = bank();
    let list = ok(call(&mut bank, "accounts", &[("pan", secret(ARTA))], ""));
    let items = list.as_list().expect("a list");
    assert_eq!(items.len(), 3);
    let first = &items[0];
    assert_eq!(text_of(first, "id"), "ACC-0001");
    assert_eq!(field(first, "primary"), &Value::Bool(true));
    assert_eq!(text_of(first, "currency"), "ALL");
    assert_eq!(text_of(first, "name"), "Current account");
    assert_eq!(
        field(first, "balance"),
        &Value::Money(money("250000", "ALL"))
    );
    let number = text_of(first, "number");
    assert!(number.starts_with("AL"));
    assert_eq!(text_of(first, "suffix"), number[number.len() - 2..]);
    assert!(
        items[1..]
            .iter()
            .all(|a| field(a, "primary") == &Value::Bool(false))
    );
    assert_eq!(text_of(&items[2], "currency"), "EUR");
    assert_eq!(
        field(&items[2], "balance"),
        &Value::Money(money("2000", "EUR"))
    );

    let other = ok(call(&mut bank, "accounts", &[("pan", secret(OTHER))], ""));
    assert_eq!(other.as_list().map(<[Value]>::len), Some(1));
}

#[test]
fn fast_presets_are_personal_or_standard() {
    let mut bank = bank();
    let presets = |bank: &mut Bank, pan: &str, currency: &str| {
        ok(call(
            bank,
            "fast_presets",
            &[("pan", secret(pan)), ("currency", Value::text(currency))],
            "",
        ))
    };
    let list = |amounts: &[&str], currency: &str| {
        Value::List(
            amounts
                .iter()
                .map(|a| Value::Money(money(a, currency)))
                .collect(),
        )
    };
    assert_eq!(
        presets(&mut bank, ARTA, "ALL"),
        list(&["2000", "5000", "10000", "20000"], "ALL")
    );
    assert_eq!(
        presets(&mut bank, ARTA, "EUR"),
        list(&["20", "50", "100", "200"], "EUR")
    );
    assert_eq!(
        presets(&mut bank, BLERIM, "ALL"),
        list(&["1000", "2000", "5000", "10000"], "ALL")
    );
    assert_eq!(
        presets(&mut bank, OTHER, "ALL"),
        list(&["1000", "2000", "5000", "10000"], "ALL")
    );
    let usd = call(
        &mut bank,
        "fast_presets",
        &[("pan", secret(ARTA)), ("currency", Value::text("USD"))],
        "",
    );
    assert_eq!(refusal(usd), "bad_request");
}

#[test]
fn a_withdrawal_changes_the_derived_balance_exactly() {
    let mut bank = bank();
    let before = bank.transactions_count().expect("count");
    let answer = ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("5000", "ALL"),
        "w-1",
    ));
    assert!(text_of(&answer, "transaction_id").starts_with("TXN-"));
    assert_eq!(
        field(&answer, "balance"),
        &Value::Money(money("245000", "ALL"))
    );
    assert_eq!(balance(&bank, "ACC-0001"), money("245000.00", "ALL"));
    assert_eq!(balance(&bank, "ATM-CASH-ALL"), money("4995000", "ALL"));
    assert_eq!(bank.transactions_count().expect("count"), before + 1);
    assert_balanced(&bank);

    let eur = ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0003",
        money("150", "EUR"),
        "w-2",
    ));
    assert_eq!(field(&eur, "balance"), &Value::Money(money("1850", "EUR")));
    let shown = ok(call(
        &mut bank,
        "balance",
        &[("pan", secret(ARTA)), ("account", Value::text("ACC-0003"))],
        "",
    ));
    assert_eq!(
        shown,
        Value::record([("balance", Value::Money(money("1850", "EUR")))])
    );
    assert_balanced(&bank);
}

#[test]
fn refused_withdrawals_book_nothing() {
    let mut bank = bank();
    let before = bank.transactions_count().expect("count");
    let cases: &[(&str, &str, Money, &str)] = &[
        (
            BLERIM,
            "ACC-0004",
            money("5000", "ALL"),
            "insufficient_funds",
        ),
        (ARTA, "ACC-0001", money("100500", "ALL"), "limit_exceeded"),
        (ARTA, "ACC-0003", money("1005", "EUR"), "limit_exceeded"),
        (ARTA, "ACC-0001", money("50", "EUR"), "currency_mismatch"),
        (ARTA, "ACC-0004", money("1000", "ALL"), "unknown_account"),
        (ARTA, "ACC-9999", money("1000", "ALL"), "unknown_account"),
        (DRITAN, "ACC-0005", money("1000", "ALL"), "card_blocked"),
        (
            "4111111111111111",
            "ACC-0001",
            money("1000", "ALL"),
            "unknown_card",
        ),
        (ARTA, "ACC-0001", money("0", "ALL"), "bad_request"),
        (ARTA, "ACC-0001", money("-500", "ALL"), "bad_request"),
        (ARTA, "ACC-0001", money("10.005", "ALL"), "bad_request"),
        (OTHER, "NET-0001", money("50", "EUR"), "currency_mismatch"),
    ];
    for (i, (pan, account, amount, code)) in cases.iter().enumerate() {
        let result = withdraw(&mut bank, pan, account, amount.clone(), &format!("r-{i}"));
        assert_eq!(&refusal(result), code, "case {i}");
    }
    assert_eq!(bank.transactions_count().expect("count"), before);
    assert_eq!(balance(&bank, "ACC-0004"), money("3000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0001"), money("250000", "ALL"));
    assert_balanced(&bank);
    // The whole balance may be taken; the limit itself is allowed.
    ok(withdraw(
        &mut bank,
        BLERIM,
        "ACC-0004",
        money("3000", "ALL"),
        "all",
    ));
    assert_eq!(balance(&bank, "ACC-0004"), money("0", "ALL"));
    ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("100000", "ALL"),
        "max",
    ));
    assert_balanced(&bank);
}

#[test]
fn a_retried_request_is_booked_once() {
    let mut bank = bank();
    let before = bank.transactions_count().expect("count");
    let first = ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("2000", "ALL"),
        "same-key",
    ));
    let again = ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("2000.00", "ALL"),
        "same-key",
    ));
    assert_eq!(first, again);
    assert_eq!(bank.transactions_count().expect("count"), before + 1);
    assert_eq!(balance(&bank, "ACC-0001"), money("248000", "ALL"));
    // Later bookings do not change the stored answer.
    ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("1000", "ALL"),
        "other-key",
    ));
    let third = ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("2000", "ALL"),
        "same-key",
    ));
    assert_eq!(first, third);
    // The same key for a different request is caught, not booked.
    let conflict = withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("3000", "ALL"),
        "same-key",
    );
    assert_eq!(refusal(conflict), "idempotency_conflict");
    // A refusal is the stored answer too.
    let refused = withdraw(&mut bank, BLERIM, "ACC-0004", money("5000", "ALL"), "poor");
    assert_eq!(refusal(refused), "insufficient_funds");
    ok(deposit(
        &mut bank,
        BLERIM,
        "ACC-0004",
        money("5000", "ALL"),
        "topped-up",
    ));
    let retried = withdraw(&mut bank, BLERIM, "ACC-0004", money("5000", "ALL"), "poor");
    assert_eq!(refusal(retried), "insufficient_funds");
    assert_eq!(bank.transactions_count().expect("count"), before + 3);
    // Money-moving requests need a key.
    let keyless = withdraw(&mut bank, ARTA, "ACC-0001", money("1000", "ALL"), "");
    assert_eq!(refusal(keyless), "bad_request");
    assert_balanced(&bank);
}

#[test]
fn partial_reversals_give_back_what_was_not_delivered() {
    let mut bank = bank();
    let answer = ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("10000", "ALL"),
        "w",
    ));
    let txn = text_of(&answer, "transaction_id");
    assert_eq!(balance(&bank, "ACC-0001"), money("240000", "ALL"));

    let rev = ok(reverse(&mut bank, &txn, money("4000", "ALL"), "rev-1"));
    assert!(text_of(&rev, "reversal_id").starts_with("TXN-"));
    assert_ne!(text_of(&rev, "reversal_id"), txn);
    assert_eq!(
        field(&rev, "balance"),
        &Value::Money(money("244000", "ALL"))
    );
    assert_eq!(balance(&bank, "ATM-CASH-ALL"), money("4994000", "ALL"));
    assert_balanced(&bank);

    // Retried: same answer, booked once.
    let count = bank.transactions_count().expect("count");
    assert_eq!(
        ok(reverse(&mut bank, &txn, money("4000", "ALL"), "rev-1")),
        rev
    );
    assert_eq!(bank.transactions_count().expect("count"), count);

    // No more than what is left of the original.
    let too_much = reverse(&mut bank, &txn, money("6000.01", "ALL"), "rev-2");
    assert_eq!(refusal(too_much), "amount_exceeds_original");
    let rest = ok(reverse(&mut bank, &txn, money("6000", "ALL"), "rev-3"));
    assert_eq!(
        field(&rest, "balance"),
        &Value::Money(money("250000", "ALL"))
    );
    let nothing_left = reverse(&mut bank, &txn, money("500", "ALL"), "rev-4");
    assert_eq!(refusal(nothing_left), "amount_exceeds_original");

    let reversal_id = text_of(&rev, "reversal_id");
    for (i, id) in [
        "TXN-99999999",
        "TXN-00000001",
        reversal_id.as_str(),
        "garbage",
    ]
    .iter()
    .enumerate()
    {
        let result = reverse(&mut bank, id, money("1", "ALL"), &format!("bad-{i}"));
        assert_eq!(refusal(result), "unknown_transaction", "{id}");
    }
    let wrong_currency = reverse(&mut bank, &txn, money("1", "EUR"), "rev-eur");
    assert_eq!(refusal(wrong_currency), "currency_mismatch");
    assert_eq!(balance(&bank, "ATM-CASH-ALL"), money("5000000", "ALL"));
    assert_balanced(&bank);
}

#[test]
fn deposits_credit_the_account_and_can_be_reversed() {
    let mut bank = bank();
    let answer = ok(deposit(
        &mut bank,
        ARTA,
        "ACC-0003",
        money("50", "EUR"),
        "d-1",
    ));
    assert_eq!(
        field(&answer, "balance"),
        &Value::Money(money("2050", "EUR"))
    );
    assert_eq!(balance(&bank, "ATM-CASH-EUR"), money("50050", "EUR"));
    assert_balanced(&bank);
    let mismatch = deposit(&mut bank, ARTA, "ACC-0001", money("50", "EUR"), "d-2");
    assert_eq!(refusal(mismatch), "currency_mismatch");
    let txn = text_of(&answer, "transaction_id");
    let rev = ok(reverse(&mut bank, &txn, money("50", "EUR"), "d-rev"));
    assert_eq!(field(&rev, "balance"), &Value::Money(money("2000", "EUR")));
    assert_eq!(balance(&bank, "ATM-CASH-EUR"), money("50000", "EUR"));
    assert_balanced(&bank);
}

#[test]
fn amounts_are_exact() {
    let mut bank = bank();
    ok(deposit(
        &mut bank,
        ARTA,
        "ACC-0003",
        money("0.10", "EUR"),
        "a",
    ));
    let answer = ok(deposit(
        &mut bank,
        ARTA,
        "ACC-0003",
        money("0.20", "EUR"),
        "b",
    ));
    assert_eq!(
        field(&answer, "balance"),
        &Value::Money(money("2000.30", "EUR"))
    );
    assert_eq!(balance(&bank, "ACC-0003").amount.to_string(), "2000.30");
    ok(withdraw(
        &mut bank,
        ARTA,
        "ACC-0003",
        money("0.3", "EUR"),
        "c",
    ));
    assert_eq!(balance(&bank, "ACC-0003"), money("2000", "EUR"));
    let too_fine = deposit(&mut bank, ARTA, "ACC-0003", money("0.001", "EUR"), "d");
    assert_eq!(refusal(too_fine), "bad_request");
    assert_balanced(&bank);
}

#[test]
fn other_bank_cards_work_through_the_network_account() {
    let mut bank = bank();
    let pin = verify(&mut bank, OTHER, "0000");
    assert_eq!(field(&pin, "valid"), &Value::Bool(true));
    let answer = ok(withdraw(
        &mut bank,
        OTHER,
        "NET-0001",
        money("10000", "ALL"),
        "o-1",
    ));
    assert_eq!(
        field(&answer, "balance"),
        &Value::Money(money("90000", "ALL"))
    );
    let shown = ok(call(
        &mut bank,
        "balance",
        &[("pan", secret(OTHER)), ("account", Value::text("NET-0001"))],
        "",
    ));
    assert_eq!(
        field(&shown, "balance"),
        &Value::Money(money("90000", "ALL"))
    );
    assert_balanced(&bank);
}

#[test]
fn bad_requests_are_refused() {
    let mut bank = bank();
    let cases: Vec<(&str, Vec<(&str, Value)>)> = vec![
        ("transfer_everything", vec![]),
        ("identify_card", vec![]),
        ("identify_card", vec![("pan", Value::text(ARTA))]),
        (
            "identify_card",
            vec![("pan", secret(ARTA)), ("pin", secret("1234"))],
        ),
        ("verify_pin", vec![("pan", secret(ARTA))]),
        (
            "balance",
            vec![("pan", secret(ARTA)), ("account", Value::number(1))],
        ),
        (
            "withdraw",
            vec![
                ("pan", secret(ARTA)),
                ("account", Value::text("ACC-0001")),
                ("amount", Value::number(5000)),
            ],
        ),
        (
            "reverse",
            vec![("transaction_id", Value::text("TXN-00000001"))],
        ),
    ];
    for (op, args) in cases {
        let result = call(&mut bank, op, &args, "key");
        assert_eq!(refusal(result), "bad_request", "{op}");
    }
}

#[test]
fn secrets_never_appear_in_answers_or_errors() {
    let mut bank = bank();
    let pans = [BLERIM, "4111111111111111"];
    let pins = ["4321", "8765"];
    let mut seen = Vec::new();
    let mut record = |result: Result<Value, HostError>| {
        match &result {
            Ok(v) => seen.push(format!("{v:?} {}", v.display())),
            Err(e) => seen.push(format!("{e:?} {e}")),
        }
        if let Ok(json) = serde_json::to_string(&result.as_ref().map_err(|e| e.clone())) {
            seen.push(json);
        }
    };
    for pan in pans {
        for pin in pins {
            record(call(
                &mut bank,
                "verify_pin",
                &[("pan", secret(pan)), ("pin", secret(pin))],
                "",
            ));
        }
        record(call(
            &mut bank,
            "identify_card",
            &[("pan", secret(pan))],
            "",
        ));
        record(call(&mut bank, "accounts", &[("pan", secret(pan))], ""));
        record(withdraw(
            &mut bank,
            pan,
            "ACC-0004",
            money("5000", "ALL"),
            pan,
        ));
        record(withdraw(
            &mut bank,
            pan,
            "ACC-0004",
            money("500", "ALL"),
            "x",
        ));
        record(deposit(&mut bank, pan, "ACC-0004", money("5", "EUR"), "y"));
        record(call(
            &mut bank,
            "identify_card",
            &[("pan", secret(pan)), ("pin", secret(pins[0]))],
            "",
        ));
    }
    // Blerim's card is blocked by now: those answers are in `seen` too.
    if let Err(e) = bank.account_ids_of_card(pans[1]) {
        seen.push(format!("{e:?} {e}"));
    }
    assert!(seen.len() > 20);
    for text in &seen {
        for secret in pans.iter().chain(pins.iter()) {
            assert!(!text.contains(secret), "`{text}` shows a secret");
        }
    }
}

#[test]
fn the_database_persists_and_resets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bank.sqlite");
    {
        let mut bank = Bank::open(&path).expect("open");
        ok(withdraw(
            &mut bank,
            ARTA,
            "ACC-0001",
            money("5000", "ALL"),
            "p-1",
        ));
        verify(&mut bank, BLERIM, "0000");
    }
    {
        let mut bank = Bank::open(&path).expect("reopen");
        assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
        assert_eq!(bank.transactions_count().expect("count"), DEMO_ENTRIES + 1);
        let card = ok(call(
            &mut bank,
            "identify_card",
            &[("pan", secret(BLERIM))],
            "",
        ));
        assert_eq!(field(&card, "tries_left"), &Value::number(2));
        // The key survives a restart.
        let count = bank.transactions_count().expect("count");
        ok(withdraw(
            &mut bank,
            ARTA,
            "ACC-0001",
            money("5000", "ALL"),
            "p-1",
        ));
        assert_eq!(bank.transactions_count().expect("count"), count);
    }
    let bank = Bank::reset(&path).expect("reset");
    assert_eq!(balance(&bank, "ACC-0001"), money("250000", "ALL"));
    assert_eq!(bank.transactions_count().expect("count"), DEMO_ENTRIES);
    assert_balanced(&bank);
}

#[test]
fn the_ledger_refuses_edits() {
    let bank = bank();
    let update = bank
        .conn
        .execute("UPDATE postings SET amount_minor = amount_minor * 2", []);
    assert!(update.is_err());
    let delete = bank.conn.execute("DELETE FROM journal_entries", []);
    assert!(delete.is_err());
    assert_balanced(&bank);
}

fn primary(bank: &mut Bank, pan: &str, currency: &str) -> Result<Value, HostError> {
    call(
        bank,
        "primary_account",
        &[("pan", secret(pan)), ("currency", Value::text(currency))],
        "",
    )
}

pub(crate) fn email(bank: &mut Bank, pan: &str, lines: &[&str]) -> Result<Value, HostError> {
    call(
        bank,
        "email_receipt",
        &[
            ("pan", secret(pan)),
            (
                "lines",
                Value::List(lines.iter().map(|l| Value::text(*l)).collect()),
            ),
        ],
        "",
    )
}

#[test]
fn primary_account_is_the_primary_or_the_first_in_the_currency() {
    let mut bank = bank();
    let all = ok(primary(&mut bank, ARTA, "ALL"));
    // The same record as in `accounts`.
    let listed = ok(call(&mut bank, "accounts", &[("pan", secret(ARTA))], ""));
    assert_eq!(Some(&all), listed.as_list().and_then(<[Value]>::first));
    assert_eq!(text_of(&all, "id"), "ACC-0001");
    assert_eq!(field(&all, "primary"), &Value::Bool(true));
    assert_eq!(
        field(&all, "balance"),
        &Value::Money(money("250000", "ALL"))
    );

    let eur = ok(primary(&mut bank, ARTA, "EUR"));
    assert_eq!(text_of(&eur, "id"), "ACC-0003");
    assert_eq!(text_of(&eur, "currency"), "EUR");
    assert_eq!(field(&eur, "primary"), &Value::Bool(false));
    assert_eq!(field(&eur, "balance"), &Value::Money(money("2000", "EUR")));
    for key in ["id", "number", "suffix", "currency", "name"] {
        text_of(&eur, key);
    }

    assert_eq!(
        text_of(&ok(primary(&mut bank, BLERIM, "ALL")), "id"),
        "ACC-0004"
    );
    assert_eq!(refusal(primary(&mut bank, BLERIM, "EUR")), "no_account");
    assert_eq!(refusal(primary(&mut bank, BLERIM, "USD")), "no_account");
    assert_eq!(
        text_of(&ok(primary(&mut bank, OTHER, "ALL")), "id"),
        "NET-0001"
    );
    assert_eq!(refusal(primary(&mut bank, OTHER, "EUR")), "no_account");
    assert_eq!(refusal(primary(&mut bank, DRITAN, "ALL")), "card_blocked");
    assert_eq!(
        refusal(primary(&mut bank, "4111111111111111", "ALL")),
        "unknown_card"
    );
    assert_eq!(refusal(primary(&mut bank, ARTA, "eur")), "bad_request");
    let extra = call(
        &mut bank,
        "primary_account",
        &[
            ("pan", secret(ARTA)),
            ("currency", Value::text("ALL")),
            ("account", Value::text("ACC-0001")),
        ],
        "",
    );
    assert_eq!(refusal(extra), "bad_request");
}

#[test]
fn primary_account_follows_link_order_when_the_primary_is_elsewhere() {
    let mut bank = bank();
    // Link two more EUR accounts to Blerim's card, the later id first.
    bank.conn
        .execute_batch(
            "INSERT INTO accounts (id, number, name, currency, kind, normal_side, customer_id)
             VALUES ('ACC-0009', 'AL00 0000 0000 0000 0000 0000 0009', 'Euro B', 'EUR',
                     'customer', 'credit', 2),
                    ('ACC-0008', 'AL00 0000 0000 0000 0000 0000 0008', 'Euro A', 'EUR',
                     'customer', 'credit', 2);
             INSERT INTO card_accounts (card_id, account_id, is_primary)
             VALUES (2, 'ACC-0009', 0), (2, 'ACC-0008', 0);",
        )
        .expect("link accounts");
    let eur = ok(primary(&mut bank, BLERIM, "EUR"));
    assert_eq!(text_of(&eur, "id"), "ACC-0009");
    assert_eq!(field(&eur, "balance"), &Value::Money(money("0", "EUR")));
    assert_eq!(
        text_of(&ok(primary(&mut bank, BLERIM, "ALL")), "id"),
        "ACC-0004"
    );
}

#[test]
fn a_receipt_is_queued_in_the_outbox_with_the_address_masked() {
    let mut bank = bank();
    assert!(bank.outbox().expect("outbox").is_empty());
    let lines = [
        "BKT - Cash withdrawal",
        "Card 474123******1234",
        "Amount 5,000.00 ALL",
        "TXN-00000009  14.07.2025 10:30",
    ];
    let answer = ok(email(&mut bank, ARTA, &lines));
    assert_eq!(
        answer,
        Value::record([("sent_to", Value::text("ar***@example.al"))])
    );
    let outbox = bank.outbox().expect("outbox");
    assert_eq!(outbox.len(), 1);
    let message = &outbox[0];
    assert_eq!(message.channel, "email");
    assert_eq!(message.recipient, "arta.hoxha@example.al");
    assert_eq!(message.subject, "BKT receipt");
    assert_eq!(message.body, lines.join("\n"));
    assert_eq!(message.created_at, now());
    // Queuing books nothing.
    assert_eq!(bank.transactions_count().expect("count"), DEMO_ENTRIES);
}

#[test]
fn receipts_are_refused_without_an_address_or_with_a_card_number() {
    let mut bank = bank();
    assert_eq!(refusal(email(&mut bank, BLERIM, &["Receipt"])), "no_email");
    assert_eq!(refusal(email(&mut bank, OTHER, &["Receipt"])), "no_email");
    assert_eq!(
        refusal(email(&mut bank, DRITAN, &["Receipt"])),
        "card_blocked"
    );
    assert_eq!(
        refusal(email(&mut bank, "4111111111111111", &["Receipt"])),
        "unknown_card"
    );
    for lines in [
        &["Receipt", "Card 4741230000001234"][..],
        &["Card 4741 2300 0000 1234"],
        &["Card 4111111111111111"],
        &["Ref 123456789012"],
        &[],
    ] {
        let result = email(&mut bank, ARTA, lines);
        match &result {
            Err(HostError::Refused { code, message }) => {
                assert_eq!(code, "bad_request", "{lines:?}");
                assert!(!message.contains(ARTA) && !message.contains("4111"));
            }
            other => panic!("expected a refusal for {lines:?}, got {other:?}"),
        }
    }
    let mistyped = call(
        &mut bank,
        "email_receipt",
        &[
            ("pan", secret(ARTA)),
            ("lines", Value::List(vec![Value::number(1)])),
        ],
        "",
    );
    assert_eq!(refusal(mistyped), "bad_request");
    let not_a_list = call(
        &mut bank,
        "email_receipt",
        &[("pan", secret(ARTA)), ("lines", Value::text("Receipt"))],
        "",
    );
    assert_eq!(refusal(not_a_list), "bad_request");
    assert!(bank.outbox().expect("outbox").is_empty());
}

#[test]
fn every_operation_is_listed_and_answered() {
    let mut bank = bank();
    for op in crate::OPERATIONS {
        // No arguments: a known operation refuses them as a bad request, not as unknown.
        if ["operators", "new_qr_token", "exchange_rates"].contains(&op.name) {
            // The operations that take none.
            assert!(call(&mut bank, op.name, &[], "").is_ok());
            continue;
        }
        match call(&mut bank, op.name, &[], "key") {
            Err(HostError::Refused { code, message }) => {
                assert_eq!(code, "bad_request", "{}", op.name);
                assert!(!message.contains("unknown operation"), "{}", op.name);
            }
            other => panic!("{}: {other:?}", op.name),
        }
    }
    let names: Vec<&str> = crate::OPERATIONS.iter().map(|o| o.name).collect();
    assert!(names.contains(&"primary_account") && names.contains(&"email_receipt"));
}

#[test]
fn a_version_1_database_is_migrated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bank-v1.sqlite");
    {
        // The database as a version-1 build wrote it, with a withdrawal booked.
        let mut conn = rusqlite::Connection::open(&path).expect("open v1");
        crate::schema::migrate_to(&mut conn, 1).expect("v1 schema");
        let tx = conn.transaction().expect("tx");
        crate::demo::seed_as_version_2(&tx).expect("seed");
        tx.commit().expect("commit");
        crate::ops::dispatch(
            &mut conn,
            &request(
                "withdraw",
                &[
                    ("pan", secret(ARTA)),
                    ("account", Value::text("ACC-0001")),
                    ("amount", Value::Money(money("5000", "ALL"))),
                ],
                "v1-w",
            ),
            now(),
        )
        .expect("withdraw on v1");
        assert_eq!(crate::schema::version(&conn).expect("version"), 1);
        let outbox: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'outbox'",
                [],
                |row| row.get(0),
            )
            .expect("query");
        assert_eq!(outbox, 0);
    }
    let mut bank = Bank::open(&path).expect("open and migrate");
    assert_eq!(
        crate::schema::version(&bank.conn).expect("version"),
        crate::SCHEMA_VERSION
    );
    assert_eq!(crate::SCHEMA_VERSION, 4);
    // The data is kept, not seeded again; the reference data of version 3 is added (with
    // the 3 credit cards' opening balances), the demo history is not; the data of version
    // 4 is added (4 opening balances, 3 salaries).
    assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
    assert_eq!(bank.transactions_count().expect("count"), 19);
    assert_balanced(&bank);
    ok(email(&mut bank, ARTA, &["Receipt"]));
    assert_eq!(bank.outbox().expect("outbox").len(), 1);
    drop(bank);
    // Opening again changes nothing.
    let bank = Bank::open(&path).expect("reopen");
    assert_eq!(bank.outbox().expect("outbox").len(), 1);
    assert_eq!(bank.transactions_count().expect("count"), 19);
}

#[test]
fn a_newer_database_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bank-new.sqlite");
    drop(Bank::open(&path).expect("create"));
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", crate::SCHEMA_VERSION + 1)
            .expect("bump");
    }
    assert!(matches!(
        Bank::open(&path),
        Err(BankError::SchemaTooNew { found: 5, known: 4 })
    ));
}
