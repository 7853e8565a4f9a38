//! Notifications that can arrive: chat webhooks are refused before any
//! change, subscription attributes obsctl manages show drift, topic policies
//! are compared only when declared, and subscriptions made by AWS Chatbot
//! are left alone. Against the in-memory fake (https subscriptions stay
//! pending until confirmed, as on AWS).

use crate::support::{all_kinds, applied, desired, plan, run, secrets, try_plan};
use obsctl::aws::LiveSubscription;
use obsctl::aws::fake::{FakeAws, FakeState};
use obsctl::catalogue;
use obsctl::catalogue::model::SubscriptionSpec;
use obsctl::error::Error;
use obsctl::plan::Action;
use obsctl::run::make_plan;
use std::collections::BTreeMap;

const CHATBOT: &str = "https://global.sns-api.chatbot.amazonaws.com";

fn sub(protocol: &str, endpoint: &str) -> SubscriptionSpec {
    serde_json::from_value(serde_json::json!({ "protocol": protocol, "endpoint": endpoint }))
        .unwrap()
}

fn add_sub(c: &mut catalogue::Catalogue, topic: &str, s: SubscriptionSpec) {
    c.topics.get_mut(topic).unwrap().spec.subscriptions.push(s);
}

/// The attributes of the (one) SQS subscription, to edit as the console does.
fn sqs_attributes(s: &mut FakeState) -> &mut BTreeMap<String, String> {
    let (_, _, attrs) = s
        .subscriptions
        .iter_mut()
        .find(|(_, sub, _)| sub.protocol == "sqs")
        .unwrap();
    attrs
}

fn writes(fake: &FakeAws) -> u64 {
    let s = fake.state.lock().unwrap();
    s.calls
        .iter()
        .filter(|(api, _)| {
            !["List", "Describe", "Get"]
                .iter()
                .any(|p| api.starts_with(p) || api.contains(&format!(":{p}")))
        })
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test]
async fn a_chat_webhook_read_from_the_environment_stops_the_plan_before_any_change() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |c| {
        add_sub(c, "critical-alerts", sub("https", "${env:SLACK_URL}"))
    });
    let err = try_plan(&aws, &d).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Blocked { .. }), "{text}");
    assert!(text.contains("Slack incoming webhook"), "{text}");
    assert!(
        text.contains("AWS Chatbot") && text.contains("sns.amazonaws.com"),
        "{text}"
    );
    assert!(
        !text.contains("SECRETTOKEN"),
        "the secret is never shown: {text}"
    );
    assert_eq!(writes(&fake), 0, "nothing was changed");
}

#[tokio::test]
async fn hand_added_filter_and_redrive_policies_are_drift_and_apply_removes_them() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |c| {
        add_sub(c, "info-alerts", sub("sqs", "${env:QUEUE}"))
    });
    assert!(run(&aws, &plan(&aws, &d).await).await.failed.is_empty());
    // Console edits on the (confirmed) SQS subscription.
    {
        let mut s = fake.state.lock().unwrap();
        let attrs = sqs_attributes(&mut s);
        attrs.insert(
            "FilterPolicy".into(),
            r#"{"severity": ["critical"]}"#.into(),
        );
        attrs.insert(
            "RedrivePolicy".into(),
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:1:dlq"}"#.into(),
        );
        attrs.insert("PendingConfirmation".into(), "false".into());
    }
    let p = plan(&aws, &d).await;
    let fields: Vec<String> = p
        .changes
        .iter()
        .flat_map(|c| c.fields.iter().map(|f| f.path.clone()))
        .collect();
    assert_eq!(
        fields,
        vec![
            "Attributes.FilterPolicy",
            "Attributes.FilterPolicyScope",
            "Attributes.RedrivePolicy"
        ],
        "only managed attributes, each once"
    );
    assert!(p.changes.iter().all(|c| c.action == Action::Update));
    assert!(run(&aws, &p).await.failed.is_empty());
    assert!(plan(&aws, &d).await.is_empty(), "converged");
}

