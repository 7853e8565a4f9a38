//! Fuzzing the catalogue front end: no input may panic or overflow the stack.
//!
//! Each case copies a shipped catalogue (definitions + templates) into a
//! temporary directory, damages one file, and runs load → validate → compile
//! exactly as `obsctl validate` does. The result must be a compiled catalogue
//! or a non-empty list of problems, each naming an existing file, a line and
//! a column. Damage: random bytes, truncation, byte flips, deleted /
//! duplicated / re-indented lines, inserted YAML syntax (anchors, aliases,
//! flow brackets, tags, tabs), deep nesting, and mutated templates.
//!
//! `tests/fixtures/fuzz-corpus/` holds inputs that once crashed obsctl (or
//! nearly did); each is replayed as `obsctl.yaml` on every run.
//!
//! Run longer: `PROPTEST_CASES=50000 cargo test --release --test it fuzz::`.
//! proptest shrinks a failing case and stores its seed in
//! `tests/it/fuzz.regressions`; commit that file so the case is replayed.

use crate::support::root;
use obsctl::error::Error;
use obsctl::run::load_and_compile;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Cases per property; `PROPTEST_CASES` overrides.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The files of a shipped catalogue: (relative path, bytes).
fn catalogue_files(name: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (dir, prefix) in [
        (root().join("definitions").join(name), "definitions"),
        (root().join("templates").join(name), "templates"),
    ] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "j2"))
            .collect();
        entries.sort();
        for p in entries {
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((
                format!("{prefix}/{name}/{file}"),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    out
}

/// One way of damaging a file.
#[derive(Debug, Clone)]
enum Damage {
    Replace(Vec<u8>),
    Truncate(usize),
    Flip(Vec<(usize, u8)>),
    DeleteLine(usize),
    DuplicateLine(usize),
    Indent(usize, usize),
    Dedent(usize),
    Insert(usize, &'static str),
    Nest(usize, usize),
}

const TOKENS: &[&str] = &[
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a ",
    "*a",
    "*undefined",
    "!!binary ",
    "!custom ",
    "? ",
    "|",
    ">",
    "\t",
    "'",
    "\"",
    "~",
    "null",
    "-1e999",
    "1e400",
    "0x",
    "<<: *a",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "#",
    "\u{feff}",
    "\0",
    "\u{7f}",
    "key: value\n",
    "{{ ",
    " }}",
    "{% for x in y %}",
    "{% endfor %}",
    "{{ service.nope }}",
    "${env:X}",
    "ALARM(",
    ")",
    " AND ",
    "9999999999999999999999",
    "-",
    ".",
    "/",
    "\\",
];

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        1 => proptest::collection::vec(any::<u8>(), 0..400).prop_map(Damage::Replace),
        2 => any::<usize>().prop_map(Damage::Truncate),
        3 => proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6).prop_map(Damage::Flip),
        2 => any::<usize>().prop_map(Damage::DeleteLine),
        1 => any::<usize>().prop_map(Damage::DuplicateLine),
        2 => (any::<usize>(), 1usize..9).prop_map(|(l, n)| Damage::Indent(l, n)),
        2 => any::<usize>().prop_map(Damage::Dedent),
        4 => (any::<usize>(), proptest::sample::select(TOKENS)).prop_map(|(at, t)| Damage::Insert(at, t)),
        1 => (any::<usize>(), 1usize..3000).prop_map(|(at, depth)| Damage::Nest(at, depth)),
    ]
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn apply_damage(bytes: &[u8], d: &Damage) -> Vec<u8> {
    match d {
        Damage::Replace(b) => b.clone(),
        Damage::Truncate(at) => bytes[..at % (bytes.len() + 1)].to_vec(),
        Damage::Flip(flips) => {
            let mut out = bytes.to_vec();
            for (at, b) in flips {
                if !out.is_empty() {
                    let i = at % out.len();
                    out[i] = *b;
                }
            }
            out
        }
        Damage::DeleteLine(n)
        | Damage::DuplicateLine(n)
        | Damage::Dedent(n)
        | Damage::Indent(n, _) => {
            let mut ls = lines(bytes);
            if ls.is_empty() {
                return bytes.to_vec();
            }
            let i = n % ls.len();
            match d {
                Damage::DeleteLine(_) => {
                    ls.remove(i);
                }
                Damage::DuplicateLine(_) => {
                    let l = ls[i].clone();
                    ls.insert(i, l);
                }
                Damage::Dedent(_) => {
                    let l = &mut ls[i];
                    let spaces = l.iter().take_while(|b| **b == b' ').count().min(2);
                    l.drain(..spaces);
                }
                Damage::Indent(_, k) => {
                    let mut l = vec![b' '; *k];
                    l.extend_from_slice(&ls[i]);
                    ls[i] = l;
                }
                _ => {}
            }
            ls.concat()
        }
        Damage::Insert(at, token) => {
            let i = at % (bytes.len() + 1);
            let mut out = bytes[..i].to_vec();
            out.extend_from_slice(token.as_bytes());
            out.extend_from_slice(&bytes[i..]);
            out
        }
        Damage::Nest(at, depth) => {
            let i = at % (bytes.len() + 1);
            let mut out = bytes[..i].to_vec();
            out.extend(std::iter::repeat_n(b'[', *depth));
            out.extend(std::iter::repeat_n(b']', *depth));
            out.extend_from_slice(&bytes[i..]);
            out
        }
    }
}

/// Writes `files` under a new temporary directory; returns it and the
/// catalogue directory inside.
fn write_tree(files: &[(String, Vec<u8>)], name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let path = tmp.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let dir = tmp.path().join("definitions").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    (tmp, dir)
}

/// The property: a compiled catalogue, or located problems in existing files.
fn check(dir: &Path) -> Result<(), TestCaseError> {
    match load_and_compile(dir, None) {
        Ok(_) => Ok(()),
        Err(Error::Invalid(problems)) => {
            prop_assert!(!problems.is_empty(), "Invalid without problems");
            for p in &problems {
                prop_assert!(
                    p.line >= 1 && p.column >= 1,
                    "problem without a position: {p}"
                );
                prop_assert!(
                    p.file.is_file(),
                    "problem in a file that does not exist: {p}"
                );
                prop_assert!(!p.message.is_empty(), "empty message");
            }
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!(
            "unexpected error kind: {other}"
        ))),
    }
}

