//! A segmented control: a group of radio buttons drawn as one switch with two or more sides.
//!
//! Radios rather than buttons, so the keyboard behaviour is the platform's own (Tab into the
//! group, arrow keys to change) and screen readers announce "1 of 2, selected".

use leptos::prelude::*;
use model::{Role, Status, Visibility};

/// A value a [`Toggle`] can offer.
pub trait ToggleValue: Copy + PartialEq + Send + Sync + 'static {
    fn id(self) -> &'static str;
    fn label(self) -> &'static str;
    /// What choosing it means, in one line.
    fn explanation(self) -> &'static str;
}

impl ToggleValue for Status {
    fn id(self) -> &'static str {
        Status::id(self)
    }
    fn label(self) -> &'static str {
        Status::label(self)
    }
    fn explanation(self) -> &'static str {
        Status::explanation(self)
    }
}

impl ToggleValue for Visibility {
    fn id(self) -> &'static str {
        Visibility::id(self)
    }
    fn label(self) -> &'static str {
        Visibility::label(self)
    }
    fn explanation(self) -> &'static str {
        Visibility::explanation(self)
    }
}

impl ToggleValue for Role {
    fn id(self) -> &'static str {
        Role::id(self)
    }
    fn label(self) -> &'static str {
        Role::label(self)
    }
    fn explanation(self) -> &'static str {
        match self {
            Role::Partner => "Partner: you publish content and add the traffic sources advertisers work with.",
            Role::Advertiser => "Advertiser: you run programs and find partners' traffic sources in the marketplace.",
            Role::Staff => "Staff: you look after the platform.",
        }
    }
}

/// A labelled segmented control with the selected option's one-line explanation under it.
#[component]
pub fn Toggle<T: ToggleValue>(
    /// The group's visible label.
    legend: &'static str,
    /// The radios' `name`; element ids derive from it, so it must be unique on the page.
    name: &'static str,
    /// The choices, in display order.
    options: Vec<T>,
    /// The selected value, two-way.
    value: RwSignal<T>,
) -> impl IntoView {
    let help_id = format!("{name}-help");
    let described_by = help_id.clone();
    let radios = options
        .into_iter()
        .map(|option| {
            let id = format!("{name}-{}", option.id());
            // The (invisible) radio covers its segment, so the click target is the whole
            // segment and never a clipped 1px box.
            view! {
                <div class="toggle__item">
                <input
                    type="radio"
                    class="toggle__input"
                    id=id.clone()
                    name=name
                    value=option.id()
                    prop:checked=move || value.get() == option
                    on:change=move |_| value.set(option)
                />
                <label class="toggle__option" for=id>
                    <span class="toggle__check" aria-hidden="true">"✓"</span>
                    {option.label()}
                </label>
                </div>
            }
        })
        .collect_view();
    view! {
        <fieldset class="toggle" aria-describedby=described_by>
            <legend class="field__label">{legend}</legend>
            <div class="toggle__options">{radios}</div>
            <p class="field__hint toggle__help" id=help_id>{move || value.get().explanation()}</p>
        </fieldset>
    }
}
