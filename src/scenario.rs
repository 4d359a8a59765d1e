//! The scenario runner: scripted customer sessions with expectations, run headless
//! against the real interpreter, the real flows, simulated devices and a fresh demo bank.
//!
//! A scenario file holds a list of scenarios; each is a list of steps, each step either an
//! action (`press: confirm`) or an expectation (`expect_screen: withdrawal/confirm`).
//! `docs/scenarios.md` documents the format. After every scenario the runner also checks
//! that the ledger balances and that no card number or typed secret reached the journal.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use atmflow_bank::Bank;
use atmflow_devices::text_display::render_text;
use atmflow_devices::{SimDevices, SimError};
use atmflow_engine::interp::Event;
use atmflow_engine::journal::Journal;
use atmflow_engine::ports::HostError;
use atmflow_engine::program::Program;
use atmflow_engine::terminal::Terminal;
use atmflow_engine::value::{Currency, Money, Value};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::actions::{Action, SimTerminal, parse_notes, perform};
use crate::host::SimHost;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::FlowSource;

    fn program() -> Arc<Program> {
        let flows = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
        Arc::new(
            FlowSource::Dir(flows)
                .load()
                .program
                .expect("the shipped flows load"),
        )
    }

    fn scenario(steps: &str) -> Scenario {
        let yaml = format!("name: test\nsteps:\n{steps}");
        serde_saphyr::from_str(&yaml).expect("a scenario")
    }

    /// A dispenser's loading as `(currency, denomination, count)`.
    type Loading = Vec<(String, Decimal, u32)>;

    /// Runs the steps; the dispenser's loading at the end.
    fn run_with_cassettes(steps: &str) -> (Result<(), String>, Loading) {
        let mut last = Vec::new();
        let result = run_scenario_observed(&scenario(steps), &program(), &mut |t| {
            last = t
                .devices
                .cash_dispenser
                .cassettes()
                .iter()
                .map(|c| (c.currency.to_string(), c.denomination, c.count))
                .collect();
        });
        (result, last)
    }

    #[test]
    fn cassettes_set_the_named_counts_and_keep_the_others() {
        let (result, loading) =
            run_with_cassettes("  - cassettes: {ALL: {5000: 0, 2000: 3}, EUR: {100: 0}}\n");
        assert_eq!(result, Ok(()));
        let count = |cur: &str, d: u32| {
            loading
                .iter()
                .find(|(c, den, _)| c == cur && *den == Decimal::from(d))
                .map(|x| x.2)
        };
        assert_eq!(count("ALL", 5000), Some(0));
        assert_eq!(count("ALL", 2000), Some(3));
        assert_eq!(count("ALL", 1000), Some(200));
        assert_eq!(count("EUR", 100), Some(0));
        assert_eq!(count("EUR", 50), Some(100));
    }

    #[test]
    fn cassettes_leave_the_terminal_short_of_notes() {
        let steps = "  - cassettes: {ALL: {5000: 0, 2000: 0, 1000: 0, 500: 0}}
  - insert_card: \"4741230000001234\"
  - type: \"1234\"
  - press: enter
  - press: preset.0
  - press: withdraw_now
  - expect_screen: fast_withdrawal/no_cash
  - expect_dispensed: \"0 ALL\"
";
        assert_eq!(run_with_cassettes(steps).0, Ok(()));
    }

    #[test]
    fn cassettes_refuse_what_is_not_a_loading() {
        let (result, _) = run_with_cassettes("  - cassettes: {ALL: {five: 0}}\n");
        assert!(
            result
                .as_ref()
                .is_err_and(|e| e.contains("`five` is not a denomination")),
            "{result:?}"
        );
        let (result, _) = run_with_cassettes("  - cassettes: {lek: {500: 0}}\n");
        assert!(
            result
                .as_ref()
                .is_err_and(|e| e.contains("`lek` is not a currency code")),
            "{result:?}"
        );
        let parsed: Result<Scenario, _> =
            serde_saphyr::from_str("name: t\nsteps:\n  - cassettes: {ALL: {500: -1}}\n");
        assert!(parsed.is_err(), "a negative count is not a count");
    }

    #[test]
    fn a_card_is_refused_only_while_the_shutter_is_closed() {
        let program = program();
        let run = |steps: &str| run_scenario(&scenario(steps), &program);
        // A cardless session closed the reader: the card stays outside, the session goes on.
        let closed = "  - press: cardless
  - insert_card_refused: \"4741230000001234\"
  - expect_screen: cardless_menu/menu
  - expect_card_retained: false
  - press: main_menu
  - expect_screen: welcome/idle
";
        assert_eq!(run(closed), Ok(()));
        // The welcome screen waits for a card: the reader takes it, so the step fails.
        let open = run("  - insert_card_refused: \"4741230000001234\"\n");
        assert!(
            open.as_ref()
                .is_err_and(|e| e.contains("the reader took the card in")),
            "{open:?}"
        );
        // A card already inside is refused for another reason: not what the step checks.
        let inside = run("  - insert_card: \"4741230000001234\"
  - insert_card_refused: \"5355000000009999\"
");
        assert!(
            inside
                .as_ref()
                .is_err_and(|e| e.contains("not because its shutter is closed")),
            "{inside:?}"
        );
        // A faulty reader whose shutter was open answers a fault: not a refusal either.
        let faulty = run("  - fault: {device: card_reader, code: reader_fault}
  - insert_card_refused: \"4741230000001234\"
");
        assert!(
            faulty
                .as_ref()
                .is_err_and(|e| e.contains("shutter was open")),
            "{faulty:?}"
        );
    }

    #[test]
    fn a_pin_is_found_only_where_it_stands_alone() {
        assert!(stands_alone("1234", "1234"));
        assert!(stands_alone("PIN: 1234.", "1234"));
        assert!(!stands_alone("123456", "1234"));
        assert!(!stands_alone("474123******1234", "1234"));
        assert!(!stands_alone("nr. 91234567", "1234"));
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notes {
    pub currency: String,
    /// `1000x5 500x2`
    pub notes: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    pub device: String,
    pub code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    /// A channel operation of the bank (`app_issue_code`, `business_deposit_code`, ...).
    pub op: String,
    /// Text arguments; `$name` or `$name.field` is a value saved by an earlier step.
    #[serde(default)]
    pub args: BTreeMap<String, String>,
    /// Save the result under this name.
    pub save: Option<String>,
    /// Expect the channel to refuse with this code instead.
    pub refused: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefuseSpec {
    pub op: String,
    pub code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonSpec {
    pub id: String,
    pub enabled: Option<bool>,
    /// A text the disabled button's reason contains.
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceSpec {
    pub account: String,
    /// The balance, e.g. `245000 ALL`.
    pub equals: Option<String>,
    /// The change since the scenario started, e.g. `-5000 ALL`.
    pub changed_by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    pub device: String,
    pub command: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    InsertCard(String),
    /// The customer offers a card that the reader must refuse because its shutter is
    /// closed (the terminal is not waiting for a card): the card stays with the customer
    /// and the session goes on as if nothing happened.
    InsertCardRefused(String),
    Type(String),
    Backspace,
    Clear,
    Focus(String),
    Press(String),
    Language(String),
    /// The physical eject key (works on every screen, button or not).
    EjectKey,
    TakeCard,
    TakeCash,
    TakeNotes,
    InsertNotes(Notes),
    SuspectNote,
    ScanQr(String),
    Fault(FaultSpec),
    ClearFaults,
    /// A technician takes a stuck card out of the card reader.
    TechnicianRemovesCard,
    /// The host link goes down (true) or comes back (false).
    HostOffline(bool),
    /// The host refuses the next request for an operation: `{op: withdraw, code: declined}`.
    HostRefuse(RefuseSpec),
    /// Something done on another channel of the bank (the phone app, the business
    /// internet bank, the epara wallet), e.g. issuing a unique code.
    Channel(ChannelSpec),
    /// Types a saved value (`code.code`) on the keypad.
    TypeSaved(String),
    /// Saves the QR payload the screen shows under a name.
    SaveQr(String),
    /// Seconds pass; screen timeouts fire.
    Wait(u32),
    /// A technician sets the notes in the dispenser's cassettes, per currency and
    /// denomination: `{ALL: {5000: 0, 2000: 0}}`. The cassettes not named keep theirs.
    Cassettes(BTreeMap<String, BTreeMap<String, u32>>),
    ExpectScreen(String),
    ExpectText(String),
    ExpectNoText(String),
    ExpectButton(ButtonSpec),
    ExpectNoButton(String),
    ExpectBalance(BalanceSpec),
    ExpectCommand(CommandSpec),
    ExpectNoCommand(CommandSpec),
    /// How the last finished session ended (`done`, `timeout`, ...).
    ExpectOutcome(String),
    ExpectCardRetained(bool),
    /// A printed receipt contains this text.
    ExpectReceipt(String),
    ExpectReceipts(usize),
    /// Total cash that left the dispenser in this scenario, e.g. `5000 ALL`.
    ExpectDispensed(String),
    /// Total cash stored by the acceptor, e.g. `3000 ALL`.
    ExpectStored(String),
    ExpectJournal(String),
}

/// The result of one scenario.
#[derive(Debug)]
pub struct ScenarioResult {
    pub file: String,
    pub name: String,
    pub failure: Option<String>,
}

/// Runs every scenario of a file against `program`.
pub fn run_file(path: &Path, program: &Arc<Program>) -> Vec<ScenarioResult> {
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return vec![ScenarioResult {
                file,
                name: "(file)".into(),
                failure: Some(format!("cannot read: {e}")),
            }];
        }
    };
    let parsed: ScenarioFile = match serde_saphyr::from_str(&text) {
        Ok(p) => p,
        Err(e) => {
            return vec![ScenarioResult {
                file,
                name: "(file)".into(),
                failure: Some(format!("not a scenario file: {e}")),
            }];
        }
    };
    parsed
        .scenarios
        .iter()
        .map(|s| ScenarioResult {
            file: file.clone(),
            name: s.name.clone(),
            failure: run_scenario(s, program).err(),
        })
        .collect()
}

/// The fixed time every scenario starts at, so runs are repeatable.
pub fn scenario_start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap_or_default()
}

fn money(text: &str) -> Result<Money, String> {
    let (a, c) = text
        .trim()
        .rsplit_once(' ')
        .ok_or_else(|| format!("`{text}`: write money as `5000 ALL`"))?;
    let amount = Decimal::from_str(a.trim()).map_err(|_| format!("`{text}`: bad amount"))?;
    let cur = Currency::new(c).ok_or_else(|| format!("`{text}`: bad currency"))?;
    Ok(Money::new(amount, cur))
}

fn screen_text(t: &SimTerminal) -> String {
    t.view()
        .map(render_text)
        .unwrap_or_else(|| "(no screen)".into())
}

/// Runs one scenario; `Err` says which step failed and what the screen showed.
pub fn run_scenario(s: &Scenario, program: &Arc<Program>) -> Result<(), String> {
    run_scenario_observed(s, program, &mut |_| {})
}

/// [`run_scenario`], with `observe` called on the terminal at the start and after every
/// step: how the screen gallery sees every screen a scenario reaches.
pub fn run_scenario_observed(
    s: &Scenario,
    program: &Arc<Program>,
    observe: &mut dyn FnMut(&mut SimTerminal),
) -> Result<(), String> {
    let bank = Bank::open_in_memory().map_err(|e| format!("demo bank: {e}"))?;
    let mut now = scenario_start();
    let mut t = Terminal::new(
        program.clone(),
        SimHost::new(bank),
        SimDevices::new(),
        Journal::in_memory(),
        "T001",
        now,
    );
    let mut start_balances: BTreeMap<String, Money> = BTreeMap::new();
    for step in &s.steps {
        if let Step::ExpectBalance(b) = step
            && !start_balances.contains_key(&b.account)
        {
            let m = t
                .host
                .bank
                .balance_of(&b.account)
                .map_err(|e| format!("account {}: {e}", b.account))?;
            start_balances.insert(b.account.clone(), m);
        }
    }
    let mut secrets_typed: Vec<String> = Vec::new();
    let mut saved: BTreeMap<String, Value> = BTreeMap::new();
    let mut pans: Vec<String> = Bank::demo_cards().into_iter().map(|c| c.number).collect();
    observe(&mut t);

    for (i, step) in s.steps.iter().enumerate() {
        let fail = |msg: String, t: &SimTerminal| {
            Err(format!(
                "step {} ({step:?}): {msg}\n{}",
                i + 1,
                screen_text(t)
            ))
        };
        let action = match step {
            Step::InsertCard(p) => {
                pans.push(p.clone());
                Some(Action::InsertCard(p.clone()))
            }
            Step::InsertCardRefused(p) => {
                pans.push(p.clone());
                if let Err(msg) = offer_refused_card(&mut t, p, now) {
                    return fail(msg, &t);
                }
                observe(&mut t);
                continue;
            }
            Step::Cassettes(by_currency) => {
                for (currency, notes) in by_currency {
                    let action = match cassette_counts(notes) {
                        Ok(counts) => Action::Cassettes {
                            currency: currency.clone(),
                            counts,
                        },
                        Err(e) => return fail(e, &t),
                    };
                    if let Err(e) = perform(&mut t, &action, now) {
                        return fail(e.0, &t);
                    }
                }
                observe(&mut t);
                continue;
            }
            Step::TypeSaved(name) => {
                let text = match lookup(&saved, name) {
                    Ok(v) => v.display(),
                    Err(e) => return fail(e, &t),
                };
                if t.session().focused_input_is_secret() {
                    secrets_typed.push(text.clone());
                }
                Some(Action::Type(text))
            }
            Step::SaveQr(name) => {
                let Some(qr) = t.view().and_then(|v| v.qr.clone()) else {
                    return fail("the screen shows no QR code".into(), &t);
                };
                saved.insert(name.clone(), Value::Text(qr));
                continue;
            }
            Step::Channel(c) => {
                let mut args = BTreeMap::new();
                for (k, v) in &c.args {
                    let v = match v.strip_prefix('$') {
                        Some(name) => match lookup(&saved, name) {
                            Ok(v) => v.display(),
                            Err(e) => return fail(e, &t),
                        },
                        None => v.clone(),
                    };
                    args.insert(k.clone(), v);
                }
                match (t.host.bank.channel(&c.op, &args, now), &c.refused) {
                    (Ok(v), None) => {
                        if let Some(name) = &c.save {
                            saved.insert(name.clone(), v);
                        }
                    }
                    (Err(HostError::Refused { code, .. }), Some(want)) if &code == want => {}
                    (Ok(_), Some(want)) => {
                        return fail(
                            format!("the channel accepted; expected the refusal {want}"),
                            &t,
                        );
                    }
                    (Err(e), _) => return fail(format!("the channel refused: {e}"), &t),
                }
                continue;
            }
            Step::Type(x) => {
                if t.session().focused_input_is_secret() {
                    // Keys typed one by one make one secret: remember every prefix too.
                    let whole = format!("{}{x}", secrets_typed.last().cloned().unwrap_or_default());
                    secrets_typed.push(x.clone());
                    secrets_typed.push(whole);
                }
                Some(Action::Type(x.clone()))
            }
            Step::Backspace => Some(Action::Backspace),
            Step::Clear => Some(Action::Clear),
            Step::Focus(x) => Some(Action::Focus(x.clone())),
            Step::Press(x) => Some(Action::Press(x.clone())),
            Step::Language(x) => Some(Action::Language(x.clone())),
            Step::EjectKey => Some(Action::EjectKey),
            Step::TakeCard => Some(Action::TakeCard),
            Step::TakeCash => Some(Action::TakeCash),
            Step::TakeNotes => Some(Action::TakeNotes),
            Step::InsertNotes(n) => {
                let words: Vec<&str> = n.notes.split_whitespace().collect();
                match parse_notes(&words) {
                    Ok(notes) => Some(Action::InsertNotes {
                        currency: n.currency.clone(),
                        notes,
                    }),
                    Err(e) => return fail(e.0, &t),
                }
            }
            Step::SuspectNote => Some(Action::SuspectNote),
            Step::ScanQr(p) => Some(Action::ScanQr(p.clone())),
            Step::Fault(f) => Some(Action::Fault {
                device: f.device.clone(),
                code: f.code.clone(),
            }),
            Step::ClearFaults => Some(Action::ClearFaults),
            Step::TechnicianRemovesCard => Some(Action::RemoveStuckCard),
            Step::HostOffline(b) => Some(Action::HostOffline(*b)),
            Step::HostRefuse(r) => Some(Action::HostRefuse {
                op: r.op.clone(),
                code: r.code.clone(),
            }),
            _ => None,
        };
        if let Some(a) = action {
            if let Err(e) = perform(&mut t, &a, now) {
                return fail(e.0, &t);
            }
            observe(&mut t);
            continue;
        }
        let check = expect(step, &mut t, &mut now, &start_balances);
        if let Err(msg) = check {
            return fail(msg, &t);
        }
        observe(&mut t);
    }

    // What every scenario must also hold.
    if !t
        .host
        .bank
        .ledger_is_balanced()
        .map_err(|e| e.to_string())?
    {
        return Err("the ledger does not sum to zero after the scenario".into());
    }
    for line in t.journal().lines() {
        for pan in &pans {
            if line.contains(pan.as_str()) {
                return Err("a full card number reached the journal".into());
            }
        }
        let record: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("a journal line is not JSON: {e}"))?;
        if let Some(leak) = leaked_secret(&record, &secrets_typed) {
            return Err(format!(
                "a typed secret ({} characters) reached the journal",
                leak.len()
            ));
        }
    }
    if let Some(e) = t.journal_error() {
        return Err(format!("the journal could not be written: {e}"));
    }
    Ok(())
}

/// `{5000: 0, 2000: 3}` as `(denomination, count)`.
fn cassette_counts(notes: &BTreeMap<String, u32>) -> Result<Vec<(Decimal, u32)>, String> {
    notes
        .iter()
        .map(|(d, n)| {
            Decimal::from_str(d.trim())
                .map(|d| (d, *n))
                .map_err(|_| format!("`{d}` is not a denomination: write `{{5000: 0}}`"))
        })
        .collect()
}

/// Offers the card `pan` to the reader and expects it refused because the shutter is
/// closed; the card must then still be outside and nothing reach the flows.
fn offer_refused_card(t: &mut SimTerminal, pan: &str, now: NaiveDateTime) -> Result<(), String> {
    let reader = &mut t.devices.card_reader;
    let had_card = reader.has_card();
    match reader.insert(pan) {
        Err(SimError::ShutterClosed) if reader.has_card() == had_card => Ok(()),
        Err(SimError::ShutterClosed) => {
            Err("the reader refused the card but its card state changed".into())
        }
        Err(e) => Err(format!(
            "the reader refused the card, but not because its shutter is closed: {e}"
        )),
        Ok(ev) => {
            // Let the flows see what happened, so the failure shows the screen it led to.
            let what = if ev.event == "fault" {
                "the reader's shutter was open (it answered a fault and kept the card out)"
            } else {
                "the reader took the card in: its shutter was open"
            };
            t.dispatch(Event::Device(ev), now);
            Err(format!("expected the card to be refused; {what}"))
        }
    }
}

/// A typed secret found as a text value of a journal record, if any. Numbers (sequence
/// numbers, counts) are not texts, and the masked card number is not the secret itself.
fn leaked_secret<'a>(record: &serde_json::Value, secrets: &'a [String]) -> Option<&'a String> {
    match record {
        serde_json::Value::String(s) => secrets
            .iter()
            // Shorter prefixes of a PIN typed key by key would match ordinary numbers.
            .filter(|x| x.len() >= 4)
            .find(|x| stands_alone(s, x)),
        serde_json::Value::Array(items) => items.iter().find_map(|v| leaked_secret(v, secrets)),
        serde_json::Value::Object(map) => map.values().find_map(|v| leaked_secret(v, secrets)),
        _ => None,
    }
}

