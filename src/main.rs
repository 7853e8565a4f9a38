//! The `obsctl` binary: parse the command line, run, exit with the code.

use clap::Parser;
use obsctl::error::{EXIT_OK, EXIT_USAGE};

/// mimalloc instead of the system allocator: obsctl's peak is hundreds of
/// thousands of small strings and maps (a 1000-service render: 57 MB peak
/// RSS instead of 62, and less CPU; issue 18, docs/scale.md), and on a
/// static musl build it replaces musl's slow allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
