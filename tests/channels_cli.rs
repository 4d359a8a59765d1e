//! `atmflow bank ...` for the bank's other channels (phone app, business internet bank,
//! epara) as a user runs it: the real binary on a temporary data folder.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn bank(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atmflow"))
        .env_remove("ATMFLOW_DATA")
        .arg("bank")
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("atmflow runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(o)))
}

/// Runs and expects success.
fn ok(data: &Path, args: &[&str]) -> Output {
    let o = bank(data, args);
    assert_eq!(code(&o), 0, "{args:?}\n{}{}", stdout(&o), stderr(&o));
    o
}

/// The value after `name: ` on a line of the human output.
fn field(text: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}: ");
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(&prefix).map(str::to_string))
}

fn is_code(text: &str) -> bool {
    text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit())
}

#[test]
fn rates_are_printed_for_people_and_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let o = ok(dir.path(), &["rates"]);
    let text = stdout(&o);
    assert!(text.contains("currency: EUR"), "{text}");
    assert!(text.contains("buy: ") && text.contains("sell: "), "{text}");
    assert!(dir.path().join("bank.sqlite").exists());

    let v = json(&ok(dir.path(), &["rates", "--json"]));
    let eur = v
        .as_array()
        .and_then(|rates| rates.iter().find(|r| r["currency"] == "EUR"))
        .unwrap_or_else(|| panic!("no EUR rate in {v}"));
    assert!(eur["buy"].is_string() && eur["sell"].is_string(), "{eur}");
}

#[test]
fn refusals_exit_1_with_their_code() {
    let dir = tempfile::tempdir().unwrap();
    let issue = |card: &str, amount: &str, json: bool| {
        let mut args = vec![
            "app",
            "issue-code",
            "--card",
            card,
            "--account",
            "ACC-0001",
            "--amount",
            amount,
        ];
        if json {
            args.push("--json");
        }
        bank(dir.path(), &args)
    };
    let o = issue("1", "50 ALL", false);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stderr(&o).starts_with("refused: invalid_amount: "),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");

    let o = issue("1", "50 ALL", true);
    assert_eq!(code(&o), 1);
    assert_eq!(json(&o)["refused"], "invalid_amount");

    // Demo card 3 is blocked; the card number never shows in the refusal.
    let o = issue("3", "5000 ALL", false);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).starts_with("refused: "), "{}", stderr(&o));
    let number = &atmflow_bank::Bank::demo_cards()[2].number;
    assert!(!stderr(&o).contains(number.as_str()), "{}", stderr(&o));

    let o = bank(
        dir.path(),
        &[
            "epara",
            "--wallet",
            "W-9999",
            "withdraw",
            "--amount",
            "2000 ALL",
            "--payload",
            "x",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("refused: unknown_wallet: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cards_still_list_the_demo_cards() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout(&ok(dir.path(), &["cards"]));
    assert!(
        text.contains("474123******1234") && text.contains("PIN 1234"),
        "{text}"
    );
    let v = json(&ok(dir.path(), &["cards", "--json"]));
    assert_eq!(v[0]["index"], 1);
    assert_eq!(v[0]["masked"], "474123******1234");
    let o = ok(dir.path(), &["reset"]);
    assert!(stdout(&o).contains("created anew"), "{}", stdout(&o));
}

#[test]
fn the_phone_app_issues_a_unique_code() {
    let dir = tempfile::tempdir().unwrap();
    let o = ok(
        dir.path(),
        &[
            "app",
            "issue-code",
            "--card",
            "1",
            "--account",
            "ACC-0001",
            "--amount",
            "5000 ALL",
            "--hours",
            "24",
            "--terminal",
            "T001",
        ],
    );
    let text = stdout(&o);
    let code = field(&text, "code").unwrap_or_default();
    assert!(is_code(&code), "{text}");
    assert_eq!(
        field(&text, "amount").as_deref(),
        Some("5,000.00 ALL"),
        "{text}"
    );

    // The full card number works as well as the demo index; JSON money is exact.
    let v = json(&ok(
        dir.path(),
        &[
            "app",
            "issue-code",
            "--card",
            "4741230000001234",
            "--account",
            "ACC-0001",
            "--amount",
            "1000 ALL",
            "--json",
        ],
    ));
    assert!(is_code(v["code"].as_str().unwrap_or_default()), "{v}");
    assert_eq!(
        v["amount"],
        serde_json::json!({"amount": "1000.00", "currency": "ALL"})
    );
    assert_eq!(v["terminal"], "");
}

#[test]
fn a_business_code_goes_out_by_sms_and_shows_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout(&ok(
        dir.path(),
        &["business", "employees", "--account", "ACC-0006"],
    ));
    assert!(text.contains("E-100"), "{text}");

    let o = ok(
        dir.path(),
        &[
            "business",
            "deposit-code",
            "--account",
            "ACC-0006",
            "--employee",
            "E-100",
            "--terminal",
            "ALL",
            "--hours",
            "24",
            "--source",
            "daily takings",
            "--currency",
            "ALL",
        ],
    );
    let issued = field(&stdout(&o), "code").unwrap_or_default();
    assert!(is_code(&issued), "{}", stdout(&o));
    assert!(
        field(&stdout(&o), "sent_to").is_some_and(|p| p.contains("***")),
        "{}",
        stdout(&o)
    );

    let sms = json(&ok(dir.path(), &["sms", "--to", "+355694445566", "--json"]));
    assert_eq!(sms["code"], issued.as_str(), "{sms}");

    let outbox = stdout(&ok(dir.path(), &["outbox"]));
    assert!(outbox.contains("channel: sms"), "{outbox}");
    assert!(outbox.contains(&issued), "{outbox}");
    let all = json(&ok(dir.path(), &["outbox", "--json"]));
    assert!(
        all.as_array()
            .is_some_and(|m| m.iter().any(|m| m["recipient"] == "+355694445566")),
        "{all}"
    );
}

#[test]
fn the_soft_pin_is_activated_and_a_qr_needs_a_live_terminal_code() {
    let dir = tempfile::tempdir().unwrap();
    let o = ok(
        dir.path(),
        &["app", "soft-pin", "--card", "1", "--pin", "2580"],
    );
    assert_eq!(
        field(&stdout(&o), "activated").as_deref(),
        Some("true"),
        "{}",
        stdout(&o)
    );
    let o = bank(
        dir.path(),
        &[
            "app",
            "soft-pin",
            "--card",
            "1",
            "--pin",
            "2580",
            "--pin-again",
            "2581",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("refused: mismatch: "),
        "{}",
        stderr(&o)
    );

    let o = bank(
        dir.path(),
        &[
            "app",
            "qr",
            "--card",
            "1",
            "--soft-pin",
            "2580",
            "--account",
            "ACC-0001",
            "--amount",
            "5000 ALL",
            "--payload",
            "not-a-terminal",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).starts_with("refused: unknown_qr: "),
        "{}",
        stderr(&o)
    );
}
