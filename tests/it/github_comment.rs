//! The pull-request comment `plan --format github` prints (the CI action
//! posts it and edits it on each push): snapshot-tested for an empty, a
//! small and an oversized plan; never over GitHub's 65,536 characters.

use crate::support::{applied, desired, plan};
use obsctl::aws::fake::FakeAws;
use obsctl::report::plan::{GITHUB_COMMENT_LIMIT, github, github_marker};

const RUN: &str = "https://github.com/example/repo/actions/runs/42";

fn settled(mut p: obsctl::plan::Plan) -> obsctl::plan::Plan {
    p.calls.clear();
    p.notes.clear();
    p.live_fingerprint = String::new();
    p
}

#[tokio::test]
async fn an_empty_plan_is_a_short_comment_with_the_marker() {
    let (_fake, aws, d) = applied("cat-house", "staging").await;
    let p = settled(plan(&aws, &d).await);
    assert!(p.is_empty());
    let comment = github(&p, Some(RUN), GITHUB_COMMENT_LIMIT);
    assert!(comment.starts_with(&github_marker("cat-house", "staging")));
    insta::assert_snapshot!("github_comment_empty", comment);
}

#[tokio::test]
async fn a_small_plan_is_shown_whole() {
    let (fake, aws, d) = applied("cat-house", "staging").await;
    {
        let mut s = fake.state.lock().unwrap();
        let name = "cat-house-staging-api-performance";
        let mut body: serde_json::Value = serde_json::from_str(&s.dashboards[name]).unwrap();
        body["widgets"][1]["properties"]["stacked"] = true.into();
        s.dashboards.insert(name.to_string(), body.to_string());
    }
    let p = settled(plan(&aws, &d).await);
    assert_eq!(p.changes.len(), 1);
    let comment = github(&p, Some(RUN), GITHUB_COMMENT_LIMIT);
    assert!(!comment.contains("not shown"));
    insta::assert_snapshot!("github_comment_small", comment);
}

#[tokio::test]
async fn an_oversized_plan_is_cut_at_whole_changes_and_links_the_full_plan() {
    // Everything of a generated 150-service catalogue to create: far over
    // the limit.
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("gen");
    obsctl::generate::write_catalogue(&cat, 150).unwrap();
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired(&cat, "staging", |_| {});
    let p = settled(plan(&aws, &d).await);
    let mut full = Vec::new();
    obsctl::report::plan::markdown(&mut full, &p).unwrap();
    assert!(
        full.len() > GITHUB_COMMENT_LIMIT,
        "the plan is oversized: {}",
        full.len()
    );
    let comment = github(&p, Some(RUN), GITHUB_COMMENT_LIMIT);
    let chars = comment.chars().count();
    assert!(
        chars <= GITHUB_COMMENT_LIMIT && chars > GITHUB_COMMENT_LIMIT - 5000,
        "{chars}"
    );
    assert!(comment.contains(&format!("[the full plan]({RUN})")));
    // Whole changes only: every <details> is closed.
    assert_eq!(
        comment.matches("<details>").count(),
        comment.matches("</details>").count()
    );
    let shown = comment.matches("<details>").count();
    assert!(comment.contains(&format!(
        "**… {} more changes not shown**",
        p.changes.len() - shown
    )));
    // The snapshot: the same cut at a small limit, readable in review.
    let small = github(&p, Some(RUN), 3000);
    assert!(small.chars().count() <= 3000);
    insta::assert_snapshot!("github_comment_oversized", small);
}
