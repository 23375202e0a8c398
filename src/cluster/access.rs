//! Permission checks before writing (SelfSubjectAccessReview): a missing permission is found
//! before anything changes, and named, instead of halfway through a run.

use super::live::kube_error;
use crate::error::{Error, Result};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

/// Asks the API server whether the current user may `verb` `resource` (core group) named `name`.
pub async fn check(client: &kube::Client, verb: &str, resource: &str, name: &str) -> Result<()> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                resource: Some(resource.into()),
                name: Some(name.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = match api.create(&PostParams::default(), &review).await {
        Ok(a) => a,
        // An API server without the authorization API cannot be asked; the write itself
        // will then say whether it is allowed.
        Err(kube::Error::Api(s)) if s.code == 404 => {
            tracing::debug!("selfsubjectaccessreviews not served; skipping the permission check");
            return Ok(());
        }
        Err(e) => {
            return Err(kube_error(
                "check permissions (selfsubjectaccessreviews)",
                e,
            ));
        }
    };
    if answer.status.is_some_and(|s| s.allowed) {
        Ok(())
    } else {
        Err(Error::kubernetes(format!(
            "forbidden: this user cannot {verb} {resource} ({name}), which this run needs; nothing was changed (grant the permissions in deploy/rbac.yaml)"
        )))
    }
}
