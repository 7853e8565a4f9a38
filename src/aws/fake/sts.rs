//! STS: who the credentials are.

use super::*;

#[async_trait]
impl IdentityApi for FakeAws {
    async fn identity(&self) -> AwsResult<Identity> {
        Ok(Identity {
            account: self.account.clone(),
            arn: format!("arn:aws:iam::{}:user/test", self.account),
        })
    }
}
