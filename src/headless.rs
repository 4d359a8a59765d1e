//! The headless terminal: each screen as text on the console, and the customer's and
//! the devices' actions as typed commands. Runs on tokio: the console and the screen
//! timeouts are awaited together, with time from the wall clock (outside the flows).

use std::io::Write;
use std::sync::Arc;

use atmflow_bank::Bank;
use atmflow_devices::text_display::render_text;
use atmflow_engine::ports::ScreenView;
use chrono::{Local, NaiveDateTime};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::actions::{Action, ActionError, SimTerminal, parse_notes, perform};
use crate::flows::{FlowSource, Reload, Reloader, print_diagnostics};

pub const HELP: &str = "\
Commands (a button can also be pressed by its number or id alone):
  card N|NUMBER       insert demo card N (see `cards`) or a card number
  type DIGITS|TEXT    type on the keypad / virtual keyboard (also: pin 1234)
  press ID|N          press a button          back        delete a digit
  clear               empty the input         focus ID    move to another input
  eject               the eject key (works on every screen)
  take card | take cash | take notes
  notes CUR 1000x5 500x2     insert notes      suspect     insert a suspect note
  scan PAYLOAD        scan a QR code          lang sq|en  switch the language
  fault DEVICE CODE   inject a device fault   faults off  clear every fault
  cassettes CUR 5000x0 2000x3  load the dispenser's cassettes of CUR (a technician)
  technician card     a technician takes a stuck card out of the reader
  host offline|online  the bank link down/up  host refuse OP CODE  refuse the next OP
  wait SECONDS        let time pass           screen      show the screen again
  cards               list the demo cards     help        this text
  quit";

/// What one console line asks for.
#[derive(Debug, PartialEq)]
pub enum Command {
    Act(Action),
    Wait(u64),
    Screen,
    Cards,
    Help,
    Quit,
    Nothing,
}

/// Parses one console line.
pub fn parse_command(line: &str) -> Result<Command, ActionError> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let rest = |n: usize| words.get(n..).map(|w| w.join(" ")).unwrap_or_default();
    let need = |n: usize, usage: &str| -> Result<(), ActionError> {
        if words.len() > n {
            Ok(())
        } else {
            Err(ActionError(format!("usage: {usage}")))
        }
    };
    let Some(first) = words.first() else {
        return Ok(Command::Nothing);
    };
    Ok(match *first {
        "help" | "?" => Command::Help,
        "quit" | "exit" => Command::Quit,
        "screen" => Command::Screen,
        "cards" => Command::Cards,
        "card" | "insert" => {
            need(1, "card N|NUMBER")?;
            let arg = words[1];
            let cards = Bank::demo_cards();
            let pan = match arg.parse::<usize>() {
                Ok(n) if n >= 1 && n <= cards.len() => cards[n - 1].number.clone(),
                _ => rest(1).replace(' ', ""),
            };
            Command::Act(Action::InsertCard(pan))
        }
        "type" | "pin" | "amount" | "code" => {
            need(1, "type DIGITS")?;
            Command::Act(Action::Type(rest(1)))
        }
        "press" => {
            need(1, "press ID|N")?;
            Command::Act(Action::Press(words[1].to_string()))
        }
        "back" | "backspace" => Command::Act(Action::Backspace),
        "eject" => Command::Act(Action::EjectKey),
        "clear" => Command::Act(Action::Clear),
        "focus" => {
            need(1, "focus INPUT")?;
            Command::Act(Action::Focus(words[1].to_string()))
        }
        "take" => match words.get(1).copied() {
            Some("card") => Command::Act(Action::TakeCard),
            Some("cash") => Command::Act(Action::TakeCash),
            Some("notes") => Command::Act(Action::TakeNotes),
            _ => return Err(ActionError("usage: take card|cash|notes".into())),
        },
        "notes" => {
            need(2, "notes CURRENCY 1000x5 500x2")?;
            Command::Act(Action::InsertNotes {
                currency: words[1].to_uppercase(),
                notes: parse_notes(&words[2..])?,
            })
        }
        "suspect" => Command::Act(Action::SuspectNote),
        "scan" => {
            need(1, "scan PAYLOAD")?;
            Command::Act(Action::ScanQr(rest(1)))
        }
        "lang" | "language" => {
            need(1, "lang sq|en")?;
            Command::Act(Action::Language(words[1].to_string()))
        }
        "fault" => {
            need(2, "fault DEVICE CODE")?;
            Command::Act(Action::Fault {
                device: words[1].to_string(),
                code: words[2].to_string(),
            })
        }
        "faults" => Command::Act(Action::ClearFaults),
        "technician" => match words.get(1).copied() {
            Some("card") => Command::Act(Action::RemoveStuckCard),
            _ => return Err(ActionError("usage: technician card".into())),
        },
        "cassettes" => {
            need(2, "cassettes CURRENCY 5000x0 2000x3")?;
            Command::Act(Action::Cassettes {
                currency: words[1].to_uppercase(),
                counts: parse_notes(&words[2..])?,
            })
        }
        "host" => match (words.get(1).copied(), words.get(2), words.get(3)) {
            (Some("offline"), _, _) => Command::Act(Action::HostOffline(true)),
            (Some("online"), _, _) => Command::Act(Action::HostOffline(false)),
            (Some("refuse"), Some(op), Some(code)) => Command::Act(Action::HostRefuse {
                op: op.to_string(),
                code: code.to_string(),
            }),
            _ => {
                return Err(ActionError(
                    "usage: host offline|online|refuse OP CODE".into(),
                ));
            }
        },
        "wait" => {
            need(1, "wait SECONDS")?;
            Command::Wait(
                words[1]
                    .parse()
                    .map_err(|_| ActionError("usage: wait SECONDS".into()))?,
            )
        }
        // A bare number or id presses that button.
        _ if words.len() == 1 => Command::Act(Action::Press(words[0].to_string())),
        _ => {
            return Err(ActionError(format!(
                "unknown command `{first}`; type `help`"
            )));
        }
    })
}

