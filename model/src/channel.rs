//! The fixed list of traffic channels (`GET /api/channels`).

use serde::{Deserialize, Serialize};

crate::schema! {
/// A kind of traffic. Serialised as its id, e.g. `"paid_search"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Content,
    PaidSearch,
    Loyalty,
    Social,
    Cashback,
    Coupons,
    Email,
    Comparison,
    Influencer,
    MobileApp,
    Display,
    Video,
    Podcast,
    SubNetwork,
}
}

crate::deserialize_by_id!(Channel { Content = "content", PaidSearch = "paid_search", Loyalty = "loyalty", Social = "social", Cashback = "cashback", Coupons = "coupons", Email = "email", Comparison = "comparison", Influencer = "influencer", MobileApp = "mobile_app", Display = "display", Video = "video", Podcast = "podcast", SubNetwork = "sub_network" });

impl Channel {
    /// Every channel, in the order the product lists them.
    pub const ALL: [Channel; 14] = [
        Channel::Content,
        Channel::PaidSearch,
        Channel::Loyalty,
        Channel::Social,
        Channel::Cashback,
        Channel::Coupons,
        Channel::Email,
        Channel::Comparison,
        Channel::Influencer,
        Channel::MobileApp,
        Channel::Display,
        Channel::Video,
        Channel::Podcast,
        Channel::SubNetwork,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Channel::Content => "content",
            Channel::PaidSearch => "paid_search",
            Channel::Loyalty => "loyalty",
            Channel::Social => "social",
            Channel::Cashback => "cashback",
            Channel::Coupons => "coupons",
            Channel::Email => "email",
            Channel::Comparison => "comparison",
            Channel::Influencer => "influencer",
            Channel::MobileApp => "mobile_app",
            Channel::Display => "display",
            Channel::Video => "video",
            Channel::Podcast => "podcast",
            Channel::SubNetwork => "sub_network",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Content => "Content",
            Channel::PaidSearch => "Paid Search",
            Channel::Loyalty => "Loyalty",
            Channel::Social => "Social",
            Channel::Cashback => "Cashback",
            Channel::Coupons => "Coupons & Deals",
            Channel::Email => "Email & Newsletter",
            Channel::Comparison => "Comparison & Reviews",
            Channel::Influencer => "Influencer",
            Channel::MobileApp => "Mobile App",
            Channel::Display => "Display",
            Channel::Video => "Video",
            Channel::Podcast => "Podcast",
            Channel::SubNetwork => "Sub-network",
        }
    }

    /// One line of help shown beside the channel's checkbox.
    pub fn description(self) -> &'static str {
        match self {
            Channel::Content => "Blogs, articles and editorial sites that write about products.",
            Channel::PaidSearch => {
                "Search-engine ads (e.g. Google or Bing Ads) that send clicks to offers."
            }
            Channel::Loyalty => {
                "Points, miles and rewards programs that reward members for buying."
            }
            Channel::Social => {
                "Posts and pages on social networks such as Instagram, TikTok or Facebook."
            }
            Channel::Cashback => "Sites and apps that give shoppers part of their purchase back.",
            Channel::Coupons => "Coupon codes, vouchers and deal listings.",
            Channel::Email => "Newsletters and email campaigns sent to your own subscribers.",
            Channel::Comparison => "Price comparison, product reviews and buying guides.",
            Channel::Influencer => "Creators who recommend products to their own audience.",
            Channel::MobileApp => "Traffic from inside your own iOS or Android app.",
            Channel::Display => "Banner and native ads shown on websites.",
            Channel::Video => "Video content, e.g. a YouTube channel or live streams.",
            Channel::Podcast => "Audio shows with host-read ads or promo codes.",
            Channel::SubNetwork => "A network that passes on traffic from its own publishers.",
        }
    }

    pub fn from_id(id: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.id() == id)
    }

    /// A single bit per channel: the database stores a source's channels as one integer
    /// so that "any of these channels" is a single bitwise test, with no join.
    pub fn bit(self) -> i64 {
        1 << (self as u32)
    }

    pub fn mask(channels: &[Channel]) -> i64 {
        channels.iter().fold(0, |acc, c| acc | c.bit())
    }

    pub fn from_mask(mask: i64) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| mask & c.bit() != 0)
            .collect()
    }

    pub fn info(self) -> ChannelInfo {
        ChannelInfo {
            id: self,
            label: self.label().into(),
            description: self.description().into(),
        }
    }
}

crate::schema! {
/// One entry of `GET /api/channels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInfo {
    pub id: Channel,
    pub label: String,
    pub description: String,
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for c in Channel::ALL {
            assert_eq!(Channel::from_id(c.id()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(c.id()));
        }
        assert_eq!(Channel::from_id("tv"), None);
    }

    #[test]
    fn mask_round_trips() {
        let set = vec![Channel::Content, Channel::Video, Channel::SubNetwork];
        assert_eq!(Channel::from_mask(Channel::mask(&set)), set);
    }
}