#[tokio::test]
async fn declared_filter_policy_and_dead_letter_queue_converge_in_any_json_spelling() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |c| {
        let mut s = sub("sqs", "${env:QUEUE}");
        s.filter_policy = Some(serde_json::json!({ "severity": ["critical", "warning"] }));
        s.dead_letter_queue = Some("arn:aws:sqs:us-east-1:123456789012:dlq".into());
        add_sub(c, "info-alerts", s);
    });
    assert!(run(&aws, &plan(&aws, &d).await).await.failed.is_empty());
    {
        // AWS returns the policy in its own spelling.
        let mut s = fake.state.lock().unwrap();
        let attrs = sqs_attributes(&mut s);
        attrs.insert(
            "FilterPolicy".into(),
            "{\n  \"severity\" : [ \"critical\", \"warning\" ]\n}".into(),
        );
    }
    assert!(plan(&aws, &d).await.is_empty());
}

#[tokio::test]
async fn topic_policy_is_compared_only_when_declared() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let plain = desired("cat-house", "staging", |_| {});
    assert!(run(&aws, &plan(&aws, &plain).await).await.failed.is_empty());
    let arn = "arn:aws:sns:us-east-1:123456789012:cat-house-staging-critical-alerts";
    // SNS's default policy (every topic has one): not ours to compare.
    fake.state
        .lock()
        .unwrap()
        .topics
        .get_mut(arn)
        .unwrap()
        .0
        .insert("Policy".into(), r#"{"Version":"2008-10-17"}"#.into());
    assert!(plan(&aws, &plain).await.is_empty());
    let declared = desired("cat-house", "staging", |c| {
        c.topics.get_mut("critical-alerts").unwrap().spec.policy =
            Some(serde_json::json!({ "Version": "2012-10-17", "Statement": [] }));
    });
    let p = plan(&aws, &declared).await;
    let paths: Vec<&str> = p
        .changes
        .iter()
        .flat_map(|c| c.fields.iter().map(|f| f.path.as_str()))
        .collect();
    assert_eq!(paths, vec!["Attributes.Policy"]);
    assert!(run(&aws, &p).await.failed.is_empty());
    assert!(plan(&aws, &declared).await.is_empty());
}

#[tokio::test]
async fn chatbot_subscriptions_are_never_made_or_deleted_by_obsctl() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |_| {});
    let p = plan(&aws, &d).await;
    assert!(
        p.changes
            .iter()
            .all(|c| !c.key.contains("chatbot.amazonaws.com")),
        "obsctl does not subscribe Chatbot"
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.to_string().contains("not subscribed yet")
                && n.to_string().contains("AWS Chatbot")),
        "{:?}",
        p.notes
    );
    assert!(run(&aws, &p).await.failed.is_empty());
    // Chatbot's channel configuration subscribes the topics itself.
    {
        let mut s = fake.state.lock().unwrap();
        let topics: Vec<String> = s
            .topics
            .keys()
            .filter(|t| t.ends_with("-critical-alerts") || t.ends_with("-warning-alerts"))
            .cloned()
            .collect();
        for (i, t) in topics.into_iter().enumerate() {
            let sub = LiveSubscription {
                arn: format!("{t}:chatbot{i}"),
                protocol: "https".into(),
                endpoint: CHATBOT.into(),
            };
            s.subscriptions.push((t, sub, BTreeMap::new()));
        }
    }
    let p = plan(&aws, &d).await;
    assert!(
        p.is_empty()
            && !p
                .notes
                .iter()
                .any(|n| n.to_string().contains("not subscribed yet"))
    );
    // A catalogue that does not declare it still leaves it alone.
    let without = desired("cat-house", "staging", |c| {
        for t in c.topics.values_mut() {
            t.spec.subscriptions.retain(|s| !s.external);
        }
    });
    let p = plan(&aws, &without).await;
    assert!(p.is_empty(), "{:#?}", p.changes);
    assert!(
        p.notes
            .iter()
            .any(|n| n.to_string().contains("made by AWS Chatbot"))
    );
}

#[tokio::test]
async fn https_subscriptions_stay_pending_until_the_endpoint_confirms() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let url = "https://events.pagerduty.example/integration/abc/enqueue";
    let d = desired("cat-house", "staging", |c| {
        add_sub(c, "critical-alerts", sub("https", url))
    });
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.to_string().contains("pending confirmation"))
    );
    let p = plan(&aws, &d).await;
    assert!(p.is_empty());
    assert!(
        p.notes
            .iter()
            .any(|n| n.to_string().contains("pending confirmation"))
    );
    fake.confirm(url);
    let p = plan(&aws, &d).await;
    assert!(p.is_empty() && !p.notes.iter().any(|n| n.to_string().contains(url)));
}

