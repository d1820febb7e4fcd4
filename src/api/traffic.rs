//! Traffic evidence: a source's or a program's traffic over a period, and one click by its id.

use gloo_net::http::Request;

use model::traffic::Period;

use super::{build, encode, json, ApiResult};

/// `days=7` or `hours=24`.
fn period_query(period: Period) -> String {
    let (name, n) = period.param();
    format!("{name}={n}")
}

/// A source's traffic over `period`: the owning partner and staff.
pub async fn source_traffic(id: i64, period: Period) -> ApiResult<model::traffic::SourceTraffic> {
    json(build(Request::get(&format!(
        "/api/traffic-sources/{id}/traffic?{}",
        period_query(period)
    ))))
    .await
}

/// Where a source's series over `period` downloads as CSV (a plain link: the browser sends
/// the session cookie and saves the file).
pub fn source_traffic_csv_href(id: i64, period: Period) -> String {
    format!(
        "/api/traffic-sources/{id}/traffic.csv?{}",
        period_query(period)
    )
}

/// Where a program's series over `period` downloads as CSV, a row per source and day (or hour).
pub fn program_traffic_csv_href(id: i64, period: Period) -> String {
    format!("/api/programs/{id}/traffic.csv?{}", period_query(period))
}

/// The traffic of every source in a program over `period`: the owning advertiser and staff.
pub async fn program_traffic(id: i64, period: Period) -> ApiResult<model::traffic::ProgramTraffic> {
    json(build(Request::get(&format!(
        "/api/programs/{id}/traffic?{}",
        period_query(period)
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
