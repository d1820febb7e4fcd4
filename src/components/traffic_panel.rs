//! A source's traffic evidence for its partner and for staff: the daily chart, where clicks
//! came from in words (match rate, referrer mix) and the sites that sent them.
//!
//! Every share is a share of human clicks and follows the model's rule: below
//! `MIN_CLICKS_TO_JUDGE` clicks no percentage is given, only counts.

use leptos::prelude::*;
use model::traffic::{match_rate, match_rate_sentence, ReferrerMix, SourceTraffic};

use crate::{
    api,
    components::{
        load::{Load, Loader},
        traffic_chart::{clicks, thousands, TrafficChart},
        traffic_period::{traffic_body, use_period, TrafficHead},
    },
};

/// `"920 clicks (92%)"`, or only the count while there is too little traffic to judge.
fn count_and_share(n: i64, total: i64) -> String {
    let count = clicks(n);
    match match_rate(n, total) {
        Some(p) => format!("{count} ({p}%)"),
        None => count,
    }
}

/// A list's "Match rate" cell: `"92%"`, or `"Too little traffic"` to judge.
pub fn match_rate_cell(rate: Option<u8>) -> String {
    match rate {
        Some(r) => format!("{r}%"),
        None => "Too little traffic".into(),
    }
}

/// The staff view's lead: "38% of clicks came from other sites", or why there is no figure.
pub fn mismatch_sentence(mix: &ReferrerMix) -> String {
    let total = mix.total();
    match match_rate(mix.mismatched, total) {
        Some(p) => format!("{p}% of clicks came from other sites"),
        None => match_rate_sentence(None, None),
    }
}

/// The traffic of one source over the last 30 days (or the period chosen), loaded by itself:
/// a slow or failed answer never holds up the rest of the page.
#[component]
pub fn TrafficPanel(
    /// The source whose traffic to show.
    source_id: i64,
    /// Staff view: lead with how many clicks came from other sites, as a highlighted notice.
    #[prop(optional)]
    prominent_mismatch: bool,
) -> impl IntoView {
    let (period, choose) = use_period();
    let traffic = Loader::new(move || api::source_traffic(source_id, period.get()));
    // Staff's own stream carries no clicks: the page follows this source's.
    let follower = (untrack(|| crate::session::use_session().role()) == Some(model::Role::Staff))
        .then(|| {
            let follower = crate::live::traffic_follower();
            follower.follow(vec![source_id]);
            follower
        });
    crate::live::refresh_on_traffic(move |id| id == source_id, move || traffic.refresh());
    view! {
        <section class="detail-section traffic" aria-labelledby="traffic-title">
            <TrafficHead
                title_id="traffic-title"
                title=|p| format!("Traffic in the last {}", p.length())
                select_id="traffic-period"
                updating=traffic.updating
                period
                choose
                csv=Signal::derive(move || api::source_traffic_csv_href(source_id, period.get()))
            />
            {follower.map(|f| f.notice())}
            {traffic_body(traffic, move || view! { <TrafficView traffic prominent_mismatch/> }.into_any())}
        </section>
    }
}

#[component]
fn TrafficView(
    /// Loaded: its answers are drawn in place.
    traffic: Loader<SourceTraffic>,
    prominent_mismatch: bool,
) -> impl IntoView {
    let id = traffic
        .state
        .with_untracked(|s| match s {
            Load::Loaded(t) => Some(t.traffic_source_id),
            _ => None,
        })
        .unwrap_or_default();
    let series = Signal::derive(move || {
        traffic
            .with_loaded(|t| t.series.clone())
            .unwrap_or_default()
    });
    view! {
        {move || traffic.with_loaded(|t| lead(t, prominent_mismatch)).flatten()}
        <p class="traffic__rate">
            {move || traffic.with_loaded(|t| match_rate_sentence(t.match_rate, t.declared_site.as_deref()))}
        </p>
        <TrafficChart series id=format!("traffic-{id}")/>
        {move || traffic.with_loaded(crate::components::observed_channels::validity)}
        {move || traffic.with_loaded(|t| view! {
            <crate::components::observed_channels::ObservedChannels
                traffic=t.clone()
                on_added=Callback::new(move |()| traffic.refresh())/>
        })}
        {move || traffic.with_loaded(evidence).flatten()}
    }
}

/// Staff view's lead: how many clicks came from other sites, as a highlighted notice.
fn lead(t: &SourceTraffic, prominent_mismatch: bool) -> Option<AnyView> {
    let mix = &t.referrers;
    let total = mix.total();
    prominent_mismatch.then(|| {
        let other = t.top_referrers.iter().find(|r| !r.matches).map(|r| {
            format!(
                " The most frequent other site: {}, {}.",
                r.host,
                count_and_share(r.clicks, total)
            )
        });
        let judged = match_rate(mix.mismatched, total).is_some();
        let detail = judged.then(|| {
            format!(
                "{} of {} came from other sites, bots aside.{}",
                thousands(mix.mismatched),
                clicks(total),
                other.unwrap_or_default()
            )
        });
        let concern = judged && mix.mismatched > 0;
        let class = if concern {
            "alert alert--warning traffic__lead"
        } else {
            "alert alert--info traffic__lead"
        };
        view! {
            <div class=class>
                <p class="traffic__lead-figure"><strong>{mismatch_sentence(mix)}</strong></p>
                {detail.map(|d| view! { <p>{d}</p> })}
            </div>
        }
        .into_any()
    })
}

/// Where the clicks came from: the referrer mix and the top referring sites; nothing while
/// there are no clicks at all.
fn evidence(t: &SourceTraffic) -> Option<AnyView> {
    let mix = &t.referrers;
    let total = mix.total();
    let quiet = total == 0 && t.series.iter().all(|d| d.bots == 0);
    (!quiet).then(|| {
        let declared = match &t.declared_site {
            Some(s) => format!("From {s} (the declared site)"),
            None => "From the declared site".into(),
        };
        let rows = t
            .top_referrers
            .iter()
            .map(|r| {
                view! {
                    <tr>
                        <th scope="row" data-label="Referring site"><span class="cell-url">{r.host.clone()}</span></th>
                        <td data-label="Clicks" class="cell-number">{thousands(r.clicks)}</td>
                        <td data-label="Whose site">
                            {if r.matches { "Declared site" } else { "Other site" }}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        let referrers = if t.top_referrers.is_empty() {
            view! { <p>"No referring site was recorded in this period."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table traffic__referrers">
                        <caption class="visually-hidden">"Sites that sent the most clicks, most first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Referring site"</th>
                                <th scope="col">"Clicks"</th>
                                <th scope="col">"Whose site"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        };
        view! {
            <h3>"Where clicks came from"</h3>
            <dl class="summary-list referrer-mix">
                <div><dt>{declared}</dt><dd>{count_and_share(mix.matched, total)}</dd></div>
                <div><dt>"From other sites"</dt><dd>{count_and_share(mix.mismatched, total)}</dd></div>
                <div>
                    <dt>"With no referrer"</dt>
                    <dd>
                        {count_and_share(mix.none, total)}
                        <span class="cell-sub">"Not a warning sign by itself: browsers and apps often leave the referrer out."</span>
                    </dd>
                </div>
            </dl>
            <h3>"Top referring sites"</h3>
            {referrers}
        }
        .into_any()
    })
}
