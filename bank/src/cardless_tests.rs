//! Other-bank cards (manual §IV), cardless transactions (§V) and the channels that start
//! them: unique codes, cardless deposits, cash top-ups, business codes, exchange rates.

use atmflow_engine::ports::HostError;
use atmflow_engine::value::{Secret, Value};
use chrono::Duration;
use rust_decimal::Decimal;

use crate::Bank;
use crate::qr_tests::{T1, T2, chan, on, reverse_at, soft_pin, t0};
use crate::tests::{
    ARTA, BLERIM, DRITAN, OTHER, assert_balanced, balance, bank, money, ok, refusal, secret,
    text_of,
};

/// The other-bank demo card whose PIN is blocked (PIN 0000).
const OTHER_BLOCKED: &str = "5355000000008888";

fn money_value(amount: &str, currency: &str) -> Value {
    Value::Money(money(amount, currency))
}

fn list(value: &Value) -> &[Value] {
    value.as_list().expect("a list")
}

// ---------------------------------------------------------------------------------------
// Other-bank cards

fn network_withdraw(
    bank: &mut Bank,
    pan: &str,
    amount: &str,
    currency: &str,
    key: &str,
) -> Result<Value, HostError> {
    on(
        bank,
        T1,
        "network_withdraw",
        &[
            ("pan", secret(pan)),
            ("amount", money_value(amount, currency)),
        ],
        key,
        t0(),
    )
}

#[test]
fn other_bank_cards_withdraw_in_all_through_the_network() {
    let mut bank = bank();
    let booked = ok(network_withdraw(&mut bank, OTHER, "20000", "ALL", "n-1"));
    assert_eq!(booked.field("balance"), Some(&money_value("80000", "ALL")));
    assert_eq!(
        ok(network_withdraw(&mut bank, OTHER, "20000", "ALL", "n-1")),
        booked
    );
    assert_eq!(balance(&bank, "NET-0001"), money("80000", "ALL"));
    assert_eq!(
        refusal(network_withdraw(&mut bank, OTHER, "50", "EUR", "n-eur")),
        "currency_mismatch"
    );
    assert_eq!(
        refusal(network_withdraw(
            &mut bank, OTHER, "100500", "ALL", "n-limit"
        )),
        "limit_exceeded"
    );
    assert_eq!(
        refusal(network_withdraw(
            &mut bank, OTHER, "85000", "ALL", "n-funds"
        )),
        "insufficient_funds"
    );
    assert_eq!(
        refusal(network_withdraw(&mut bank, ARTA, "5000", "ALL", "n-bkt")),
        "declined"
    );
    assert_eq!(
        refusal(network_withdraw(
            &mut bank,
            OTHER_BLOCKED,
            "5000",
            "ALL",
            "n-blocked"
        )),
        "card_blocked"
    );
    assert_eq!(
        refusal(network_withdraw(
            &mut bank,
            "4111111111111111",
            "5000",
            "ALL",
            "n-x"
        )),
        "unknown_card"
    );
    assert_eq!(
        refusal(network_withdraw(&mut bank, OTHER, "0", "ALL", "n-0")),
        "bad_request"
    );
    // A withdrawal that could not be dispensed is reversed like any other.
    let txn = text_of(&booked, "transaction_id");
    ok(reverse_at(&mut bank, T1, &txn, "20000", "n-r", t0()));
    assert_eq!(balance(&bank, "NET-0001"), money("100000", "ALL"));

    let balance_of = |bank: &mut Bank, pan: &str| {
        on(
            bank,
            T1,
            "network_balance",
            &[("pan", secret(pan))],
            "",
            t0(),
        )
    };
    assert_eq!(
        ok(balance_of(&mut bank, OTHER)).field("balance"),
        Some(&money_value("100000", "ALL"))
    );
    assert_eq!(refusal(balance_of(&mut bank, ARTA)), "declined");
    assert_eq!(
        refusal(balance_of(&mut bank, OTHER_BLOCKED)),
        "card_blocked"
    );
    assert_balanced(&bank);
}

fn unblock(bank: &mut Bank, pan: &str, pin: &str) -> Result<Value, HostError> {
    on(
        bank,
        T1,
        "unblock_pin",
        &[("pan", secret(pan)), ("pin", secret(pin))],
        "",
        t0(),
    )
}

