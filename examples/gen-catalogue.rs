//! Writes a generated catalogue for benchmarks and scale tests:
//! `cargo run --release --example gen-catalogue -- --services N --out DIR`.

use clap::Parser;
use std::path::PathBuf;

/// Generate a valid obsctl catalogue of N services.
#[derive(Parser)]
struct Args {
    /// Number of services.
    #[arg(long)]
    services: usize,
    /// Output directory (the catalogue's name is its last component).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    obsctl::generate::write_catalogue(&args.out, args.services)?;
    println!(
        "wrote a catalogue of {} services to {}",
        args.services,
        args.out.display()
    );
    Ok(())
}
