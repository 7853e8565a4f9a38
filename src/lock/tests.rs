//! The lock protocol against the in-memory fake, on tokio's paused clock:
//! time passes only when every task waits, so expiries and heartbeats are
//! exact and the tests take no real time.

use super::*;
use crate::apply::{Outcome, apply};
use crate::aws::Api;
use crate::aws::fake::FakeAws;
use crate::plan::{Action, change_for_tests, empty_for_tests};
use crate::resource::Kind;

const GROUP: &str = "/obsctl/locks/bookstore";

fn me(host: &str) -> Holder {
    Holder {
        host: host.to_string(),
        ..Holder::this_process("bookstore", "staging")
    }
}

fn locks(fake: &FakeAws) -> Locks {
    Locks::new(&fake.aws(), "bookstore", "staging").with_expiry(EXPIRY)
}

/// Names of the lock streams in the fake.
fn streams(fake: &FakeAws) -> Vec<String> {
    fake.state
        .lock()
        .unwrap()
        .log_streams
        .get(GROUP)
        .map(|g| g.keys().cloned().collect())
        .unwrap_or_default()
}

async fn take(l: &Locks, host: &str) -> Result<Held, Error> {
    l.acquire(&me(host), Duration::ZERO, &mut |_| {}).await
}

fn holder_of(e: &Error) -> Option<String> {
    let Error::Locked { sighting, .. } = e else {
        panic!("not Locked: {e}");
    };
    sighting.holder.as_ref().map(|h| h.host.clone())
}

#[test]
fn names_carry_environment_and_generation() {
    assert_eq!(group_name("book store"), "/obsctl/locks/book_store");
    assert_eq!(stream_name("staging", 7), "staging.0000000007");
    assert_eq!(generation_of("staging", "staging.0000000007"), Some(7));
    // Another environment whose name starts with `staging.`.
    assert_eq!(generation_of("staging", "staging.eu.0000000001"), None);
    assert_eq!(generation_of("staging", "staging.1"), None);
    assert_eq!(
        generation_of("staging.eu", "staging.eu.0000000001"),
        Some(1)
    );
}