#[test]
fn a_blocked_pin_is_unblocked_with_the_valid_pin() {
    let mut bank = bank();
    let identified = ok(on(
        &mut bank,
        T1,
        "identify_card",
        &[("pan", secret(OTHER_BLOCKED))],
        "",
        t0(),
    ));
    assert_eq!(identified.field("blocked"), Some(&Value::Bool(true)));
    assert_eq!(text_of(&identified, "kind"), "other");
    assert_eq!(
        refusal(unblock(&mut bank, OTHER_BLOCKED, "1234")),
        "wrong_pin"
    );
    assert_eq!(
        refusal(unblock(&mut bank, OTHER_BLOCKED, "12")),
        "wrong_pin"
    );
    let done = ok(unblock(&mut bank, OTHER_BLOCKED, "0000"));
    assert_eq!(done.field("unblocked"), Some(&Value::Bool(true)));
    assert_eq!(text_of(&done, "masked_pan"), "535500******8888");
    let pin = crate::tests::verify(&mut bank, OTHER_BLOCKED, "0000");
    assert_eq!(pin.field("valid"), Some(&Value::Bool(true)));
    assert_eq!(pin.field("tries_left"), Some(&Value::number(3)));
    // Not blocked any more; the PIN is then not even checked.
    assert_eq!(
        refusal(unblock(&mut bank, OTHER_BLOCKED, "0000")),
        "not_blocked"
    );
    assert_eq!(refusal(unblock(&mut bank, OTHER, "9999")), "not_blocked");
    assert_eq!(
        refusal(unblock(&mut bank, "4111111111111111", "0000")),
        "unknown_card"
    );
    ok(network_withdraw(
        &mut bank,
        OTHER_BLOCKED,
        "5000",
        "ALL",
        "u-w",
    ));
    assert_eq!(balance(&bank, "NET-0002"), money("55000", "ALL"));

    // A BKT card blocked by wrong PINs is unblocked the same way; three wrong unblock
    // PINs and the PIN is no longer checked.
    for _ in 0..3 {
        assert_eq!(refusal(unblock(&mut bank, DRITAN, "2222")), "wrong_pin");
    }
    assert_eq!(refusal(unblock(&mut bank, DRITAN, "1111")), "wrong_pin");
    let mut fresh = crate::tests::bank();
    ok(unblock(&mut fresh, DRITAN, "1111"));
    assert_eq!(
        crate::tests::verify(&mut fresh, DRITAN, "1111").field("valid"),
        Some(&Value::Bool(true))
    );
}

// ---------------------------------------------------------------------------------------
// Unique withdrawal codes

fn issue(
    bank: &mut Bank,
    card: &str,
    account: &str,
    amount: &str,
    hours: &str,
    terminal: &str,
) -> Result<Value, HostError> {
    chan(
        bank,
        "app_issue_code",
        &[
            ("card", card),
            ("account", account),
            ("amount", amount),
            ("hours", hours),
            ("terminal", terminal),
        ],
        t0(),
    )
}

fn check_code(
    bank: &mut Bank,
    terminal: &str,
    code: &str,
    amount: &str,
    at: chrono::NaiveDateTime,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "unique_code_check",
        &[
            ("code", Value::Secret(Secret::new(code))),
            ("amount", money_value(amount, "ALL")),
        ],
        "",
        at,
    )
}

fn code_withdraw(
    bank: &mut Bank,
    terminal: &str,
    code_id: &str,
    key: &str,
    at: chrono::NaiveDateTime,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "unique_code_withdraw",
        &[("code_id", Value::text(code_id))],
        key,
        at,
    )
}

#[test]
fn a_unique_code_withdraws_its_amount_once_and_stays_valid_if_the_cash_fails() {
    let mut bank = bank();
    let issued = ok(issue(&mut bank, ARTA, "ACC-0001", "5000 ALL", "24", ""));
    let code = text_of(&issued, "code");
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(issued.field("amount"), Some(&money_value("5000", "ALL")));
    assert_eq!(text_of(&issued, "expires"), "26.11.2026 10:00");
    // The code is not stored in clear.
    let clear: i64 = bank
        .conn
        .query_row(
            "SELECT COUNT(*) FROM withdrawal_codes WHERE code_hash LIKE '%' || ?1 || '%'",
            [&code],
            |row| row.get(0),
        )
        .expect("query");
    assert_eq!(clear, 0);

    // A wrong amount says no more than a wrong code.
    assert_eq!(
        refusal(check_code(&mut bank, T1, &code, "5500", t0())),
        "invalid_code"
    );
    let other = if code == "000000" { "000001" } else { "000000" };
    assert_eq!(
        refusal(check_code(&mut bank, T1, other, "5000", t0())),
        "invalid_code"
    );
    assert_eq!(
        refusal(check_code(&mut bank, T1, "12345", "5000", t0())),
        "invalid_code"
    );
    let checked = ok(check_code(&mut bank, T1, &code, "5000", t0()));
    let code_id = text_of(&checked, "code_id");
    assert_eq!(text_of(&checked, "account_masked"), "**** 8741");
    assert_eq!(checked.field("amount"), Some(&money_value("5000", "ALL")));

    let booked = ok(code_withdraw(&mut bank, T1, &code_id, "c-1", t0()));
    // The balance is not shown to whoever holds the code.
    assert_eq!(booked.field("balance"), Some(&money_value("0", "ALL")));
    assert_eq!(
        ok(code_withdraw(&mut bank, T1, &code_id, "c-1", t0())),
        booked
    );
    assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
    assert_eq!(
        refusal(check_code(&mut bank, T1, &code, "5000", t0())),
        "used"
    );
    assert_eq!(
        refusal(code_withdraw(&mut bank, T1, &code_id, "c-2", t0())),
        "used"
    );

    // The dispenser had too little cash: the withdrawal is reversed in full and the code
    // is valid again (a partial reversal would leave it used).
    let txn = text_of(&booked, "transaction_id");
    let reversal = ok(reverse_at(&mut bank, T1, &txn, "5000", "c-r", t0()));
    assert_eq!(reversal.field("balance"), Some(&money_value("0", "ALL")));
    assert_eq!(balance(&bank, "ACC-0001"), money("250000", "ALL"));
    let again = ok(check_code(&mut bank, T2, &code, "5000", t0()));
    assert_eq!(text_of(&again, "code_id"), code_id);
    let booked = ok(code_withdraw(&mut bank, T2, &code_id, "c-3", t0()));
    ok(reverse_at(
        &mut bank,
        T2,
        &text_of(&booked, "transaction_id"),
        "2000",
        "c-r2",
        t0(),
    ));
    assert_eq!(
        refusal(check_code(&mut bank, T2, &code, "5000", t0())),
        "used"
    );
    assert_balanced(&bank);
}

