//! `/sign-up`: a new partner or advertiser account, signed in straight away.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};
use model::{
    account::{validate_display_name, validate_email, validate_password},
    FieldErrors, Role,
};

use crate::{
    api::{self, ApiError},
    components::{
        field::TextField, focus_id, set_title, submit_button::SubmitButton, toggle::Toggle,
        touched::Touched,
    },
    session::{safe_next, use_session, RequireSignedOut},
};

#[component]
pub fn SignUp() -> impl IntoView {
    set_title("Create your account");
    let query = use_query_map();
    let next = Signal::derive(move || safe_next(query.read().get("next")));
    let role = match query.read_untracked().get("role").as_deref() {
        Some("advertiser") => Role::Advertiser,
        _ => Role::Partner,
    };
    view! {
        <RequireSignedOut redirect_to=next>
            <SignUpForm next role/>
        </RequireSignedOut>
    }
}

const FIELDS: [&str; 3] = ["display_name", "email", "password"];

#[component]
fn SignUpForm(
    /// Where to go once the account exists.
    next: Signal<String>,
    /// The role chosen at first.
    role: Role,
) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let display_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(role);
    let touched = Touched::default();
    // The server's word on a field (e.g. "this email already has an account"), kept with the
    // value it was about, so it disappears as soon as that value is edited.
    let server_errors = RwSignal::new(Vec::<(&'static str, String, String)>::new());

    let value_of = move |field: &str| match field {
        "display_name" => display_name.get(),
        "email" => email.get(),
        _ => password.get(),
    };
    let local_error = move |field: &str| match field {
        "display_name" => validate_display_name(&display_name.get()).err(),
        "email" => validate_email(&email.get()).err(),
        _ => validate_password(&password.get()).err(),
    };
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            let shown = touched.shows(field);
            let local = if shown { local_error(field) } else { None };
            local.or_else(|| {
                let value = value_of(field);
                server_errors.with(|errs| {
                    errs.iter()
                        .find(|(f, v, _)| *f == field && *v == value)
                        .map(|(_, _, m)| m.clone())
                })
            })
        })
    };

    // A plain task, not an `Action`: see `source_form` for why.
    let pending = RwSignal::new(false);
    let failure = RwSignal::new(None::<ApiError>);
    let go_next = Callback::new(move |_| {
        navigate(
            &next.get_untracked(),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    });
    let form_error = move || {
        failure.get().and_then(|e| {
            // Field problems are shown at their fields; anything else here.
            let at_fields = FIELDS.iter().any(|f| e.fields().contains_key(*f));
            (!at_fields).then(|| view! { <div class="alert alert--error" role="alert"><p>{e.message()}</p></div> })
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        touched.submit();
        if let Some(first) = FIELDS.into_iter().find(|f| local_error(f).is_some()) {
            focus_id(first);
            return;
        }
        let body = model::SignUp {
            email: email.get_untracked(),
            password: password.get_untracked(),
            role: role.get_untracked().id().to_string(),
            display_name: display_name.get_untracked(),
        };
        pending.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result = api::sign_up(&body).await;
            if pending.try_set(false).is_some() {
                return;
            }
            match result {
                Ok(account) => {
                    session.signed_in(account);
                    go_next.run(());
                }
                Err(e) => {
                    let fields: FieldErrors = e.fields();
                    let mut errs = Vec::new();
                    for field in FIELDS {
                        if let Some(m) = fields.get(field) {
                            let value = match field {
                                "display_name" => body.display_name.clone(),
                                "email" => body.email.clone(),
                                _ => body.password.clone(),
                            };
                            errs.push((field, value, m.clone()));
                        }
                    }
                    if let Some((first, _, _)) = errs.first() {
                        focus_id(first);
                    }
                    server_errors.set(errs);
                    failure.set(Some(e));
                }
            }
        });
    };

    let sign_in_href = move || match next.get().as_str() {
        "/" => "/sign-in".to_string(),
        n => format!("/sign-in?next={}", api::encode(n)),
    };

    view! {
        <section class="page narrow auth">
            <h1>"Create your account"</h1>
            <form class="form" novalidate on:submit=on_submit>
                <Toggle
                    legend="I am"
                    name="role"
                    options=vec![Role::Partner, Role::Advertiser]
                    value=role
                />
                <TextField
                    id="display_name"
                    label="Your name or company"
                    hint="Advertisers see this name next to your traffic sources."
                    value=display_name
                    error=error_for("display_name")
                    autocomplete="organization"
                    on_blur=touched.on_leave("display_name")
                />
                <TextField
                    id="email"
                    label="Email"
                    value=email
                    error=error_for("email")
                    input_type="email"
                    autocomplete="email"
                    on_blur=touched.on_leave("email")
                />
                <TextField
                    id="password"
                    label="Password"
                    hint="At least 8 characters."
                    value=password
                    error=error_for("password")
                    input_type="password"
                    autocomplete="new-password"
                    on_blur=touched.on_leave("password")
                />
                {form_error}
                <div class="form__actions">
                    <SubmitButton label="Create account" pending_label="Creating account…" pending/>
                </div>
            </form>
            <p class="auth__switch">
                "Already have an account? " <A href=sign_in_href>"Sign in"</A>
            </p>
        </section>
    }
}
