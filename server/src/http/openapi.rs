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

/// Operations anyone may call without signing in.
const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/session"),
    ("get", "/api/session"),
    ("post", "/api/accounts"),
    ("get", "/api/channels"),
    ("get", "/t/{code}"),
];

/// Adds the answers every operation can give whatever its handler does, so that the
/// document lists every status the server sends: 400 (a malformed path, query or body),
/// 401 (not signed in; public operations aside), 403 (a role that may not, or a write
/// from another origin, refused by a layer in front of every handler), 404 (no such record, for paths with an
/// id), 413 (a body over the limit), for writes 408 (a body too slow) and 429 (the
/// address's rate limit), and 503 (the request timeout, a ceiling reached). A status a
/// handler documents itself is kept.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            ("get", item.get.as_mut()),
            ("post", item.post.as_mut()),
            ("put", item.put.as_mut()),
            ("delete", item.delete.as_mut()),
        ];
        for (method, operation) in operations {
            let Some(op) = operation else { continue };
            let write = method != "get";
            let public = PUBLIC.contains(&(method, path.as_str()));
            let mut add = |status: &str, description: &str| {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| error(description));
            };
            add(
                "400",
                "Malformed: a path, query or body that cannot be read",
            );
            if !public {
                add("401", "Not signed in");
                add(
                    "403",
                    "Refused: a role that may not do this, or a write from another site",
                );
            }
            if write {
                add("403", "Refused: a write from another site");
                add("408", "The body arrived too slowly (`--body-timeout-secs`)");
                add("413", "The body is larger than 64 KiB");
                add(
                    "429",
                    "Too many writes from this address: wait for `Retry-After` seconds",
                );
            }
            add(
                "503",
                "Busy, the database away or unable to store (disk full, read-only), or too slow to answer this time: nothing was changed; try again after `Retry-After` seconds",
            );
            if path.contains('{') {
                add("404", "No such record, or not one you may see");
            }
        }
    }
}
