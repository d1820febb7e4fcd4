//! Who may receive which live event, checked for every event before it is sent.
//!
//! - A notification goes to its recipient only.
//! - A source's change goes to its partner and to staff, and to an advertiser only when
//!   the source is in one of their programs, or on a page they have open (a stream opened
//!   with `?status_of=`, [`Scope::StatusOf`]) while it was or is in the marketplace (a
//!   blocked source must leave the marketplace pages that show it). Not to every
//!   advertiser: each would hear of every block on the platform.
//! - A new collaboration goes to the source's partner and to the advertiser who made it.
//! - New clicks (`traffic`) go to the source's partner and to the advertiser of the link.
//!   Staff have them only on a stream opened for some sources (`?traffic_of=`, [`Scope`]):
//!   a page that shows those sources' traffic.

use model::{Account, Role};

use super::LiveEvent;

/// What one stream carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything its person may see ([`may_see`]).
    Mine,
    /// Only the new clicks of these sources (sorted, at most [`TRAFFIC_OF_MAX`]), for a page
    /// that shows their traffic. Who may open such a stream (the sources' partner, staff) is
    /// checked when it opens.
    TrafficOf(Vec<i64>),
    /// Only the changes of these sources (sorted, at most [`TRAFFIC_OF_MAX`]) that an
    /// advertiser may hear of: a marketplace page's, so it can drop one that leaves.
    StatusOf(Vec<i64>),
}

/// The most sources one stream follows: a page of a list.
pub const TRAFFIC_OF_MAX: usize = 100;

/// Whether a stream of `scope`, held by `account`, sends `e`.
pub fn carries(scope: &Scope, account: &Account, e: &LiveEvent) -> bool {
    match scope {
        Scope::Mine => may_see(account, e),
        Scope::TrafficOf(ids) => {
            e.kind == "traffic"
                && e.traffic_source_id
                    .is_some_and(|id| ids.binary_search(&id).is_ok())
        }
        Scope::StatusOf(ids) => {
            // What their own stream carries (a source in their programs) comes only there:
            // a page would otherwise hear it twice.
            e.kind == "source"
                && !e.advertisers.contains(&account.id)
                && e.traffic_source_id
                    .is_some_and(|id| ids.binary_search(&id).is_ok())
                // Of a source out of the marketplace, nothing: the page named it, it may
                // never have been public. Its own stream tells of it through a program.
                && (e.was_listed || e.is_listed)
        }
    }
}

pub fn may_see(account: &Account, e: &LiveEvent) -> bool {
    let me = Some(account.id);
    match (e.kind.as_str(), account.role) {
        ("notification", _) => e.account_id == me,
        ("source", Role::Staff) => true,
        ("source", Role::Partner) => e.partner_id == me,
        // `advertisers` was read with the event: the programs that hold the source then.
        // A marketplace page hears of the others on a stream of its own (`StatusOf`).
        ("source", Role::Advertiser) => e.advertisers.contains(&account.id),
        ("collaboration", Role::Partner) => e.partner_id == me,
        ("collaboration", Role::Advertiser) => e.account_id == me,
        // New clicks: the source's partner and the advertiser whose link was clicked.
        // Not staff: their stream would carry every click of the platform; a staff page
        // that shows a source's traffic opens a stream for that source ([`Scope`]).
        ("traffic", Role::Partner) => e.partner_id == me,
        ("traffic", Role::Advertiser) => e.account_id == me,
        _ => false,
    }
}

/// What a stream sends of an event (the `data` of an SSE event named after its kind):
/// enough for a page to update what it shows, or to know what to fetch again.
pub fn update(e: &LiveEvent) -> model::live::LiveUpdate {
    model::live::LiveUpdate {
        kind: e.kind.clone(),
        source_id: e.traffic_source_id,
        status: e.status.clone(),
        visibility: e.visibility.clone(),
        listed: (e.kind == "source").then_some(e.is_listed),
        verified: (e.kind == "source").then_some(e.verified),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: i64, role: Role) -> Account {
        Account {
            id,
            email: format!("{id}@example.com"),
            role,
            display_name: format!("Account {id}"),
        }
    }

    fn source_change(listed: (bool, bool), advertisers: Vec<i64>) -> LiveEvent {
        LiveEvent {
            id: 1,
            at: 0,
            kind: "source".into(),
            traffic_source_id: Some(7),
            partner_id: Some(2),
            account_id: None,
            status: Some("paused".into()),
            visibility: Some("private".into()),
            was_listed: listed.0,
            is_listed: listed.1,
            verified: false,
            advertisers,
        }
    }

    #[test]
    fn a_stream_for_some_sources_traffic_carries_their_clicks_only() {
        let clicks = |source: i64| LiveEvent {
            kind: "traffic".into(),
            traffic_source_id: Some(source),
            account_id: Some(5),
            ..source_change((false, false), vec![])
        };
        let staff = account(1, Role::Staff);
        let these = Scope::TrafficOf(vec![3, 7, 9]);
        assert!(
            !carries(&Scope::Mine, &staff, &clicks(7)),
            "not on staff's own stream"
        );
        assert!(carries(&these, &staff, &clicks(7)));
        assert!(carries(&these, &staff, &clicks(9)));
        assert!(!carries(&these, &staff, &clicks(8)), "another source");
        let change = source_change((false, false), vec![]);
        assert!(carries(&Scope::Mine, &staff, &change));
        assert!(!carries(&these, &staff, &change), "only clicks");
    }

    #[test]
    fn a_source_change_reaches_an_advertiser_through_their_programs_or_a_page_showing_it() {
        let private = source_change((false, false), vec![5]);
        assert!(may_see(&account(5, Role::Advertiser), &private));
        assert!(!may_see(&account(6, Role::Advertiser), &private));
        assert!(may_see(&account(2, Role::Partner), &private), "its partner");
        assert!(!may_see(&account(3, Role::Partner), &private));
        assert!(may_see(&account(1, Role::Staff), &private));
        // Leaving or entering the marketplace: only on the streams of the pages showing it.
        for listed in [(true, false), (false, true)] {
            let change = source_change(listed, vec![]);
            let advertiser = account(6, Role::Advertiser);
            assert!(!carries(&Scope::Mine, &advertiser, &change));
            assert!(carries(&Scope::StatusOf(vec![7]), &advertiser, &change));
            assert!(!carries(&Scope::StatusOf(vec![8]), &advertiser, &change));
        }
        let held = source_change((true, false), vec![6]);
        assert!(carries(&Scope::Mine, &account(6, Role::Advertiser), &held));
        assert!(
            !carries(
                &Scope::StatusOf(vec![7]),
                &account(6, Role::Advertiser),
                &held
            ),
            "once, on their own stream"
        );
        let page = Scope::StatusOf(vec![7]);
        assert!(
            !carries(&page, &account(6, Role::Advertiser), &private),
            "a private source named by a page"
        );
    }
}
