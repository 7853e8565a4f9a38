//! The `obsctl` binary: parse the command line, run, exit with the code.

use clap::Parser;
use obsctl::error::{EXIT_OK, EXIT_USAGE};

fn main() {
    let code = match obsctl::cli::Cli::try_parse() {
        Err(e) => {
            let _ = e.print();
            if e.use_stderr() { EXIT_USAGE } else { EXIT_OK }
        }
        Ok(cli) => match obsctl::run::run(&cli, &mut std::io::stdout().lock()) {
            Ok(code) => code,
            Err(err) => {
                let text = err.to_string();
                if !text.is_empty() {
                    eprintln!("{text}");
                }
                err.exit_code()
            }
        },
    };
    std::process::exit(code);
}
