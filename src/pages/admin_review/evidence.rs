//! `/admin/review/:id`: one source's evidence (reasons, who else claims its site, ownership
//! checks, traffic and history) with "Mark reviewed" and "Block".

use leptos::prelude::*;
use leptos_router::components::A;
use model::review::ReviewEvidence;
use model::{Status, TrafficSource};

use crate::{
    api,
    components::{
        audit_history::AuditHistory,
        block_dialog::BlockDialog,
        focus_id, format_datetime,
        load::Load,
        record::{load_record, RecordPending, RecordWords},
        set_title,
        status_badge::StatusBadge,
        toast::use_toasts,
        traffic_panel::TrafficPanel,
    },
    session::use_session,
};

use super::{reason_text, REVIEW_PATH};

const EVIDENCE_WORDS: RecordWords = RecordWords {
    noun: "Traffic source",
    not_found_title: "Traffic source not found",
    not_found_text: "There is no traffic source at this address. It may have been removed.",
    back_href: REVIEW_PATH,
    back_label: "Back to the review queue",
    load_error_title: "Couldn't load this source's evidence",
};

#[component]
pub fn ReviewEvidencePage() -> impl IntoView {
    let evidence = load_record(api::review::review_evidence);
    view! {
        <section class="page">
            <p class="breadcrumb"><A href=REVIEW_PATH>"Review queue"</A></p>
            {move || match evidence.state.get() {
                Load::Loaded(e) => view! { <EvidenceView evidence=e/> }.into_any(),
                state => view! {
                    <RecordPending words=&EVIDENCE_WORDS failure=state.failure() on_retry=evidence.retry()/>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn EvidenceView(evidence: ReviewEvidence) -> impl IntoView {
    let session = use_session();
    let toasts = use_toasts();
    let id = evidence.source.id;
    set_title(&format!("Review {}", evidence.source.name));
    let current = RwSignal::new(evidence);
    let history_reload = RwSignal::new(0u64);
    let note = RwSignal::new(String::new());
    let note_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let block_target = RwSignal::new(None::<TrafficSource>);
    let on_blocked = Callback::new(move |s: TrafficSource| {
        current.update(|e| {
            e.source = s;
            e.reasons.clear();
        });
        history_reload.update(|n| *n += 1);
    });
    let mark = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let text = note.get_untracked();
        let request = model::review::MarkReviewed {
            note: (!text.trim().is_empty()).then_some(text),
        };
        if let Err(e) = request.validate() {
            note_error.set(e.get("note").cloned());
            focus_id("review-note");
            return;
        }
        note_error.set(None);
        problem.set(None);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::review::mark_reviewed(id, request.note).await;
            pending.set(false);
            match result {
                Ok(e) => {
                    toasts.success(format!(
                        "Marked “{}” reviewed. It leaves the queue until a new reason appears.",
                        e.source.name
                    ));
                    current.set(e);
                    note.set(String::new());
                    history_reload.update(|n| *n += 1);
                    focus_id("review-reasons-title");
                }
                Err(e) if e.is_unauthenticated() => session.signed_out(),
                Err(e) if !e.fields().is_empty() => {
                    note_error.set(e.fields().get("note").cloned());
                    focus_id("review-note");
                }
                Err(e) => problem.set(Some(e.message())),
            }
        });
    };

    let reasons = move || {
        let e = current.get();
        if e.reasons.is_empty() {
            let when = e.reviewed_at.as_deref().map(format_datetime);
            view! {
                <p>{match when {
                    Some(w) => format!("No pending reasons: reviewed {w}. It is not in the queue."),
                    None => "No pending reasons. It is not in the queue.".to_string(),
                }}</p>
            }
            .into_any()
        } else {
            let items = e.reasons.iter().map(|r| view! {
                <li>{reason_text(r)} <span class="cell-sub">{format!("since {}", format_datetime(&r.since))}</span></li>
            }).collect_view();
            view! {
                <p>{format!("Risk {}", e.risk)}</p>
                <ul class="reason-list">{items}</ul>
            }
            .into_any()
        }
    };

    let actions = move || {
        let e = current.get();
        let blocked = e.source.status == Status::Blocked;
        let source = e.source.clone();
        view! {
            <div class="review-actions">
                {move || problem.get().map(|p| view! { <p class="alert alert--error" role="alert">{p}</p> })}
                <form class="review-actions__mark" novalidate on:submit=mark>
                    <div class="field" class:field--invalid=move || note_error.with(Option::is_some)>
                        <label class="field__label" for="review-note">"Note (optional, staff only)"</label>
                        <textarea
                            id="review-note"
                            class="field__input field__textarea"
                            rows="2"
                            aria-invalid=move || note_error.with(Option::is_some).to_string()
                            aria-describedby="review-note-error"
                            prop:value=move || note.get()
                            on:input=move |ev| note.set(event_target_value(&ev))
                        ></textarea>
                        <p class="field__error" id="review-note-error">{move || note_error.get()}</p>
                    </div>
                    <button type="submit" class="button button--primary" aria-disabled=move || pending.get().to_string()>
                        {move || if pending.get() { "Saving…" } else { "Mark reviewed" }}
                    </button>
                </form>
                {(!blocked).then(|| view! {
                    <button type="button" id="review-block" class="button button--danger" on:click=move |_| block_target.set(Some(source.clone()))>
                        "Block…"
                    </button>
                })}
                <A href=format!("/admin/traffic-sources/{id}") attr:class="button button--quiet">"Open in the admin table"</A>
            </div>
        }
    };

    let claims = move || {
        let e = current.get();
        let site = e.site.clone();
        match site {
            None => view! { <p>"This source is on a shared platform: its domain says nothing about who owns it, so there are no claims to compare."</p> }.into_any(),
            Some(site) if e.claims.len() <= 1 => view! { <p>{format!("No other source declares {site}.")}</p> }.into_any(),
            Some(site) => {
                let rows = e.claims.iter().map(|c| {
                    let this = c.source_id == id;
                    view! {
                        <tr class:row--current=this>
                            <th scope="row" data-label="Source">{c.source_name.clone()}{this.then_some(" (this one)")}</th>
                            <td data-label="Partner">{c.partner_name.clone()}</td>
                            <td data-label="Web address" class="cell-url">{c.url.clone()}</td>
                            <td data-label="Verified">{if c.verified { "Verified" } else { "Not verified" }}</td>
                            <td data-label="Status"><StatusBadge status=c.status/></td>
                            <td data-label="Added"><time datetime=c.created_at.clone()>{format_datetime(&c.created_at)}</time></td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <caption>{format!("Every source declaring {site}")}</caption>
                            <thead><tr>
                                <th scope="col">"Source"</th><th scope="col">"Partner"</th><th scope="col">"Web address"</th>
                                <th scope="col">"Verified"</th><th scope="col">"Status"</th><th scope="col">"Added"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }
        }
    };

    let attempts = move || {
        let e = current.get();
        if e.attempts.is_empty() {
            return view! { <p>"The partner has not asked for an ownership check yet."</p> }
                .into_any();
        }
        let rows = e.attempts.iter().map(|a| view! {
            <tr>
                <th scope="row" data-label="When"><time datetime=a.at.clone()>{format_datetime(&a.at)}</time></th>
                <td data-label="Kind">{if a.kind == "recheck" { "Periodic re-check" } else { "Verify now" }}</td>
                <td data-label="Proof found">{a.method.map(|m| m.label().to_string()).unwrap_or_else(|| "None".into())}</td>
                <td data-label="Outcome">{a.outcome.clone().unwrap_or_else(|| "Still running".into())}</td>
            </tr>
        }).collect_view();
        view! {
            <div class="table-wrap">
                <table class="table">
                    <caption class="visually-hidden">"Ownership checks, newest first"</caption>
                    <thead><tr>
                        <th scope="col">"When"</th><th scope="col">"Kind"</th><th scope="col">"Proof found"</th><th scope="col">"Outcome"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }.into_any()
    };

    view! {
        <div class="page__head">
            <h1 class="h1-name">{move || current.with(|e| e.source.name.clone())}</h1>
        </div>
        <p>
            {move || current.with(|e| e.source.partner_name.clone())} " · "
            <span class="cell-url">{move || current.with(|e| e.source.url.clone())}</span> " · "
            {move || view! { <StatusBadge status=current.with(|e| e.source.status)/> }}
        </p>
        <section class="detail-section" aria-labelledby="review-reasons-title">
            <h2 id="review-reasons-title" tabindex="-1">"Why it is here"</h2>
            {reasons}
            {actions}
        </section>
        <section class="detail-section" aria-labelledby="review-claims-title">
            <h2 id="review-claims-title">"Claims of the same site"</h2>
            {claims}
        </section>
        <section class="detail-section" aria-labelledby="review-attempts-title">
            <h2 id="review-attempts-title">"Ownership checks"</h2>
            {attempts}
        </section>
        <TrafficPanel source_id=id prominent_mismatch=true/>
        <AuditHistory source_id=id reload=history_reload/>
        <BlockDialog target=block_target on_done=on_blocked/>
    }
}
