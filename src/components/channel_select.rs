//! The channel multi-select: every channel as a checkbox with its description as help, and the
//! current choice repeated as removable chips so it is visible at a glance.
//!
//! A fieldset of checkboxes rather than a custom listbox: it is operable by keyboard and by
//! screen readers without any scripting of ours, and all 14 descriptions stay readable.

use leptos::prelude::*;
use model::Channel;

use super::field::FieldError;

/// Adds or removes `channel`, keeping the product's order so chips do not jump around.
pub fn toggle_channel(selected: &mut Vec<Channel>, channel: Channel, on: bool) {
    selected.retain(|c| *c != channel);
    if on {
        selected.push(channel);
        selected.sort_by_key(|c| Channel::ALL.iter().position(|x| x == c));
    }
}

/// Pick one or more channels.
#[component]
pub fn ChannelSelect(
    /// The chosen channels, two-way, in the product's order.
    selected: RwSignal<Vec<Channel>>,
    /// The group's error, if any (shown under the list and announced with the group).
    #[prop(into)]
    error: Signal<Option<String>>,
    /// Called when focus leaves the group: callers mark it touched.
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
    /// Prefix of element ids, unique on the page.
    #[prop(default = "channels")]
    id: &'static str,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let summary_id = format!("{id}-summary");
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            if error.with(Option::is_some) {
                format!("{hint_id} {error_id}")
            } else {
                hint_id.clone()
            }
        }
    };
    let on_focusout = move |ev: web_sys::FocusEvent| {
        use wasm_bindgen::JsCast;
        // Only when focus leaves the whole group, not when it moves between checkboxes.
        let group = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let next = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        let inside = matches!((&group, &next), (Some(g), Some(n)) if g.contains(Some(n)));
        if !inside {
            if let Some(cb) = on_blur {
                cb.run(())
            }
        }
    };

    let chips = move || {
        let chosen = selected.get();
        if chosen.is_empty() {
            view! { <p class="chips__empty">"No channel chosen yet."</p> }.into_any()
        } else {
            let count = chosen.len();
            let items = chosen
                .into_iter()
                .map(|channel| {
                    view! {
                        <li>
                            <button
                                type="button"
                                class="chip"
                                on:click=move |_| selected.update(|s| toggle_channel(s, channel, false))
                            >
                                <span class="visually-hidden">"Remove "</span>
                                {channel.label()}
                                <span class="chip__x" aria-hidden="true">"×"</span>
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p class="chips__count">{format!("{count} chosen:")}</p>
                <ul class="chips__list">{items}</ul>
            }
            .into_any()
        }
    };

    let options = Channel::ALL
        .into_iter()
        .map(|channel| {
            let input_id = format!("{id}-{}", channel.id());
            let desc_id = format!("{input_id}-desc");
            view! {
                <li class="channel-option">
                    <input
                        type="checkbox"
                        class="channel-option__input"
                        id=input_id.clone()
                        name=id
                        value=channel.id()
                        aria-describedby=desc_id.clone()
                        prop:checked=move || selected.with(|s| s.contains(&channel))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            selected.update(|s| toggle_channel(s, channel, on));
                        }
                    />
                    // The description sits inside the label so that it is part of the click
                    // target, but hidden from the name: it is the checkbox's description
                    // (aria-describedby still reads hidden text it points to).
                    <label class="channel-option__label" for=input_id>
                        <span class="channel-option__name">{channel.label()}</span>
                        <span class="channel-option__desc" id=desc_id aria-hidden="true">
                            {channel.description()}
                        </span>
                    </label>
                </li>
            }
        })
        .collect_view();

    view! {
        <fieldset
            class="channel-select"
            class:field--invalid=move || error.with(Option::is_some)
            id=id
            aria-describedby=described_by
            on:focusout=on_focusout
        >
            <legend class="field__label">"Channels"</legend>
            <p class="field__hint" id=hint_id>"Choose every kind of traffic this source sends."</p>
            <div class="chips" id=summary_id>{chips}</div>
            <ul class="channel-select__list">{options}</ul>
            <FieldError id=error_id error/>
        </fieldset>
    }
}
