//! Supervision (督察): spot checks (抽检) of AV records and cases.
//!
//! Inspectors check recorded conduct and completeness at random and keep a
//! register of what they found (叶县 第二十二条; 厦门 六（四）). A spot check
//! is drawn from a population the plan selects (unit, officer, period),
//! split into strata (act kind, recorded item), and reviewed item by item
//! against the rubric of the pack in force.
//!
//! **The draw is reproducible by anyone.** Each member of the population is
//! ranked by `SHA-256("<seed>:<id>")` (hex, lower case, the id as printed);
//! in each stratum the `per_stratum` lowest ranks are drawn. Nothing depends
//! on a random number generator's algorithm or on the order the population
//! was read in, so an auditor holding the recorded seed and the population
//! list can redraw the sample with `sha256sum` alone (`docs/supervision.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::case::{ActKind, RecordedItem};
use crate::id::{CaseId, MediaId, OfficerId, SpotCheckId, UnitId};
use crate::pack::{RubricCriterion, RubricScope};

/// What a spot check draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// AV records (音像记录) whose recording started in the period.
    Recordings,
    /// Cases (案件) opened in the period.
    Cases,
}

impl Population {
    pub fn label_zh(self) -> &'static str {
        match self {
            Population::Recordings => "音像记录",
            Population::Cases => "案件",
        }
    }

    pub fn parse(text: &str) -> Option<Population> {
        match text.trim() {
            "recordings" | "音像记录" => Some(Population::Recordings),
            "cases" | "案件" => Some(Population::Cases),
            _ => None,
        }
    }

    /// The rubric scope whose criteria apply to this population.
    pub fn scope(self) -> RubricScope {
        match self {
            Population::Recordings => RubricScope::Recordings,
            Population::Cases => RubricScope::Cases,
        }
    }
}

/// How the population is split before drawing (分层).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stratify {
    /// One stratum: the whole population.
    #[default]
    None,
    /// By the kind of enforcement act (cases, and records linked to one).
    ActKind,
    /// By the recorded item (现场检查, 询问, 送达, …) of a record's link or label.
    RecordedItem,
}

impl Stratify {
    pub fn label_zh(self) -> &'static str {
        match self {
            Stratify::None => "不分层",
            Stratify::ActKind => "按执法行为种类",
            Stratify::RecordedItem => "按记录事项",
        }
    }

    pub fn parse(text: &str) -> Option<Stratify> {
        match text.trim() {
            "" | "none" | "不分层" => Some(Stratify::None),
            "act_kind" | "执法行为种类" => Some(Stratify::ActKind),
            "recorded_item" | "item" | "记录事项" => Some(Stratify::RecordedItem),
            _ => None,
        }
    }
}

/// The most a stratum may contribute to one sample.
pub const MAX_PER_STRATUM: u32 = 500;

/// What to draw: the population's bounds and the sample's size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplePlan {
    pub population: Population,
    /// Only members of this unit and the units under it.
    pub unit_id: Option<UnitId>,
    /// Only members this officer recorded or handles.
    pub officer_id: Option<OfficerId>,
    /// The period: recording start (records) or opening (cases), `from` ≤ t < `to`.
    pub from: Timestamp,
    pub to: Timestamp,
    pub stratify: Stratify,
    /// How many to draw from each stratum (the whole sample when not stratified).
    pub per_stratum: u32,
    /// 32 random bytes, hex: with the population it fixes the sample.
    pub seed: String,
}

/// Why a plan cannot be drawn.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanRefused(pub String);

impl SamplePlan {
    /// Checks the plan's own fields.
    pub fn check(&self) -> Result<(), PlanRefused> {
        if self.to <= self.from {
            return Err(PlanRefused("the period ends before it starts; give a start date before the end date".into()));
        }
        if self.per_stratum == 0 || self.per_stratum > MAX_PER_STRATUM {
            return Err(PlanRefused(format!("draw between 1 and {MAX_PER_STRATUM} per stratum (每层抽取数量)")));
        }
        if self.seed.len() != 64 || !self.seed.bytes().all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase()) {
            return Err(PlanRefused("a seed is 64 lower-case hexadecimal digits (32 bytes)".into()));
        }
        Ok(())
    }
}

/// What a spot check item is: one AV record or one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Sampled {
    Recording(MediaId),
    Case(CaseId),
}

impl Sampled {
    /// The id as printed, the text that is hashed with the seed.
    pub fn id_text(&self) -> String {
        match self {
            Sampled::Recording(id) => id.to_string(),
            Sampled::Case(id) => id.to_string(),
        }
    }

    pub fn population(&self) -> Population {
        match self {
            Sampled::Recording(_) => Population::Recordings,
            Sampled::Case(_) => Population::Cases,
        }
    }
}

