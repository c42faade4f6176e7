//! Findings under the 叶县 pack (001_7a70bf4a2140f7df.txt): each breach of a
//! world run by the book raises exactly the finding of its rule.

use super::*;

#[test]
fn yexian_art8_assistants_only_assist_with_recording() {
    let (mut world, cast) = by_the_book();
    let alone = world.record(cast.camera_assistant, cast.assistant, 10 * DAY, 10 * DAY + 15);
    world.labels.push(label(alone, at(10 * DAY + HOUR)));
    let finding = only(&world, "yexian-jtys", "assistant-only-assists", "第八条");
    assert!(finding.message.contains("赵协"), "{}", finding.message);
    // With a qualified officer filming at the same time, the assistant assists.
    let together = world.record(cast.camera_li, cast.li, 10 * DAY + 5, 10 * DAY + 40);
    world.labels.push(label(together, at(10 * DAY + HOUR)));
    assert!(world.evaluate("yexian-jtys").findings.is_empty());
}

#[test]
fn yexian_art18_cases_are_handled_on_camera() {
    let (mut world, _) = by_the_book();
    let unlinked: Vec<MediaId> =
        world.case_mut(DEMOLITION).links.iter().filter(|link| link.stage == Stage::Investigation).map(|link| link.media_id).collect();
    world.case_mut(DEMOLITION).links.retain(|link| link.stage != Stage::Investigation);
    world.recordings.retain(|recording| !unlinked.contains(&recording.media_id));
    let finding = only(&world, "yexian-jtys", "av-investigation", "第十八条");
    assert!(finding.message.contains(DEMOLITION), "{}", finding.message);
    assert_eq!(finding.misconduct[0].source.article, "第二十四条（一）");
}

#[test]
fn yexian_art22_recordings_that_do_not_play_back_are_found() {
    let (mut world, _) = by_the_book();
    let media = world.recordings[0].media_id;
    world.recording_mut(media).playback = Playback::Failed { detail: "moov atom not found".into() };
    let finding = only(&world, "yexian-jtys", "playback-check", "第二十二条");
    assert_eq!(finding.evidence.get("detail").map(String::as_str), Some("moov atom not found"));
}

#[test]
fn yexian_art22_a_spot_check_review_below_the_bar_is_a_finding_until_a_later_review_passes() {
    use crate::supervision::{mark, Outcome, Population, Sampled, SpotCheckReview};
    let (mut world, _) = by_the_book();
    let media = world.recordings[0].media_id;
    let pack = PolicyPack::builtin("yexian-jtys").unwrap().unwrap();
    let review = |sequence: u32, told: Outcome, minute: i64| {
        let judged: Vec<(String, Outcome)> = pack
            .rubric
            .iter()
            .filter(|criterion| criterion.applies_to(crate::pack::RubricScope::Recordings))
            .map(|criterion| (criterion.id.clone(), if criterion.id == "told-party" { told } else { Outcome::Met }))
            .collect();
        SpotCheckReview {
            check_id: crate::id::SpotCheckId::new(),
            position: 0,
            subject: Sampled::Recording(media),
            sequence,
            marks: mark(&pack.rubric, Population::Recordings, &judged).unwrap(),
            comment: "未事先告知当事人".into(),
            pack_id: pack.id.clone(),
            pack_version: pack.version.clone(),
            reviewed_at: at(minute),
            reviewed_by: "user:督察".into(),
            reviewer: None,
        }
    };
    world.spot_check_reviews.push(review(0, Outcome::NotMet, 3 * DAY));
    let finding = only(&world, "yexian-jtys", "spot-check", "第二十二条");
    assert!(finding.message.contains("抽检得分 80（80/100 分）"), "{}", finding.message);
    assert!(finding.message.contains("事先告知对方使用执法记录设备记录"), "{}", finding.message);
    assert_eq!(finding.officer_id, world.recordings[0].officer_id);

    // Not applicable is not counted against the officer.
    world.spot_check_reviews[0] = review(0, Outcome::NotApplicable, 3 * DAY);
    assert!(world.evaluate("yexian-jtys").findings.is_empty());

    world.spot_check_reviews[0] = review(0, Outcome::NotMet, 3 * DAY);
    world.spot_check_reviews.push(review(1, Outcome::Met, 4 * DAY));
    assert!(world.evaluate("yexian-jtys").findings.is_empty(), "the latest review counts");
}
