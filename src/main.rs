//! `atmflow`: run the terminal, lint flows, run scenarios, manage the demo bank.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use atmflow::flows::{FlowSource, print_diagnostics};
use atmflow::{bank_path, data_dir, journal_path};
use atmflow_bank::Bank;
use atmflow_devices::SimDevices;
use atmflow_engine::journal::Journal;
use atmflow_engine::terminal::Terminal;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "atmflow",
    version,
    about = "A terminal runtime for bank self-service terminals, driven by YAML flows"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the terminal on simulated devices and the embedded demo bank.
    Run {
        /// The text console instead of the window.
        #[arg(long)]
        headless: bool,
        /// The window fills the screen, without decorations (a kiosk); F12 shows the
        /// device panel.
        #[arg(long, conflicts_with = "headless")]
        fullscreen: bool,
        /// The flows folder (default: ./flows if present, else the embedded flows).
        #[arg(long)]
        flows: Option<PathBuf>,
        /// The data folder for the demo bank and the journal (default: $ATMFLOW_DATA or ./data).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The terminal's id in the journal and in host requests.
        #[arg(long, default_value = "T001")]
        terminal_id: String,
        /// Also serve the bank's channels (phone app, business, epara) as the HTTP API on
        /// 127.0.0.1:PORT, as `atmflow bank serve` does.
        #[arg(long, value_name = "PORT")]
        api_port: Option<u16>,
    },
    /// Load and check flows; report every problem with file:line:col (docs/lint.md).
    ///
    /// Exit codes: 0 no error (warnings allowed), 1 errors found (or warnings with
    /// --deny-warnings), 2 bad usage or configuration, 3 output could not be written.
    Lint {
        /// Flows folders to check, all in one run (default: ./flows, else the embedded flows).
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, default_value = "human", value_parser = atmflow_validate::report::Format::NAMES)]
        format: String,
        /// The configuration file (default: atmflow-lint.yaml in each flows folder, else in
        /// its parent folder).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Exit 1 when warnings remain, not only errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Run scripted sessions (scenario files) headless against a fresh demo bank.
    Scenario {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        flows: Option<PathBuf>,
    },
    /// Draw every screen of every flow, in every language, to PNG files with an index
    /// (index.md), for reviews and documentation.
    ///
    /// Each screen is drawn as the scenario files first show it (real accounts and
    /// amounts); one no scenario reaches is drawn as a preview with empty values. Drawing
    /// needs Vulkan: without a GPU, Mesa's software rasterizer, which
    /// scripts/install-gui-deps.sh installs.
    Gallery {
        /// The folder to write into (created; existing images are replaced).
        #[arg(long, default_value = "gallery")]
        out: PathBuf,
        /// The flows folder (default: ./flows if present, else the embedded flows).
        #[arg(long)]
        flows: Option<PathBuf>,
        /// The scenario files' folder (default: tests/scenarios if present).
        #[arg(long)]
        scenarios: Option<PathBuf>,
        /// Only these flows (by id); repeat for several.
        #[arg(long = "flow", value_name = "ID")]
        only: Vec<String>,
        /// The screen's size in points (= pixels), WIDTHxHEIGHT.
        #[arg(long, default_value = "1024x768", value_parser = parse_size)]
        size: (f32, f32),
    },
    /// The embedded demo bank and its other channels: the phone app, the business internet
    /// bank and the epara wallet (commands, and an HTTP API on 127.0.0.1).
    #[command(after_help = atmflow::channels::operations_help())]
    Bank {
        #[command(subcommand)]
        command: BankCmd,
        /// The data folder of the demo bank (default: $ATMFLOW_DATA or ./data).
        #[arg(long, global = true)]
        data: Option<PathBuf>,
        /// Print answers as JSON.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Print the JSON Schema (draft 7) of the flow files.
    Schema,
}

#[derive(Subcommand)]
enum BankCmd {
    /// Delete the demo bank's data and create it anew.
    Reset,
    /// List the demo cards (masked) and their demo PINs.
    Cards,
    /// The phone app: unique codes, the soft PIN, QR withdrawals and deposits.
    App {
        #[command(subcommand)]
        command: AppCmd,
    },
    /// The business internet bank: deposit codes for employees.
    Business {
        #[command(subcommand)]
        command: BusinessCmd,
    },
    /// The epara wallet: QR withdrawals and deposits.
    Epara {
        /// The wallet, e.g. W-1001.
        #[arg(long)]
        wallet: String,
        #[command(subcommand)]
        command: EparaCmd,
    },
    /// The bank's exchange rates.
    Rates,
    /// The last SMS sent to a phone number (one-time codes).
    Sms {
        /// The phone number, e.g. +355691234567.
        #[arg(long)]
        to: String,
    },
    /// Every message queued in the bank's outbox (e-mails and SMS), oldest first.
    Outbox,
    /// Serve the channels as a JSON API over HTTP on 127.0.0.1 only (README: "The other
    /// channels"). Prints the address it listens on.
    Serve {
        /// The port; 0 picks a free one.
        #[arg(long, default_value_t = atmflow::channels::DEFAULT_PORT)]
        port: u16,
    },
}