impl fmt::Display for Sampled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id_text())
    }
}

/// One member of a population, with what stratifying needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub subject: Sampled,
    pub act_kind: Option<ActKind>,
    pub item: Option<RecordedItem>,
}

impl Candidate {
    /// The stratum this member falls in under `stratify`: a Chinese name
    /// (未关联 when the record has none).
    pub fn stratum(&self, stratify: Stratify) -> String {
        match stratify {
            Stratify::None => "全部".to_owned(),
            Stratify::ActKind => self.act_kind.map_or("未关联案件", ActKind::label_zh).to_owned(),
            Stratify::RecordedItem => self.item.map_or("未关联或标注", RecordedItem::label_zh).to_owned(),
        }
    }
}

/// A member of the population as the draw saw it: its stratum and rank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub subject: Sampled,
    pub stratum: String,
}

/// One drawn item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleItem {
    /// 0, 1, 2, … in the order the sample lists them (by stratum, then rank).
    pub position: u32,
    pub subject: Sampled,
    pub stratum: String,
    /// `SHA-256("<seed>:<id>")`, hex: why this member and not another.
    pub rank: String,
}

/// The rank of a member under a seed.
pub fn rank(seed: &str, subject: &Sampled) -> String {
    let mut hasher = Sha256::new();
    hasher.update(seed.as_bytes());
    hasher.update(b":");
    hasher.update(subject.id_text().as_bytes());
    hex::encode(hasher.finalize())
}

/// The population as recorded: members sorted by id, one line each,
/// `<stratum>\t<id>\n`. Its SHA-256 goes into the ledger with the draw.
pub fn population_digest(members: &[Member]) -> String {
    let mut lines: Vec<(&Sampled, &str)> = members.iter().map(|member| (&member.subject, member.stratum.as_str())).collect();
    lines.sort();
    let mut hasher = Sha256::new();
    for (subject, stratum) in lines {
        hasher.update(stratum.as_bytes());
        hasher.update(b"\t");
        hasher.update(subject.id_text().as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// The members of a population under a plan's stratification.
pub fn members(candidates: &[Candidate], stratify: Stratify) -> Vec<Member> {
    let mut seen = BTreeSet::new();
    candidates
        .iter()
        .filter(|candidate| seen.insert(candidate.subject))
        .map(|candidate| Member { subject: candidate.subject, stratum: candidate.stratum(stratify) })
        .collect()
}

/// Draws the sample: in each stratum, the `per_stratum` members of lowest
/// rank. A pure function of the seed and the set of members.
pub fn draw(seed: &str, per_stratum: u32, members: &[Member]) -> Vec<SampleItem> {
    let mut strata: BTreeMap<&str, Vec<(String, Sampled)>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for member in members.iter().filter(|member| seen.insert(member.subject)) {
        strata.entry(member.stratum.as_str()).or_default().push((rank(seed, &member.subject), member.subject));
    }
    let mut items = Vec::new();
    for (stratum, mut ranked) in strata {
        ranked.sort();
        for (rank, subject) in ranked.into_iter().take(per_stratum as usize) {
            items.push(SampleItem { position: items.len() as u32, subject, stratum: stratum.to_owned(), rank });
        }
    }
    items
}

/// A drawn spot check, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotCheck {
    pub id: SpotCheckId,
    pub plan: SamplePlan,
    /// How many members the population had, and its digest.
    pub population_size: u32,
    pub population_sha256: String,
    pub items: Vec<SampleItem>,
    pub drawn_at: Timestamp,
    pub drawn_by: String,
    /// The officer (inspector) who drew it, when the account is one.
    pub inspector: Option<OfficerId>,
}

/// How one criterion of the rubric was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 符合.
    Met,
    /// 不符合.
    NotMet,
    /// 不适用: the situation did not arise (no party present, …).
    NotApplicable,
}

impl Outcome {
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Met => "符合",
            Outcome::NotMet => "不符合",
            Outcome::NotApplicable => "不适用",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        match text.trim() {
            "met" | "符合" | "yes" => Some(Outcome::Met),
            "not_met" | "不符合" | "no" => Some(Outcome::NotMet),
            "not_applicable" | "不适用" | "na" => Some(Outcome::NotApplicable),
            _ => None,
        }
    }
}

/// One criterion as judged, with what it was worth when judged: a later
/// pack does not change a review already recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub criterion: String,
    pub description: String,
    pub points: u32,
    pub outcome: Outcome,
}

/// A review of one drawn item against the rubric (检查台账 entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotCheckReview {
    pub check_id: SpotCheckId,
    /// The item's position in the sample.
    pub position: u32,
    pub subject: Sampled,
    /// 0 for the first review of the item, then 1, 2, … (a second look
    /// after an objection is a new review; the first stays).
    pub sequence: u32,
    pub marks: Vec<Mark>,
    pub comment: String,
    /// The rubric's source: the pack id and version it was scored under.
    pub pack_id: String,
    pub pack_version: String,
    pub reviewed_at: Timestamp,
    pub reviewed_by: String,
    pub reviewer: Option<OfficerId>,
}

