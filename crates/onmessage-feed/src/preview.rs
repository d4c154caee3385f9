//! A post as each network will show it, drafts included, for the pull
//! request comment: the same item publish builds, so the preview is what
//! is shared.

use jiff::Timestamp;
use onmessage_engine::policy::Policy;
use onmessage_engine::post::{Post, Status};
use onmessage_engine::render::comment::{Preview, PreviewCopy};

use crate::model::{self, Site};

pub fn preview(policy: &Policy, post: &Post, now: Timestamp) -> Preview {
    let site = Site {
        company: policy.company.name.clone(),
        language: policy.company.language.clone(),
        base_url: "./".to_string(),
        authority: model::authority(policy),
        timezone: policy.timezone.clone(),
        now,
        audiences: Vec::new(),
        platforms: Vec::new(),
        audience_names: Default::default(),
    };
    let front = post.front.as_ref();
    let copies = model::item(policy, &site, post, now, None, Vec::new(), None)
        .map(|item| {
            item.platforms
                .into_iter()
                .map(|copy| PreviewCopy {
                    platform: copy.platform,
                    text: copy.text,
                    length: copy.length,
                    limit: copy.limit,
                })
                .collect()
        })
        .unwrap_or_default();
    Preview {
        path: post.path.clone(),
        title: front.map_or_else(|| post.id.clone(), |f| f.title.clone()),
        status: match front.map(|f| f.status) {
            Some(Status::Draft) => "draft",
            Some(Status::Review) => "in review",
            Some(Status::Approved) => "approved",
            None => "unreadable front matter",
        }
        .to_string(),
        copies,
    }
}