#[tokio::test]
async fn a_saved_plan_is_refused_when_its_secret_became_a_chat_webhook() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |c| {
        add_sub(c, "critical-alerts", sub("https", "${env:HOOK}"))
    });
    let at_plan_time = |n: &str| match n {
        "HOOK" => Some("https://events.pagerduty.example/x".to_string()),
        other => secrets(other),
    };
    let saved = make_plan(&aws, &d, &all_kinds(), false, &at_plan_time)
        .await
        .unwrap();
    assert!(obsctl::plan::endpoint_blockers(&saved, &at_plan_time).is_empty());
    let at_apply_time = |n: &str| match n {
        "HOOK" => Some("https://discord.com/api/webhooks/1/SECRET".to_string()),
        other => secrets(other),
    };
    let blockers = obsctl::plan::endpoint_blockers(&saved, &at_apply_time);
    assert_eq!(blockers.len(), 1);
    assert!(
        blockers[0].to_string().contains("Discord") && !blockers[0].to_string().contains("SECRET")
    );
}

/// Issue 19, finding 6: a changed endpoint is subscribed first; the old
/// subscription goes only once the new one is confirmed, so the topic never
/// loses its working subscriber. A secret that is blank, has a trailing
/// space or is not what the protocol takes stops the plan, unshown.
#[tokio::test]
async fn a_changed_endpoint_replaces_the_old_one_only_once_confirmed() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |c| {
        add_sub(c, "critical-alerts", sub("https", "${env:HOOK}"))
    });
    let old = "https://events.pagerduty.example/old";
    let new = "https://events.pagerduty.example/new";
    let with = |value: &'static str| {
        move |n: &str| match n {
            "HOOK" => Some(value.to_string()),
            other => secrets(other),
        }
    };
    let plan_with =
        async |value: &'static str| make_plan(&aws, &d, &all_kinds(), false, &with(value)).await;
    let apply_with = async |p: &obsctl::plan::Plan, value: &'static str| {
        let report = obsctl::apply::apply(
            &aws,
            p,
            &with(value),
            &obsctl::apply::Unfenced,
            &mut |_, _| {},
        )
        .await;
        assert!(report.failed.is_empty(), "{:?}", report.failed);
    };
    let subscribed = |endpoint: &str| {
        let s = fake.state.lock().unwrap();
        s.subscriptions
            .iter()
            .any(|(_, sub, _)| sub.endpoint == endpoint)
    };
    apply_with(&plan_with(old).await.unwrap(), old).await;
    fake.confirm(old);
    assert!(plan_with(old).await.unwrap().is_empty());

    // The secret changes: subscribe the new endpoint, keep the old one.
    let p = plan_with(new).await.unwrap();
    assert_eq!(p.count(Action::Create), 1);
    assert_eq!(p.count(Action::Delete), 0, "{:#?}", p.changes);
    assert!(
        p.notes
            .iter()
            .any(|n| n.to_string().contains("kept until its replacement"))
    );
    apply_with(&p, new).await;
    assert!(subscribed(old) && subscribed(new));
    // Pending: still kept, however often apply runs.
    let p = plan_with(new).await.unwrap();
    assert!(p.is_empty(), "{:#?}", p.changes);
    apply_with(&p, new).await;
    assert!(subscribed(old));
    // Confirmed: now the old one goes.
    fake.confirm(new);
    let p = plan_with(new).await.unwrap();
    assert_eq!(p.count(Action::Delete), 1, "{:#?}", p.changes);
    apply_with(&p, new).await;
    assert!(!subscribed(old) && subscribed(new));
    assert!(plan_with(new).await.unwrap().is_empty());

    // A wrong secret: nothing changes, and its value is never shown.
    for bad in [
        "",
        "   ",
        "https://events.pagerduty.example/new ",
        "events.pagerduty.example/x",
    ] {
        let value: &'static str = Box::leak(bad.to_string().into_boxed_str());
        let err = plan_with(value).await.unwrap_err();
        let Error::Blocked { blockers, .. } = &err else {
            panic!("{err}");
        };
        assert_eq!(blockers.len(), 1, "{err}");
        let shown = err.to_string();
        assert!(
            shown.contains("critical-alerts/https/${env:HOOK}"),
            "{shown}"
        );
        assert!(
            !bad.trim().is_empty() || shown.contains("is blank"),
            "{shown}"
        );
        assert!(
            bad.trim().is_empty() || !shown.contains(bad.trim()),
            "{shown}"
        );
    }
    assert!(subscribed(new));
}

