//! Status and visibility shown in words, with colour and an icon only as extras.

use leptos::prelude::*;
use model::{Status, Visibility};

/// A coloured badge whose text is the status itself, so it never relies on colour alone.
#[component]
pub fn StatusBadge(
    /// The status to show.
    status: Status,
) -> impl IntoView {
    let (class, icon) = match status {
        Status::Active => ("badge badge--active", "●"),
        Status::Paused => ("badge badge--paused", "❚❚"),
        Status::Blocked => ("badge badge--blocked", "⊘"),
    };
    view! {
        <span class=class>
            <span class="badge__icon" aria-hidden="true">{icon}</span>
            {status.label()}
        </span>
    }
}

/// Public or Private, as text with a small icon.
#[component]
pub fn VisibilityLabel(
    /// The visibility to show.
    visibility: Visibility,
) -> impl IntoView {
    let (class, icon) = match visibility {
        Visibility::Public => ("visibility visibility--public", "◉"),
        Visibility::Private => ("visibility visibility--private", "◎"),
    };
    view! {
        <span class=class>
            <span class="visibility__icon" aria-hidden="true">{icon}</span>
            {visibility.label()}
        </span>
    }
}
