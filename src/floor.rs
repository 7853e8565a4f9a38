//! The API floor: the fewest calls each AWS API needs for a plan or an
//! apply of this catalogue against this live state, and the least time
//! they take at the configured quotas. obsctl prints it next to the calls
//! it made (`--verbose`, the JSON plan), so a regression in call counts
//! shows as a gap, and the scale benchmark checks calls ≤ floor + 2%.
//!
//! The definition is fixed here, independent of how obsctl reads:
//!
//! **Plan** (reads run concurrently, so time = the largest calls ÷ quota):
//! DescribeAlarms ⌈A/100⌉ (A = alarms with the prefix), GetResources
//! ⌈T/100⌉ (T = tagged alarms and topics of this catalogue and
//! environment), ListDashboards ⌈D/1000⌉, GetDashboard D and CloudWatch
//! ListTagsForResource D (D = dashboards with the prefix: the tagging API
//! does not document dashboards, so their tags are read one by one),
//! DescribeLogGroups ⌈G/50⌉ (G = existing log groups listed),
//! DescribeMetricFilters min(G, ⌈F/50⌉) (F = filters in the account),
//! DescribeQueryDefinitions ⌈Q/1000⌉, ListTopics ⌈topics in the account /
//! 100⌉, GetTopicAttributes one per owned topic, ListSubscriptionsByTopic
//! ⌈its subscriptions/100⌉ per owned topic (at least one), one
//! GetSubscriptionAttributes per confirmed subscription, one
//! GetCallerIdentity. A listing costs at least one call when it is made.
//!
//! **Apply** (writes): per API the calls the plan's changes need (a put
//! per created or rewritten resource, a tag and an untag call per resource
//! whose tags change, deletes in batches of 100 where AWS takes them, one
//! composite per DeleteAlarms); time = the largest calls ÷ quota over the
//! APIs, where the composite alarms wait for their children level by level:
//! PutMetricAlarm's time plus each composite level's, one after another.

use crate::aws::{Api, Rates};
#[cfg(test)]
use crate::plan::Change;
use crate::plan::{Action, Plan};
use crate::resource::{Kind, Resource};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a live read found; `None` for what was not read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadCounts {
    /// A: alarms with the environment's prefix.
    pub alarms: Option<u64>,
    /// Alarm names outside the prefix asked for by name (an override's
    /// `name`, or the tagging index's): DescribeAlarms ⌈N/100⌉.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms_named: Option<u64>,
    /// T: alarms and topics the tagging API lists for this catalogue and
    /// environment.
    pub tagged: Option<u64>,
    /// D: dashboards with the prefix.
    pub dashboards: Option<u64>,
    /// Dashboard names outside the prefix (a dashboard's `name`), each
    /// listed by its own name: ListDashboards once each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboards_named: Option<u64>,
    /// G: existing log groups listed (metric filters are read per group or
    /// account-wide, whichever is fewer calls).
    pub log_groups_read: Option<u64>,
    /// F: metric filters in the account (known when read account-wide).
    pub filters_in_account: Option<u64>,
    /// Q: saved queries with the prefix.
    pub queries: Option<u64>,
    /// Topics in the account.
    pub topics_in_account: Option<u64>,
    /// Owned topics.
    pub owned_topics: Option<u64>,
    /// Σ over owned topics of ⌈subscriptions / 100⌉, at least 1 each.
    pub subscription_pages: Option<u64>,
    /// Confirmed subscriptions of owned topics.
    pub confirmed_subscriptions: Option<u64>,
    /// R: alarm mute rules in the account (ListAlarmMuteRules cannot
    /// filter by name).
    #[serde(default)]
    pub mute_rules_in_account: Option<u64>,
    /// Mute rules with the environment's prefix (read and their tags read
    /// one by one).
    #[serde(default)]
    pub mute_rules: Option<u64>,
}