#[derive(Subcommand)]
enum AppCmd {
    /// Issue a unique code for a withdrawal without a card (Cardless → Withdraw with
    /// unique code at the terminal).
    IssueCode {
        /// The card number, or a demo card's index (1..4 in `atmflow bank cards`).
        #[arg(long)]
        card: String,
        /// The account to withdraw from, e.g. ACC-0001.
        #[arg(long)]
        account: String,
        /// The amount, e.g. "5000 ALL".
        #[arg(long)]
        amount: String,
        /// How many hours the code stays valid.
        #[arg(long, default_value = "24")]
        hours: String,
        /// The only terminal where the code works (default: every terminal).
        #[arg(long, default_value = "")]
        terminal: String,
    },
    /// Activate the soft PIN that confirms QR withdrawals and deposits in the app.
    SoftPin {
        /// The card number, or a demo card's index.
        #[arg(long)]
        card: String,
        /// The new soft PIN.
        #[arg(long)]
        pin: String,
        /// The soft PIN again (default: the same).
        #[arg(long)]
        pin_again: Option<String>,
    },
    /// "Scan" the QR code a terminal shows and start a withdrawal (or --deposit) there.
    Qr {
        /// The card number, or a demo card's index.
        #[arg(long)]
        card: String,
        #[arg(long)]
        soft_pin: String,
        #[arg(long)]
        account: String,
        /// The amount, e.g. "5000 ALL".
        #[arg(long)]
        amount: String,
        /// The QR code's payload as the terminal shows it.
        #[arg(long)]
        payload: String,
        /// A deposit instead of a withdrawal.
        #[arg(long)]
        deposit: bool,
    },
}

#[derive(Subcommand)]
enum BusinessCmd {
    /// Issue a deposit code for an employee who brings the business's cash to a terminal.
    DepositCode {
        /// The business's account.
        #[arg(long)]
        account: String,
        /// The employee, e.g. E-100.
        #[arg(long)]
        employee: String,
        /// The terminal where the code works, or ALL.
        #[arg(long)]
        terminal: String,
        /// How many hours the code stays valid.
        #[arg(long, default_value = "24")]
        hours: String,
        /// The source of the funds, in words.
        #[arg(long)]
        source: String,
        /// The currency of the deposit.
        #[arg(long, default_value = "ALL")]
        currency: String,
    },
    /// The business's employees who may deposit.
    Employees {
        #[arg(long)]
        account: String,
    },
}

#[derive(Subcommand)]
enum EparaCmd {
    /// Start a QR withdrawal at the terminal whose code was scanned.
    Withdraw {
        /// The amount, e.g. "2000 ALL".
        #[arg(long)]
        amount: String,
        /// The QR code's payload as the terminal shows it.
        #[arg(long)]
        payload: String,
    },
    /// Start a QR deposit at the terminal whose code was scanned.
    Deposit {
        #[arg(long)]
        amount: String,
        #[arg(long)]
        payload: String,
    },
}

