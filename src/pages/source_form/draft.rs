//! What the form edits: a source's editable fields, and which source it is.

use model::{Channel, SourceInput, Status, TrafficSource, Visibility};

/// What the form holds: the editable fields of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDraft {
    pub name: String,
    pub url: String,
    pub channels: Vec<Channel>,
    pub status: Status,
    pub visibility: Visibility,
}

impl Default for SourceDraft {
    /// A new source starts Active and Public: the choice that gets it in front of advertisers.
    fn default() -> Self {
        SourceDraft {
            name: String::new(),
            url: String::new(),
            channels: Vec::new(),
            status: Status::Active,
            visibility: Visibility::Public,
        }
    }
}

impl SourceDraft {
    pub fn from_source(source: &TrafficSource) -> SourceDraft {
        SourceDraft {
            name: source.name.clone(),
            url: source.url.clone(),
            channels: source.channels.clone(),
            // A partner never picks Blocked; blocked sources never reach the form.
            status: if source.status.partner_may_choose() {
                source.status
            } else {
                Status::Paused
            },
            visibility: source.visibility,
        }
    }

    pub fn input(&self) -> SourceInput {
        SourceInput {
            name: self.name.clone(),
            url: self.url.clone(),
            channels: self.channels.iter().map(|c| c.id().to_string()).collect(),
            status: self.status.id().to_string(),
            visibility: self.visibility.id().to_string(),
        }
    }
}

/// Which source is being edited; `None` when adding one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Editing {
    pub id: i64,
    pub version: i64,
}
