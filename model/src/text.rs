//! Small text rules used by several fields.

/// Trims `raw` and checks its length in characters (not bytes) and that it holds no
/// control characters (a pasted line break would break tables and exports).
pub fn single_line(raw: &str, max: usize, what: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(format!("Enter {what}."));
    }
    let len = value.chars().count();
    if len > max {
        return Err(format!("Use at most {max} characters (this has {len})."));
    }
    if value.chars().any(char::is_control) {
        return Err("Use a single line without control characters.".into());
    }
    Ok(value.to_string())
}

/// Like [`single_line`] but may be empty; empty becomes `None`.
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => {
            let len = value.chars().count();
            if len > max {
                Err(format!("Use at most {max} characters (this has {len})."))
            } else {
                Ok(Some(value.to_string()))
            }
        }
    }
}

/// The key that makes names unique case-insensitively ("My Blog" = "my blog").
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}