#[test]
fn unique_codes_are_bound_to_their_terminal_and_expire() {
    let mut bank = bank();
    let issued = ok(issue(&mut bank, ARTA, "ACC-0001", "10000 ALL", "1", T1));
    assert_eq!(text_of(&issued, "terminal"), T1);
    let code = text_of(&issued, "code");
    assert_eq!(
        refusal(check_code(&mut bank, T2, &code, "10000", t0())),
        "wrong_terminal"
    );
    let checked = ok(check_code(&mut bank, T1, &code, "10000", t0()));
    let code_id = text_of(&checked, "code_id");
    assert_eq!(
        refusal(code_withdraw(&mut bank, T2, &code_id, "x-t2", t0())),
        "declined"
    );
    let late = t0() + Duration::hours(1);
    assert_eq!(
        refusal(check_code(&mut bank, T1, &code, "10000", late)),
        "expired"
    );
    assert_eq!(
        refusal(code_withdraw(&mut bank, T1, &code_id, "x-late", late)),
        "expired"
    );
    for unknown in ["UC-999999", "UC-0", "BC-000001", ""] {
        assert_eq!(
            refusal(code_withdraw(
                &mut bank,
                T1,
                unknown,
                &format!("x-{unknown}"),
                t0()
            )),
            "declined"
        );
    }
    // Funds are checked when the code is used.
    let issued = ok(issue(&mut bank, BLERIM, "ACC-0004", "3000 ALL", "2", ""));
    let checked = ok(check_code(
        &mut bank,
        T1,
        &text_of(&issued, "code"),
        "3000",
        t0(),
    ));
    crate::tests::withdraw(&mut bank, BLERIM, "ACC-0004", money("1000", "ALL"), "b-w")
        .expect("withdraw");
    assert_eq!(
        refusal(code_withdraw(
            &mut bank,
            T1,
            &text_of(&checked, "code_id"),
            "x-f",
            t0()
        )),
        "insufficient_funds"
    );
    assert_balanced(&bank);
}

#[test]
fn unique_codes_are_issued_within_the_rules() {
    let mut bank = bank();
    for amount in ["500 ALL", "10500 ALL", "1250 ALL", "50 EUR", "0 ALL"] {
        assert_eq!(
            refusal(issue(&mut bank, ARTA, "ACC-0001", amount, "24", "")),
            "invalid_amount",
            "{amount}"
        );
    }
    for hours in ["0", "73", "x", "", "1.5"] {
        assert_eq!(
            refusal(issue(&mut bank, ARTA, "ACC-0001", "5000 ALL", hours, "")),
            "invalid_validity",
            "{hours}"
        );
    }
    assert_eq!(
        refusal(issue(&mut bank, ARTA, "ACC-0003", "5000 ALL", "24", "")),
        "currency_mismatch"
    );
    assert_eq!(
        refusal(issue(&mut bank, ARTA, "ACC-0004", "5000 ALL", "24", "")),
        "unknown_account"
    );
    assert_eq!(
        refusal(issue(&mut bank, BLERIM, "ACC-0004", "5000 ALL", "24", "")),
        "insufficient_funds"
    );
    assert_eq!(
        refusal(issue(&mut bank, DRITAN, "ACC-0005", "5000 ALL", "24", "")),
        "card_blocked"
    );
    assert_eq!(
        refusal(issue(&mut bank, OTHER, "NET-0001", "5000 ALL", "24", "")),
        "declined"
    );
    assert_eq!(
        refusal(issue(&mut bank, "1234", "ACC-0001", "5000 ALL", "24", "")),
        "unknown_card"
    );
    assert_eq!(
        refusal(issue(&mut bank, ARTA, "ACC-0001", "5000", "24", "")),
        "bad_request"
    );
    // Live codes never repeat: many codes, all different.
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let code = text_of(
            &ok(issue(&mut bank, ARTA, "ACC-0001", "1000 ALL", "72", "")),
            "code",
        );
        assert!(seen.insert(code));
    }
    assert_balanced(&bank);
}

// ---------------------------------------------------------------------------------------
// Cardless deposit

fn identify(bank: &mut Bank, personal_id: &str, mobile: &str) -> Result<Value, HostError> {
    on(
        bank,
        T1,
        "cardless_identify",
        &[
            ("personal_id", Value::text(personal_id)),
            ("mobile", Value::text(mobile)),
        ],
        "",
        t0(),
    )
}

fn verify_otp(
    bank: &mut Bank,
    terminal: &str,
    reference: &str,
    otp: &str,
    at: chrono::NaiveDateTime,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "cardless_verify_otp",
        &[("ref", Value::text(reference)), ("otp", secret(otp))],
        "",
        at,
    )
}

fn cardless_deposit(
    bank: &mut Bank,
    reference: &str,
    to: &str,
    amount: &str,
    currency: &str,
    key: &str,
) -> Result<Value, HostError> {
    on(
        bank,
        T1,
        "cardless_deposit",
        &[
            ("ref", Value::text(reference)),
            ("to", Value::text(to)),
            ("amount", money_value(amount, currency)),
        ],
        key,
        t0(),
    )
}

