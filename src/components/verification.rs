//! Ownership verification on the partner's source page: the state, the three ways to prove
//! control of the site (each with the exact text to copy), and "Verify now" with its outcome.

use leptos::prelude::*;
use model::verification::{
    self, Verification, VerificationMethod, VerificationState, VerifyOutcome, WELL_KNOWN_PATH,
};

use crate::api;
use crate::components::{copy_button::CopyField, format_datetime};

/// The state in words, with an icon only as an extra.
#[component]
pub fn VerificationBadge(state: VerificationState) -> impl IntoView {
    let (class, icon) = match state {
        VerificationState::Verified => ("badge badge--verified", "✓"),
        VerificationState::Unverified => ("badge badge--unverified", "○"),
        VerificationState::NotVerifiable => ("badge badge--unverifiable", "–"),
    };
    view! {
        <span class=class>
            <span class="badge__icon" aria-hidden="true">{icon}</span>
            {state.label()}
        </span>
    }
}

/// One way to prove control: what to do, in a site owner's words, and what to copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofStep {
    pub method: VerificationMethod,
    pub title: &'static str,
    pub instructions: String,
    /// The exact text to publish.
    pub copy: String,
    /// Names the copy field, e.g. "DNS TXT record".
    pub what: &'static str,
}

/// The three proofs for this token and site address.
pub fn proof_steps(token: &str, url: &str) -> [ProofStep; 3] {
    let host = verification::host_of(url).unwrap_or_else(|| "your site".into());
    let origin = url
        .split_once("://")
        .map(|(scheme, rest)| {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            format!("{scheme}://{}", &rest[..end])
        })
        .unwrap_or_default();
    [
        ProofStep {
            method: VerificationMethod::DnsTxt,
            title: "Add a DNS record",
            instructions: format!(
                "Where you manage your domain's DNS (often your registrar or host), add a TXT record on {host} or on its main domain, with this value. It can take a while to appear."
            ),
            copy: verification::txt_record(token),
            what: "DNS TXT record",
        },
        ProofStep {
            method: VerificationMethod::MetaTag,
            title: "Add a tag to your page",
            instructions: format!(
                "Paste this tag inside the <head> of the page at {url}. Many site builders have a \"header code\" setting for this."
            ),
            copy: verification::meta_tag(token),
            what: "meta tag",
        },
        ProofStep {
            method: VerificationMethod::WellKnownFile,
            title: "Upload a file",
            instructions: format!(
                "Create a text file holding only this code and upload it so that it opens at {origin}{WELL_KNOWN_PATH}."
            ),
            copy: token.to_string(),
            what: "verification code for the file",
        },
    ]
}

/// The sentence for a check's outcome, and one line per proof tried.
pub fn outcome_lines(outcome: &VerifyOutcome) -> (String, Vec<String>) {
    let lines = outcome
        .proofs
        .iter()
        .map(|p| {
            let mark = if p.found { "Found" } else { "Not found" };
            format!("{} — {mark}: {}", p.method.label(), p.detail)
        })
        .collect();
    let headline = match outcome.method {
        Some(m) => format!("Verified: we found your {}.", m.label()),
        None => "Not verified yet: none of the three proofs was found.".to_string(),
    };
    (headline, lines)
}

/// The "Ownership" section of a source page.
#[component]
pub fn VerificationPanel(
    source_id: i64,
    /// The source's declared address (where the tag must be).
    #[prop(into)]
    url: String,
    verification: Verification,
) -> impl IntoView {
    let current = RwSignal::new(verification);
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<VerifyOutcome, String>>);
    let url = StoredValue::new(url);

    let on_verify = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = api::verify_source(source_id).await;
            let _ = busy.try_set(false);
            match result {
                Ok(o) => {
                    let _ = current.try_set(o.verification.clone());
                    let _ = outcome.try_set(Some(Ok(o)));
                }
                Err(e) => {
                    let _ = outcome.try_set(Some(Err(e.message())));
                }
            }
        });
    };

    let summary = move || {
        let v = current.get();
        let text = match v.state {
            VerificationState::Verified => format!(
                "You proved you control this site with the {}{}. We check again every week: keep the proof in place, or the mark goes.",
                v.method.map(|m| m.label()).unwrap_or("proof"),
                v.verified_at
                    .as_deref()
                    .map(|t| format!(" on {}", format_datetime(t)))
                    .unwrap_or_default()
            ),
            VerificationState::Unverified => "Prove that this website is yours, and advertisers see a Verified badge on it in the marketplace. Any one of these three ways is enough:".to_string(),
            VerificationState::NotVerifiable => v
                .not_verifiable_reason
                .clone()
                .unwrap_or_else(|| "This source can't be verified by site.".into()),
        };
        view! { <p>{text}</p> }
    };

    let steps = move || {
        let v = current.get();
        (v.state == VerificationState::Unverified).then(|| {
            let items = proof_steps(&v.token, &url.get_value())
                .into_iter()
                .map(|step| {
                    let id = format!("proof-{}", step.method.id());
                    view! {
                        <li class="proof-step">
                            <h3 class="proof-step__title">{step.title}</h3>
                            <p>{step.instructions}</p>
                            <CopyField text=step.copy id what=step.what/>
                        </li>
                    }
                })
                .collect_view();
            view! { <ol class="proof-steps">{items}</ol> }
        })
    };

    // The stored outcome of the last check (a re-check's too), until a new one is shown.
    let last_checked = move || {
        let v = current.get();
        let fresh = outcome.with(|o| o.is_some());
        v.checked_at.map(|t| {
            let said = (!fresh).then_some(v.last_outcome).flatten();
            view! {
                <p class="verification__checked">
                    "Last checked: " <time datetime=t.clone()>{format_datetime(&t)}</time>
                    {said.map(|s| format!(". {s}"))}
                </p>
            }
        })
    };

    let verifiable = move || current.with(|v| v.state != VerificationState::NotVerifiable);

    view! {
        <section class="verification" aria-labelledby="verification-title">
            <h2 id="verification-title">
                "Ownership " <VerificationBadgeLive state=Signal::derive(move || current.get().state)/>
            </h2>
            {summary}
            {steps}
            {last_checked}
            {move || verifiable().then(|| view! {
                <button
                    type="button"
                    class="button button--primary"
                    aria-busy=move || busy.get().to_string()
                    aria-disabled=move || busy.get().to_string()
                    on:click=on_verify
                >
                    {move || if busy.get() { "Checking…" } else { "Verify now" }}
                </button>
            })}
            <div class="verification__outcome" role="status" aria-live="polite">
                {move || busy.get().then(|| view! {
                    <p>"Checking your DNS records, page and file. This takes a few seconds."</p>
                })}
                {move || outcome.get().map(|o| match o {
                    Ok(o) => {
                        let (headline, lines) = outcome_lines(&o);
                        let class = if o.verified { "alert alert--info" } else { "alert alert--warning" };
                        let lines = lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view();
                        view! {
                            <div class=class>
                                <p class="alert__title">{headline}</p>
                                <ul>{lines}</ul>
                            </div>
                        }
                        .into_any()
                    }
                    Err(message) => view! { <p class="alert alert--error">{message}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

/// [`VerificationBadge`] following a signal.
#[component]
fn VerificationBadgeLive(state: Signal<VerificationState>) -> impl IntoView {
    move || view! { <VerificationBadge state=state.get()/> }
}
