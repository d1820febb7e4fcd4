//! What the bulk bar says: the actions' verbs, its idle count and a finished run's summary.

use model::review::{BulkAction, BulkItemOutcome, BulkOutcome};

/// An action's button word: "Block".
pub fn verb(action: BulkAction) -> &'static str {
    match action {
        BulkAction::Block => "Block",
        BulkAction::Unblock => "Unblock",
        BulkAction::MarkReviewed => "Mark reviewed",
    }
}

fn past(action: BulkAction) -> &'static str {
    match action {
        BulkAction::Block => "Blocked",
        BulkAction::Unblock => "Unblocked",
        BulkAction::MarkReviewed => "Marked reviewed",
    }
}

/// The bar's count when no run is under way and "all matching" is not chosen.
pub fn idle_count(selected: usize) -> String {
    match selected {
        0 => "Select rows to act on several sources at once.".to_string(),
        n => format!("{n} selected."),
    }
}

/// The summary of a finished run, in words.
pub fn summary(action: BulkAction, outcome: &BulkOutcome) -> String {
    let plural = |n: i64| if n == 1 { "source" } else { "sources" };
    let mut text = format!(
        "{} {} {}.",
        past(action),
        outcome.done,
        plural(outcome.done)
    );
    for kind in [
        BulkItemOutcome::AlreadyBlocked,
        BulkItemOutcome::NotBlocked,
        BulkItemOutcome::NotFound,
    ] {
        let n = outcome.results.iter().filter(|r| r.outcome == kind).count();
        if n > 0 {
            text.push_str(&format!(" {}: {n}.", kind.label()));
        }
    }
    text
}
