//! QR tokens and intents (manual §V.2, §V.3, §VI), and the channels that start them: the
//! phone app's Soft PIN and QR scan, the epara wallet.

use std::collections::BTreeMap;

use atmflow_engine::ports::{Host, HostError, HostRequest};
use atmflow_engine::value::Value;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::Bank;
use crate::tests::{
    ARTA, BLERIM, DRITAN, OTHER, assert_balanced, balance, bank, money, ok, refusal, text_of,
};

/// The terminal most tests run at.
pub(crate) const T1: &str = "T001";
pub(crate) const T2: &str = "T002";

/// 25.11.2026 10:00, the day the demo's "last two months" of salaries are counted from.
pub(crate) fn t0() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .expect("valid test time")
}

pub(crate) fn on(
    bank: &mut Bank,
    terminal: &str,
    op: &str,
    args: &[(&str, Value)],
    key: &str,
    at: NaiveDateTime,
) -> Result<Value, HostError> {
    let request = HostRequest {
        op: op.to_string(),
        args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        idempotency_key: key.to_string(),
        terminal_id: terminal.to_string(),
    };
    bank.call(&request, at)
}

pub(crate) fn chan(
    bank: &mut Bank,
    op: &str,
    args: &[(&str, &str)],
    at: NaiveDateTime,
) -> Result<Value, HostError> {
    let args: BTreeMap<String, String> = args
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    bank.channel(op, &args, at)
}

pub(crate) fn new_token(bank: &mut Bank, terminal: &str, at: NaiveDateTime) -> (String, String) {
    let answer = ok(on(bank, terminal, "new_qr_token", &[], "", at));
    (text_of(&answer, "token"), text_of(&answer, "payload"))
}

pub(crate) fn intent_of(
    bank: &mut Bank,
    terminal: &str,
    token: &str,
    at: NaiveDateTime,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "qr_intent",
        &[("token", Value::text(token))],
        "",
        at,
    )
}

pub(crate) fn soft_pin(bank: &mut Bank, card: &str, pin: &str) {
    let answer = ok(chan(
        bank,
        "app_activate_soft_pin",
        &[("card", card), ("soft_pin", pin), ("soft_pin_again", pin)],
        t0(),
    ));
    assert_eq!(answer.field("activated"), Some(&Value::Bool(true)));
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn app_qr(
    bank: &mut Bank,
    card: &str,
    pin: &str,
    account: &str,
    amount: &str,
    payload: &str,
    kind: &str,
    at: NaiveDateTime,
) -> Result<Value, HostError> {
    chan(
        bank,
        "app_qr",
        &[
            ("card", card),
            ("soft_pin", pin),
            ("account", account),
            ("amount", amount),
            ("payload", payload),
            ("kind", kind),
        ],
        at,
    )
}

pub(crate) fn qr_withdraw(
    bank: &mut Bank,
    terminal: &str,
    intent: &str,
    key: &str,
    at: NaiveDateTime,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "qr_withdraw",
        &[("intent", Value::text(intent))],
        key,
        at,
    )
}

pub(crate) fn reverse_at(
    bank: &mut Bank,
    terminal: &str,
    transaction: &str,
    amount: &str,
    key: &str,
    at: NaiveDateTime,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "reverse",
        &[
            ("transaction_id", Value::text(transaction)),
            ("amount", Value::Money(money(amount, "ALL"))),
        ],
        key,
        at,
    )
}

fn amount_of(value: &Value) -> Value {
    value.field("amount").cloned().expect("amount")
}