fn wall_clock() -> NaiveDateTime {
    Local::now().naive_local()
}

/// Lists the demo cards (masked) and their demo PINs.
pub fn cards_text() -> String {
    let mut out = String::from("Demo cards (demo data only):\n");
    for (i, c) in Bank::demo_cards().iter().enumerate() {
        out.push_str(&format!(
            "  {}. {}  PIN {}  {} ({}, {})\n",
            i + 1,
            c.masked,
            c.pin,
            if c.holder.is_empty() {
                "—"
            } else {
                &c.holder
            },
            c.kind,
            c.status
        ));
    }
    // The full numbers of the demo credit cards are printed on purpose: "pay other BKT
    // cards" asks for one on the keypad. They are demo data and reach nothing else.
    out.push_str("Demo credit cards (demo data; type the number to pay another's card):\n");
    for c in Bank::demo_credit_cards() {
        out.push_str(&format!("  {}  {}\n", c.number, c.holder));
    }
    out
}

/// Runs the headless terminal until `quit` or the end of input.
pub async fn run(mut terminal: SimTerminal, source: FlowSource) -> anyhow::Result<()> {
    let mut out = std::io::stdout();
    writeln!(
        out,
        "atmflow headless terminal: flows from {}",
        source.describe()
    )?;
    writeln!(out, "{HELP}\n")?;
    write!(out, "{}", cards_text())?;
    let mut last: Option<ScreenView> = None;
    let mut reloader = Reloader::new(source);
    show(&terminal, &mut last, &mut out, true)?;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        write!(out, "> ")?;
        out.flush()?;
        let deadline = terminal.deadline();
        let line = match deadline {
            Some(d) => {
                let wait = (d - wall_clock()).to_std().unwrap_or_default();
                tokio::select! {
                    l = lines.next_line() => l?,
                    _ = tokio::time::sleep(wait) => {
                        writeln!(out, "(timeout)")?;
                        terminal.tick(wall_clock());
                        show(&terminal, &mut last, &mut out, false)?;
                        continue;
                    }
                }
            }
            None => lines.next_line().await?,
        };
        let Some(line) = line else {
            writeln!(out)?;
            break;
        };
        let now = wall_clock();
        match parse_command(&line) {
            Ok(Command::Quit) => break,
            Ok(Command::Nothing) => {}
            Ok(Command::Help) => writeln!(out, "{HELP}")?,
            Ok(Command::Cards) => write!(out, "{}", cards_text())?,
            Ok(Command::Screen) => show(&terminal, &mut last, &mut out, true)?,
            Ok(Command::Wait(secs)) => {
                let until = now + chrono::Duration::seconds(secs as i64);
                let mut t = now;
                while t < until {
                    t += chrono::Duration::seconds(1);
                    terminal.tick(t);
                }
            }
            Ok(Command::Act(action)) => {
                if let Err(e) = perform(&mut terminal, &action, now) {
                    writeln!(out, "! {e}")?;
                }
            }
            Err(e) => writeln!(out, "! {e}")?,
        }
        if let Some(e) = terminal.journal_error() {
            writeln!(
                out,
                "! the journal cannot be written ({e}): the terminal must go out of service"
            )?;
        }
        // Staff edits reach the terminal between sessions, and only when they load clean.
        match reloader.check() {
            Reload::Unchanged => {}
            Reload::Ready(p) => {
                writeln!(
                    out,
                    "(flows changed: they take effect when no session is in progress)"
                )?;
                terminal.replace_program(Arc::new(*p), wall_clock());
            }
            Reload::Refused(loaded) => {
                writeln!(
                    out,
                    "! the changed flows do not load; the terminal keeps the last good flows:"
                )?;
                print_diagnostics(&loaded);
            }
        }
        show(&terminal, &mut last, &mut out, false)?;
    }
    Ok(())
}

fn show(
    t: &SimTerminal,
    last: &mut Option<ScreenView>,
    out: &mut impl Write,
    always: bool,
) -> std::io::Result<()> {
    if let Some(v) = t.view()
        && (always || last.as_ref() != Some(v))
    {
        writeln!(out, "{}", render_text(v))?;
        *last = Some(v.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn a_technician_loads_the_cassettes_from_the_console() {
        assert_eq!(
            parse_command("cassettes all 5000x0 2000x3"),
            Ok(Command::Act(Action::Cassettes {
                currency: "ALL".into(),
                counts: vec![(Decimal::from(5000), 0), (Decimal::from(2000), 3)],
            }))
        );
        let e = parse_command("cassettes ALL").expect_err("no counts");
        assert!(
            e.0.contains("usage") || e.0.contains("cassettes CURRENCY"),
            "{e}"
        );
        assert!(parse_command("cassettes ALL 5000xmany").is_err());
    }
}
