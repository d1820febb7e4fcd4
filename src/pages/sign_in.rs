//! `/sign-in`: email and password; afterwards back to `?next=` or home.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use model::account::validate_email;

use crate::{
    api::{self, ApiError},
    components::{field::TextField, focus_id, set_title, submit_button::SubmitButton},
    session::{safe_next, use_session, RequireSignedOut},
};

#[component]
pub fn SignIn() -> impl IntoView {
    set_title("Sign in");
    let query = use_query_map();
    let next = Signal::derive(move || safe_next(query.read().get("next")));
    view! {
        <RequireSignedOut redirect_to=next>
            <SignInForm next/>
        </RequireSignedOut>
    }
}

#[component]
fn SignInForm(
    /// Where to go once signed in.
    next: Signal<String>,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submitted = RwSignal::new(false);

    // A plain task, not an `Action`: see `source_form` for why.
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let email_error = Signal::derive(move || {
        submitted
            .get()
            .then(|| validate_email(&email.get()).err())
            .flatten()
            // The server's refusal of the address, at the field.
            .or_else(|| failure.with(|f| f.as_ref().and_then(|e| e.fields().get("email").cloned())))
    });
    let password_error = Signal::derive(move || {
        (submitted.get() && password.with(String::is_empty))
            .then(|| "Enter your password.".to_string())
    });

    // Everything else in words above the button: a wrong password, too many attempts
    // (with how long to wait, from the server), a server too busy to check passwords.
    let form_error = move || {
        failure.get().filter(|e| e.fields().is_empty()).map(|e| {
            let message = match &e {
                ApiError::Api { status: 401, .. } => {
                    "That email and password don't match an account. Check both and try again."
                        .to_string()
                }
                _ => e.message(),
            };
            view! { <div class="alert alert--error" role="alert"><p>{message}</p></div> }
        })
    };
    let go_next = Callback::new(move |_| {
        navigate(
            &next.get_untracked(),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        submitted.set(true);
        if email_error.get_untracked().is_some() {
            focus_id("email");
            return;
        }
        if password_error.get_untracked().is_some() {
            focus_id("password");
            return;
        }
        let body = model::SignIn {
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result = api::sign_in(&body).await;
            if pending.try_set(false).is_some() {
                return;
            }
            match result {
                Ok(account) => {
                    session.signed_in(account);
                    go_next.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };

    let sign_up_href = move || match next.get().as_str() {
        "/" => "/sign-up".to_string(),
        n => format!("/sign-up?next={}", api::encode(n)),
    };

    view! {
        <section class="page narrow auth">
            <h1>"Sign in"</h1>
            <form class="form" novalidate on:submit=on_submit>
                <TextField
                    id="email"
                    label="Email"
                    value=email
                    error=email_error
                    input_type="email"
                    autocomplete="email"
                />
                <TextField
                    id="password"
                    label="Password"
                    value=password
                    error=password_error
                    input_type="password"
                    autocomplete="current-password"
                />
                {form_error}
                <div class="form__actions">
                    <SubmitButton label="Sign in" pending_label="Signing in…" pending/>
                </div>
            </form>
            <p class="auth__switch">
                "New here? " <A href=sign_up_href>"Create an account"</A>
            </p>
        </section>
    }
}
