//! Component tests in headless Chromium for ownership verification: the three proofs with the
//! exact text to copy, the outcome in words, and the panel in each state.
//!
//! Run: `scripts/test-wasm.sh --test verification_components`.
#![cfg(target_arch = "wasm32")]

use leptos::{mount::mount_to, prelude::*};
use model::verification::{
    ProofResult, Verification, VerificationMethod, VerificationState, VerifyOutcome,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web::components::{
    toast::{ToastRegion, Toasts},
    verification::{outcome_lines, proof_steps, VerificationPanel},
};
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "dom/mod.rs"]
mod dom;
use dom::*;

fn value(root: &Element, selector: &str) -> String {
    find(root, selector)
        .unchecked_into::<HtmlInputElement>()
        .value()
}

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn verification(state: VerificationState) -> Verification {
    Verification {
        state,
        token: TOKEN.into(),
        method: (state == VerificationState::Verified).then_some(VerificationMethod::MetaTag),
        verified_at: None,
        checked_at: None,
        last_outcome: None,
        not_verifiable_reason: (state == VerificationState::NotVerifiable)
            .then(|| "instagram.com is a shared platform.".to_string()),
    }
}

fn mount(root: &HtmlElement, state: VerificationState) -> UnmountHandle<impl Mountable> {
    mount_to(root.clone(), move || {
        Toasts::provide();
        view! {
            <VerificationPanel source_id=7 url="https://blog.example.com/deals" verification=verification(state)/>
            <ToastRegion/>
        }
    })
}

#[wasm_bindgen_test]
fn the_three_proofs_carry_the_exact_text_to_copy() {
    let [dns, meta, file] = proof_steps(TOKEN, "https://blog.example.com/deals?x=1");
    assert_eq!(dns.copy, format!("traffic-sources-verification={TOKEN}"));
    assert!(dns.instructions.contains("blog.example.com"));
    assert_eq!(
        meta.copy,
        format!("<meta name=\"traffic-sources-verification\" content=\"{TOKEN}\">")
    );
    assert!(meta
        .instructions
        .contains("https://blog.example.com/deals?x=1"));
    assert_eq!(file.copy, TOKEN);
    assert!(file
        .instructions
        .contains("https://blog.example.com/.well-known/traffic-sources-verification.txt"));
}

#[wasm_bindgen_test]
fn the_outcome_names_what_was_found_and_why_not() {
    let outcome = VerifyOutcome {
        verified: false,
        method: None,
        message: String::new(),
        proofs: vec![
            ProofResult {
                method: VerificationMethod::DnsTxt,
                found: false,
                detail: "no TXT record".into(),
            },
            ProofResult {
                method: VerificationMethod::MetaTag,
                found: false,
                detail: "the page answered 404".into(),
            },
        ],
        verification: verification(VerificationState::Unverified),
    };
    let (headline, lines) = outcome_lines(&outcome);
    assert!(headline.starts_with("Not verified"));
    assert_eq!(lines[0], "DNS TXT record — Not found: no TXT record");
    assert_eq!(
        lines[1],
        "meta tag on the page — Not found: the page answered 404"
    );
}

#[wasm_bindgen_test]
async fn an_unverified_source_shows_three_ways_and_verify_now() {
    let root = container();
    let _app = mount(&root, VerificationState::Unverified);
    settle().await;
    let title = find(&root, "#verification-title").text_content().unwrap();
    assert!(title.contains("Not verified"), "{title}");
    assert_eq!(
        value(&root, "#proof-dns_txt"),
        format!("traffic-sources-verification={TOKEN}")
    );
    assert!(value(&root, "#proof-meta_tag").contains(TOKEN));
    assert_eq!(value(&root, "#proof-well_known_file"), TOKEN);
    // Each copy button is named after what it copies.
    let buttons = root
        .query_selector_all("button.copy-field__button")
        .unwrap();
    assert_eq!(buttons.length(), 3);
    let first = buttons.item(0).unwrap().text_content().unwrap();
    assert!(
        first.contains("Copy") && first.contains("DNS TXT record"),
        "{first}"
    );

    // Verify now shows progress; with no server behind this page, the outcome is an error in
    // the status region (a polite live region), not silence.
    let button = find(&root, "section.verification > button");
    assert_eq!(button.text_content().unwrap(), "Verify now");
    button.unchecked_ref::<HtmlElement>().click();
    settle().await;
    let status = find(&root, ".verification__outcome");
    assert_eq!(status.get_attribute("role").as_deref(), Some("status"));
    for _ in 0..100 {
        if exists(&root, ".verification__outcome .alert") {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(50).await;
    }
    assert!(exists(&root, ".verification__outcome .alert"));
    assert_eq!(button.text_content().unwrap(), "Verify now");
    assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("false"));
}

#[wasm_bindgen_test]
async fn a_platform_source_says_why_and_offers_no_check() {
    let root = container();
    let _app = mount(&root, VerificationState::NotVerifiable);
    settle().await;
    let text = find(&root, "section.verification").text_content().unwrap();
    assert!(text.contains("Not verifiable by site"));
    assert!(text.contains("shared platform"));
    assert!(!exists(&root, "section.verification > button"));
    assert!(!exists(&root, "#proof-dns_txt"));
}

#[wasm_bindgen_test]
async fn the_last_checks_outcome_is_shown() {
    let root = container();
    let _app = mount_to(root.clone(), || {
        Toasts::provide();
        let mut v = verification(VerificationState::Unverified);
        v.checked_at = Some("2026-11-24T09:00:00Z".into());
        v.last_outcome = Some("No proof found: the page answered 404.".into());
        view! { <VerificationPanel source_id=7 url="https://blog.example.com/" verification=v/> }
    });
    settle().await;
    let text = find(&root, ".verification__checked")
        .text_content()
        .unwrap();
    assert!(text.starts_with("Last checked: "), "{text}");
    assert!(text.contains("the page answered 404"), "{text}");
}

#[wasm_bindgen_test]
async fn a_verified_source_names_its_proof() {
    let root = container();
    let _app = mount(&root, VerificationState::Verified);
    settle().await;
    let text = find(&root, "section.verification").text_content().unwrap();
    assert!(text.contains("Verified"));
    assert!(text.contains("meta tag on the page"));
    assert!(!exists(&root, "#proof-dns_txt"));
}
