//! Mute windows → alarm mute rules: per environment, the alarms each window
//! chooses (alarm templates, services, severities, as routes choose alarms
//! by severity), at most 100 per rule ("You can specify up to 100 alarm
//! names", `MuteTargets`): a window over more alarms becomes several rules
//! (`<name>-1`, `<name>-2`, … in alarm-name order).

use super::Compiler;
use super::alarms::AlarmInfo;
use crate::catalogue::validate::parse_mute;
use crate::resource::{AlarmMuteRule, MuteRule, MuteSchedule, MuteTargets, Resource};
use crate::rules::mute::{MAX_TARGETS, format_date};

/// The alarms (full names, sorted) a window mutes among `alarms`: those
/// that notify and match every choice the window makes.
fn targets(spec: &crate::catalogue::model::MuteSpec, alarms: &[AlarmInfo]) -> Vec<String> {
    let has = |list: &Option<Vec<String>>, v: Option<&str>| {
        list.as_ref()
            .is_none_or(|l| v.is_some_and(|v| l.iter().any(|x| x == v)))
    };
    let mut names: Vec<String> = alarms
        .iter()
        .filter(|a| a.notifies)
        .filter(|a| has(&spec.alarms, Some(&a.template)))
        .filter(|a| has(&spec.services, a.service.as_deref()))
        .filter(|a| has(&spec.severities, Some(&a.severity)))
        .map(|a| a.name.clone())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Adds the environment's mute rules.
pub fn compile(c: &mut Compiler, alarms: &[AlarmInfo]) {
    for (wname, spec) in &c.cat.mute {
        if spec
            .environments
            .as_ref()
            .is_some_and(|e| !e.iter().any(|e| e == c.env_name))
        {
            continue;
        }
        // Mistakes were reported by validation.
        let Ok(parsed) = parse_mute(spec) else {
            continue;
        };
        let names = targets(spec, alarms);
        if names.is_empty() {
            c.warn(
                &spec.origin,
                format!(
                    "mute window `{wname}` chooses no alarm in environment `{}`",
                    c.env_name
                ),
                "check its alarms, services and severities, or limit it with `environments:`"
                    .to_string(),
            );
            continue;
        }
        let chunks: Vec<&[String]> = names.chunks(MAX_TARGETS).collect();
        let base = c.name(None, &format!("mute-{wname}"));
        for (i, chunk) in chunks.iter().enumerate() {
            let name = if chunks.len() == 1 {
                base.clone()
            } else {
                format!("{base}-{}", i + 1)
            };
            let mut tags = c.ownership_tags();
            tags.sort();
            let rule = AlarmMuteRule {
                name,
                description: spec.description.clone(),
                rule: MuteRule {
                    schedule: MuteSchedule {
                        expression: spec.schedule.trim().to_string(),
                        duration: parsed.duration.clone(),
                        timezone: parsed.timezone.clone(),
                    },
                },
                mute_targets: MuteTargets {
                    alarm_names: chunk.to_vec(),
                },
                start_date: parsed.schedule.start.map(format_date),
                expire_date: parsed.schedule.expire.map(format_date),
                tags,
            };
            c.add(Resource::AlarmMuteRule(Box::new(rule)), spec.origin.clone());
        }
    }
}
