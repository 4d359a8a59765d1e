//! End to end through the real binary: `atmflow run --headless` with typed commands on
//! stdin, a fresh data folder, the shipped flows. One withdrawal and one deposit session,
//! then the bank file and the journal are opened and checked.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use atmflow_bank::Bank;
use rust_decimal::Decimal;

const ARTA_PAN: &str = "4741230000001234";
const ARTA_PIN: &str = "1234";

/// What the customer types: a 5,000 ALL withdrawal, then a 3,000 ALL deposit.
const SESSION: &[&str] = &[
    // Withdrawal.
    "card 1",
    "pin 1234",
    "press enter",
    "press withdrawal",
    "press account.0",
    "press preset.2",
    "press confirm",
    "press none",
    "take cash",
    "press eject",
    "take card",
    // Deposit.
    "card 1",
    "pin 1234",
    "press enter",
    "press deposit",
    "press account.0",
    "notes ALL 1000x2 500x2",
    "press confirm",
    "press none",
    "press eject",
    "take card",
    "quit",
];

struct Run {
    stdout: String,
    stderr: String,
}

fn run_headless(data: &Path, input: &[&str]) -> Run {
    let flows = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    let mut child = Command::new(env!("CARGO_BIN_EXE_atmflow"))
        .arg("run")
        .arg("--headless")
        .arg("--data")
        .arg(data)
        .arg("--flows")
        .arg(&flows)
        .env_remove("ATMFLOW_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the atmflow binary starts");
    {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let mut text = input.join("\n");
        text.push('\n');
        stdin
            .write_all(text.as_bytes())
            .expect("the commands are written");
        // Dropping stdin closes it: the console also stops at the end of its input.
    }
    // Do not hang the test suite if the console never stops.
    let started = Instant::now();
    loop {
        match child.try_wait().expect("waiting for atmflow") {
            Some(_) => break,
            None if started.elapsed() > Duration::from_secs(60) => {
                let _ = child.kill();
                panic!("`atmflow run --headless` did not stop within 60 s after `quit`");
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let output = child.wait_with_output().expect("the output is collected");
    assert!(
        output.status.success(),
        "`atmflow run --headless` failed with {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn all(amount: i64) -> Decimal {
    Decimal::from(amount)
}

#[test]
fn headless_withdrawal_and_deposit_reach_the_bank_file() {
    let data = tempfile::tempdir().expect("a temporary data folder");
    let run = run_headless(data.path(), SESSION);
    let out = &run.stdout;
    let context = || format!("stdout:\n{out}\nstderr:\n{}", run.stderr);

    // No command was refused by the console.
    let refused: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start_matches("> ").starts_with("! "))
        .collect();
    assert!(
        refused.is_empty(),
        "the console refused commands: {refused:?}\n{}",
        context()
    );

    // The screens of both sessions were shown, in order.
    let screens = [
        "welcome/idle",
        "card_login/pin",
        "main_menu/menu",
        "account_picker/pick",
        "amount_entry/choose",
        "withdrawal/confirm",
        "receipt_choice/choose",
        "dispense_cash/take_cash",
        "withdrawal/done",
        "card_return/take_card",
        "card_login/pin",
        "cash_in/insert",
        "cash_in/summary",
        "deposit/done",
        "card_return/take_card",
    ];
    let mut from = 0;
    for screen in screens {
        match out[from..].find(screen) {
            Some(at) => from += at + screen.len(),
            None => panic!(
                "the screen {screen} was not shown (in order)\n{}",
                context()
            ),
        }
    }
    assert!(out.contains("Arta Hoxha"), "{}", context());
    assert!(out.contains("5,000.00 ALL"), "{}", context());
    // The deposit's result: the amount and the new balance (250,000 - 5,000 + 3,000).
    assert!(out.contains("3,000.00 ALL"), "{}", context());
    assert!(out.contains("248,000.00 ALL"), "{}", context());

    // The PIN field shows dots, never the digits typed.
    let pin_lines: Vec<&str> = out.lines().filter(|l| l.contains("[pin]")).collect();
    assert!(!pin_lines.is_empty(), "no PIN field shown\n{}", context());
    assert!(
        pin_lines.iter().any(|l| l.contains("••••")),
        "the PIN field never showed 4 dots: {pin_lines:?}"
    );
    for line in &pin_lines {
        assert!(
            !line.chars().any(|c| c.is_ascii_digit()),
            "a PIN field shows digits: {line:?}"
        );
    }
    // The full card number is never shown (only masked).
    assert!(
        !out.contains(ARTA_PAN),
        "the full card number is on the console\n{}",
        context()
    );
    assert!(out.contains("474123******1234"), "{}", context());

    // The bank file: ACC-0001 changed by exactly -5,000 + 3,000 ALL.
    let bank = Bank::open(&data.path().join("bank.sqlite")).expect("the bank file opens");
    let acc = bank.balance_of("ACC-0001").expect("ACC-0001 exists");
    assert_eq!(acc.currency.to_string(), "ALL");
    assert_eq!(
        acc.amount,
        all(250_000) - all(5_000) + all(3_000),
        "ACC-0001 is {acc}"
    );
    assert_eq!(acc.amount, Decimal::from_str("248000").unwrap());
    // Nothing else moved.
    for (id, opening) in [("ACC-0002", 40_000), ("ACC-0004", 3_000)] {
        let b = bank.balance_of(id).expect("account exists");
        assert_eq!(b.amount, all(opening), "{id} is {b}");
    }
    let eur = bank.balance_of("ACC-0003").expect("ACC-0003 exists");
    assert_eq!(eur.amount, all(2_000), "ACC-0003 is {eur}");
    assert!(
        bank.ledger_is_balanced().expect("the ledger can be summed"),
        "the ledger does not sum to zero"
    );

    // The journal: both sessions, no full card number, no PIN as a typed value.
    let journal = std::fs::read_to_string(data.path().join("journal.jsonl"))
        .expect("the journal file exists");
    assert!(!journal.is_empty(), "the journal is empty");
    for (n, line) in journal.lines().enumerate() {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("journal line {} is not JSON ({e}): {line}", n + 1));
        assert!(record.get("record").is_some(), "line {}: {line}", n + 1);
        assert!(
            !line.contains(ARTA_PAN),
            "journal line {} holds the full card number",
            n + 1
        );
        assert!(
            !line.contains(&format!("\"{ARTA_PIN}\"")),
            "journal line {} holds the PIN as a value: {line}",
            n + 1
        );
    }
    assert!(
        journal.contains("\"masked_keys\""),
        "PIN keys must be journaled masked"
    );
    assert!(journal.contains("\"op\":\"withdraw\""));
    assert!(journal.contains("\"op\":\"deposit\""));
    assert!(
        !journal.contains("\"op\":\"reverse\""),
        "nothing had to be reversed"
    );
    let ends = journal
        .lines()
        .filter(|l| l.contains("\"record\":\"session_end\""))
        .count();
    assert!(ends >= 2, "expected two finished sessions, found {ends}");
}

#[test]
fn headless_bank_survives_a_restart() {
    // A second run on the same data folder sees the first run's booking.
    let data = tempfile::tempdir().expect("a temporary data folder");
    run_headless(
        data.path(),
        &[
            "card 1",
            "pin 1234",
            "press enter",
            "press preset.0",
            "press withdraw_now",
            "take cash",
            "press eject",
            "take card",
            "quit",
        ],
    );
    let run = run_headless(
        data.path(),
        &[
            "card 1",
            "pin 1234",
            "press enter",
            "press withdrawal",
            "press show_balance",
            "quit",
        ],
    );
    assert!(
        run.stdout.contains("248,000.00 ALL"),
        "the second run shows the balance after the first run's 2,000 ALL:\n{}",
        run.stdout
    );
    let bank = Bank::open(&data.path().join("bank.sqlite")).expect("the bank file opens");
    assert_eq!(
        bank.balance_of("ACC-0001").expect("ACC-0001").amount,
        all(248_000)
    );
    assert!(bank.ledger_is_balanced().expect("ledger"));
}
