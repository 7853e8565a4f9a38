//! The catalogue is a sandbox: every file obsctl reads for it (obsctl.yaml,
//! its includes and tests, templates, runbooks) must resolve, after
//! symlinks, to a regular file inside one root directory, and no more than
//! a limit of its bytes are read. The root is `--root DIR` when given, else
//! the enclosing git work tree (so the shipped layout, `templates:
//! ../../templates/<cat>`, works), else the catalogue directory.
//!
//! A pull request can change the catalogue but must not make obsctl read,
//! and so print, render or upload, anything else the CI machine holds (its
//! environment through `/proc/self/environ`, a key file): an `include`,
//! `templates:` or runbook path outside the root, a symlink out of it, a
//! device, FIFO or `/proc` file is refused with a located problem, and none
//! of its bytes are read.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Where the files of one catalogue may be read from.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    /// The root, canonical (empty when even the catalogue directory could
    /// not be resolved: then nothing is readable).
    root: PathBuf,
}

/// Why a file is not read.
#[derive(Debug)]
pub enum Refused {
    /// It resolves outside the root.
    Outside,
    /// Not a regular file (a directory, device, FIFO, socket, or under
    /// `/proc`, `/sys` or `/dev`).
    NotAFile,
    /// Longer than the limit.
    TooLarge(u64),
    /// It could not be resolved or read.
    Io(std::io::Error),
}

impl Refused {
    /// The problem's words, naming `written` (the path as the catalogue
    /// wrote it) and never anything read from the file.
    pub fn message(&self, written: &str, root: &Path) -> (String, String) {
        match self {
            Refused::Outside => (
                format!("`{written}` is outside the catalogue's root {}", root.display()),
                "obsctl reads only files under the root: the enclosing git work tree, or the directory given with --root (a symlink out of it is refused too)".into(),
            ),
            Refused::NotAFile => (
                format!("`{written}` is not a regular file"),
                "catalogue files, templates and runbooks must be plain files (not devices, FIFOs or /proc entries)".into(),
            ),
            Refused::TooLarge(limit) => (
                format!("`{written}` is larger than {limit} bytes"),
                "split it into several files".into(),
            ),
            Refused::Io(e) => (format!("cannot read `{written}`: {e}"), "check the path".into()),
        }
    }
}

/// Directories whose files are never catalogue files, whatever the root.
const SPECIAL: [&str; 3] = ["/proc", "/sys", "/dev"];

impl Sandbox {
    /// The sandbox of the catalogue in `dir`: `root` when given, else the
    /// enclosing git work tree, else `dir`.
    pub fn new(dir: &Path, root: Option<&Path>) -> Sandbox {
        let chosen = match root {
            Some(r) => r.canonicalize().ok(),
            None => dir.canonicalize().ok().map(|d| {
                d.ancestors()
                    .find(|a| a.join(".git").exists())
                    .map(Path::to_path_buf)
                    .unwrap_or(d)
            }),
        };
        Sandbox {
            root: chosen.unwrap_or_default(),
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` resolved (symlinks followed), if it is inside the root.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, Refused> {
        let real = path.canonicalize().map_err(Refused::Io)?;
        if self.root.as_os_str().is_empty() || !real.starts_with(&self.root) {
            return Err(Refused::Outside);
        }
        if SPECIAL.iter().any(|s| real.starts_with(s)) {
            return Err(Refused::NotAFile);
        }
        Ok(real)
    }

    /// The bytes of the regular file `path` inside the root, at most
    /// `limit` of them (counted as read: a file's stated size may be 0).
    pub fn read(&self, path: &Path, limit: u64) -> Result<Vec<u8>, Refused> {
        let real = self.resolve(path)?;
        // Checked before opening: opening a FIFO would wait for a writer.
        let meta = std::fs::metadata(&real).map_err(Refused::Io)?;
        if !meta.is_file() {
            return Err(Refused::NotAFile);
        }
        let file = std::fs::File::open(&real).map_err(Refused::Io)?;
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(Refused::Io)?;
        if bytes.len() as u64 > limit {
            return Err(Refused::TooLarge(limit));
        }
        Ok(bytes)
    }

    /// [`Sandbox::read`] as UTF-8 text.
    pub fn read_text(&self, path: &Path, limit: u64) -> Result<String, Refused> {
        let bytes = self.read(path, limit)?;
        String::from_utf8(bytes)
            .map_err(|e| Refused::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_and_refuses_outside_symlinks_and_special_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("definitions/shop")).unwrap();
        std::fs::write(root.join("templates.j2"), "inside").unwrap();
        std::fs::write(tmp.path().join("secret"), "AWS_SECRET_ACCESS_KEY=x").unwrap();
        let sandbox = Sandbox::new(&root.join("definitions/shop"), None);
        assert_eq!(sandbox.root(), root.canonicalize().unwrap());
        assert_eq!(
            sandbox
                .read(&root.join("definitions/shop/../../templates.j2"), 100)
                .unwrap(),
            b"inside"
        );
        let outside = root.join("definitions/shop/../../../secret");
        assert!(matches!(sandbox.read(&outside, 100), Err(Refused::Outside)));
        #[cfg(unix)]
        {
            let link = root.join("definitions/shop/link.j2");
            std::os::unix::fs::symlink(tmp.path().join("secret"), &link).unwrap();
            assert!(matches!(sandbox.read(&link, 100), Err(Refused::Outside)));
            assert!(matches!(
                sandbox.read(Path::new("/proc/self/environ"), 100),
                Err(Refused::Outside)
            ));
            // Even with / as the root, /proc is not a catalogue.
            let everything = Sandbox::new(Path::new("/"), Some(Path::new("/")));
            assert!(matches!(
                everything.read(Path::new("/proc/self/environ"), 100),
                Err(Refused::NotAFile)
            ));
        }
        assert!(matches!(
            sandbox.read(&root.join("templates.j2"), 3),
            Err(Refused::TooLarge(3))
        ));
        assert!(matches!(
            sandbox.read(&root.join("definitions"), 100),
            Err(Refused::NotAFile)
        ));
    }

    #[test]
    fn without_git_the_catalogue_directory_is_the_root() {
        let tmp = tempfile::tempdir().unwrap();
        let cat = tmp.path().join("shop");
        std::fs::create_dir_all(&cat).unwrap();
        let sandbox = Sandbox::new(&cat, None);
        // (tempdir is not in a git work tree on CI; if it were, its root
        // would be an ancestor, which is fine too.)
        assert!(cat.canonicalize().unwrap().starts_with(sandbox.root()));
        let explicit = Sandbox::new(&cat, Some(tmp.path()));
        assert_eq!(explicit.root(), tmp.path().canonicalize().unwrap());
    }
}
