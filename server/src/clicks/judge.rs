//! The drain's judgement of each click, between the journal and the store: valid or not
//! (and why), and for a valid click the channel it came through and the signal that
//! said so.
//!
//! Validity, the first reason that applies: `bot` (the user-agent test), `refused` (the
//! link was not live), `prefetch` (see [`super::hints`]), `velocity` (the visitor made
//! more than `--click-velocity-per-minute` clicks across all links in the last minute),
//! `duplicate` (the same visitor on the same link within an hour of a counted click; the
//! first counts).
//!
//! The observed channel, from the first signal that says one: a paid-click identifier in
//! the tracking link (`gclid` → Paid Search…), its `utm_medium`, the referrer's host (the
//! source's own site → its declared site channel; a search engine, social network,
//! webmail or ad network per [`super::referrers`]); otherwise `unknown`. Only the
//! signal's name is stored, never a query value.
//!
//! The visitor state behind `duplicate` and `velocity` is kept in memory for an hour of
//! clicks: one instance judges the clicks it drains. Judging the same click again (a
//! drain retried after a database error) gives the same verdict.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use model::traffic::{ClickOutcome, InvalidReason, ReferrerClass, UNKNOWN_CHANNEL};
use model::Channel;

use super::event::{ClickEvent, Verdict};
use super::hints::CLICK_PARAMS;
use super::referrers::{Medium, Referrers};
use super::store::HOUR_MS;
use crate::db::Db;

const MINUTE_MS: i64 = 60_000;

/// The channel a click from the source's own site counts as: the first of its declared
/// channels that is a site of its own (content, comparison…), else its first declared.
pub fn own_site_channel(declared: i64) -> &'static str {
    const SITE_KINDS: [Channel; 10] = [
        Channel::Content,
        Channel::Comparison,
        Channel::Coupons,
        Channel::Cashback,
        Channel::Loyalty,
        Channel::Influencer,
        Channel::Video,
        Channel::Podcast,
        Channel::SubNetwork,
        Channel::MobileApp,
    ];
    SITE_KINDS
        .into_iter()
        .find(|c| declared & c.bit() != 0)
        .or_else(|| Channel::from_mask(declared).into_iter().next())
        .unwrap_or(Channel::Content)
        .id()
}

#[derive(Default)]
struct State {
    /// (link, visitor) → their counted clicks of the last hour: (at, click id).
    counted: HashMap<(i64, String), Vec<(i64, String)>>,
    /// visitor → their recent clicks that reached the velocity test: (at, click id).
    recent: HashMap<String, VecDeque<(i64, String)>>,
    newest: i64,
    /// When the maps were last swept of what is too old to matter.
    swept: i64,
}

pub struct Judge {
    referrers: Referrers,
    velocity_per_minute: usize,
    state: Mutex<State>,
}

impl Judge {
    pub fn new(referrers: Referrers, velocity_per_minute: u32) -> Judge {
        Judge {
            referrers,
            velocity_per_minute: velocity_per_minute.max(1) as usize,
            state: Mutex::default(),
        }
    }

    /// Judges `events` (in the order they were recorded), reading the declared channels
    /// of sources whose clicks came from their own site.
    pub async fn judge(&self, db: &Db, events: &mut [ClickEvent]) -> Result<(), sqlx::Error> {
        let own: HashSet<i64> = events
            .iter()
            .filter(|e| e.referrer_class == ReferrerClass::Match)
            .map(|e| e.traffic_source_id)
            .collect();
        let declared =
            crate::db::observed::declared(db, &own.into_iter().collect::<Vec<_>>()).await?;
        self.judge_with(events, &declared);
        Ok(())
    }

    /// [`Judge::judge`] with the declared channels at hand.
    pub fn judge_with(&self, events: &mut [ClickEvent], declared: &HashMap<i64, i64>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for e in events.iter_mut() {
            let invalid = self.validity(&mut state, e);
            let (channel, signal) = match invalid {
                Some(_) => (None, None),
                None => {
                    let (c, s) = self.channel(e, declared);
                    (Some(c), s)
                }
            };
            e.verdict = Some(Verdict {
                invalid,
                channel,
                signal,
            });
        }
        // Forget what can no longer make a click a duplicate or too fast; a sweep walks the
        // whole state, so at most once a minute of clicks, not every batch.
        if state.newest - state.swept < MINUTE_MS {
            return;
        }
        state.swept = state.newest;
        let horizon = state.newest - HOUR_MS;
        state.counted.retain(|_, clicks| {
            clicks.retain(|(at, _)| *at > horizon);
            !clicks.is_empty()
        });
        let minute = state.newest - MINUTE_MS;
        state.recent.retain(|_, clicks| {
            while clicks.front().is_some_and(|(at, _)| *at <= minute) {
                clicks.pop_front();
            }
            !clicks.is_empty()
        });
    }

