//! The `vocpath` binary: parse the command line and configuration, set up logging, run.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use vocpath::cli::{Cli, Command};
use vocpath::config::{Config, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    match config.prepare_data_dir() {
        Ok(warnings) => warnings.iter().for_each(|w| tracing::warn!("{w}")),
        Err(e) => {
            eprintln!("cannot prepare the data folder {}: {e}", config.data_dir.display());
            return ExitCode::from(2);
        }
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match vocpath::app::serve(config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e}");
                eprintln!("vocpath could not start: {e}");
                ExitCode::FAILURE
            }
        },
        other => match vocpath::cli::run(&config, other).await {
            Ok(out) => {
                println!("{}", out.output);
                ExitCode::from(out.exit_code)
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
    }
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