#[test]
fn qr_tokens_are_fresh_bound_to_the_terminal_and_expire() {
    let mut bank = bank();
    let (a, payload_a) = new_token(&mut bank, T1, t0());
    let (b, payload_b) = new_token(&mut bank, T1, t0());
    assert_ne!(a, b);
    assert_eq!(a.len(), 12);
    assert_eq!(payload_a, format!("BKT-ATM:T001:{a}"));
    assert_eq!(payload_b, format!("BKT-ATM:T001:{b}"));
    // Deterministic: a fresh bank makes the same first token.
    let mut again = crate::tests::bank();
    assert_eq!(new_token(&mut again, T2, t0()).0, a);

    // Nothing started yet.
    let none = ok(intent_of(&mut bank, T1, &a, t0()));
    assert_eq!(text_of(&none, "kind"), "none");
    assert_eq!(text_of(&none, "intent"), "");
    assert_eq!(text_of(&none, "channel"), "");
    assert_eq!(text_of(&none, "account_masked"), "");
    assert_eq!(amount_of(&none), Value::Money(money("0", "ALL")));

    // Another terminal, an unknown token, an expired token: all `expired`.
    assert_eq!(refusal(intent_of(&mut bank, T2, &a, t0())), "expired");
    assert_eq!(
        refusal(intent_of(&mut bank, T1, "NOSUCHTOKEN", t0())),
        "expired"
    );
    let later = t0() + Duration::minutes(crate::ops::qr::TOKEN_MINUTES);
    assert_eq!(refusal(intent_of(&mut bank, T1, &a, later)), "expired");
    assert!(intent_of(&mut bank, T1, &a, later - Duration::seconds(1)).is_ok());

    // The token takes no arguments and needs a terminal id.
    let extra = on(
        &mut bank,
        T1,
        "new_qr_token",
        &[("terminal", Value::text(T1))],
        "",
        t0(),
    );
    assert_eq!(refusal(extra), "bad_request");
    assert_eq!(
        refusal(on(&mut bank, "", "new_qr_token", &[], "", t0())),
        "bad_request"
    );
    assert_eq!(
        refusal(on(&mut bank, T1, "qr_intent", &[], "", t0())),
        "bad_request"
    );
}

#[test]
fn a_qr_withdrawal_from_the_app_is_booked_once_and_freed_by_a_full_reversal() {
    let mut bank = bank();
    soft_pin(&mut bank, ARTA, "9371");
    let (token, payload) = new_token(&mut bank, T1, t0());
    let started = ok(app_qr(
        &mut bank,
        ARTA,
        "9371",
        "ACC-0001",
        "5000 ALL",
        &payload,
        "withdrawal",
        t0(),
    ));
    let intent = text_of(&started, "intent");
    assert_eq!(intent, "QRI-000001");
    assert_eq!(text_of(&started, "terminal"), T1);

    let shown = ok(intent_of(&mut bank, T1, &token, t0()));
    assert_eq!(text_of(&shown, "kind"), "withdrawal");
    assert_eq!(text_of(&shown, "intent"), intent);
    assert_eq!(text_of(&shown, "channel"), "app");
    assert_eq!(text_of(&shown, "account_masked"), "**** 8741");
    assert_eq!(amount_of(&shown), Value::Money(money("5000", "ALL")));

    let booked = ok(qr_withdraw(&mut bank, T1, &intent, "qr-1", t0()));
    assert_eq!(
        booked.field("balance"),
        Some(&Value::Money(money("245000", "ALL")))
    );
    assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
    // A retry with the same key answers the same, books nothing.
    assert_eq!(
        ok(qr_withdraw(&mut bank, T1, &intent, "qr-1", t0())),
        booked
    );
    assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
    // Carried out: no longer shown, and used for another request.
    let none = ok(intent_of(&mut bank, T1, &token, t0()));
    assert_eq!(text_of(&none, "kind"), "none");
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T1, &intent, "qr-2", t0())),
        "used"
    );
    // A partial reversal leaves it used; a full one frees it again.
    let txn = text_of(&booked, "transaction_id");
    ok(reverse_at(&mut bank, T1, &txn, "2000", "qr-r1", t0()));
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T1, &intent, "qr-3", t0())),
        "used"
    );
    ok(reverse_at(&mut bank, T1, &txn, "3000", "qr-r2", t0()));
    assert_eq!(balance(&bank, "ACC-0001"), money("250000", "ALL"));
    let again = ok(intent_of(&mut bank, T1, &token, t0()));
    assert_eq!(text_of(&again, "intent"), intent);
    ok(qr_withdraw(&mut bank, T1, &intent, "qr-4", t0()));
    assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
    assert_balanced(&bank);
}

