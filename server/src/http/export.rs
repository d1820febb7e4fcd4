//! CSV export of a source list with its filters: staff get every source, a partner their
//! own. Rows are streamed from the database through a small channel into the response, so
//! memory stays flat however many rows there are, and the browser's download bar shows the
//! file arriving. Written with the `csv` crate; cells a spreadsheet would run as a formula
//! are defused.

use std::borrow::Cow;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use model::{ApiErrorBody, Role, TrafficSource};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::PartnerOrStaff;
use super::error::{AppError, AppResult};
use super::list_params::{ListParams, Query};
use crate::db::sources;
use crate::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export_sources))
}

/// A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
/// Excel, LibreOffice and Google Sheets ("CSV injection"): a leading `'` makes it text.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The headers of a CSV file the browser saves as `filename`; never cached, since it holds
/// one person's figures.
pub fn download_headers(filename: &str) -> [(header::HeaderName, String); 3] {
    [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
        (header::CACHE_CONTROL, "no-store".to_string()),
    ]
}

const PARTNER_COLUMNS: &[&str] = &[
    "id",
    "name",
    "url",
    "channels",
    "status",
    "visibility",
    "verification",
    "programs",
    "block_reason",
    "created_at",
    "updated_at",
];
const STAFF_COLUMNS: &[&str] = &["partner_id", "partner_name", "block_note"];

fn record(s: &TrafficSource, staff: bool) -> Vec<String> {
    let channels: Vec<&str> = s.channels.iter().map(|c| c.id()).collect();
    let mut cells = vec![
        s.id.to_string(),
        s.name.clone(),
        s.url.clone(),
        channels.join(";"),
        s.status.id().to_string(),
        s.visibility.id().to_string(),
        s.verification_state.id().to_string(),
        s.program_count.to_string(),
        s.block_reason.clone().unwrap_or_default(),
        s.created_at.clone(),
        s.updated_at.clone(),
    ];
    if staff {
        cells.push(s.partner_id.to_string());
        cells.push(s.partner_name.clone());
        cells.push(s.block_note.clone().unwrap_or_default());
    }
    cells
}

/// Bytes gathered before a chunk goes out.
const CHUNK_BYTES: usize = 32 * 1024;

fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(Vec::with_capacity(CHUNK_BYTES + 4096))
}

/// Writes the rows as CSV into chunks until `rows` ends, then reports how the read ended:
/// an error breaks the download rather than ending it short but looking whole.
async fn write_csv(
    mut rows: tokio::sync::mpsc::Receiver<TrafficSource>,
    read: tokio::task::JoinHandle<Result<(), sqlx::Error>>,
    chunks: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    staff: bool,
    slot: crate::guard::exports::ExportSlot,
) {
    let mut out = writer();
    let mut header: Vec<&str> = PARTNER_COLUMNS.to_vec();
    if staff {
        header.extend_from_slice(STAFF_COLUMNS);
    }
    let mut failed = out.write_record(&header).err().map(std::io::Error::other);
    while let Some(source) = rows.recv().await {
        let cells = record(&source, staff);
        if let Err(e) = out.write_record(cells.iter().map(|c| defuse(c).into_owned())) {
            failed = Some(std::io::Error::other(e));
            break;
        }
        if out.get_ref().len() >= CHUNK_BYTES {
            // A fresh writer per chunk: `into_inner` hands over the bytes.
            let full = std::mem::replace(&mut out, writer());
            let chunk = full.into_inner().unwrap_or_default();
            if chunks.send(Ok(Bytes::from(chunk))).await.is_err() {
                // The client went away; dropping `rows` stops the query.
                return;
            }
        }
    }
    drop(rows);
    let read = match read.await {
        Ok(result) => result.map_err(std::io::Error::other),
        Err(e) => Err(std::io::Error::other(e)),
    };
    // Given back before the download can end: a client may ask for its next export as soon
    // as it has read this one's last byte, which a slot still held would refuse (429).
    drop(slot);
    match failed.map_or(read, Err) {
        Ok(()) => {
            let rest = out.into_inner().unwrap_or_default();
            let _ = chunks.send(Ok(Bytes::from(rest))).await;
        }
        Err(e) => {
            tracing::warn!(error = %e, "exporting sources failed");
            let _ = chunks.send(Err(e)).await;
        }
    }
}

/// Download the list as CSV (UTF-8, a header row), with the same filters and sort as
/// `GET /api/traffic-sources` (`limit` and `cursor` do not apply: every matching row is
/// sent). Staff get every partner's sources with the partner and the internal note; a
/// partner gets their own. One export at a time per account (429 while one runs).
#[utoipa::path(get, path = "/api/traffic-sources/export.csv", tag = "traffic sources", params(ListParams),
    responses((status = 200, content_type = "text/csv", body = String, description = "The rows as CSV, streamed"),
              (status = 400, body = ApiErrorBody), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
              (status = 429, body = ApiErrorBody, description = "An export of this account is still running, or too many are on this instance")))]
async fn export_sources(
    State(state): State<AppState>,
    PartnerOrStaff(viewer): PartnerOrStaff,
    Query(mut params): Query<ListParams>,
) -> AppResult<Response> {
    params.limit = None;
    params.cursor = None;
    let mut list = params
        .parse(super::sources::DEFAULT_SORT)?
        .observed(&state.config);
    let staff = viewer.role == Role::Staff;
    if !staff {
        if list.filter.partner_id.is_some_and(|p| p != viewer.id) {
            return Err(AppError::Forbidden(
                "Only staff can export other partners' sources.",
            ));
        }
        list.filter.partner_id = Some(viewer.id);
    }
    // One export at a time per account, a few per instance; held until the download
    // ends or its client goes away.
    let slot = state.guard.exports.take(viewer.id)?;
    // The database's rows come through `rows`; the CSV goes out through `chunks`. Both
    // channels are bounded, so a slow client slows the query instead of filling memory.
    let (rows_tx, rows) = tokio::sync::mpsc::channel::<TrafficSource>(256);
    let (chunks_tx, chunks) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let db = state.db.clone();
    let read =
        tokio::spawn(async move { sources::send_all(&db, &list.filter, list.sort, rows_tx).await });
    tokio::spawn(write_csv(rows, read, chunks_tx, staff, slot));
    let date = crate::time::rfc3339(crate::time::now_ms());
    let filename = format!("traffic-sources-{}.csv", date.get(..10).unwrap_or("export"));
    Ok((
        download_headers(&filename),
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(chunks)),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn formula_cells_are_defused_and_others_kept() {
        for cell in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defuse(cell), format!("'{cell}"));
        }
        for cell in ["plain", "a=b", "", "1-2", "Café ☕"] {
            assert_eq!(defuse(cell), cell);
        }
    }
}
