//! The one fixture builder: the repository root, the secrets the
//! in-process plans resolve, desired states of shipped or generated
//! catalogues (edited in memory first if a test needs it), plan and apply
//! against the in-memory fake, and copies of shipped catalogues to edit on
//! disk.

use obsctl::apply::{ApplyReport, Unfenced, apply};
use obsctl::aws::Aws;
use obsctl::aws::fake::FakeAws;
use obsctl::catalogue::{self, Catalogue};
use obsctl::compile::{DesiredState, compile_with_account};
use obsctl::error::Error;
use obsctl::lock::{Holder, Locks};
use obsctl::plan::Plan;
use obsctl::resource::Kind;
use obsctl::run::make_plan;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The repository root: `definitions/`, `templates/`, `snapshots/`, the
/// docs and `tests/fixtures/`.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The environment the in-process plans and applies read `${env:NAME}`
/// endpoints from: the shipped catalogues' secrets (the PagerDuty and Slack
/// ones carry `SECRETKEY` / `SECRETTOKEN`, which no plan may show), a Slack
/// incoming webhook (`SLACK_URL`, a chat webhook obsctl refuses) and an SQS
/// queue (`QUEUE`). Any other name is not set.
pub fn secrets(name: &str) -> Option<String> {
    match name {
        "ALERT_EMAIL" => Some("ops@example.com".into()),
        "SLACK_WEBHOOK_URL" => Some("https://hooks.slack.example/T000/B000/SECRETTOKEN".into()),
        n if n.starts_with("PAGERDUTY") => {
            Some(format!("https://events.pagerduty.example/{n}/SECRETKEY"))
        }
        "SLACK_WARNINGS_WEBHOOK_URL" => {
            Some("https://hooks.slack.example/T000/B001/SECRETTOKEN".into())
        }
        "SLACK_URL" => Some("https://hooks.slack.com/services/T0/B0/SECRETTOKEN".into()),
        "QUEUE" => Some("arn:aws:sqs:us-east-1:123456789012:alerts".into()),
        _ => None,
    }
}

/// The desired states of catalogue `cat` for the fake's account
/// (123456789012): every environment's, or only `env`'s. `cat` is a shipped
/// catalogue's name (`"cat-house"`, below `definitions/`) or a catalogue
/// directory's absolute path (a generated one). `edit` changes the loaded
/// catalogue before it is validated and compiled; it must have no problem.
pub fn desired_states(
    cat: impl AsRef<Path>,
    env: Option<&str>,
    edit: impl FnOnce(&mut Catalogue),
) -> Vec<DesiredState> {
    // An absolute path replaces what it is joined to.
    let dir = root().join("definitions").join(cat);
    let (mut catalogue, mut problems) = catalogue::load(&dir).unwrap();
    edit(&mut catalogue);
    catalogue::validate::validate(&catalogue, &mut problems);
    let states = compile_with_account(&catalogue, env, Some("123456789012"), &mut problems);
    assert!(problems.is_empty(), "{:?}", problems.0);
    states
}

/// The desired state of catalogue `cat` in `env`, after `edit` (`|_| {}`
/// for none); see [`desired_states`].
pub fn desired(
    cat: impl AsRef<Path>,
    env: &str,
    edit: impl FnOnce(&mut Catalogue),
) -> DesiredState {
    desired_states(cat, Some(env), edit).pop().unwrap()
}

/// Every kind of resource obsctl manages.
pub fn all_kinds() -> BTreeSet<Kind> {
    Kind::ALL.iter().copied().collect()
}

/// The plan of every kind of `d` against `aws`, without adopting, with
/// [`secrets`].
pub async fn try_plan(aws: &Aws, d: &DesiredState) -> Result<Plan, Error> {
    make_plan(aws, d, &all_kinds(), false, &secrets).await
}

/// [`try_plan`], which must succeed.
pub async fn plan(aws: &Aws, d: &DesiredState) -> Plan {
    try_plan(aws, d).await.unwrap()
}

/// A fresh fake with catalogue `cat`'s environment `env` applied: the fake
/// (to edit as the console would), its AWS traits, and the desired state.
pub async fn applied(cat: &str, env: &str) -> (FakeAws, Aws, DesiredState) {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired(cat, env, |_| {});
    run(&aws, &plan(&aws, &d).await).await;
    (fake, aws, d)
}

/// Applies `p` against `aws` with [`secrets`].
pub async fn run(aws: &Aws, p: &Plan) -> ApplyReport {
    apply(aws, p, &secrets, &Unfenced, &mut |_, _| {}).await
}

/// What `obsctl apply` does: takes the apply lock of `d`'s environment
/// (failing when it is held), plans, applies under the lock and gives it
/// back.
pub async fn locked_apply(aws: &Aws, d: &DesiredState) -> (Plan, ApplyReport) {
    let me = Holder::this_process(&d.catalogue, &d.env);
    let held = Locks::new(aws, &d.project, &d.env)
        .acquire(&me, Duration::ZERO, &mut |_| {})
        .await
        .unwrap();
    let p = plan(aws, d).await;
    let report = apply(aws, &p, &secrets, &held, &mut |_, _| {}).await;
    held.release().await.unwrap();
    (p, report)
}

/// Copies the directory `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&p, to.join(entry.file_name())).unwrap();
        }
    }
}

/// A copy of the shipped catalogue `name` (`definitions/NAME`) and its
/// templates (`templates/NAME`, if any) in a new temporary git work tree,
/// the catalogue's sandbox root, at the same relative paths: to edit.
pub fn catalogue_copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let definitions = Path::new("definitions").join(name);
    copy_dir(&root().join(&definitions), &tmp.path().join(&definitions));
    let templates = Path::new("templates").join(name);
    if root().join(&templates).is_dir() {
        copy_dir(&root().join(&templates), &tmp.path().join(&templates));
    }
    tmp
}

/// Replaces the first `from` (which must occur) with `to` in the file `path`.
/// Appends `text` to the file at `path`.
pub fn append(path: &Path, text: &str) {
    let before = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, format!("{before}{text}")).unwrap();
}

pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}
