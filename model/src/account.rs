//! Accounts, sign-up and sign-in.

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::text::single_line;

pub const MIN_PASSWORD_LEN: usize = 8;
pub const MAX_PASSWORD_LEN: usize = 128;

crate::schema! {
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A publisher: owns traffic sources.
    Partner,
    /// A brand: browses the marketplace and runs programs.
    Advertiser,
    /// Platform staff: polices every source. Never created through the public API.
    Staff,
}
}

crate::deserialize_by_id!(Role { Partner = "partner", Advertiser = "advertiser", Staff = "staff" });

impl Role {
    pub fn id(self) -> &'static str {
        match self {
            Role::Partner => "partner",
            Role::Advertiser => "advertiser",
            Role::Staff => "staff",
        }
    }
    pub fn from_id(id: &str) -> Option<Role> {
        [Role::Partner, Role::Advertiser, Role::Staff]
            .into_iter()
            .find(|r| r.id() == id)
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Partner => "Partner",
            Role::Advertiser => "Advertiser",
            Role::Staff => "Staff",
        }
    }
}

crate::schema! {
/// Who is signed in (`GET /api/session`), and the answer to sign-in and sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub display_name: String,
}
}

crate::schema! {
/// A partner as staff pick one in the admin filters (`GET /api/partners`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerSummary {
    pub id: i64,
    pub display_name: String,
    pub email: String,
}
}

crate::schema! {
/// The body of `POST /api/accounts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    /// `partner` or `advertiser`.
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub display_name: String,
}
}

crate::schema! {
/// The body of `POST /api/session`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
}
}

/// A sign-up that passed its rules. `role` may still be `Staff`: the caller refuses that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSignUp {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub display_name: String,
}

/// The longest email address (RFC 5321's path limit less its brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// Trimmed and lower-cased, so that one mailbox is one account.
pub fn validate_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter your email address.".into());
    }
    let valid = email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err("Enter an email address like name@example.com.".into())
    }
}

pub fn validate_password(raw: &str) -> Result<String, String> {
    let len = raw.chars().count();
    if len < MIN_PASSWORD_LEN {
        Err(format!("Use at least {MIN_PASSWORD_LEN} characters."))
    } else if len > MAX_PASSWORD_LEN {
        Err(format!("Use at most {MAX_PASSWORD_LEN} characters."))
    } else {
        Ok(raw.to_string())
    }
}

pub fn validate_display_name(raw: &str) -> Result<String, String> {
    single_line(raw, 80, "your name or your company's")
}

impl SignUp {
    pub fn validate(&self) -> Result<ValidSignUp, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut check = |field: &str, r: Result<String, String>| match r {
            Ok(v) => Some(v),
            Err(m) => {
                errors.insert(field.into(), m);
                None
            }
        };
        let email = check("email", validate_email(&self.email));
        let password = check("password", validate_password(&self.password));
        let display_name = check("display_name", validate_display_name(&self.display_name));
        let role = Role::from_id(self.role.trim());
        if role.is_none() {
            errors.insert("role".into(), "Choose partner or advertiser.".into());
        }
        match (email, password, display_name, role) {
            (Some(email), Some(password), Some(display_name), Some(role)) if errors.is_empty() => {
                Ok(ValidSignUp {
                    email,
                    password,
                    role,
                    display_name,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            validate_email(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sign_up_reports_each_field() {
        let errors = SignUp {
            email: "x".into(),
            password: "short".into(),
            role: "boss".into(),
            display_name: "".into(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(errors.len(), 4);
    }
}
