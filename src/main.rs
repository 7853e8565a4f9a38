//! The `obsctl` binary: parse the command line, run, exit with the code.

use clap::Parser;
use obsctl::error::{EXIT_OK, EXIT_USAGE};

/// mimalloc instead of the system allocator: obsctl's peak is hundreds of
/// thousands of small strings and maps (less CPU than glibc's allocator at
/// a lower peak; issue 18, docs/scale.md), and on a static musl build it
/// replaces musl's slow allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc v2's `mi_option_e` (mimalloc.h; the
/// crate's bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Memory freed is given back to the OS at once instead of after 10 ms:
    // `render` frees much while it allocates more (its compile, the test
    // check on a second thread, the files written one by one). At 1000
    // services the peak falls from 60.2 to 50.7 MiB for 7 % more wall
    // time (0.357 s; farm-bench, 20 pairs; docs/scale.md).
    // SAFETY: a plain setter of a mimalloc global option, called before
    // any thread is started.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
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

#[cfg(test)]
mod tests {
    /// The option's number is mimalloc's enum order: if an update moves
    /// it, this finds another option's default instead of the purge
    /// delay's (10 ms, mimalloc.h).
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: a plain getter of a mimalloc global option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 10, "mimalloc's purge delay moved in mi_option_e");
    }
}