/// A channel command as its operation and text arguments.
fn channel_request(
    command: BankCmd,
) -> Option<(&'static str, std::collections::BTreeMap<String, String>)> {
    fn args<const N: usize>(
        pairs: [(&str, String); N],
    ) -> std::collections::BTreeMap<String, String> {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
    Some(match command {
        BankCmd::Reset | BankCmd::Cards | BankCmd::Serve { .. } => return None,
        BankCmd::App { command } => match command {
            AppCmd::IssueCode {
                card,
                account,
                amount,
                hours,
                terminal,
            } => (
                "app_issue_code",
                args([
                    ("card", card),
                    ("account", account),
                    ("amount", amount),
                    ("hours", hours),
                    ("terminal", terminal),
                ]),
            ),
            AppCmd::SoftPin {
                card,
                pin,
                pin_again,
            } => (
                "app_activate_soft_pin",
                args([
                    ("card", card),
                    ("soft_pin_again", pin_again.unwrap_or_else(|| pin.clone())),
                    ("soft_pin", pin),
                ]),
            ),
            AppCmd::Qr {
                card,
                soft_pin,
                account,
                amount,
                payload,
                deposit,
            } => (
                "app_qr",
                args([
                    ("card", card),
                    ("soft_pin", soft_pin),
                    ("account", account),
                    ("amount", amount),
                    ("payload", payload),
                    (
                        "kind",
                        if deposit { "deposit" } else { "withdrawal" }.into(),
                    ),
                ]),
            ),
        },
        BankCmd::Business { command } => match command {
            BusinessCmd::DepositCode {
                account,
                employee,
                terminal,
                hours,
                source,
                currency,
            } => (
                "business_deposit_code",
                args([
                    ("account", account),
                    ("employee", employee),
                    ("terminal", terminal),
                    ("hours", hours),
                    ("source", source),
                    ("currency", currency),
                ]),
            ),
            BusinessCmd::Employees { account } => {
                ("business_employees", args([("account", account)]))
            }
        },
        BankCmd::Epara { wallet, command } => {
            let (kind, amount, payload) = match command {
                EparaCmd::Withdraw { amount, payload } => ("withdrawal", amount, payload),
                EparaCmd::Deposit { amount, payload } => ("deposit", amount, payload),
            };
            (
                "epara_intent",
                args([
                    ("wallet", wallet),
                    ("kind", kind.into()),
                    ("amount", amount),
                    ("payload", payload),
                ]),
            )
        }
        BankCmd::Rates => ("rates", args([])),
        BankCmd::Sms { to } => ("last_sms", args([("to", to)])),
        BankCmd::Outbox => ("outbox", args([])),
    })
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(3)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run {
            headless,
            fullscreen,
            flows,
            data,
            terminal_id,
            api_port,
        } => {
            let (source, program) = load_flows(flows.as_deref())?;
            let data = data_dir(data.as_deref());
            std::fs::create_dir_all(&data)
                .with_context(|| format!("cannot create the data folder {}", data.display()))?;
            let bank = Bank::open(&bank_path(&data))
                .with_context(|| format!("cannot open the demo bank in {}", data.display()))?;
            let journal = Journal::open(&journal_path(&data))
                .with_context(|| format!("cannot open the journal in {}", data.display()))?;
            eprintln!("Data: {} (bank.sqlite, journal.jsonl)", data.display());
            if let Some(port) = api_port {
                let api = atmflow::channels::Api::bind(&data, port)?;
                eprintln!("The bank's channels answer on http://{}", api.local_addr()?);
                api.spawn()?;
            }
            let terminal = Terminal::new(
                program,
                atmflow::host::SimHost::new(bank),
                SimDevices::new(),
                journal,
                &terminal_id,
                chrono::Local::now().naive_local(),
            );
            // The window unless --headless; without a display, the console after all.
            let (terminal, source) = if headless {
                (terminal, source)
            } else {
                use atmflow::window::{Outcome, WindowOptions, run as run_window};
                match run_window(terminal, source, WindowOptions { fullscreen })? {
                    Outcome::Closed => return Ok(ExitCode::SUCCESS),
                    Outcome::NoWindow {
                        terminal,
                        source,
                        why,
                    } => {
                        eprintln!(
                            "No window can be opened ({why}): starting the headless terminal \
                             instead. (--headless starts it directly.)"
                        );
                        (*terminal, source)
                    }
                }
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(atmflow::headless::run(terminal, source))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Lint {
            paths,
            format,
            config,
            deny_warnings,
        } => {
            use atmflow_validate::{config as lint_config, report};
            use std::io::Write;
            let format: report::Format = match format.parse() {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let sources = if paths.is_empty() {
                vec![FlowSource::choose(None)]
            } else {
                let mut out = Vec::new();
                for p in &paths {
                    if !p.exists() {
                        eprintln!("error: there is no flows folder {}", p.display());
                        return Ok(ExitCode::from(2));
                    }
                    out.push(FlowSource::choose(Some(p)));
                }
                out
            };
            let loads = sources
                .iter()
                .map(|s| {
                    let dir = match s {
                        FlowSource::Dir(d) => Some(d.clone()),
                        FlowSource::Embedded => None,
                    };
                    (dir, s.load())
                })
                .collect();
            let linted = match lint_config::lint(loads, config.as_deref()) {
                Ok(l) => l,
                Err(lint_config::ConfigError::Invalid { diagnostic, source }) => {
                    let color = report::use_color(&std::io::stderr());
                    let mut sources = indexmap::IndexMap::new();
                    sources.insert(source.path.clone(), source);
                    eprint!("{}", report::human(&[*diagnostic], Some(&sources), color));
                    eprintln!("error: the lint configuration is not valid");
                    return Ok(ExitCode::from(2));
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let cwd = std::env::current_dir().ok();
            let text = report::render(
                format,
                &linted.findings,
                &report::Context {
                    sources: Some(&linted.sources),
                    color: report::use_color(&std::io::stdout()),
                    base: cwd.as_deref(),
                    files: linted.files,
                },
            );
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                eprintln!("error: cannot write the lint report: {e}");
                return Ok(ExitCode::from(3));
            }
            Ok(ExitCode::from(report::exit_code(
                &linted.findings,
                deny_warnings,
            )))
        }
        Cmd::Gallery {
            out,
            flows,
            scenarios,
            only,
            size,
        } => {
            let (source, program) = load_flows(flows.as_deref())?;
            if let Some(unknown) = only.iter().find(|id| !program.flows.contains_key(*id)) {
                anyhow::bail!("there is no flow `{unknown}` in {}", source.describe());
            }
            let scenarios = scenarios.unwrap_or_else(|| PathBuf::from("tests/scenarios"));
            let files = atmflow::gallery::scenario_files(&scenarios);
            if files.is_empty() {
                eprintln!(
                    "No scenario files in {}: every screen is drawn as a preview with empty values.",
                    scenarios.display()
                );
            }
            let collected = atmflow::gallery::collect(&program, &files, &only);
            for p in &collected.scenario_problems {
                eprintln!("warning: a scenario stopped early: {p}");
            }
            let mut last_flow = String::new();
            let written = atmflow::gallery::write(&collected, &out, size, |shot| {
                if shot.flow != last_flow {
                    eprintln!("drawing {}", shot.flow);
                    last_flow.clone_from(&shot.flow);
                }
            })?;
            let previews = collected
                .shots
                .iter()
                .filter(|s| s.origin == atmflow::gallery::Origin::Preview)
                .count();
            println!(
                "{written} images of {} screens ({previews} previews) in {}; index: {}",
                collected.shots.len(),
                out.display(),
                out.join("index.md").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Scenario { files, flows } => {
            let (_, program) = load_flows(flows.as_deref())?;
            let (mut passed, mut failed) = (0, 0);
            for f in &files {
                for r in atmflow::scenario::run_file(f, &program) {
                    match &r.failure {
                        None => {
                            passed += 1;
                            println!("PASS {} :: {}", r.file, r.name);
                        }
                        Some(why) => {
                            failed += 1;
                            println!(
                                "FAIL {} :: {}\n  {}",
                                r.file,
                                r.name,
                                why.replace('\n', "\n  ")
                            );
                        }
                    }
                }
            }
            println!("{passed} passed, {failed} failed");
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Bank {
            command,
            data,
            json,
        } => {
            let data = data_dir(data.as_deref());
            match command {
                BankCmd::Reset => {
                    std::fs::create_dir_all(&data)?;
                    Bank::reset(&bank_path(&data))?;
                    println!("The demo bank in {} was created anew.", data.display());
                }
                BankCmd::Cards if json => println!(
                    "{}",
                    serde_json::to_string_pretty(&atmflow::channels::cards_json())?
                ),
                BankCmd::Cards => print!("{}", atmflow::headless::cards_text()),
                BankCmd::Serve { port } => {
                    use std::io::Write;
                    let api = atmflow::channels::Api::bind(&data, port)?;
                    println!(
                        "The bank's channels answer on http://{} (bank: {}); Ctrl-C stops.",
                        api.local_addr()?,
                        bank_path(&data).display()
                    );
                    std::io::stdout().flush()?;
                    api.serve();
                }
                command => {
                    if let Some((op, args)) = channel_request(command) {
                        return atmflow::channels::run_cli(&data, op, args, json);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&atmflow_engine::schema::json_schema())?
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `WIDTHxHEIGHT` in points, each at least 320×240 (smaller cannot hold a screen).
fn parse_size(text: &str) -> Result<(f32, f32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{text}` is not WIDTHxHEIGHT, e.g. 1024x768"))?;
    let w: u16 = w
        .trim()
        .parse()
        .map_err(|_| format!("`{w}` is not a width"))?;
    let h: u16 = h
        .trim()
        .parse()
        .map_err(|_| format!("`{h}` is not a height"))?;
    if w < 320 || h < 240 {
        return Err(format!("{w}x{h} is too small: at least 320x240"));
    }
    Ok((f32::from(w), f32::from(h)))
}

/// The flows of `--flows` (else ./flows, else the embedded ones), or their diagnostics
/// printed and an error.
fn load_flows(
    flows: Option<&std::path::Path>,
) -> anyhow::Result<(FlowSource, Arc<atmflow_engine::program::Program>)> {
    let source = FlowSource::choose(flows);
    let loaded = source.load();
    let Some(program) = loaded.program else {
        print_diagnostics(&loaded);
        anyhow::bail!("the flows in {} do not load", source.describe());
    };
    Ok((source, Arc::new(program)))
}