#[test]
fn the_soft_pin_is_activated_and_checked() {
    let mut bank = bank();
    let (_, payload) = new_token(&mut bank, T1, t0());
    // Arta's Soft PIN is not active yet.
    assert_eq!(
        refusal(app_qr(
            &mut bank,
            ARTA,
            "9371",
            "ACC-0001",
            "5000 ALL",
            &payload,
            "withdrawal",
            t0()
        )),
        "soft_pin_not_active"
    );
    let activate = |bank: &mut Bank, card: &str, a: &str, b: &str| {
        chan(
            bank,
            "app_activate_soft_pin",
            &[("card", card), ("soft_pin", a), ("soft_pin_again", b)],
            t0(),
        )
    };
    assert_eq!(
        refusal(activate(&mut bank, ARTA, "9371", "9372")),
        "mismatch"
    );
    assert_eq!(
        refusal(activate(&mut bank, ARTA, "937", "937")),
        "invalid_pin"
    );
    assert_eq!(
        refusal(activate(&mut bank, ARTA, "93a1", "93a1")),
        "invalid_pin"
    );
    assert_eq!(
        refusal(activate(&mut bank, DRITAN, "9371", "9371")),
        "card_blocked"
    );
    assert_eq!(
        refusal(activate(&mut bank, OTHER, "9371", "9371")),
        "declined"
    );
    assert_eq!(
        refusal(activate(&mut bank, "4111111111111111", "9371", "9371")),
        "unknown_card"
    );
    ok(activate(&mut bank, ARTA, "9371", "9371"));
    // The activation is confirmed by SMS, without the Soft PIN.
    let sms = ok(chan(
        &mut bank,
        "last_sms",
        &[("to", "+355691234567")],
        t0(),
    ));
    assert!(text_of(&sms, "body").contains("Soft PIN"));
    assert!(!text_of(&sms, "body").contains("9371"));
    assert_eq!(text_of(&sms, "code"), "");

    // Two wrong Soft PINs, then the right one resets the tries.
    for _ in 0..2 {
        assert_eq!(
            refusal(app_qr(
                &mut bank,
                ARTA,
                "1111",
                "ACC-0001",
                "5000 ALL",
                &payload,
                "withdrawal",
                t0()
            )),
            "wrong_soft_pin"
        );
    }
    ok(app_qr(
        &mut bank,
        ARTA,
        "9371",
        "ACC-0001",
        "5000 ALL",
        &payload,
        "withdrawal",
        t0(),
    ));
    // Three wrong ones in a row: it must be activated again.
    for _ in 0..3 {
        assert_eq!(
            refusal(app_qr(
                &mut bank,
                ARTA,
                "1111",
                "ACC-0001",
                "5000 ALL",
                &payload,
                "withdrawal",
                t0()
            )),
            "wrong_soft_pin"
        );
    }
    assert_eq!(
        refusal(app_qr(
            &mut bank,
            ARTA,
            "9371",
            "ACC-0001",
            "5000 ALL",
            &payload,
            "withdrawal",
            t0()
        )),
        "soft_pin_not_active"
    );
    soft_pin(&mut bank, ARTA, "2468");
    ok(app_qr(
        &mut bank,
        ARTA,
        "2468",
        "ACC-0001",
        "5000 ALL",
        &payload,
        "withdrawal",
        t0(),
    ));
}

#[test]
fn qr_transactions_are_refused_with_reasons() {
    let mut bank = bank();
    soft_pin(&mut bank, ARTA, "9371");
    soft_pin(&mut bank, BLERIM, "8642");
    let (_, payload) = new_token(&mut bank, T1, t0());
    let arta = |bank: &mut Bank, account: &str, amount: &str, payload: &str, kind: &str| {
        app_qr(bank, ARTA, "9371", account, amount, payload, kind, t0())
    };
    for amount in [
        "500 ALL",
        "75500 ALL",
        "1250 ALL",
        "0 ALL",
        "-5000 ALL",
        "50 EUR",
    ] {
        assert_eq!(
            refusal(arta(&mut bank, "ACC-0001", amount, &payload, "withdrawal")),
            "invalid_amount",
            "{amount}"
        );
    }
    assert_eq!(
        refusal(arta(&mut bank, "ACC-0001", "5000", &payload, "withdrawal")),
        "bad_request"
    );
    assert_eq!(
        refusal(arta(
            &mut bank,
            "ACC-0003",
            "5000 ALL",
            &payload,
            "withdrawal"
        )),
        "currency_mismatch"
    );
    assert_eq!(
        refusal(arta(
            &mut bank,
            "ACC-0004",
            "5000 ALL",
            &payload,
            "withdrawal"
        )),
        "unknown_account"
    );
    assert_eq!(
        refusal(arta(
            &mut bank, "ACC-0001", "5000 ALL", &payload, "transfer"
        )),
        "bad_request"
    );
    for bad in ["", "BKT-ATM:T001:NOSUCHTOKEN", "hello", "BKT-ATM:T002:x"] {
        assert_eq!(
            refusal(arta(&mut bank, "ACC-0001", "5000 ALL", bad, "withdrawal")),
            "unknown_qr",
            "{bad}"
        );
    }
    // The payload names the terminal: the same token with another terminal is unknown.
    let wrong_terminal = payload.replace(T1, T2);
    assert_eq!(
        refusal(arta(
            &mut bank,
            "ACC-0001",
            "5000 ALL",
            &wrong_terminal,
            "withdrawal"
        )),
        "unknown_qr"
    );
    // An expired QR code.
    let late = t0() + Duration::minutes(crate::ops::qr::TOKEN_MINUTES);
    assert_eq!(
        refusal(app_qr(
            &mut bank,
            ARTA,
            "9371",
            "ACC-0001",
            "5000 ALL",
            &payload,
            "withdrawal",
            late
        )),
        "unknown_qr"
    );
    // Blerim holds 3,000 ALL.
    assert_eq!(
        refusal(app_qr(
            &mut bank,
            BLERIM,
            "8642",
            "ACC-0004",
            "5000 ALL",
            &payload,
            "withdrawal",
            t0()
        )),
        "insufficient_funds"
    );
    assert_eq!(
        refusal(chan(
            &mut bank,
            "app_qr",
            &[("card", ARTA), ("soft_pin", "9371")],
            t0()
        )),
        "bad_request"
    );
    assert_balanced(&bank);
}

