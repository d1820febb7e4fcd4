//! The OpenAPI document's frame; paths and schemas come from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Traffic Sources API", description = "Partners declare where their traffic comes from; advertisers find public sources; staff police them."),
    components(schemas(model::ApiErrorBody, model::ApiError, model::Channel, model::Status, model::Visibility, model::Role,
        model::verification::VerificationState, model::verification::VerificationMethod, model::verification::Verification)),
    tags((name = "session", description = "Accounts and sign-in"), (name = "traffic sources", description = "Partners' traffic sources"))
)]
struct ApiDoc;

pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
