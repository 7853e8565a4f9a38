//! Computing the plan: desired × live → [`Plan`], pure and deterministic.

use super::FieldChange;
use super::blockers::{foreign_topics, missing_log_groups};
use super::diff;
use super::model::*;
use super::subscriptions::{attribute_ops, subscriptions};
use crate::compile::DesiredState;
use crate::live::LiveState;
use crate::ownership::{recorded_subscriptions, subscription_record};
use crate::resource::{Kind, Resource, Tag};
use std::collections::{BTreeMap, BTreeSet};

/// Computes the plan. `secret` resolves `${env:NAME}` names; resolved values
/// are used only to match live endpoints and never enter the plan. With
/// `adopt`, adoptable conflicts become [`Action::Adopt`] changes.
pub fn compute(
    desired: &DesiredState,
    live: &LiveState,
    kinds: &BTreeSet<Kind>,
    adopt: bool,
    secret: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, MissingSecret> {
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        catalogue: desired.catalogue.clone(),
        project: desired.project.clone(),
        env: desired.env.clone(),
        region: desired.region.clone(),
        account: desired.account.clone(),
        kinds: kinds.iter().copied().collect(),
        live_fingerprint: live.fingerprint(),
        changes: Vec::new(),
        conflicts: Vec::new(),
        notes: Vec::new(),
        blockers: missing_log_groups(desired, live, kinds)
            .into_iter()
            .chain(foreign_topics(desired, live, kinds, adopt))
            .collect(),
        unchanged: 0,
        calls: BTreeMap::new(),
        read_floor: None,
        read_seconds: 0.0,
        apply_floor: None,
    };
    let mut deletes = Vec::new();
    // Subscriptions first: they decide each topic's record of the
    // subscriptions obsctl made, which the topic carries as tags.
    let records = if kinds.contains(&Kind::Subscription) {
        Some(subscriptions(
            desired,
            live,
            secret,
            &mut plan,
            &mut deletes,
        )?)
    } else {
        None
    };
    let topics = recorded_topics(desired, live, records.as_ref());
    for &kind in kinds {
        if kind == Kind::Subscription {
            continue;
        }
        let wanted: BTreeMap<&String, &Resource> = desired
            .resources
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, key), r)| {
                (
                    key,
                    topics.get(key).filter(|_| kind == Kind::Topic).unwrap_or(r),
                )
            })
            .collect();
        for (key, resource) in &wanted {
            let id = (kind, (*key).clone());
            if live.conflicts.contains_key(&id) {
                let foreign = desired.is_foreign(key);
                if let Some(current) = live.adoptable.get(&id).filter(|_| adopt && !foreign) {
                    let (fields, tags) = differences(current, resource, &desired.region);
                    let live_id = live.ids.get(&id).cloned();
                    plan.changes
                        .push(Change::adopt(kind, key, resource, fields, tags, live_id));
                }
                continue;
            }
            match live.resources.get(&id) {
                None => plan.changes.push(Change::create(kind, key, resource)),
                Some(current) => {
                    let (fields, tags) = differences(current, resource, &desired.region);
                    if fields.is_empty() && tags.is_empty() {
                        plan.unchanged += 1;
                        continue;
                    }
                    let mut change = Change::update(
                        kind,
                        key,
                        resource,
                        fields,
                        tags,
                        live.ids.get(&id).cloned(),
                    );
                    if let (Resource::Topic(l), Resource::Topic(d)) = (current, resource) {
                        change.ops = attribute_ops(&l.attributes, &d.attributes);
                    }
                    plan.changes.push(change);
                }
            }
        }
        for ((k, key), current) in live.resources.iter().filter(|((k, _), _)| *k == kind) {
            if !wanted.contains_key(key) {
                let mut change = Change::delete(*k, key, live.ids.get(&(*k, key.clone())).cloned());
                if let Resource::MetricFilter(f) = current {
                    change.ops = vec![Op::DeleteMetricFilter {
                        log_group: f.log_group_name.clone(),
                        filter_name: f.filter_name.clone(),
                    }];
                }
                deletes.push(change);
            }
        }
        for ((_, key), place) in live.outside.iter().filter(|((k, _), _)| *k == kind) {
            plan.notes.push(Note::OutsideScope {
                kind,
                key: key.clone(),
                place: place.clone(),
            });
        }
        for (_, key) in live.unmarked.iter().filter(|(k, _)| *k == kind) {
            plan.notes.push(Note::NotMadeByObsctl {
                kind,
                key: key.clone(),
            });
        }
        // Identical copies of an owned resource (a repeated or racing
        // saved-query create): one is kept, these go.
        for ((_, key), ids) in live.duplicates.iter().filter(|((k, _), _)| *k == kind) {
            for id in ids {
                let shown = format!("{key} (duplicate {id})");
                deletes.push(Change::delete(kind, &shown, Some(id.clone())));
            }
        }
    }
    for ((kind, key), reason) in &live.conflicts {
        let foreign = desired.is_foreign(key);
        let adopted = adopt && !foreign && live.adoptable.contains_key(&(*kind, key.clone()));
        if !kinds.contains(kind) || adopted {
            continue;
        }
        if foreign {
            plan.notes.push(Note::Foreign {
                kind: *kind,
                key: key.clone(),
            });
            continue;
        }
        plan.conflicts.push(Conflict {
            kind: *kind,
            key: key.clone(),
            reason: reason.clone(),
            wanted: desired.resources.contains_key(&(*kind, key.clone())),
        });
    }
    deletes.sort_by(|a, b| b.kind.cmp(&a.kind).then(a.key.cmp(&b.key)));
    plan.changes
        .sort_by(|a, b| a.kind.cmp(&b.kind).then(a.key.cmp(&b.key)));
    plan.changes.extend(deletes);
    Ok(plan)
}

