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
        /// The flows folder (default: ./flows if present, else the embedded flows).
        #[arg(long)]
        flows: Option<PathBuf>,
        /// The data folder for the demo bank and the journal (default: $ATMFLOW_DATA or ./data).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The terminal's id in the journal and in host requests.
        #[arg(long, default_value = "T001")]
        terminal_id: String,
    },
    /// Load and check flows; report every problem with file:line:col.
    Lint {
        /// The flows folder (default: ./flows, else the embedded flows).
        path: Option<PathBuf>,
        /// human or json
        #[arg(long, default_value = "human")]
        format: String,
    },
    /// Run scripted sessions (scenario files) headless against a fresh demo bank.
    Scenario {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        flows: Option<PathBuf>,
    },
    /// The embedded demo bank.
    Bank {
        #[command(subcommand)]
        command: BankCmd,
        #[arg(long, global = true)]
        data: Option<PathBuf>,
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
            flows,
            data,
            terminal_id,
        } => {
            let source = FlowSource::choose(flows.as_deref());
            let loaded = source.load();
            let Some(program) = loaded.program else {
                print_diagnostics(&loaded);
                anyhow::bail!("the flows in {} do not load", source.describe());
            };
            let data = data_dir(data.as_deref());
            std::fs::create_dir_all(&data)
                .with_context(|| format!("cannot create the data folder {}", data.display()))?;
            let bank = Bank::open(&bank_path(&data))
                .with_context(|| format!("cannot open the demo bank in {}", data.display()))?;
            let journal = Journal::open(&journal_path(&data))
                .with_context(|| format!("cannot open the journal in {}", data.display()))?;
            if !headless {
                eprintln!("The terminal window is not built yet: starting the headless terminal.");
            }
            eprintln!("Data: {} (bank.sqlite, journal.jsonl)", data.display());
            let terminal = Terminal::new(
                Arc::new(program),
                atmflow::host::SimHost::new(bank),
                SimDevices::new(),
                journal,
                &terminal_id,
                chrono::Local::now().naive_local(),
            );
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(atmflow::headless::run(terminal, source))?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Lint { path, format } => {
            let source = FlowSource::choose(path.as_deref());
            let loaded = source.load();
            let findings = atmflow_validate::findings(&loaded);
            match format.as_str() {
                "json" => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&atmflow_validate::to_json(&findings))?
                    );
                }
                "human" => {
                    print_diagnostics(&loaded);
                    let errors = loaded.errors().count();
                    let warnings = findings.len() - errors;
                    eprintln!(
                        "{}: {errors} error(s), {warnings} warning(s) in {} file(s)",
                        source.describe(),
                        loaded.sources.len()
                    );
                }
                other => {
                    eprintln!("unknown format `{other}`: use human or json");
                    return Ok(ExitCode::from(2));
                }
            }
            Ok(ExitCode::from(atmflow_validate::exit_code(&findings)))
        }
        Cmd::Scenario { files, flows } => {
            let source = FlowSource::choose(flows.as_deref());
            let loaded = source.load();
            let Some(program) = loaded.program else {
                print_diagnostics(&loaded);
                anyhow::bail!("the flows in {} do not load", source.describe());
            };
            let program = Arc::new(program);
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
        Cmd::Bank { command, data } => {
            let data = data_dir(data.as_deref());
            match command {
                BankCmd::Reset => {
                    std::fs::create_dir_all(&data)?;
                    Bank::reset(&bank_path(&data))?;
                    println!("The demo bank in {} was created anew.", data.display());
                }
                BankCmd::Cards => print!("{}", atmflow::headless::cards_text()),
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
