//! Traffic evidence: a source's or a program's traffic over a period, and one click by its id.

use gloo_net::http::Request;

use super::{build, encode, json, ApiResult};

/// A source's traffic over `days` days (1–90): the owning partner and staff.
pub async fn source_traffic(id: i64, days: u32) -> ApiResult<model::traffic::SourceTraffic> {
    json(build(Request::get(&format!(
        "/api/traffic-sources/{id}/traffic?days={days}"
    ))))
    .await
}

/// The traffic of every source in a program over `days` days: the owning advertiser and staff.
pub async fn program_traffic(id: i64, days: u32) -> ApiResult<model::traffic::ProgramTraffic> {
    json(build(Request::get(&format!(
        "/api/programs/{id}/traffic?days={days}"
    ))))
    .await
}

/// One click by the `click_id` its landing page received. 404 when it is unknown or in
/// another advertiser's program; 403 for partners.
pub async fn get_click(click_id: &str) -> ApiResult<model::traffic::Click> {
    json(build(Request::get(&format!(
        "/api/clicks/{}",
        encode(click_id)
    ))))
    .await
}
