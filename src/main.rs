//! The `vocpath` binary: parse the command line and configuration, set up logging, run.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use vocpath::cli::{Cli, Command};
use vocpath::config::{Config, LogFormat};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    let command = cli.command.unwrap_or(Command::Serve);
    // `route` is pure (a file in, JSON out): it touches no database and needs no keys, so it must
    // not create a data folder where it happens to run, nor start the asynchronous runtime.
    if let Command::Route { input, output, pretty } = &command {
        return finish(vocpath::cli::route_file(input, output.as_deref(), *pretty));
    }
    if command.needs_data_dir() {
        match config.prepare_data_dir() {
            Ok(warnings) => warnings.iter().for_each(|w| tracing::warn!("{w}")),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vocpath could not start its runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(config, command))
}

async fn run(config: Config, command: Command) -> ExitCode {
    match command {
        Command::Serve => match vocpath::app::serve(config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e}");
                eprintln!("vocpath could not start: {e}");
                ExitCode::FAILURE
            }
        },
        other => finish(vocpath::cli::run(&config, other).await),
    }
}

/// Prints a command's output and turns its outcome into the exit status.
fn finish(outcome: Result<vocpath::cli::Outcome, String>) -> ExitCode {
    match outcome {
        Ok(out) => match print(&out.output) {
            Ok(()) => ExitCode::from(out.exit_code),
            // The reader went away (`vocpath route … | head`): stop quietly.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cannot write the output: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the command's output to stdout, reporting a closed pipe instead of panicking.
fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

fn init_logging(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
