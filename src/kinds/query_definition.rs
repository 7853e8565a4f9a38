//! CloudWatch Logs saved queries (PutQueryDefinition). AWS cannot tag them
//! and assigns their id: identity is the name (`/` makes folders), and a
//! create must be safe to repeat.

use super::{AddCalls, Deletes, Kind, Reader, Spec};
use crate::apply::PutContext;
use crate::aws::{Api, Aws, AwsError, AwsResult, ErrorKind};
use crate::cost::Cost;
use crate::plan::{Change, Plan};
use crate::resource::{QueryDefinition, Tag};

impl Spec for QueryDefinition {
    const KIND: Kind = Kind::QueryDefinition;
    const DOC: &'static str = "CloudWatch Logs saved query (PutQueryDefinition input)";
    const DEPENDS_ON: &'static [Kind] = &[Kind::LogGroup];
    const PLANNED_WITH: &'static [Kind] = &[Kind::LogGroup];
    const READER: Reader = Reader::Logs;
    const DELETES: Deletes = Deletes::Each;
    const SERIAL_PER_LOG_GROUP: bool = false;
    const TAG_APIS: Option<(Api, Api)> = None;
    const IAM_ACTIONS: &'static [&'static str] = &[
        "logs:DescribeLogGroups",
        "logs:DescribeQueryDefinitions",
        "logs:PutQueryDefinition",
        "logs:DeleteQueryDefinition",
    ];

    fn key(&self) -> String {
        self.name.clone()
    }

    fn file_stem(&self) -> String {
        self.key()
    }

    fn compared_tags(&self) -> Option<&[Tag]> {
        None
    }

    fn short_name(&self) -> String {
        self.name.clone()
    }

    fn log_groups(&self) -> Vec<&str> {
        self.log_group_names.iter().map(String::as_str).collect()
    }

    fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(self)
    }

    fn cost(&self, _: &mut Cost) {
        // Saving is free; running bills the data scanned.
    }

    fn floor_put(&self, _: &Change, add: AddCalls<'_>) {
        add(Api::PutQueryDefinition, 1);
    }

    fn floor_delete(n: u64, add: AddCalls<'_>) {
        add(Api::DeleteQueryDefinition, n);
    }

    async fn put(&self, ctx: &PutContext<'_>, c: &Change) -> AwsResult<Option<String>> {
        put_query(ctx.aws, ctx.plan, c, self).await
    }

    async fn delete(aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
        for c in changes {
            aws.logs()
                .delete_query_definition(c.live_id.as_deref().unwrap_or_default())
                .await?;
        }
        Ok(())
    }
}

/// Attempts of a saved-query write after transient errors.
const QUERY_ATTEMPTS: u32 = 8;

/// PutQueryDefinition, safe to repeat: the same client token on every
/// attempt (AWS then returns the first call's definition), and, because not
/// every implementation honours tokens, after a transient error (the call
/// may have been processed) a look for a definition of that name before
/// trying again: found, it is the one the lost call made.
async fn put_query(
    aws: &Aws,
    plan: &Plan,
    c: &Change,
    q: &QueryDefinition,
) -> Result<Option<String>, AwsError> {
    let token = client_token(plan, c);
    let mut id = c.live_id.clone();
    let mut attempt = 1;
    loop {
        match aws
            .logs()
            .put_query_definition(id.as_deref(), q, &token)
            .await
        {
            Ok(_) => return Ok(None),
            Err(e) if e.kind == ErrorKind::Transient && attempt < QUERY_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(6))).await;
                if id.is_none()
                    && let Some((found, live)) = find_query(aws, &q.name).await?
                {
                    if live == *q {
                        return Ok(Some("made by an attempt whose answer was lost".into()));
                    }
                    id = Some(found);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The saved query named `name`, if exactly one exists.
async fn find_query(aws: &Aws, name: &str) -> Result<Option<(String, QueryDefinition)>, AwsError> {
    let mut found =
        crate::aws::all_pages(|next| aws.logs().describe_query_definitions(name, next)).await?;
    found.retain(|(_, q)| q.name == name);
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// An idempotency token for one change of one plan: a hash of the plan's
/// live fingerprint and the change, 40 characters (AWS requires 36 to 128).
fn client_token(plan: &Plan, c: &Change) -> String {
    let mut a = crate::resource::canonical::Fnv::default();
    a.feed(&plan.live_fingerprint);
    a.feed(&serde_json::to_string(c).unwrap_or_default());
    let first = a.finish();
    a.feed(&c.key);
    format!("obsctl-{first:016x}-{:016x}", a.finish())
}