fn sms_code(bank: &mut Bank, to: &str) -> String {
    text_of(&ok(chan(bank, "last_sms", &[("to", to)], t0())), "code")
}

#[test]
fn a_depositor_without_a_card_deposits_to_a_bkt_client() {
    let mut bank = bank();
    let who = ok(identify(&mut bank, "j80512345l", "+355 68 234 5678"));
    let reference = text_of(&who, "ref");
    assert_eq!(reference, "CD-000001");
    assert_eq!(text_of(&who, "masked_mobile"), "+355 68 *** 5678");
    let otp = sms_code(&mut bank, "+355682345678");
    assert_eq!(otp.len(), 6);

    // Not verified yet.
    assert_eq!(
        refusal(cardless_deposit(
            &mut bank, &reference, "ACC-0001", "10000", "ALL", "cd-0"
        )),
        "declined"
    );
    let wrong = if otp == "000000" { "000001" } else { "000000" };
    let first = ok(verify_otp(&mut bank, T1, &reference, wrong, t0()));
    assert_eq!(first.field("valid"), Some(&Value::Bool(false)));
    assert_eq!(first.field("tries_left"), Some(&Value::number(2)));
    let right = ok(verify_otp(&mut bank, T1, &reference, &otp, t0()));
    assert_eq!(right.field("valid"), Some(&Value::Bool(true)));
    assert_eq!(right.field("tries_left"), Some(&Value::number(2)));

    // The beneficiary, by client number or personal ID number.
    let find = |bank: &mut Bank, by: &str, value: &str| {
        on(
            bank,
            T1,
            "find_client",
            &[("by", Value::text(by)), ("value", Value::text(value))],
            "",
            t0(),
        )
    };
    let arta = ok(find(&mut bank, "client", "100001"));
    assert_eq!(text_of(&arta, "account"), "ACC-0001");
    assert_eq!(text_of(&arta, "name"), "Arta H.");
    assert_eq!(text_of(&arta, "masked_account"), "**** 8741");
    assert_eq!(text_of(&arta, "currency"), "ALL");
    assert_eq!(ok(find(&mut bank, "personal_id", "I75123456A")), arta);
    assert_eq!(ok(find(&mut bank, "personal_id", " i75123456a ")), arta);
    let business = ok(find(&mut bank, "client", "200001"));
    assert_eq!(text_of(&business, "account"), "ACC-0006");
    assert_eq!(
        refusal(find(&mut bank, "client", "999999")),
        "unknown_client"
    );
    assert_eq!(
        refusal(find(&mut bank, "personal_id", "")),
        "unknown_client"
    );
    assert_eq!(
        refusal(find(&mut bank, "mobile", "+355682345678")),
        "bad_request"
    );

    assert_eq!(
        refusal(cardless_deposit(
            &mut bank, &reference, "ACC-0001", "100", "EUR", "cd-eur"
        )),
        "currency_mismatch"
    );
    assert_eq!(
        refusal(cardless_deposit(
            &mut bank, &reference, "ACC-0001", "0", "ALL", "cd-z"
        )),
        "invalid_amount"
    );
    assert_eq!(
        refusal(cardless_deposit(
            &mut bank, &reference, "ACC-9999", "100", "ALL", "cd-x"
        )),
        "declined"
    );
    let booked = ok(cardless_deposit(
        &mut bank, &reference, "ACC-0001", "10000", "ALL", "cd-1",
    ));
    assert_eq!(booked.field("balance"), Some(&money_value("0", "ALL")));
    assert_eq!(
        ok(cardless_deposit(
            &mut bank, &reference, "ACC-0001", "10000", "ALL", "cd-1"
        )),
        booked
    );
    assert_eq!(balance(&bank, "ACC-0001"), money("260000", "ALL"));
    // One deposit per identification.
    assert_eq!(
        refusal(cardless_deposit(
            &mut bank, &reference, "ACC-0001", "10000", "ALL", "cd-2"
        )),
        "expired"
    );
    assert_eq!(
        refusal(verify_otp(&mut bank, T1, &reference, &otp, t0())),
        "expired"
    );
    assert_balanced(&bank);
}

#[test]
fn depositors_are_identified_by_their_registered_mobile_and_the_sms_code() {
    let mut bank = bank();
    for (id, mobile) in [
        ("J80512345L", "+355691234567"),
        ("J80512345L", "+35568234567"),
        ("X00000000X", "+355682345678"),
        ("", "+355682345678"),
        ("J80512345L", "hello"),
    ] {
        assert_eq!(
            refusal(identify(&mut bank, id, mobile)),
            "unknown_depositor",
            "{id} {mobile}"
        );
    }
    // Arta is registered with her own mobile.
    ok(identify(&mut bank, "I75123456A", "0691234567"));

    // Three wrong codes: over.
    let reference = text_of(
        &ok(identify(&mut bank, "J80512345L", "+355682345678")),
        "ref",
    );
    let otp = sms_code(&mut bank, "+355682345678");
    let wrong = if otp == "000000" { "000001" } else { "000000" };
    for left in [2, 1, 0] {
        let answer = ok(verify_otp(&mut bank, T1, &reference, wrong, t0()));
        assert_eq!(answer.field("tries_left"), Some(&Value::number(left)));
    }
    assert_eq!(
        refusal(verify_otp(&mut bank, T1, &reference, &otp, t0())),
        "expired"
    );

    // The code expires after 5 minutes; a session is only good at its terminal.
    let reference = text_of(
        &ok(identify(&mut bank, "J80512345L", "+355682345678")),
        "ref",
    );
    let otp = sms_code(&mut bank, "+355682345678");
    assert_eq!(
        refusal(verify_otp(&mut bank, T2, &reference, &otp, t0())),
        "expired"
    );
    let late = t0() + Duration::minutes(crate::ops::cardless::OTP_MINUTES);
    assert_eq!(
        refusal(verify_otp(&mut bank, T1, &reference, &otp, late)),
        "expired"
    );
    assert_eq!(
        refusal(verify_otp(&mut bank, T1, "CD-999999", &otp, t0())),
        "expired"
    );
    assert_eq!(
        refusal(verify_otp(&mut bank, T1, "x", &otp, t0())),
        "expired"
    );
}

