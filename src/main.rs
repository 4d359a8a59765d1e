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