/// A review's score: points earned of the points that applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub earned: u32,
    pub possible: u32,
}

impl Score {
    /// The score out of 100, rounded down; 100 when nothing applied.
    pub fn percent(&self) -> u32 {
        if self.possible == 0 {
            100
        } else {
            (u64::from(self.earned) * 100 / u64::from(self.possible)) as u32
        }
    }
}

impl SpotCheckReview {
    pub fn score(&self) -> Score {
        let mut score = Score { earned: 0, possible: 0 };
        for mark in &self.marks {
            match mark.outcome {
                Outcome::Met => {
                    score.earned += mark.points;
                    score.possible += mark.points;
                }
                Outcome::NotMet => score.possible += mark.points,
                Outcome::NotApplicable => {}
            }
        }
        score
    }

    /// The criteria judged not met.
    pub fn failed(&self) -> impl Iterator<Item = &Mark> {
        self.marks.iter().filter(|mark| mark.outcome == Outcome::NotMet)
    }
}

/// Why a review cannot be recorded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReviewRefused(pub String);

/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 2000;

/// Turns what the reviewer judged into marks under `rubric`: every
/// criterion that applies to the item is judged exactly once, no other.
pub fn mark(rubric: &[RubricCriterion], population: Population, judged: &[(String, Outcome)]) -> Result<Vec<Mark>, ReviewRefused> {
    let applies: Vec<&RubricCriterion> = rubric.iter().filter(|criterion| criterion.applies_to(population.scope())).collect();
    if applies.is_empty() {
        return Err(ReviewRefused(format!(
            "the pack in force has no rubric for {} (评分标准); add [[rubric]] entries to the pack",
            population.label_zh()
        )));
    }
    let mut given: BTreeMap<&str, Outcome> = BTreeMap::new();
    for (criterion, outcome) in judged {
        if !applies.iter().any(|known| known.id == *criterion) {
            return Err(ReviewRefused(format!("the rubric has no criterion `{criterion}` for {}", population.label_zh())));
        }
        if given.insert(criterion.as_str(), *outcome).is_some() {
            return Err(ReviewRefused(format!("criterion `{criterion}` is judged twice; judge each once")));
        }
    }
    applies
        .iter()
        .map(|criterion| match given.get(criterion.id.as_str()) {
            Some(outcome) => Ok(Mark {
                criterion: criterion.id.clone(),
                description: criterion.description.clone(),
                points: criterion.points,
                outcome: *outcome,
            }),
            None => Err(ReviewRefused(format!("judge every criterion: 「{}」 is not judged", criterion.description))),
        })
        .collect()
}