// ---------------------------------------------------------------------------------------
// Cash top-up

fn cash_topup(
    bank: &mut Bank,
    operator: &str,
    number: &str,
    package: &str,
    amount: &str,
    currency: &str,
    key: &str,
) -> Result<Value, HostError> {
    on(
        bank,
        T1,
        "cardless_topup",
        &[
            ("operator", Value::text(operator)),
            ("number", Value::text(number)),
            ("package", Value::text(package)),
            ("amount", money_value(amount, currency)),
        ],
        key,
        t0(),
    )
}

#[test]
fn a_cash_top_up_equals_the_cash_inserted() {
    let mut bank = bank();
    let vault = balance(&bank, "ATM-CASH-ALL");
    let booked = ok(cash_topup(
        &mut bank,
        "one",
        "+355681112233",
        "",
        "1000",
        "ALL",
        "t-1",
    ));
    assert_eq!(booked.field("balance"), Some(&money_value("0", "ALL")));
    assert_eq!(
        ok(cash_topup(
            &mut bank,
            "one",
            "+355681112233",
            "",
            "1000",
            "ALL",
            "t-1"
        )),
        booked
    );
    assert_eq!(
        balance(&bank, "OP-ONE").amount,
        Decimal::from(1000) + Decimal::from(1000)
    );
    assert_eq!(
        balance(&bank, "ATM-CASH-ALL").amount,
        vault.amount + Decimal::from(1000)
    );
    // The notes could not be stored: the top-up is reversed, without showing a balance.
    let reversal = ok(reverse_at(
        &mut bank,
        T1,
        &text_of(&booked, "transaction_id"),
        "1000",
        "t-r",
        t0(),
    ));
    assert_eq!(reversal.field("balance"), Some(&money_value("0", "ALL")));
    assert_eq!(balance(&bank, "OP-ONE").amount, Decimal::from(1000));
    assert_eq!(balance(&bank, "ATM-CASH-ALL"), vault);
    // A top-up paid from a card is not reversed at the terminal.
    let card_topup = ok(on(
        &mut bank,
        T1,
        "mobile_topup",
        &[
            ("pan", secret(ARTA)),
            ("account", Value::text("ACC-0001")),
            ("operator", Value::text("one")),
            ("number", Value::text("+355681112233")),
            ("package", Value::text("")),
            ("amount", money_value("500", "ALL")),
        ],
        "t-card",
        t0(),
    ));
    assert_eq!(
        refusal(reverse_at(
            &mut bank,
            T1,
            &text_of(&card_topup, "transaction_id"),
            "500",
            "t-card-r",
            t0()
        )),
        "unknown_transaction"
    );
    ok(cash_topup(
        &mut bank,
        "one",
        "+355681112233",
        "one-smart-s",
        "700",
        "ALL",
        "t-2",
    ));
    assert_eq!(
        refusal(cash_topup(
            &mut bank,
            "one",
            "+355681112233",
            "one-smart-s",
            "1000",
            "ALL",
            "t-3"
        )),
        "invalid_amount"
    );
    assert_eq!(
        refusal(cash_topup(
            &mut bank,
            "one",
            "+355681112233",
            "",
            "20000",
            "ALL",
            "t-4"
        )),
        "invalid_amount"
    );
    assert_eq!(
        refusal(cash_topup(
            &mut bank,
            "one",
            "+355681112233",
            "",
            "10",
            "EUR",
            "t-5"
        )),
        "currency_mismatch"
    );
    assert_eq!(
        refusal(cash_topup(
            &mut bank,
            "one",
            "+35568111223",
            "",
            "1000",
            "ALL",
            "t-6"
        )),
        "invalid_number"
    );
    assert_eq!(
        refusal(cash_topup(
            &mut bank,
            "telekom",
            "+355681112233",
            "",
            "1000",
            "ALL",
            "t-7"
        )),
        "unknown_operator"
    );
    assert_eq!(
        refusal(cash_topup(
            &mut bank,
            "one",
            "+355681112233",
            "vodafone-red-s",
            "900",
            "ALL",
            "t-8"
        )),
        "unknown_package"
    );
    assert_balanced(&bank);
}

// ---------------------------------------------------------------------------------------
// Business deposit codes