/// Whether `secret` occurs in `text` as a whole run of digits (or as the whole text): a
/// PIN inside a longer number (a customer number, a masked card number's last digits) is
/// not that PIN.
fn stands_alone(text: &str, secret: &str) -> bool {
    if text == secret {
        return true;
    }
    text.match_indices(secret).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + secret.len()..].chars().next();
        let digit_or_mask = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '*');
        !digit_or_mask(before) && !digit_or_mask(after)
    })
}

/// A saved value by `name` or `name.field`.
fn lookup(saved: &BTreeMap<String, Value>, path: &str) -> Result<Value, String> {
    let mut parts = path.split('.');
    let first = parts.next().unwrap_or_default();
    let mut v = saved
        .get(first)
        .cloned()
        .ok_or_else(|| format!("nothing was saved as `{first}`"))?;
    for field in parts {
        v = v
            .field(field)
            .cloned()
            .ok_or_else(|| format!("the saved `{path}` has no field `{field}`"))?;
    }
    Ok(v)
}

fn journal_records(t: &SimTerminal) -> Vec<serde_json::Value> {
    t.journal()
        .lines()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn command_sent(t: &SimTerminal, c: &CommandSpec) -> bool {
    journal_records(t).iter().any(|r| {
        r["record"] == "effect"
            && r["effect"]["kind"] == "device"
            && r["effect"]["device"] == c.device.as_str()
            && r["effect"]["command"] == c.command.as_str()
    })
}

fn expect(
    step: &Step,
    t: &mut SimTerminal,
    now: &mut NaiveDateTime,
    start_balances: &BTreeMap<String, Money>,
) -> Result<(), String> {
    match step {
        Step::Wait(secs) => {
            // Step through the wait one second at a time so chained timeouts fire in turn.
            for _ in 0..*secs {
                *now += Duration::seconds(1);
                t.tick(*now);
            }
            Ok(())
        }
        Step::ExpectScreen(id) => {
            let shown = t.view().map(|v| v.id.clone()).unwrap_or_default();
            if &shown == id {
                Ok(())
            } else {
                Err(format!("expected the screen {id}, but {shown} is shown"))
            }
        }
        Step::ExpectText(x) => {
            if screen_text(t).contains(x.as_str()) {
                Ok(())
            } else {
                Err(format!("expected the text {x:?} on the screen"))
            }
        }
        Step::ExpectNoText(x) => {
            if screen_text(t).contains(x.as_str()) {
                Err(format!("the text {x:?} should not be on the screen"))
            } else {
                Ok(())
            }
        }
        Step::ExpectButton(b) => {
            let view = t.view().ok_or("no screen is shown")?;
            let button = view
                .buttons
                .iter()
                .find(|x| x.id == b.id)
                .ok_or_else(|| format!("no button `{}`", b.id))?;
            if let Some(en) = b.enabled
                && button.enabled != en
            {
                return Err(format!(
                    "button `{}` is {}",
                    b.id,
                    if button.enabled {
                        "enabled"
                    } else {
                        "disabled"
                    }
                ));
            }
            if let Some(r) = &b.reason
                && !button.reason.as_deref().unwrap_or("").contains(r.as_str())
            {
                return Err(format!(
                    "button `{}` gives the reason {:?}, not one with {r:?}",
                    b.id, button.reason
                ));
            }
            Ok(())
        }
        Step::ExpectNoButton(id) => {
            let view = t.view().ok_or("no screen is shown")?;
            if view.buttons.iter().any(|b| &b.id == id) {
                Err(format!("the button `{id}` should not be shown"))
            } else {
                Ok(())
            }
        }
        Step::ExpectBalance(b) => {
            let now_balance = t
                .host
                .bank
                .balance_of(&b.account)
                .map_err(|e| format!("account {}: {e}", b.account))?;
            if let Some(eq) = &b.equals {
                let want = money(eq)?;
                if now_balance != want && now_balance.amount != want.amount {
                    return Err(format!(
                        "balance of {} is {now_balance}, expected {want}",
                        b.account
                    ));
                }
            }
            if let Some(by) = &b.changed_by {
                let want = money(by)?;
                let start = start_balances
                    .get(&b.account)
                    .ok_or("no starting balance was recorded")?;
                let change = now_balance.amount - start.amount;
                if change != want.amount || now_balance.currency != want.currency {
                    return Err(format!(
                        "balance of {} changed by {change} {}, expected {want}",
                        b.account, now_balance.currency
                    ));
                }
            }
            Ok(())
        }
        Step::ExpectCommand(c) => {
            if command_sent(t, c) {
                Ok(())
            } else {
                Err(format!("no {}.{} command was sent", c.device, c.command))
            }
        }
        Step::ExpectNoCommand(c) => {
            if command_sent(t, c) {
                Err(format!("a {}.{} command was sent", c.device, c.command))
            } else {
                Ok(())
            }
        }
        Step::ExpectOutcome(o) => match t.outcomes().last() {
            Some(last) if last == o => Ok(()),
            other => Err(format!(
                "the last session ended with {other:?}, expected {o:?}"
            )),
        },
        Step::ExpectCardRetained(r) => {
            let retained = t.devices.card_reader.retained_count() > 0;
            if retained == *r {
                Ok(())
            } else {
                Err(format!("card retained: {retained}, expected {r}"))
            }
        }
        Step::ExpectReceipt(x) => {
            if t.devices
                .receipt_printer
                .receipts()
                .iter()
                .any(|r| r.iter().any(|l| l.contains(x.as_str())))
            {
                Ok(())
            } else {
                Err(format!("no printed receipt contains {x:?}"))
            }
        }
        Step::ExpectReceipts(n) => {
            let got = t.devices.receipt_printer.receipts().len();
            if got == *n {
                Ok(())
            } else {
                Err(format!("{got} receipts were printed, expected {n}"))
            }
        }
        Step::ExpectDispensed(m) => {
            let want = money(m)?;
            let got = t.devices.cash_dispenser.total_dispensed(&want.currency);
            if got.amount == want.amount {
                Ok(())
            } else {
                Err(format!("{got} was dispensed, expected {want}"))
            }
        }
        Step::ExpectStored(m) => {
            let want = money(m)?;
            let got = t.devices.cash_acceptor.stored_total(&want.currency);
            if got.amount == want.amount {
                Ok(())
            } else {
                Err(format!("{got} was stored, expected {want}"))
            }
        }
        Step::ExpectJournal(x) => {
            if t.journal().lines().iter().any(|l| l.contains(x.as_str())) {
                Ok(())
            } else {
                Err(format!("the journal has no record with {x:?}"))
            }
        }
        _ => Ok(()),
    }
}