impl ReadCounts {
    /// Adds what another part of the read found (parts count disjoint things).
    pub fn add(&mut self, o: &ReadCounts) {
        // Destructured, so a new count cannot be forgotten here.
        let ReadCounts {
            alarms,
            alarms_named,
            tagged,
            dashboards,
            dashboards_named,
            log_groups_read,
            filters_in_account,
            queries,
            topics_in_account,
            owned_topics,
            subscription_pages,
            confirmed_subscriptions,
            mute_rules_in_account,
            mute_rules,
        } = *o;
        let or = |a: &mut Option<u64>, b: Option<u64>| *a = a.or(b);
        or(&mut self.alarms, alarms);
        or(&mut self.alarms_named, alarms_named);
        or(&mut self.tagged, tagged);
        or(&mut self.dashboards, dashboards);
        or(&mut self.dashboards_named, dashboards_named);
        or(&mut self.log_groups_read, log_groups_read);
        or(&mut self.filters_in_account, filters_in_account);
        or(&mut self.queries, queries);
        or(&mut self.topics_in_account, topics_in_account);
        or(&mut self.owned_topics, owned_topics);
        or(&mut self.subscription_pages, subscription_pages);
        or(&mut self.confirmed_subscriptions, confirmed_subscriptions);
        or(&mut self.mute_rules_in_account, mute_rules_in_account);
        or(&mut self.mute_rules, mute_rules);
    }
}

/// The floor: minimum calls per API (IAM action) and the least time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// Minimum calls per API, keyed by IAM action (`cloudwatch:DescribeAlarms`).
    pub calls: BTreeMap<String, u64>,
    /// Least time at the configured quotas, in seconds (0 without limits).
    pub seconds: f64,
}

/// Two floors of work done one after the other (a plan's read, then its
/// apply): calls add up per API, and so do the times.
pub fn add(a: Option<&Floor>, b: Option<&Floor>) -> Floor {
    let mut sum = Floor::default();
    for f in [a, b].into_iter().flatten() {
        for (api, n) in &f.calls {
            *sum.calls.entry(api.clone()).or_default() += n;
        }
        sum.seconds += f.seconds;
    }
    sum
}

/// Pages of `n` items at `per_page` each: at least one call to learn there
/// are none.
fn pages(n: u64, per_page: u64) -> u64 {
    n.div_ceil(per_page).max(1)
}

/// The plan floor for what a read found.
pub fn plan(counts: &ReadCounts, rates: &Rates) -> Floor {
    let mut calls: BTreeMap<Api, u64> = BTreeMap::new();
    let mut put = |api: Api, n: Option<u64>| {
        if let Some(n) = n {
            *calls.entry(api).or_default() += n;
        }
    };
    put(Api::DescribeAlarms, counts.alarms.map(|a| pages(a, 100)));
    put(
        Api::DescribeAlarms,
        counts.alarms_named.map(|n| n.div_ceil(100)),
    );
    put(Api::GetResources, counts.tagged.map(|t| pages(t, 100)));
    put(
        Api::ListDashboards,
        counts.dashboards.map(|d| pages(d, 1000)),
    );
    put(Api::ListDashboards, counts.dashboards_named);
    put(Api::GetDashboard, counts.dashboards);
    put(Api::CloudWatchListTags, counts.dashboards);
    put(
        Api::DescribeLogGroups,
        counts.log_groups_read.map(|g| pages(g, 50)),
    );
    put(
        Api::DescribeMetricFilters,
        counts
            .log_groups_read
            .map(|g| match counts.filters_in_account {
                Some(f) => g.min(pages(f, 50)),
                None => g,
            }),
    );
    put(
        Api::DescribeQueryDefinitions,
        counts.queries.map(|q| pages(q, 1000)),
    );
    put(
        Api::ListTopics,
        counts.topics_in_account.map(|t| pages(t, 100)),
    );
    put(Api::GetTopicAttributes, counts.owned_topics);
    put(Api::ListSubscriptionsByTopic, counts.subscription_pages);
    put(
        Api::GetSubscriptionAttributes,
        counts.confirmed_subscriptions,
    );
    put(
        Api::ListAlarmMuteRules,
        counts.mute_rules_in_account.map(|r| pages(r, 100)),
    );
    put(Api::GetAlarmMuteRule, counts.mute_rules);
    put(Api::CloudWatchListTags, counts.mute_rules);
    put(Api::GetCallerIdentity, Some(1));
    calls.retain(|_, n| *n > 0);
    floor(calls, &[], rates)
}