fn business_code(
    bank: &mut Bank,
    account: &str,
    employee: &str,
    terminal: &str,
    hours: &str,
    currency: &str,
) -> Result<Value, HostError> {
    chan(
        bank,
        "business_deposit_code",
        &[
            ("account", account),
            ("employee", employee),
            ("terminal", terminal),
            ("hours", hours),
            ("source", "Shitje / Sales"),
            ("currency", currency),
        ],
        t0(),
    )
}

fn check_business(
    bank: &mut Bank,
    terminal: &str,
    code: &str,
    at: chrono::NaiveDateTime,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "business_code_check",
        &[("code", secret(code))],
        "",
        at,
    )
}

fn business_deposit(
    bank: &mut Bank,
    terminal: &str,
    code_id: &str,
    amount: &str,
    currency: &str,
    key: &str,
) -> Result<Value, HostError> {
    on(
        bank,
        terminal,
        "business_deposit",
        &[
            ("code_id", Value::text(code_id)),
            ("amount", money_value(amount, currency)),
        ],
        key,
        t0(),
    )
}

#[test]
fn business_codes_go_to_eligible_staff_and_deposit_once() {
    let mut bank = bank();
    assert_eq!(balance(&bank, "ACC-0006"), money("1250000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0007"), money("18000", "EUR"));
    let staff = ok(chan(
        &mut bank,
        "business_employees",
        &[("account", "ACC-0006")],
        t0(),
    ));
    let ids: Vec<String> = list(&staff).iter().map(|s| text_of(s, "id")).collect();
    assert_eq!(ids, ["R-100", "E-100"]);
    assert_eq!(text_of(&list(&staff)[1], "name"), "Elira Meta");
    assert_eq!(text_of(&list(&staff)[1], "phone"), "+355 69 *** 5566");
    // Two months later Elira's salaries are too old too.
    let later = t0() + Duration::days(70);
    let staff = ok(chan(
        &mut bank,
        "business_employees",
        &[("account", "ACC-0007")],
        later,
    ));
    assert_eq!(list(&staff).len(), 1);
    assert_eq!(
        refusal(chan(
            &mut bank,
            "business_employees",
            &[("account", "ACC-0001")],
            t0()
        )),
        "unknown_account"
    );

    let issued = ok(business_code(
        &mut bank, "ACC-0006", "E-100", "", "48", "ALL",
    ));
    let code = text_of(&issued, "code");
    assert_eq!(code.len(), 6);
    assert_eq!(text_of(&issued, "sent_to"), "+355 69 *** 5566");
    let sms = ok(chan(
        &mut bank,
        "last_sms",
        &[("to", "+355694445566")],
        t0(),
    ));
    assert_eq!(text_of(&sms, "code"), code);
    assert!(text_of(&sms, "body").contains("Alba Trade sh.p.k."));

    let checked = ok(check_business(&mut bank, T1, &code, t0()));
    assert_eq!(text_of(&checked, "company"), "Alba Trade sh.p.k.");
    assert_eq!(text_of(&checked, "account_masked"), "**** 7706");
    assert_eq!(text_of(&checked, "currency"), "ALL");
    assert_eq!(text_of(&checked, "employee"), "Elira Meta");
    let code_id = text_of(&checked, "code_id");
    assert_eq!(
        refusal(business_deposit(
            &mut bank, T1, &code_id, "100", "EUR", "b-eur"
        )),
        "currency_mismatch"
    );
    assert_eq!(
        refusal(business_deposit(&mut bank, T1, &code_id, "0", "ALL", "b-0")),
        "invalid_amount"
    );
    let booked = ok(business_deposit(
        &mut bank, T1, &code_id, "50000", "ALL", "b-1",
    ));
    assert_eq!(booked.field("balance"), Some(&money_value("0", "ALL")));
    assert_eq!(
        ok(business_deposit(
            &mut bank, T1, &code_id, "50000", "ALL", "b-1"
        )),
        booked
    );
    assert_eq!(balance(&bank, "ACC-0006"), money("1300000", "ALL"));
    assert_eq!(refusal(check_business(&mut bank, T1, &code, t0())), "used");
    assert_eq!(
        refusal(business_deposit(
            &mut bank, T1, &code_id, "50000", "ALL", "b-2"
        )),
        "used"
    );

    // The legal representative, in euro, at one terminal, for one hour.
    let issued = ok(business_code(
        &mut bank, "ACC-0007", "R-100", T1, "1", "EUR",
    ));
    let code = text_of(&issued, "code");
    assert_eq!(text_of(&issued, "sent_to"), "+355 69 *** 8899");
    assert_eq!(
        refusal(check_business(&mut bank, T2, &code, t0())),
        "wrong_terminal"
    );
    assert_eq!(
        refusal(check_business(
            &mut bank,
            T1,
            &code,
            t0() + Duration::hours(1)
        )),
        "expired"
    );
    let checked = ok(check_business(&mut bank, T1, &code, t0()));
    assert_eq!(text_of(&checked, "currency"), "EUR");
    let code_id = text_of(&checked, "code_id");
    assert_eq!(
        refusal(business_deposit(
            &mut bank, T2, &code_id, "500", "EUR", "b-t2"
        )),
        "declined"
    );
    let expired = on(
        &mut bank,
        T1,
        "business_deposit",
        &[
            ("code_id", Value::text(&code_id)),
            ("amount", money_value("500", "EUR")),
        ],
        "b-late",
        t0() + Duration::hours(1),
    );
    assert_eq!(refusal(expired), "expired");
    ok(business_deposit(
        &mut bank, T1, &code_id, "500", "EUR", "b-3",
    ));
    assert_eq!(balance(&bank, "ACC-0007"), money("18500", "EUR"));
    assert_eq!(
        refusal(check_business(&mut bank, T1, "123456", t0())),
        "invalid_code"
    );
    assert_eq!(
        refusal(check_business(&mut bank, T1, "12", t0())),
        "invalid_code"
    );
    assert_balanced(&bank);
}

