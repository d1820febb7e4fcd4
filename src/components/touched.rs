//! When a form shows its own checks: for a field the person has left, and for every field once
//! they have tried to save. Nobody is told off for a field they have not reached yet.

use leptos::prelude::*;

/// The fields a form judges out loud. Copy, like the signals it holds.
#[derive(Debug, Clone, Copy)]
pub struct Touched {
    left: RwSignal<Vec<&'static str>>,
    submitted: RwSignal<bool>,
}

impl Default for Touched {
    fn default() -> Self {
        Touched {
            left: RwSignal::new(Vec::new()),
            submitted: RwSignal::new(false),
        }
    }
}

impl Touched {
    /// Whether `field`'s own check is shown (tracked: views follow it).
    pub fn shows(self, field: &'static str) -> bool {
        self.submitted.get() || self.left.with(|l| l.contains(&field))
    }

    /// For a field's `on_blur`: from now on its check is shown.
    pub fn on_leave(self, field: &'static str) -> Callback<()> {
        Callback::new(move |_| {
            // The form may be gone when a blur arrives (e.g. after Save navigated away).
            let _ = self.left.try_update(|l| {
                if !l.contains(&field) {
                    l.push(field)
                }
            });
        })
    }

    /// Save was pressed: every check is shown.
    pub fn submit(self) {
        self.submitted.set(true);
    }

    /// A fresh start (the form was emptied or reloaded): nothing is shown until touched again.
    pub fn reset(self) {
        self.left.set(Vec::new());
        self.submitted.set(false);
    }
}