#[tokio::test(start_paused = true)]
async fn acquire_on_an_empty_account_creates_the_group_and_generation_1() {
    let fake = FakeAws::default();
    let held = take(&locks(&fake), "a").await.unwrap();
    assert_eq!(held.stream(), "staging.0000000001");
    assert_eq!(streams(&fake), ["staging.0000000001"]);
    {
        let s = fake.state.lock().unwrap();
        let (tags, _) = &s.log_groups[GROUP];
        assert_eq!(tags[0].key, "obsctl:catalogue");
        assert_eq!(tags[0].value, "bookstore");
        let events = &s.log_streams[GROUP]["staging.0000000001"].events;
        let written: Holder = serde_json::from_str(&events[0].message).unwrap();
        assert_eq!(&written, held.holder());
        assert_eq!(written.host, "a");
        assert_eq!(written.expiry_seconds, 120);
    }
    held.release().await.unwrap();
    assert!(streams(&fake).is_empty());
    // The group stays, and the next apply starts again at generation 1.
    let again = take(&locks(&fake), "b").await.unwrap();
    assert_eq!(again.stream(), "staging.0000000001");
    again.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_second_acquire_fails_naming_the_holder_and_changes_nothing() {
    let fake = FakeAws::default();
    let held = take(&locks(&fake), "ci-runner-7").await.unwrap();
    tokio::time::sleep(Duration::from_secs(45)).await; // a heartbeat in between
    let e = take(&locks(&fake), "laptop").await.unwrap_err();
    assert_eq!(holder_of(&e).as_deref(), Some("ci-runner-7"));
    assert_eq!(e.exit_code(), crate::error::EXIT_FAILURE);
    let text = e.to_string();
    assert!(
        text.contains("another apply of `staging` is running: host ci-runner-7, pid"),
        "{text}"
    );
    assert!(text.contains("since 20"), "{text}");
    assert!(text.contains("staging.0000000001"), "{text}");
    assert!(text.contains("--lock-timeout"), "{text}");
    assert_eq!(streams(&fake), ["staging.0000000001"]);
    // Plan's view of the same lock.
    let running = locks(&fake).running().await.unwrap().unwrap();
    assert_eq!(running.holder.unwrap().host, "ci-runner-7");
    held.release().await.unwrap();
    assert_eq!(locks(&fake).running().await.unwrap(), None);
}

#[tokio::test(start_paused = true)]
async fn a_waiting_acquire_succeeds_once_the_holder_releases() {
    let fake = FakeAws::default();
    let held = take(&locks(&fake), "first").await.unwrap();
    let l = locks(&fake);
    let waiter = async move {
        let mut seen = Vec::new();
        let started = Instant::now();
        let r = l
            .acquire(&me("second"), Duration::from_secs(300), &mut |s| {
                seen.push(s.holder.clone().map(|h| h.host))
            })
            .await;
        (r, seen, started.elapsed())
    };
    // The holder works for 100 s (three heartbeats), then releases.
    let holder = async move {
        tokio::time::sleep(Duration::from_secs(100)).await;
        assert!(held.check().is_ok());
        held.release().await.unwrap();
    };
    let ((r, seen, waited), ()) = tokio::join!(waiter, holder);
    let second = r.unwrap();
    assert_eq!(second.holder().host, "second");
    // Told once who it waits for, and it polls every 5 s.
    assert_eq!(seen, [Some("first".to_string())]);
    assert!(
        waited >= Duration::from_secs(100) && waited <= Duration::from_secs(106),
        "{waited:?}"
    );
    second.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_times_out_names_the_holder_and_how_long_it_waited() {
    let fake = FakeAws::default();
    let held = take(&locks(&fake), "first").await.unwrap();
    let e = locks(&fake)
        .acquire(&me("second"), Duration::from_secs(60), &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("(waited 60 s of --lock-timeout 60 s)"),
        "{e}"
    );
    assert_eq!(holder_of(&e).as_deref(), Some("first"));
    held.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_expired_lock_is_taken_over_and_its_old_holder_stops_at_its_next_heartbeat() {
    let fake = FakeAws::default();
    let old = take(&locks(&fake), "paused").await.unwrap();
    // The old holder's process stops (a suspended VM): its last heartbeat
    // is now 200 s ago, and its heartbeat task has not run since.
    fake.age_log_streams(Duration::from_secs(200));
    // The taker's cleanup of the old generation fails, so the old holder
    // still finds its stream and sees the newer generation.
    fake.fail(
        Api::DeleteLogStream.name(),
        "AccessDeniedException",
        "denied",
    );
    let taker = take(&locks(&fake), "taker").await.unwrap();
    assert_eq!(taker.stream(), "staging.0000000002");
    assert_eq!(streams(&fake), ["staging.0000000001", "staging.0000000002"]);
    assert!(old.check().is_ok(), "not noticed before its next heartbeat");
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert_eq!(
        old.check(),
        Err(Lost::TakenOver {
            by: "staging.0000000002".into()
        })
    );
    // Its release leaves the taker's lock alone.
    old.release().await.unwrap();
    let running = locks(&fake).running().await.unwrap().unwrap();
    assert_eq!(running.holder.unwrap().host, "taker");
    assert!(taker.check().is_ok());
    taker.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_holder_whose_stream_was_deleted_by_the_taker_stops() {
    let fake = FakeAws::default();
    let old = take(&locks(&fake), "paused").await.unwrap();
    fake.age_log_streams(Duration::from_secs(121));
    let taker = take(&locks(&fake), "taker").await.unwrap();
    // Cleanup deleted the old generation.
    assert_eq!(streams(&fake), ["staging.0000000002"]);
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert_eq!(old.check(), Err(Lost::StreamGone));
    drop(old);
    assert!(taker.check().is_ok());
    taker.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_lock_not_expired_yet_is_not_taken_over() {
    let fake = FakeAws::default();
    let held = take(&locks(&fake), "slow").await.unwrap();
    // Its heartbeat is 110 s old (of 120): still held.
    held.task.abort();
    fake.age_log_streams(Duration::from_secs(110));
    assert_eq!(
        holder_of(&take(&locks(&fake), "eager").await.unwrap_err()).as_deref(),
        Some("slow")
    );
    // A holder declaring a longer expiry is judged by its own.
    let long = Locks::new(&fake.aws(), "bookstore", "prod").with_expiry(Duration::from_secs(600));
    let held_long = long
        .acquire(&me("long"), Duration::ZERO, &mut |_| {})
        .await
        .unwrap();
    held_long.task.abort();
    fake.age_log_streams(Duration::from_secs(300));
    let other = Locks::new(&fake.aws(), "bookstore", "prod");
    let e = other
        .acquire(&me("eager"), Duration::ZERO, &mut |_| {})
        .await
        .unwrap_err();
    assert_eq!(holder_of(&e).as_deref(), Some("long"));
}

#[tokio::test(start_paused = true)]
async fn concurrent_takers_of_a_dead_lock_one_wins_the_others_name_it() {
    for dead in [false, true] {
        // Every call takes 20 ms, so the takers interleave.
        let fake = FakeAws::default().with_latency(Duration::from_millis(20));
        if dead {
            drop(take(&locks(&fake), "killed").await.unwrap());
            fake.age_log_streams(Duration::from_secs(500));
        }
        let hosts = ["a", "b", "c", "d", "e"];
        let all: Vec<_> = hosts
            .iter()
            .map(|h| {
                let l = locks(&fake);
                async move { (h, l.acquire(&me(h), Duration::ZERO, &mut |_| {}).await) }
            })
            .collect();
        let results = futures::future::join_all(all).await;
        let winners: Vec<&&str> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(h, _)| *h)
            .collect();
        assert_eq!(winners.len(), 1, "dead {dead}: {winners:?}");
        for (_, r) in &results {
            if let Err(e) = r {
                assert_eq!(holder_of(e).as_deref(), Some(*winners[0]), "{e}");
            }
        }
        let generation = if dead { "0000000002" } else { "0000000001" };
        assert_eq!(streams(&fake), [format!("staging.{generation}")]);
    }
}

#[tokio::test(start_paused = true)]
async fn a_stream_whose_creation_answer_was_lost_is_never_claimed() {
    let fake = FakeAws::default();
    // CreateLogStream is processed, its answer lost: not retried (a retry
    // would fail with "already exists" for this process's own stream).
    fake.state
        .lock()
        .unwrap()
        .lost_answers
        .insert(Api::CreateLogStream.name().into(), 1);
    let e = take(&locks(&fake), "a").await.unwrap_err();
    assert!(
        e.to_string().contains("has not described itself yet"),
        "{e}"
    );
    assert_eq!(fake.state.lock().unwrap().calls["CreateLogStream"], 1);
    // Waiting long enough, the undescribed stream expires and is taken over.
    let started = Instant::now();
    let held = locks(&fake)
        .acquire(&me("a"), Duration::from_secs(300), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(held.stream(), "staging.0000000002");
    assert!(
        started.elapsed() >= Duration::from_secs(100),
        "{:?}",
        started.elapsed()
    );
    held.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_holder_that_cannot_write_its_heartbeat_counts_the_lock_lost_in_time() {
    let fake = FakeAws::default();
    let held = take(&locks(&fake), "a").await.unwrap();
    for _ in 0..10 {
        fake.fail(Api::PutLogEvents.name(), "AccessDeniedException", "denied");
    }
    tokio::time::sleep(Duration::from_secs(89)).await;
    assert!(held.check().is_ok());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(held.check(), Err(Lost::NotRenewed { seconds: 90 }));
    // Before anyone else may take it over (120 s).
    let e = take(&locks(&fake), "b").await.unwrap_err();
    assert_eq!(holder_of(&e).as_deref(), Some("a"));
}

#[tokio::test(start_paused = true)]
async fn environments_have_separate_locks_even_when_names_prefix_each_other() {
    let fake = FakeAws::default();
    let eu = Locks::new(&fake.aws(), "bookstore", "staging.eu");
    let held_eu = eu
        .acquire(&me("eu"), Duration::ZERO, &mut |_| {})
        .await
        .unwrap();
    let held = take(&locks(&fake), "staging").await.unwrap();
    assert_eq!(held.stream(), "staging.0000000001");
    assert_eq!(
        streams(&fake),
        ["staging.0000000001", "staging.eu.0000000001"]
    );
    held.release().await.unwrap();
    held_eu.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn plan_reads_no_lock_without_the_group_and_reports_a_refused_read() {
    let fake = FakeAws::default();
    assert_eq!(locks(&fake).running().await.unwrap(), None);
    assert!(!fake.state.lock().unwrap().log_groups.contains_key(GROUP));
    fake.fail(
        Api::DescribeLogStreams.name(),
        "AccessDeniedException",
        "no",
    );
    let e = locks(&fake).running().await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedException");
}

#[tokio::test(start_paused = true)]
async fn apply_starts_no_change_once_the_lock_is_lost() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let held = take(&locks(&fake), "a").await.unwrap();
    let mut plan = empty_for_tests();
    for i in 0..3 {
        plan.changes.push(change_for_tests(
            Kind::Dashboard,
            &format!("d{i}"),
            Action::Create,
        ));
    }
    let mut seen = 0;
    let report = apply(&aws, &plan, &|_| None, &held, &mut |_, o| {
        assert!(matches!(o, Outcome::Done(_)));
        seen += 1
    })
    .await;
    assert_eq!((report.done, report.skipped, seen), (3, 0, 3));
    // Someone deletes the stream; the next heartbeat notices.
    fake.state.lock().unwrap().log_streams.clear();
    tokio::time::sleep(Duration::from_secs(31)).await;
    let report = apply(&aws, &plan, &|_| None, &held, &mut |_, _| panic!("started")).await;
    assert_eq!((report.done, report.skipped), (0, 3));
}

#[tokio::test(start_paused = true)]
async fn creates_that_keep_failing_give_up_after_the_retry_budget() {
    let fake = FakeAws::default();
    for _ in 0..20 {
        fake.fail(
            Api::CreateLogStream.name(),
            "ServiceUnavailableException",
            "down",
        );
    }
    let e = take(&locks(&fake), "a").await.unwrap_err();
    assert!(
        matches!(&e, Error::LockFailed(a) if a.code == "ServiceUnavailableException"),
        "{e}"
    );
    assert_eq!(fake.state.lock().unwrap().calls["CreateLogStream"], 8);
    assert!(e.to_string().contains("logs:CreateLogStream"), "{e}");
}