#[test]
fn business_codes_are_refused_with_reasons() {
    let mut bank = bank();
    assert_eq!(
        refusal(business_code(
            &mut bank, "ACC-0006", "E-100", "", "24", "EUR"
        )),
        "currency_mismatch"
    );
    assert_eq!(
        refusal(business_code(
            &mut bank, "ACC-0006", "E-101", "", "24", "ALL"
        )),
        "unknown_employee"
    );
    assert_eq!(
        refusal(business_code(
            &mut bank, "ACC-0006", "E-999", "", "24", "ALL"
        )),
        "unknown_employee"
    );
    assert_eq!(
        refusal(business_code(
            &mut bank, "ACC-0001", "E-100", "", "24", "ALL"
        )),
        "unknown_account"
    );
    for hours in ["0", "73", "soon"] {
        assert_eq!(
            refusal(business_code(
                &mut bank, "ACC-0006", "E-100", "", hours, "ALL"
            )),
            "invalid_validity"
        );
    }
    let no_source = chan(
        &mut bank,
        "business_deposit_code",
        &[
            ("account", "ACC-0006"),
            ("employee", "E-100"),
            ("terminal", ""),
            ("hours", "24"),
            ("source", " "),
            ("currency", "ALL"),
        ],
        t0(),
    );
    assert_eq!(refusal(no_source), "bad_request");
    for unknown in ["BC-999999", "UC-000001", ""] {
        assert_eq!(
            refusal(business_deposit(
                &mut bank,
                T1,
                unknown,
                "100",
                "ALL",
                &format!("k-{unknown}")
            )),
            "declined"
        );
    }
    // Nothing was sent for the refusals.
    assert!(bank.outbox().expect("outbox").is_empty());
}

// ---------------------------------------------------------------------------------------
// Rates, channels, outbox, migration

#[test]
fn exchange_rates_are_exact() {
    let mut bank = bank();
    let rates = ok(on(&mut bank, T1, "exchange_rates", &[], "", t0()));
    let currencies: Vec<String> = list(&rates)
        .iter()
        .map(|r| text_of(r, "currency"))
        .collect();
    assert_eq!(currencies, ["EUR", "USD", "GBP", "CHF"]);
    let eur = &list(&rates)[0];
    assert_eq!(
        eur.field("buy"),
        Some(&Value::Number(Decimal::new(9720, 2)))
    );
    assert_eq!(
        eur.field("sell")
            .and_then(Value::as_number)
            .map(|d| d.to_string()),
        Some("99.40".to_string())
    );
    assert_eq!(ok(chan(&mut bank, "rates", &[], t0())), rates);
    assert_eq!(
        refusal(on(
            &mut bank,
            T1,
            "exchange_rates",
            &[("x", Value::text("y"))],
            "",
            t0()
        )),
        "bad_request"
    );
}