/// Issue 19, finding 4: a subscription added by hand to an obsctl topic (an
/// SQS queue, a second email) is left alone and noted; one obsctl made
/// (recorded in the topic's `obsctl:subscriptions` tag) is deleted when the
/// catalogue drops it; `manage_all_subscriptions` opts into managing all.
#[tokio::test]
async fn hand_added_subscriptions_are_left_alone_unless_the_topic_manages_all() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let queue = "arn:aws:sqs:us-east-1:123456789012:alerts";
    let with_queue = desired("cat-house", "staging", |c| {
        add_sub(c, "critical-alerts", sub("sqs", queue))
    });
    run(&aws, &plan(&aws, &with_queue).await).await;
    let topic = {
        let s = fake.state.lock().unwrap();
        let (topic, _, _) = s
            .subscriptions
            .iter()
            .find(|(_, sub, _)| sub.endpoint == queue)
            .unwrap()
            .clone();
        topic
    };
    let hand = "arn:aws:sqs:us-east-1:123456789012:someone-elses-queue";
    fake.state.lock().unwrap().subscriptions.push((
        topic.clone(),
        LiveSubscription {
            arn: format!("{topic}:hand"),
            protocol: "sqs".into(),
            endpoint: hand.into(),
        },
        BTreeMap::new(),
    ));
    let subscribed = |endpoint: &str| {
        let s = fake.state.lock().unwrap();
        s.subscriptions
            .iter()
            .any(|(_, sub, _)| sub.endpoint == endpoint)
    };
    let p = plan(&aws, &with_queue).await;
    assert!(p.is_empty(), "{:#?}", p.changes);
    assert!(
        p.notes
            .iter()
            .any(|n| n.to_string().contains("someone-elses-queue")
                && n.to_string().contains("not made by obsctl")),
        "{:#?}",
        p.notes
    );
    // The catalogue drops the queue obsctl made: it goes, the hand-made stays.
    let without = desired("cat-house", "staging", |_| {});
    let p = plan(&aws, &without).await;
    assert_eq!(p.count(Action::Delete), 1, "{:#?}", p.changes);
    run(&aws, &p).await;
    assert!(!subscribed(queue) && subscribed(hand));
    let p = plan(&aws, &without).await;
    assert!(p.is_empty(), "{:#?}", p.changes);
    // Opting in manages every subscription of the topic.
    let all = desired("cat-house", "staging", |c| {
        c.topics
            .get_mut("critical-alerts")
            .unwrap()
            .spec
            .manage_all_subscriptions = true;
    });
    let p = plan(&aws, &all).await;
    assert_eq!(p.count(Action::Delete), 1, "{:#?}", p.changes);
    run(&aws, &p).await;
    assert!(!subscribed(hand));
}

/// Issue 19, finding 4: a topic another catalogue owns was reported as a
/// conflict, yet obsctl subscribed to it and routed alarms to it. Now the
/// plan is blocked before any change, naming the topic and its users.
#[tokio::test]
async fn alarms_are_never_routed_to_a_topic_another_catalogue_owns() {
    let (fake, aws, d) = applied("cat-house", "staging").await;
    // Another catalogue takes the topic over (its tags say so).
    {
        let mut s = fake.state.lock().unwrap();
        let (_, tags) = s
            .topics
            .iter_mut()
            .find(|(arn, _)| arn.ends_with(":cat-house-staging-critical-alerts"))
            .unwrap()
            .1;
        for t in tags.iter_mut() {
            if t.key == "obsctl:catalogue" {
                t.value = "someone-else".into();
            }
        }
        s.subscriptions.clear();
        s.alarms.clear();
    }
    let before = writes(&fake);
    let err = try_plan(&aws, &d).await.unwrap_err();
    let Error::Blocked { blockers, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(blockers.len(), 1, "{err}");
    let shown = err.to_string();
    assert!(
        shown.contains("topic cat-house-staging-critical-alerts is not this catalogue's (it belongs to catalogue `someone-else`)")
            && shown.contains("alarms would notify it")
            && shown.contains("subscription"),
        "{shown}"
    );
    assert_eq!(writes(&fake), before, "nothing was written");
}
