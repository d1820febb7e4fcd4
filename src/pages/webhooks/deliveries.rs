//! An endpoint's recent delivery attempts, newest first: when, which event, the attempt's
//! number, what the receiver answered (status or why there was no answer), how long it
//! took, and the start of its answer. After "Send test event" it looks again every half
//! second until that event's attempt is in.

use std::time::Duration;

use leptos::prelude::*;
use model::webhook::{WebhookDelivery, WebhookDeliveryPage};

use crate::{
    api,
    components::{
        format_datetime,
        load::{Load, Loader},
        notice::LoadError,
    },
};

/// Looks for an awaited attempt at most this many times.
const LOOKS: u32 = 20;

#[component]
pub fn Deliveries(id: i64, awaited: RwSignal<Option<String>>) -> impl IntoView {
    let page = Loader::new(move || api::webhook_deliveries(id));
    let looks = StoredValue::new(0_u32);
    Effect::new(move |_| {
        let Some(wanted) = awaited.get() else {
            return;
        };
        let arrived = page.state.with(|s| match s {
            Load::Loaded(p) => p.items.iter().any(|d| d.message_id == wanted),
            _ => false,
        });
        if arrived || looks.get_value() >= LOOKS {
            looks.set_value(0);
            awaited.set(None);
            return;
        }
        if page.state.with(|s| matches!(s, Load::Loaded(_))) {
            looks.update_value(|n| *n += 1);
            set_timeout(move || page.refresh(), Duration::from_millis(500));
        }
    });
    view! {
        <section class="deliveries" aria-labelledby=format!("deliveries-{id}-title")>
            <h4 id=format!("deliveries-{id}-title")>"Recent deliveries"</h4>
            {move || match page.state.get() {
                Load::Loading => view! { <p role="status">"Loading the deliveries…"</p> }.into_any(),
                Load::Failed(error) => view! {
                    <LoadError error title="Couldn't load the deliveries" on_retry=page.retry()/>
                }
                .into_any(),
                Load::Loaded(p) => view! { <DeliveryTable page=p/> }.into_any(),
            }}
            <p class="field__hint" role="status">
                {move || awaited.get().map(|_| "Waiting for the test event's delivery…")}
            </p>
        </section>
    }
}

/// What the receiver answered, in words.
fn result_words(d: &WebhookDelivery) -> String {
    match (d.ok, d.status, &d.error) {
        (true, Some(s), _) => format!("Delivered ({s})"),
        (false, Some(s), _) => format!("Failed: answered {s}"),
        (_, _, Some(e)) => format!("Failed: {e}"),
        _ => "Failed".into(),
    }
}

#[component]
fn DeliveryTable(page: WebhookDeliveryPage) -> impl IntoView {
    if page.items.is_empty() {
        return view! {
            <p class="empty">"No deliveries yet. Send a test event to see one here."</p>
        }
        .into_any();
    }
    let rows = page
        .items
        .into_iter()
        .map(|d| {
            let result = result_words(&d);
            view! {
                <tr class:row--blocked=!d.ok>
                    <td data-label="Time">{format_datetime(&d.attempted_at)}</td>
                    <td data-label="Event"><span>{d.event_type.id()}</span></td>
                    <td data-label="Attempt">{d.attempt}</td>
                    <td data-label="Result"><span>{result}</span></td>
                    <td data-label="Latency">{format!("{} ms", d.latency_ms)}</td>
                    <td data-label="Answer" class="cell-url"><span>{d.response.unwrap_or_default()}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap deliveries__wrap">
            <table class="table">
                <caption class="visually-hidden">"The last 100 delivery attempts, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Time"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Attempt"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Latency"</th>
                        <th scope="col">"Answer"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
