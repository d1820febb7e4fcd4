//! The fixed channel list.

use model::{Channel, ChannelInfo};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::json::ApiJson;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_channels))
}

/// Every channel a source can declare, with its label and one line of help.
#[utoipa::path(get, path = "/api/channels", tag = "traffic sources", responses((status = 200, body = Vec<ChannelInfo>)))]
async fn list_channels() -> ApiJson<Vec<ChannelInfo>> {
    ApiJson(Channel::ALL.into_iter().map(Channel::info).collect())
}
