//! STS: who the credentials are.

use super::*;

#[async_trait]
impl IdentityApi for Sdk<aws_sdk_sts::Client> {
    async fn identity(&self) -> AwsResult<Identity> {
        let out = self
            .0
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| err("GetCallerIdentity", e))?;
        Ok(Identity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }
}