/// The desired topics with their record of the subscriptions obsctl made
/// (`records`, or, when subscriptions are not planned, the live record
/// unchanged).
fn recorded_topics(
    desired: &DesiredState,
    live: &LiveState,
    records: Option<&BTreeMap<String, BTreeSet<String>>>,
) -> BTreeMap<String, Resource> {
    desired
        .resources
        .iter()
        .filter_map(|((_, key), r)| {
            let Resource::Topic(t) = r else {
                return None;
            };
            let marks = match records {
                Some(records) => records.get(key).cloned().unwrap_or_default(),
                None => match live.resources.get(&(Kind::Topic, key.clone())) {
                    Some(Resource::Topic(l)) => recorded_subscriptions(&l.tags),
                    _ => BTreeSet::new(),
                },
            };
            let mut t = t.clone();
            t.tags.extend(subscription_record(&marks));
            t.tags.sort();
            Some((key.clone(), Resource::Topic(t)))
        })
        .collect()
}

fn tags_of(r: &Resource) -> Option<&[Tag]> {
    r.compared_tags()
}

/// Field changes and tag changes from `live` to `desired`. A dashboard's
/// tags are not part of its body: they are shown as one `Tags` field.
fn differences(live: &Resource, desired: &Resource, region: &str) -> (Vec<FieldChange>, TagChange) {
    let mut fields = diff::diff(&comparable(live, region), &comparable(desired, region));
    let tags = tag_change(live, desired);
    if let (Resource::Dashboard(l), Resource::Dashboard(d)) = (live, desired)
        && !tags.is_empty()
    {
        let list = |t: &[Tag]| (!t.is_empty()).then(|| serde_json::to_value(t).unwrap_or_default());
        fields.push(FieldChange {
            path: "Tags".to_string(),
            before: list(&l.tags),
            after: list(&d.tags),
        });
    }
    (fields, tags)
}

/// The field changes from a live dashboard body to a desired one, both
/// compared without documented defaults (what `plan` shows for a dashboard).
pub fn dashboard_changes(
    live: &serde_json::Value,
    desired: &serde_json::Value,
    region: &str,
) -> Vec<FieldChange> {
    diff::diff(
        &dashboard_form(live.clone(), region),
        &dashboard_form(desired.clone(), region),
    )
}

/// A dashboard body as plans compare it: canonical, shorthand rows
/// expanded, and without the properties equal to their documented defaults
/// ([`dashboard_defaults`](crate::resource::dashboard_defaults)), so a body
/// saved in the console compares equal to the rendered one.
fn dashboard_form(body: serde_json::Value, region: &str) -> serde_json::Value {
    use crate::resource::canonical::{canonical, expand_dashboard_shorthand};
    let mut v = canonical(body);
    expand_dashboard_shorthand(&mut v);
    crate::resource::dashboard_defaults::strip_defaults(&mut v, region);
    canonical(v)
}

/// The form two resources are compared in: canonical JSON, a dashboard
/// body in [`dashboard_form`].
fn comparable(r: &Resource, region: &str) -> serde_json::Value {
    if let Resource::Dashboard(d) = r {
        dashboard_form(d.body.value(), region)
    } else {
        r.to_json()
    }
}

fn tag_change(live: &Resource, desired: &Resource) -> TagChange {
    let (Some(have), Some(want)) = (tags_of(live), tags_of(desired)) else {
        return TagChange::default();
    };
    TagChange {
        set: want.iter().filter(|t| !have.contains(t)).cloned().collect(),
        remove: have
            .iter()
            .filter(|h| !want.iter().any(|w| w.key == h.key))
            .map(|h| h.key.clone())
            .collect(),
    }
}