#[test]
fn every_channel_operation_is_listed_and_answered() {
    let mut bank = bank();
    for (name, usage) in crate::CHANNEL_OPERATIONS {
        assert!(!usage.is_empty());
        match chan(&mut bank, name, &[("no_such_argument", "x")], t0()) {
            Err(HostError::Refused { code, .. }) => assert_eq!(code, "bad_request", "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(
        refusal(chan(&mut bank, "transfer_money", &[], t0())),
        "unknown_operation"
    );
    assert_eq!(
        refusal(chan(
            &mut bank,
            "last_sms",
            &[("to", "+355690000000")],
            t0()
        )),
        "no_sms"
    );
    assert!(list(&ok(chan(&mut bank, "outbox", &[], t0()))).is_empty());
    ok(identify(&mut bank, "J80512345L", "+355682345678"));
    let outbox = ok(chan(&mut bank, "outbox", &[], t0()));
    assert_eq!(list(&outbox).len(), 1);
    assert_eq!(text_of(&list(&outbox)[0], "channel"), "sms");
    assert_eq!(text_of(&list(&outbox)[0], "recipient"), "+355682345678");
    assert_eq!(
        text_of(&list(&outbox)[0], "created_at"),
        "2026-11-25T10:00:00"
    );
}

#[test]
fn messages_never_hold_a_pin_or_a_card_number() {
    let mut bank = bank();
    soft_pin(&mut bank, ARTA, "9371");
    soft_pin(&mut bank, BLERIM, "8642");
    ok(identify(&mut bank, "J80512345L", "+355682345678"));
    ok(identify(&mut bank, "I75123456A", "+355691234567"));
    ok(business_code(
        &mut bank, "ACC-0006", "E-100", "", "24", "ALL",
    ));
    ok(business_code(
        &mut bank, "ACC-0006", "R-100", T1, "72", "ALL",
    ));
    let messages = bank.outbox().expect("outbox");
    assert_eq!(messages.len(), 6);
    let cards: Vec<String> = crate::Bank::demo_cards()
        .into_iter()
        .map(|c| c.number)
        .collect();
    for m in &messages {
        for secret in ["9371", "8642", "1234", "4321"] {
            assert!(!m.body.contains(secret), "{}", m.body);
        }
        for card in &cards {
            assert!(!m.body.contains(card.as_str()), "{}", m.body);
        }
        let digits_run = m
            .body
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(digits_run <= 6, "{}", m.body);
    }
}

#[test]
fn a_version_3_database_is_migrated_and_gets_the_new_demo_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bank-v3.sqlite");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open v3");
        crate::schema::migrate_to(&mut conn, 3).expect("v3 schema");
        let tx = conn.transaction().expect("tx");
        crate::demo::seed_as_version_3(&tx).expect("seed");
        // Version 3 wrote other personal ID numbers.
        tx.execute_batch(
            "UPDATE customers SET personal_id = 'J85406123A' WHERE cif = '100001';
             UPDATE customers SET personal_id = 'I90312456B' WHERE cif = '100002';",
        )
        .expect("old personal IDs");
        tx.commit().expect("commit");
        crate::ops::dispatch(
            &mut conn,
            &crate::tests::request(
                "withdraw",
                &[
                    ("pan", secret(ARTA)),
                    ("account", Value::text("ACC-0001")),
                    ("amount", money_value("5000", "ALL")),
                ],
                "v3-w",
            ),
            t0(),
        )
        .expect("withdraw on v3");
        assert_eq!(crate::schema::version(&conn).expect("version"), 3);
    }
    let mut bank = Bank::open(&path).expect("open and migrate");
    assert_eq!(crate::schema::version(&bank.conn).expect("version"), 4);
    let dangling: i64 = bank
        .conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .expect("check");
    assert_eq!(dangling, 0);
    assert_eq!(balance(&bank, "ACC-0001"), money("245000", "ALL"));
    assert_eq!(balance(&bank, "ACC-0006"), money("1250000", "ALL"));
    assert_eq!(balance(&bank, "EPARA-W-1001"), money("20000", "ALL"));
    assert_eq!(balance(&bank, "NET-0002"), money("60000", "ALL"));
    assert_eq!(
        bank.transactions_count().expect("count"),
        crate::tests::DEMO_ENTRIES + 1
    );
    assert_balanced(&bank);
    // The new demo data works: personal IDs, the blocked other-bank card, the business.
    ok(identify(&mut bank, "J80512345L", "+355682345678"));
    ok(identify(&mut bank, "I75123456A", "+355691234567"));
    ok(unblock(&mut bank, OTHER_BLOCKED, "0000"));
    ok(business_code(
        &mut bank, "ACC-0006", "E-100", "", "24", "ALL",
    ));
    soft_pin(&mut bank, ARTA, "9371");
    drop(bank);
    // Opening again adds nothing.
    let bank = Bank::open(&path).expect("reopen");
    assert_eq!(
        bank.transactions_count().expect("count"),
        crate::tests::DEMO_ENTRIES + 1
    );
    let wallets: i64 = bank
        .conn
        .query_row("SELECT COUNT(*) FROM wallets", [], |row| row.get(0))
        .expect("count");
    assert_eq!(wallets, 1);
}

#[test]
fn a_code_is_used_by_its_id_only_where_its_digits_were_just_checked() {
    let mut bank = bank();
    let issued = ok(issue(&mut bank, ARTA, "ACC-0001", "2000 ALL", "24", ""));
    let code = text_of(&issued, "code");
    let code_id = text_of(&issued, "code_id");
    // Never checked: the id alone (sequential, guessable) takes nothing.
    assert_eq!(
        refusal(code_withdraw(&mut bank, T1, &code_id, "g-1", t0())),
        "declined"
    );
    // Checked at T1: not usable at T2 by its id, nor at T1 after too long.
    let checked = ok(check_code(&mut bank, T1, &code, "2000", t0()));
    assert_eq!(text_of(&checked, "code_id"), code_id);
    assert_eq!(
        refusal(code_withdraw(&mut bank, T2, &code_id, "g-2", t0())),
        "declined"
    );
    let late = t0() + Duration::minutes(crate::ops::cardless::CHECKED_MINUTES + 1);
    assert_eq!(
        refusal(code_withdraw(&mut bank, T1, &code_id, "g-3", late)),
        "declined"
    );
    ok(code_withdraw(
        &mut bank,
        T1,
        &code_id,
        "g-4",
        t0() + Duration::minutes(2),
    ));
    assert_eq!(balance(&bank, "ACC-0001"), money("248000", "ALL"));

    // The same for business codes.
    let issued = ok(business_code(
        &mut bank, "ACC-0006", "E-100", "", "24", "ALL",
    ));
    let code_id = text_of(&issued, "code_id");
    assert_eq!(
        refusal(business_deposit(
            &mut bank, T1, &code_id, "1000", "ALL", "g-5"
        )),
        "declined"
    );
    ok(check_business(
        &mut bank,
        T2,
        &text_of(&issued, "code"),
        t0(),
    ));
    assert_eq!(
        refusal(business_deposit(
            &mut bank, T1, &code_id, "1000", "ALL", "g-6"
        )),
        "declined"
    );
    ok(business_deposit(
        &mut bank, T2, &code_id, "1000", "ALL", "g-7",
    ));
    assert_eq!(balance(&bank, "ACC-0006"), money("1251000", "ALL"));
    assert_balanced(&bank);
}