/// The apply floor for the writes of `plan`.
pub fn apply(plan: &Plan, rates: &Rates) -> Floor {
    let (calls, levels) = apply_calls(plan);
    floor(calls, &levels, rates)
}

/// Minimum write calls per API for `plan`, and the number of composite
/// alarms written per dependency level.
pub fn apply_calls(plan: &Plan) -> (BTreeMap<Api, u64>, Vec<u64>) {
    let mut calls: BTreeMap<Api, u64> = BTreeMap::new();
    let mut add = |api: Api, n: u64| {
        if n > 0 {
            *calls.entry(api).or_default() += n;
        }
    };
    let mut deleted = BTreeMap::<Kind, u64>::new();
    for c in &plan.changes {
        if c.action == Action::Delete {
            *deleted.entry(c.kind).or_default() += 1;
            continue;
        }
        if c.action != Action::Create
            && let Some((tag, untag)) = c.kind.tag_apis()
        {
            add(tag, u64::from(!c.tags.set.is_empty()));
            add(untag, u64::from(!c.tags.remove.is_empty()));
        }
        if let Some(desired) = &c.desired {
            desired.floor_put(c, &mut add);
        }
    }
    for (kind, n) in deleted {
        kind.floor_delete(n, &mut add);
    }
    (calls, composite_levels(plan))
}