fn mutate_and_check(name: &str, file: usize, d: &Damage) -> Result<(), TestCaseError> {
    let mut files = catalogue_files(name);
    let i = file % files.len();
    files[i].1 = apply_damage(&files[i].1, d);
    let (_tmp, dir) = write_tree(&files, name);
    check(&dir)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(700),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_cat_house_never_panics(file in any::<usize>(), d in damage()) {
        mutate_and_check("cat-house", file, &d)?;
    }

    #[test]
    fn damaged_bookstore_never_panics(file in any::<usize>(), d in damage()) {
        mutate_and_check("bookstore", file, &d)?;
    }

    #[test]
    fn twice_damaged_catalogues_never_panic(
        a in (any::<usize>(), damage()),
        b in (any::<usize>(), damage()),
    ) {
        let mut files = catalogue_files("bookstore");
        for (file, d) in [&a, &b] {
            let i = file % files.len();
            files[i].1 = apply_damage(&files[i].1, d);
        }
        let (_tmp, dir) = write_tree(&files, "bookstore");
        check(&dir)?;
    }
}

/// Inputs that crashed obsctl (or nearly did), replayed as `obsctl.yaml`
/// beside the shipped cat-house files.
#[test]
fn corpus_never_panics() {
    let corpus = root().join("tests/fixtures/fuzz-corpus");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    assert!(entries.len() >= 8, "corpus went missing");
    for path in entries {
        let mut files = catalogue_files("cat-house");
        let root_file = files
            .iter_mut()
            .find(|(rel, _)| rel.ends_with("/obsctl.yaml"))
            .unwrap();
        root_file.1 = std::fs::read(&path).unwrap();
        let (_tmp, dir) = write_tree(&files, "cat-house");
        if let Err(e) = check(&dir) {
            panic!("{}: {e}", path.display());
        }
    }
}

/// Nesting far deeper than any catalogue is refused with a located problem,
/// never by overflowing the stack (which would abort the process).
#[test]
fn deep_nesting_is_a_problem_not_a_crash() {
    for doc in [
        "[".repeat(200_000),
        "a:\n".to_string() + &"- ".repeat(50_000) + "x\n",
        "{a: ".repeat(100_000),
    ] {
        let files = vec![("definitions/deep/obsctl.yaml".to_string(), doc.into_bytes())];
        let (_tmp, dir) = write_tree(&files, "deep");
        match load_and_compile(&dir, None) {
            Err(Error::Invalid(p)) => assert!(p[0].line >= 1, "{p:?}"),
            other => panic!("expected a problem, got {other:?}"),
        }
    }
}
