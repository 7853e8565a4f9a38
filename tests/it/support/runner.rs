//! The one runner of the real obsctl binary: `obsctl(args)` builds the
//! command (add `current_dir`, `env`, `stdin` as needed) and `.run()` runs
//! it to the end.

use std::ffi::OsStr;
use std::process::{Command, Output};

/// The obsctl binary cargo builds for the integration tests.
pub const OBSCTL: &str = env!("CARGO_BIN_EXE_obsctl");

/// The command running the real obsctl with `args`, from the repository
/// root; it inherits the test's environment.
pub fn obsctl<I, S>(args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(OBSCTL);
    cmd.args(args).current_dir(super::root());
    cmd
}

/// A finished run: the exit code (-1 when a signal ended it), stdout and
/// stderr as text.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `.run()` on a command: runs it to the end, with an empty stdin unless
/// one was set, capturing its output.
pub trait RunExt {
    fn run(&mut self) -> Run;
}

impl RunExt for Command {
    fn run(&mut self) -> Run {
        let out = self.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// An output for an assertion message: exit code, stdout and stderr.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