/// The latest review of each item reviewed, by subject.
pub fn latest_reviews(reviews: &[SpotCheckReview]) -> BTreeMap<Sampled, &SpotCheckReview> {
    let mut latest: BTreeMap<Sampled, &SpotCheckReview> = BTreeMap::new();
    for review in reviews {
        let newer = latest.get(&review.subject).is_none_or(|known| {
            (review.reviewed_at, review.check_id, review.sequence) > (known.reviewed_at, known.check_id, known.sequence)
        });
        if newer {
            latest.insert(review.subject, review);
        }
    }
    latest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording_members(count: usize, stratum: &str) -> Vec<Member> {
        (0..count).map(|_| Member { subject: Sampled::Recording(MediaId::new()), stratum: stratum.to_owned() }).collect()
    }

    const SEED: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn the_same_seed_and_population_draw_the_same_sample_in_any_order() {
        let mut members = recording_members(200, "全部");
        let first = draw(SEED, 10, &members);
        members.reverse();
        members.rotate_left(37);
        assert_eq!(draw(SEED, 10, &members), first);
        assert_eq!(first.len(), 10);
        let other_seed = "f".repeat(64);
        assert_ne!(draw(&other_seed, 10, &members), first, "another seed draws another sample");
    }

    #[test]
    fn each_stratum_gives_its_own_share_and_a_small_stratum_gives_all() {
        let mut members = recording_members(50, "询问");
        members.extend(recording_members(3, "送达"));
        members.extend(recording_members(40, "现场检查"));
        let sample = draw(SEED, 5, &members);
        let count = |stratum: &str| sample.iter().filter(|item| item.stratum == stratum).count();
        assert_eq!((count("询问"), count("送达"), count("现场检查")), (5, 3, 5));
        let positions: Vec<u32> = sample.iter().map(|item| item.position).collect();
        assert_eq!(positions, (0..13).collect::<Vec<u32>>());
    }

    #[test]
    fn the_drawn_are_the_lowest_ranks_as_sha256sum_computes_them() {
        let members = recording_members(30, "全部");
        let sample = draw(SEED, 3, &members);
        let mut ranks: Vec<String> =
            members.iter().map(|member| hex::encode(Sha256::digest(format!("{SEED}:{}", member.subject).as_bytes()))).collect();
        ranks.sort();
        assert_eq!(sample.iter().map(|item| item.rank.clone()).collect::<Vec<_>>(), ranks[..3].to_vec());
    }

    #[test]
    fn a_member_listed_twice_counts_once() {
        let mut members = recording_members(2, "全部");
        members.push(members[0].clone());
        assert_eq!(draw(SEED, 10, &members).len(), 2);
        let digest = population_digest(&members[..2]);
        let mut reversed = members[..2].to_vec();
        reversed.reverse();
        assert_eq!(population_digest(&reversed), digest);
    }

    #[test]
    fn plans_with_a_bad_period_size_or_seed_are_refused() {
        let plan = SamplePlan {
            population: Population::Recordings,
            unit_id: None,
            officer_id: None,
            from: "2026-01-01T00:00:00Z".parse().unwrap(),
            to: "2026-02-01T00:00:00Z".parse().unwrap(),
            stratify: Stratify::None,
            per_stratum: 5,
            seed: SEED.to_owned(),
        };
        assert!(plan.check().is_ok());
        assert!(SamplePlan { to: plan.from, ..plan.clone() }.check().unwrap_err().0.contains("ends before"));
        assert!(SamplePlan { per_stratum: 0, ..plan.clone() }.check().is_err());
        assert!(SamplePlan { seed: SEED.to_uppercase(), ..plan.clone() }.check().is_err());
        assert!(SamplePlan { seed: "12".into(), ..plan }.check().is_err());
    }

    fn rubric() -> Vec<RubricCriterion> {
        let criterion = |id: &str, points: u32, scope: RubricScope| RubricCriterion {
            id: id.to_owned(),
            description: format!("标准{id}"),
            points,
            scope,
            source: crate::regulation::parse_citation("001_7a70bf4a2140f7df.txt 第十九条").unwrap(),
        };
        vec![
            criterion("told", 30, RubricScope::Recordings),
            criterion("conduct", 50, RubricScope::Both),
            criterion("continuous", 20, RubricScope::Recordings),
            criterion("file", 40, RubricScope::Cases),
        ]
    }

    #[test]
    fn a_review_scores_the_met_points_of_those_that_applied() {
        let judged = vec![
            ("told".to_owned(), Outcome::NotApplicable),
            ("conduct".to_owned(), Outcome::Met),
            ("continuous".to_owned(), Outcome::NotMet),
        ];
        let marks = mark(&rubric(), Population::Recordings, &judged).unwrap();
        assert_eq!(marks.iter().map(|mark| mark.criterion.as_str()).collect::<Vec<_>>(), ["told", "conduct", "continuous"]);
        let review = SpotCheckReview {
            check_id: SpotCheckId::new(),
            position: 0,
            subject: Sampled::Recording(MediaId::new()),
            sequence: 0,
            marks,
            comment: String::new(),
            pack_id: "p".into(),
            pack_version: "1".into(),
            reviewed_at: Timestamp::UNIX_EPOCH,
            reviewed_by: "inspector".into(),
            reviewer: None,
        };
        assert_eq!(review.score(), Score { earned: 50, possible: 70 });
        assert_eq!(review.score().percent(), 71);
        assert_eq!(review.failed().map(|mark| mark.criterion.as_str()).collect::<Vec<_>>(), ["continuous"]);
        assert_eq!(Score { earned: 0, possible: 0 }.percent(), 100);
    }

    #[test]
    fn a_review_judges_every_criterion_that_applies_once_and_no_other() {
        let all = |outcome| vec![("conduct".to_owned(), outcome), ("file".to_owned(), outcome)];
        assert!(mark(&rubric(), Population::Cases, &all(Outcome::Met)).is_ok());
        let missing = mark(&rubric(), Population::Cases, &all(Outcome::Met)[..1]).unwrap_err();
        assert!(missing.0.contains("标准file"), "{missing}");
        let mut twice = all(Outcome::Met);
        twice.push(("file".to_owned(), Outcome::NotMet));
        assert!(mark(&rubric(), Population::Cases, &twice).unwrap_err().0.contains("twice"));
        let foreign = vec![("told".to_owned(), Outcome::Met)];
        assert!(mark(&rubric(), Population::Cases, &foreign).unwrap_err().0.contains("no criterion `told`"));
        assert!(mark(&[], Population::Cases, &[]).unwrap_err().0.contains("[[rubric]]"));
    }
}
