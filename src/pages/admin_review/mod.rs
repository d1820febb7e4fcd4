//! Staff's review queue: `/admin/review`, the sources that need a look, riskiest first, with
//! their reasons in words, a reason filter, pages and bulk actions; and `/admin/review/:id`,
//! one source's evidence (reasons, who else claims its site, ownership checks, traffic and
//! history) with "Mark reviewed" and "Block".

mod evidence;
mod queue;

use model::review::ReviewReasonEntry;

pub use evidence::ReviewEvidencePage;
pub use queue::ReviewQueue;

pub const REVIEW_PATH: &str = "/admin/review";

/// A reason with its figures, e.g. "Clicks come from other sites: 62% of 340 …".
fn reason_text(r: &ReviewReasonEntry) -> String {
    match &r.detail {
        Some(d) => format!("{}: {d}", r.label),
        None => r.label.clone(),
    }
}
