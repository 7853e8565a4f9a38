//! The real adapters: the traits implemented with the AWS SDK for Rust, one
//! file per service. Conversions between SDK types and obsctl's resource
//! types live here and nowhere else.

mod cloudwatch;
mod logs;
mod sns;
mod sqs;
mod sts;
mod tagging;
#[cfg(test)]
mod tests;

use super::*;
use aws_sdk_cloudwatch as cw;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Named profile.
    pub profile: Option<String>,
    /// Region (else the standard chain).
    pub region: Option<String>,
    /// Endpoint URL (emulators, private endpoints); `AWS_ENDPOINT_URL` also works.
    pub endpoint_url: Option<String>,
    /// Client-side rate limits.
    pub rates: Option<Rates>,
    /// Retries of throttling and transient errors (obsctl's retry layer; the
    /// SDK's retries are off).
    pub retry: RetryPolicy,
}

/// Builds the SDK clients through aws-config's standard chain (environment,
/// profiles, SSO, assume-role) and bundles them as [`Aws`].
pub async fn connect(opts: &ConnectOptions) -> Aws {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &opts.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    // One retry layer only: obsctl's (`guard`), which knows which errors
    // are worth retrying (the SDK's classifier retries LimitExceeded as
    // throttling and does not retry SNS `Throttled` or
    // ConcurrentModificationException).
    loader = loader.retry_config(aws_config::retry::RetryConfig::disabled());
    let config = loader.load().await;
    let aws = Aws::new(
        Clients {
            cloudwatch: Arc::new(Sdk(cw::Client::new(&config))),
            logs: Arc::new(Sdk(aws_sdk_cloudwatchlogs::Client::new(&config))),
            sns: Arc::new(Sdk(aws_sdk_sns::Client::new(&config))),
            identity: Arc::new(Sdk(aws_sdk_sts::Client::new(&config))),
            tagging: Arc::new(Sdk(aws_sdk_resourcegroupstagging::Client::new(&config))),
            queues: Arc::new(Sdk(aws_sdk_sqs::Client::new(&config))),
        },
        opts.rates.clone().unwrap_or_default(),
        opts.retry,
    );
    // Not AWS's own endpoints: AWS's documented behaviour is checked.
    let custom = opts.endpoint_url.is_some()
        || std::env::var_os("AWS_ENDPOINT_URL").is_some_and(|v| !v.is_empty());
    if custom {
        aws.checking_create_tags()
    } else {
        aws
    }
}

/// An SDK client wrapped to implement one of obsctl's traits.
#[derive(Debug, Clone)]
pub struct Sdk<C>(pub C);

pub(super) fn err<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    api: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> AwsError {
    use aws_smithy_runtime_api::client::result::SdkError;
    let code = match (&e, e.code()) {
        (_, Some(code)) => code.to_string(),
        (SdkError::TimeoutError(_), None) => "Timeout".to_string(),
        (SdkError::DispatchFailure(_), None) => "DispatchFailure".to_string(),
        (SdkError::ResponseError(_), None) => "ResponseError".to_string(),
        (SdkError::ServiceError(se), None) if se.raw().status().is_server_error() => {
            "HttpServerError".to_string()
        }
        _ => "Unknown".to_string(),
    };
    let message = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| aws_smithy_types::error::display::DisplayErrorContext(&e).to_string());
    AwsError::new(api, code, message)
}

/// Tags as obsctl compares them (sorted), from the SDK's key/value pairs.
pub(super) fn sorted_tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Tag> {
    let mut tags: Vec<Tag> = pairs
        .into_iter()
        .map(|(key, value)| Tag {
            key: key.to_string(),
            value: value.to_string(),
        })
        .collect();
    tags.sort();
    tags
}

pub(super) fn non_empty(v: &[String]) -> Option<Vec<String>> {
    Some(v.to_vec())
}