#[test]
fn qr_withdrawals_are_refused_at_the_terminal_with_reasons() {
    let mut bank = bank();
    soft_pin(&mut bank, ARTA, "9371");
    let (_, payload) = new_token(&mut bank, T1, t0());
    let intent = text_of(
        &ok(app_qr(
            &mut bank,
            ARTA,
            "9371",
            "ACC-0001",
            "75000 ALL",
            &payload,
            "withdrawal",
            t0(),
        )),
        "intent",
    );
    // Only at the terminal it was started for.
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T2, &intent, "w-t2", t0())),
        "declined"
    );
    for unknown in ["QRI-999999", "QRI-0", "nonsense", ""] {
        assert_eq!(
            refusal(qr_withdraw(
                &mut bank,
                T1,
                unknown,
                &format!("w-{unknown}"),
                t0()
            )),
            "declined"
        );
    }
    // A withdrawal intent is no deposit.
    let as_deposit = on(
        &mut bank,
        T1,
        "qr_deposit",
        &[
            ("intent", Value::text(&intent)),
            ("amount", Value::Money(money("1000", "ALL"))),
        ],
        "d-1",
        t0(),
    );
    assert_eq!(refusal(as_deposit), "declined");
    // Expired after its time.
    let late = t0() + Duration::minutes(crate::ops::qr::INTENT_MINUTES);
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T1, &intent, "w-late", late)),
        "expired"
    );
    // Funds are checked when it is carried out: Arta spends most of them in between.
    crate::tests::withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("100000", "ALL"),
        "spend-1",
    )
    .expect("spend");
    crate::tests::withdraw(
        &mut bank,
        ARTA,
        "ACC-0001",
        money("80000", "ALL"),
        "spend-2",
    )
    .expect("spend");
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T1, &intent, "w-funds", t0())),
        "insufficient_funds"
    );
    // An intent whose amount is out of range (as a phone of an older release could send).
    let live = crate::ops::qr::live_token_of_payload(&bank.conn, &payload, t0())
        .expect("query")
        .expect("live");
    let odd = crate::ops::qr::create_intent(
        &bank.conn,
        &crate::ops::qr::NewIntent {
            token_id: live.id,
            kind: "withdrawal",
            channel: "app",
            account_id: "ACC-0002",
            amount_minor: 50_000,
            currency: "ALL",
        },
        t0(),
    )
    .expect("intent");
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T1, &odd, "w-odd", t0())),
        "invalid_amount"
    );
    // Refusals are stored with their keys.
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T1, &odd, "w-odd", t0())),
        "invalid_amount"
    );
    assert_eq!(
        refusal(qr_withdraw(&mut bank, T1, &intent, "w-odd", t0())),
        "idempotency_conflict"
    );
    assert_balanced(&bank);
}