    fn validity(&self, state: &mut State, e: &ClickEvent) -> Option<InvalidReason> {
        state.newest = state.newest.max(e.at);
        if e.bot {
            return Some(InvalidReason::Bot);
        }
        if e.outcome != ClickOutcome::Redirected {
            return Some(InvalidReason::Refused);
        }
        if e.prefetch {
            return Some(InvalidReason::Prefetch);
        }
        let clicks = state.recent.entry(e.visitor_hash.clone()).or_default();
        while clicks
            .front()
            .is_some_and(|(at, _)| *at <= e.at - MINUTE_MS)
        {
            clicks.pop_front();
        }
        let position = match clicks.iter().position(|(_, id)| *id == e.click_id) {
            Some(i) => i + 1,
            None => {
                clicks.push_back((e.at, e.click_id.clone()));
                clicks.len()
            }
        };
        if position > self.velocity_per_minute {
            return Some(InvalidReason::Velocity);
        }
        let key = (e.collaboration_id, e.visitor_hash.clone());
        let counted = state.counted.entry(key).or_default();
        if counted.iter().any(|(_, id)| *id == e.click_id) {
            return None; // judged before: a retried drain
        }
        if counted
            .iter()
            .any(|(at, _)| *at <= e.at && e.at - at < HOUR_MS)
        {
            return Some(InvalidReason::Duplicate);
        }
        counted.push((e.at, e.click_id.clone()));
        None
    }

    fn channel(
        &self,
        e: &ClickEvent,
        declared: &HashMap<i64, i64>,
    ) -> (&'static str, Option<&'static str>) {
        if let Some(name) = e.click_param.as_deref() {
            if let Some((param, channel)) = CLICK_PARAMS.iter().find(|(p, _)| *p == name) {
                return (channel, Some(param));
            }
        }
        if let Some(channel) = e.utm_channel.as_deref().and_then(Channel::from_id) {
            return (channel.id(), Some("utm_medium"));
        }
        if e.referrer_class == ReferrerClass::Match {
            let mask = declared.get(&e.traffic_source_id).copied().unwrap_or(0);
            return (own_site_channel(mask), Some("own_site"));
        }
        if let Some(host) = e.referrer_host.as_deref() {
            match self.referrers.medium(host) {
                Some(Medium::Search) => return ("paid_search", Some("referrer_search")),
                Some(Medium::Social) => return ("social", Some("referrer_social")),
                Some(Medium::Email) => return ("email", Some("referrer_email")),
                Some(Medium::Paid) => return ("display", Some("referrer_paid")),
                None => {}
            }
        }
        (UNKNOWN_CHANNEL, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(id: &str, at: i64, link: i64, visitor: &str) -> ClickEvent {
        ClickEvent {
            click_id: id.into(),
            at,
            collaboration_id: link,
            traffic_source_id: 1,
            program_id: 1,
            partner_id: 1,
            advertiser_id: 1,
            outcome: ClickOutcome::Redirected,
            referrer_host: None,
            referrer_class: ReferrerClass::None,
            bot: false,
            visitor_hash: visitor.into(),
            deep_link: None,
            prefetch: false,
            click_param: None,
            utm_channel: None,
            verdict: None,
        }
    }

    fn reasons(judge: &Judge, events: &mut [ClickEvent]) -> Vec<Option<InvalidReason>> {
        judge.judge_with(events, &HashMap::new());
        events.iter().map(|e| e.invalid()).collect()
    }

    #[test]
    fn the_first_click_counts_the_next_within_the_hour_is_a_duplicate() {
        let judge = Judge::new(Referrers::default(), 30);
        let mut events = [
            click("a", 0, 1, "v"),
            click("b", 10 * MINUTE_MS, 1, "v"),
            click("c", 11 * MINUTE_MS, 2, "v"),
            click("d", HOUR_MS, 1, "v"),
        ];
        assert_eq!(
            reasons(&judge, &mut events),
            vec![None, Some(InvalidReason::Duplicate), None, None]
        );
        // Judged again (a retried drain): the same verdicts.
        assert_eq!(
            reasons(&judge, &mut events),
            vec![None, Some(InvalidReason::Duplicate), None, None]
        );
    }

    #[test]
    fn too_many_clicks_a_minute_across_links() {
        let judge = Judge::new(Referrers::default(), 3);
        let mut events: Vec<ClickEvent> = (0..5)
            .map(|i| click(&format!("c{i}"), i * 1000, i, "v"))
            .collect();
        assert_eq!(
            reasons(&judge, &mut events),
            vec![
                None,
                None,
                None,
                Some(InvalidReason::Velocity),
                Some(InvalidReason::Velocity)
            ]
        );
    }

    #[test]
    fn signals_in_order() {
        let judge = Judge::new(
            Referrers::parse(r#"{"search": {"G": {"domains": ["google.com"]}}}"#).unwrap(),
            30,
        );
        let mut a = click("a", 0, 1, "a");
        a.click_param = Some("gclid".into());
        a.utm_channel = Some("email".into());
        let mut b = click("b", 0, 1, "b");
        b.utm_channel = Some("email".into());
        b.referrer_host = Some("google.com".into());
        b.referrer_class = ReferrerClass::Mismatch;
        let mut c = click("c", 0, 1, "c");
        c.referrer_host = Some("google.com".into());
        c.referrer_class = ReferrerClass::Mismatch;
        let mut d = click("d", 0, 1, "d");
        d.referrer_class = ReferrerClass::Match;
        let e = click("e", 0, 1, "e");
        let mut events = [a, b, c, d, e];
        let declared = HashMap::from([(1, Channel::mask(&[Channel::Comparison]))]);
        judge.judge_with(&mut events, &declared);
        let got: Vec<_> = events
            .iter()
            .map(|e| {
                let v = e.verdict.as_ref().unwrap();
                (v.channel.unwrap(), v.signal)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("paid_search", Some("gclid")),
                ("email", Some("utm_medium")),
                ("paid_search", Some("referrer_search")),
                ("comparison", Some("own_site")),
                ("unknown", None),
            ]
        );
    }
}
