//! Declared against observed (issue 30): the channels a source's valid clicks came through,
//! beside the ones it declares, with the signal behind each; for the partner, a one-press
//! "Add <channel> to this source's channels" (an ordinary, audited edit of the source).
//! Also the valid and invalid clicks of the period in words: the chart's text equivalent.

use leptos::prelude::*;
use model::source::SourceUpdate;
use model::traffic::{InvalidReason, SourceTraffic, MIN_CLICKS_TO_JUDGE};
use model::{Channel, Role};

use crate::api;
use crate::components::traffic_chart::thousands;

fn channel_label(id: &str) -> String {
    match Channel::from_id(id) {
        Some(c) => c.label().to_string(),
        None => "Unknown".into(),
    }
}

/// The signal in words, for the table.
fn signal_label(signal: Option<&str>) -> &'static str {
    match signal {
        Some("gclid" | "gbraid" | "wbraid") => "Google Ads click id",
        Some("msclkid") => "Microsoft Ads click id",
        Some("fbclid") => "Meta click id",
        Some("ttclid") => "TikTok click id",
        Some("twclid") => "X click id",
        Some("li_fat_id") => "LinkedIn click id",
        Some("dclid") => "Google Display click id",
        Some("utm_medium") => "utm_medium on the link",
        Some("referrer_search") => "From a search engine",
        Some("referrer_social") => "From a social network",
        Some("referrer_email") => "From a webmail",
        Some("referrer_paid") => "From an ad network",
        Some("own_site") => "From the source's own site",
        _ => "No signal",
    }
}

/// Valid clicks and each reason a click was left out, over the period.
pub fn validity(t: &SourceTraffic) -> AnyView {
    let valid: i64 = t.series.iter().map(|d| d.valid).sum();
    let reasons: Vec<(InvalidReason, i64)> = InvalidReason::ALL
        .into_iter()
        .map(|r| (r, t.series.iter().map(|d| d.invalid.get(r)).sum()))
        .collect();
    let invalid: i64 = reasons.iter().map(|(_, n)| n).sum();
    let rows = reasons
        .into_iter()
        .map(|(r, n)| view! { <div><dt>{r.label()}</dt><dd>{thousands(n)}</dd></div> })
        .collect_view();
    view! {
        <h3>"Valid and invalid clicks"</h3>
        <p>
            {format!(
                "{} valid clicks count in every figure; {} more were left out.",
                thousands(valid),
                thousands(invalid)
            )}
        </p>
        <dl class="summary-list traffic__validity">{rows}</dl>
    }
    .into_any()
}

/// The observed mix beside the declared channels.
#[component]
pub fn ObservedChannels(
    traffic: SourceTraffic,
    /// Called after the partner added a channel: the figures are read again.
    on_added: Callback<()>,
) -> impl IntoView {
    let is_partner = untrack(|| crate::session::use_session().role()) == Some(Role::Partner);
    let source_id = traffic.traffic_source_id;
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    // The confirmation goes to the app's toasts: this panel is drawn again when the figures are
    // read again just after, which would take a message of its own away before it is seen.
    let toasts = use_context::<crate::components::toast::Toasts>();
    let total: i64 = traffic.observed_channels.iter().map(|c| c.clicks).sum();
    if total == 0 {
        return view! {}.into_any();
    }
    let share_sentence = match traffic.declared_share {
        Some(s) => format!("{s}% of valid clicks came through a channel this source declares."),
        None => format!(
            "Too little traffic to judge the channels (fewer than {MIN_CLICKS_TO_JUDGE} valid clicks)."
        ),
    };
    let add = move |channel: Channel| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                let detail = api::get_source(source_id).await?;
                let s = detail.source;
                let mut channels: Vec<String> =
                    s.channels.iter().map(|c| c.id().to_string()).collect();
                channels.push(channel.id().to_string());
                let body = SourceUpdate {
                    name: s.name,
                    url: s.url,
                    channels,
                    status: s.status.id().to_string(),
                    visibility: s.visibility.id().to_string(),
                    version: Some(s.version),
                };
                api::update_source(source_id, &body).await
            }
            .await;
            let _ = busy.try_set(false);
            match result {
                Ok(_) => {
                    let done = format!("{} added to this source's channels.", channel.label());
                    match toasts {
                        Some(toasts) => toasts.success(done),
                        None => {
                            let _ = message.try_set(Some(done));
                        }
                    }
                    on_added.run(());
                }
                Err(e) => {
                    let _ = message.try_set(Some(e.message()));
                }
            }
        });
    };
    let rows = traffic
        .observed_channels
        .iter()
        .map(|c| {
            let declared = Channel::from_id(&c.channel);
            let undeclared = declared.filter(|d| !is_declared(&traffic, *d));
            let whose = match declared {
                Some(d) if is_declared(&traffic, d) => "Declared",
                Some(_) => "Not declared",
                None => "—",
            };
            let action = (is_partner && undeclared.is_some()).then(|| {
                let channel = undeclared.unwrap_or(Channel::Content);
                view! {
                    <button type="button" class="button button--secondary" disabled=move || busy.get()
                        on:click=move |_| add(channel)>
                        {format!("Add {} to this source's channels", channel.label())}
                    </button>
                }
            });
            view! {
                <tr>
                    <th scope="row" data-label="Channel">{channel_label(&c.channel)}</th>
                    <td data-label="Valid clicks" class="cell-number">{format!("{} ({}%)", thousands(c.clicks), c.share)}</td>
                    <td data-label="Signal">{signal_label(c.signal.as_deref())}</td>
                    <td data-label="Declared">{whose}{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>"Channels observed"</h3>
        <p>{share_sentence}</p>
        <div class="table-wrap">
            <table class="table traffic__observed">
                <caption class="visually-hidden">"Valid clicks by the channel they came through, most first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Channel"</th>
                        <th scope="col">"Valid clicks"</th>
                        <th scope="col">"Told by"</th>
                        <th scope="col">"Declared"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p role="status">{move || message.get()}</p>
    }
    .into_any()
}

/// Among the channels the source declares now.
fn is_declared(t: &SourceTraffic, c: Channel) -> bool {
    t.declared_channels.contains(&c)
}