/// Composite alarms written per level: a composite comes after every
/// composite its rule names that is written too.
fn composite_levels(plan: &Plan) -> Vec<u64> {
    let rules: BTreeMap<&str, BTreeSet<&str>> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete && c.rewrite)
        .filter_map(|c| match &c.desired {
            Some(Resource::CompositeAlarm(a)) => Some((
                c.key.as_str(),
                crate::rules::composite::rule_refs(&a.alarm_rule)
                    .into_iter()
                    .filter_map(|r| a.alarm_rule.get(r))
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    let mut level_of: BTreeMap<&str, usize> = BTreeMap::new();
    // Levels by relaxation: at most one pass per composite (a cycle cannot
    // be applied and is rejected by validate; here it just stops).
    for _ in 0..=rules.len() {
        let mut changed = false;
        for (name, refs) in &rules {
            let level = refs
                .iter()
                .filter(|r| rules.contains_key(*r))
                .map(|r| level_of.get(r).copied().unwrap_or(0) + 1)
                .max()
                .unwrap_or(0);
            if level_of.get(name) != Some(&level) {
                level_of.insert(name, level);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut levels = Vec::new();
    for level in level_of.values() {
        if levels.len() <= *level {
            levels.resize(level + 1, 0);
        }
        levels[*level] += 1;
    }
    levels
}

/// Calls and their least time: the largest calls ÷ quota over the APIs,
/// with composite `levels` written one after another after PutMetricAlarm.
fn floor(calls: BTreeMap<Api, u64>, levels: &[u64], rates: &Rates) -> Floor {
    let time = |api: Api, n: u64| rates.per_second(api).map_or(0.0, |r| n as f64 / r);
    let mut seconds: f64 = calls
        .iter()
        .filter(|(api, _)| **api != Api::PutCompositeAlarm)
        .map(|(api, n)| time(*api, *n))
        .fold(0.0, f64::max);
    let alarms = calls.get(&Api::PutMetricAlarm).copied().unwrap_or(0);
    let chain = time(Api::PutMetricAlarm, alarms)
        + levels
            .iter()
            .map(|n| time(Api::PutCompositeAlarm, *n))
            .sum::<f64>();
    seconds = seconds.max(chain);
    Floor {
        calls: calls
            .into_iter()
            .map(|(api, n)| (api.action(), n))
            .collect(),
        seconds,
    }
}

/// A change's writes, for tests: the APIs [`apply_calls`] counts for it.
#[cfg(test)]
fn one(change: Change) -> BTreeMap<Api, u64> {
    let plan = Plan {
        changes: vec![change],
        ..crate::plan::empty_for_tests()
    };
    apply_calls(&plan).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_floor_follows_the_definition() {
        let counts = ReadCounts {
            alarms: Some(5000),
            alarms_named: None,
            tagged: Some(5004),
            dashboards: Some(1001),
            dashboards_named: None,
            log_groups_read: Some(1000),
            filters_in_account: Some(3000),
            queries: Some(1000),
            topics_in_account: Some(250),
            owned_topics: Some(3),
            subscription_pages: Some(3),
            confirmed_subscriptions: Some(2),
            mute_rules_in_account: Some(250),
            mute_rules: Some(3),
        };
        let f = plan(&counts, &Rates::default());
        let get = |a: Api| f.calls.get(&a.action()).copied();
        assert_eq!(get(Api::DescribeAlarms), Some(50));
        assert_eq!(get(Api::GetResources), Some(51));
        assert_eq!(get(Api::ListDashboards), Some(2));
        assert_eq!(get(Api::GetDashboard), Some(1001));
        assert_eq!(get(Api::DescribeMetricFilters), Some(60));
        assert_eq!(get(Api::DescribeQueryDefinitions), Some(1));
        assert_eq!(get(Api::ListTopics), Some(3));
        assert_eq!(get(Api::GetTopicAttributes), Some(3));
        assert_eq!(get(Api::GetSubscriptionAttributes), Some(2));
        assert_eq!(get(Api::GetCallerIdentity), Some(1));
        assert_eq!(get(Api::ListAlarmMuteRules), Some(3));
        assert_eq!(get(Api::GetAlarmMuteRule), Some(3));
        // Dashboards' and mute rules' tags at 10/s set the time: 100.4 s.
        assert!((f.seconds - 100.4).abs() < 1e-9, "{}", f.seconds);
        // Without limits there is no time floor.
        assert_eq!(plan(&counts, &Rates::unlimited()).seconds, 0.0);
        // Few filters per group in an account full of others': per group.
        let crowded = ReadCounts {
            filters_in_account: Some(1_000_000),
            ..counts
        };
        let f = plan(&crowded, &Rates::default());
        assert_eq!(f.calls["logs:DescribeMetricFilters"], 1000);
    }

    #[test]
    fn a_listing_made_costs_one_call_even_when_empty() {
        let counts = ReadCounts {
            alarms: Some(0),
            ..ReadCounts::default()
        };
        let f = plan(&counts, &Rates::default());
        assert_eq!(f.calls["cloudwatch:DescribeAlarms"], 1);
        assert!(!f.calls.contains_key("cloudwatch:GetDashboard"));
    }

    #[test]
    fn composites_wait_for_their_children_level_by_level() {
        let calls: BTreeMap<Api, u64> = [(Api::PutMetricAlarm, 30), (Api::PutCompositeAlarm, 9)]
            .into_iter()
            .collect();
        // 30 alarms at 3/s = 10 s, then levels of 6 and 3 composites: 2 s + 1 s.
        let f = floor(calls, &[6, 3], &Rates::default());
        assert!((f.seconds - 13.0).abs() < 1e-9, "{}", f.seconds);
    }

    #[test]
    fn apply_counts_a_put_per_write_and_batches_deletes() {
        use crate::plan::TagChange;
        use crate::resource::Tag;
        let mut c = crate::plan::change_for_tests(Kind::MetricAlarm, "a", Action::Update);
        c.rewrite = false;
        c.tags = TagChange {
            set: vec![Tag {
                key: "k".into(),
                value: "v".into(),
            }],
            remove: vec!["old".into()],
        };
        let calls = one(c);
        assert_eq!(calls.get(&Api::PutMetricAlarm), None);
        assert_eq!(calls[&Api::CloudWatchTag], 1);
        assert_eq!(calls[&Api::CloudWatchUntag], 1);
        let deletes: Vec<Change> = (0..150)
            .map(|i| {
                crate::plan::change_for_tests(Kind::MetricAlarm, &format!("a{i}"), Action::Delete)
            })
            .collect();
        let plan = Plan {
            changes: deletes,
            ..crate::plan::empty_for_tests()
        };
        assert_eq!(apply_calls(&plan).0[&Api::DeleteAlarms], 2);
    }
}