#[test]
fn a_qr_deposit_credits_the_cash_inserted() {
    let mut bank = bank();
    soft_pin(&mut bank, ARTA, "9371");
    let (token, payload) = new_token(&mut bank, T1, t0());
    let intent = text_of(
        &ok(app_qr(
            &mut bank,
            ARTA,
            "9371",
            "ACC-0002",
            "",
            &payload,
            "deposit",
            t0(),
        )),
        "intent",
    );
    let shown = ok(intent_of(&mut bank, T1, &token, t0()));
    assert_eq!(text_of(&shown, "kind"), "deposit");
    assert_eq!(amount_of(&shown), Value::Money(money("0", "ALL")));
    let deposit = |bank: &mut Bank, amount, key: &str| {
        on(
            bank,
            T1,
            "qr_deposit",
            &[
                ("intent", Value::text(&intent)),
                ("amount", Value::Money(amount)),
            ],
            key,
            t0(),
        )
    };
    assert_eq!(
        refusal(deposit(&mut bank, money("50", "EUR"), "d-eur")),
        "currency_mismatch"
    );
    let late = on(
        &mut bank,
        T1,
        "qr_deposit",
        &[
            ("intent", Value::text(&intent)),
            ("amount", Value::Money(money("12000", "ALL"))),
        ],
        "d-late",
        t0() + Duration::minutes(crate::ops::qr::INTENT_MINUTES),
    );
    assert_eq!(refusal(late), "expired");
    assert_eq!(
        refusal(deposit(&mut bank, money("0", "ALL"), "d-0")),
        "invalid_amount"
    );
    let booked = ok(deposit(&mut bank, money("12000", "ALL"), "d-1"));
    assert_eq!(
        booked.field("balance"),
        Some(&Value::Money(money("52000", "ALL")))
    );
    assert_eq!(ok(deposit(&mut bank, money("12000", "ALL"), "d-1")), booked);
    assert_eq!(balance(&bank, "ACC-0002"), money("52000", "ALL"));
    assert_eq!(
        refusal(deposit(&mut bank, money("12000", "ALL"), "d-2")),
        "used"
    );
    // A deposit announced with an amount shows it; in another currency it is refused.
    let announced = ok(app_qr(
        &mut bank,
        ARTA,
        "9371",
        "ACC-0003",
        "100 EUR",
        &payload,
        "deposit",
        t0(),
    ));
    let shown = ok(intent_of(&mut bank, T1, &token, t0()));
    assert_eq!(text_of(&shown, "intent"), text_of(&announced, "intent"));
    assert_eq!(amount_of(&shown), Value::Money(money("100", "EUR")));
    assert_eq!(
        refusal(app_qr(
            &mut bank,
            ARTA,
            "9371",
            "ACC-0003",
            "100 ALL",
            &payload,
            "deposit",
            t0()
        )),
        "currency_mismatch"
    );
    assert_balanced(&bank);
}

#[test]
fn epara_starts_withdrawals_and_deposits_from_its_wallet() {
    let mut bank = bank();
    assert_eq!(balance(&bank, "EPARA-W-1001"), money("20000", "ALL"));
    let (token, payload) = new_token(&mut bank, T1, t0());
    let epara = |bank: &mut Bank, wallet: &str, kind: &str, amount: &str, payload: &str| {
        chan(
            bank,
            "epara_intent",
            &[
                ("wallet", wallet),
                ("kind", kind),
                ("amount", amount),
                ("payload", payload),
            ],
            t0(),
        )
    };
    assert_eq!(
        refusal(epara(
            &mut bank,
            "W-9999",
            "withdrawal",
            "5000 ALL",
            &payload
        )),
        "unknown_wallet"
    );
    assert_eq!(
        refusal(epara(
            &mut bank,
            "W-1001",
            "withdrawal",
            "5000 ALL",
            "BKT-ATM:T001:X"
        )),
        "unknown_qr"
    );
    assert_eq!(
        refusal(epara(
            &mut bank,
            "W-1001",
            "withdrawal",
            "25000 ALL",
            &payload
        )),
        "insufficient_funds"
    );
    assert_eq!(
        refusal(epara(
            &mut bank,
            "W-1001",
            "withdrawal",
            "800 ALL",
            &payload
        )),
        "invalid_amount"
    );
    let started = ok(epara(
        &mut bank,
        "W-1001",
        "withdrawal",
        "5000 ALL",
        &payload,
    ));
    let intent = text_of(&started, "intent");
    let shown = ok(intent_of(&mut bank, T1, &token, t0()));
    assert_eq!(text_of(&shown, "channel"), "epara");
    assert_eq!(text_of(&shown, "account_masked"), "epara ****1001");
    let booked = ok(qr_withdraw(&mut bank, T1, &intent, "e-1", t0()));
    assert_eq!(
        booked.field("balance"),
        Some(&Value::Money(money("15000", "ALL")))
    );
    assert_eq!(balance(&bank, "EPARA-W-1001"), money("15000", "ALL"));

    let (_, payload) = new_token(&mut bank, T1, t0());
    let deposit = text_of(
        &ok(epara(&mut bank, "w-1001", "deposit", "", &payload)),
        "intent",
    );
    ok(on(
        &mut bank,
        T1,
        "qr_deposit",
        &[
            ("intent", Value::text(&deposit)),
            ("amount", Value::Money(money("3000", "ALL"))),
        ],
        "e-2",
        t0(),
    ));
    assert_eq!(balance(&bank, "EPARA-W-1001"), money("18000", "ALL"));
    assert_balanced(&bank);
}
