//! Component tests in headless Chromium for traffic evidence, one module per part:
//! - `chart`: the daily chart (totals in its caption with bots left out, the data table behind
//!   its toggle, the empty state, a drawing that tells invalid from valid without colour, the data table with each invalid reason and the gross);
//! - `panel`: the source traffic panel (the staff view's mismatch lead, the referrer table's
//!   words, the period chosen, the last 24 hours, loading failure and Try again);
//! - `live`: what moves as clicks arrive (the open panel drawn in place, staff's on a stream
//!   for that source, the partner's sources table taking new figures, and not those of a
//!   page left);
//! - `lookup`: the click lookup (field errors: empty, unknown ID; the click found).
//!
//! Answers come from a fake `fetch` installed on the window (`../dom`, shared with the other
//! component test crates; `support` adds a signed-in session).
//!
//! Run: `scripts/test-wasm.sh --test traffic_components`.
#![cfg(target_arch = "wasm32")]

mod chart;
#[path = "../dom/mod.rs"]
mod dom;
mod live;
mod lookup;
mod panel;
mod stream_state;
mod support;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
