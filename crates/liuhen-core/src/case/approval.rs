//! Internal approvals (内部审批) of a case: who gives an opinion on what,
//! in which order (the chain), and which stages wait for a complete chain.
//! A disagreement starts a chain again; opinions are never edited.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{refuse, Case, Procedure, Progress, Stage, StageRefused, StageStep, FENGTAI_4};
use crate::id::{CaseId, OfficerId};

/// What an internal approval is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalMatter {
    /// Starting a general-procedure case (程序启动审批, 大连 第六条): the
    /// handler's, the handling unit's and the leader's opinions.
    Start,
    /// The decision (审查决定审批, 大连 第十四、十五、二十八条): handler,
    /// reviewer, legal review (general procedure), approver.
    Decision,
}

/// Who gives an opinion in an approval chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalRole {
    /// 承办人: proposes, with reasons.
    Handler,
    /// 审核人 / 承办机构: reviews.
    Reviewer,
    /// 法制审核.
    LegalReview,
    /// 批准人 / 负责人: approves.
    Approver,
}

impl ApprovalRole {
    pub fn label_zh(self) -> &'static str {
        match self {
            ApprovalRole::Handler => "承办人",
            ApprovalRole::Reviewer => "审核人",
            ApprovalRole::LegalReview => "法制审核",
            ApprovalRole::Approver => "批准人",
        }
    }
}

/// One opinion in a chain (审批意见). Never edited: a new opinion follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub case_id: CaseId,
    /// 0, 1, 2, … over all of a case's approvals.
    pub sequence: u32,
    pub matter: ApprovalMatter,
    pub role: ApprovalRole,
    pub officer_id: Option<OfficerId>,
    pub opinion: String,
    /// `false`: the opinion disagrees, and the chain starts again.
    pub approved: bool,
    pub at: Timestamp,
    pub by: String,
}

/// The roles a chain needs, in order.
pub fn approval_chain(case: &Case, matter: ApprovalMatter) -> &'static [ApprovalRole] {
    use ApprovalRole::*;
    match (matter, case.procedure) {
        (ApprovalMatter::Start, _) => &[Handler, Reviewer, Approver],
        (ApprovalMatter::Decision, Procedure::General) => &[Handler, Reviewer, LegalReview, Approver],
        (ApprovalMatter::Decision, Procedure::Simple) => &[Handler, Approver],
    }
}

/// Where a chain stands: the role whose opinion comes next, or complete.
pub fn chain_next(case: &Case, matter: ApprovalMatter, approvals: &[Approval]) -> Option<ApprovalRole> {
    chain_walk(approval_chain(case, matter), matter, approvals).0
}

/// Where `chain` (a policy pack's, or [`approval_chain`]) stands for
/// `matter`: the role whose opinion comes next, or none when complete.
pub fn chain_next_in(chain: &[ApprovalRole], matter: ApprovalMatter, approvals: &[Approval]) -> Option<ApprovalRole> {
    chain_walk(chain, matter, approvals).0
}

/// When `chain` (a policy pack's, or [`approval_chain`]) was first complete
/// for `matter`, if it was: the time of the opinion that completed it.
pub fn chain_completed_at(chain: &[ApprovalRole], matter: ApprovalMatter, approvals: &[Approval]) -> Option<Timestamp> {
    chain_walk(chain, matter, approvals).1
}

/// Walks the opinions in order: the role that comes next (none: complete),
/// and when the chain was first completed. A disagreement starts it again;
/// opinions of roles not next in line do not move it.
fn chain_walk(chain: &[ApprovalRole], matter: ApprovalMatter, approvals: &[Approval]) -> (Option<ApprovalRole>, Option<Timestamp>) {
    let mut next = 0;
    let mut completed = None;
    for approval in approvals.iter().filter(|approval| approval.matter == matter) {
        if next < chain.len() && approval.role == chain[next] {
            next = if approval.approved { next + 1 } else { 0 };
            if next == chain.len() && completed.is_none() {
                completed = Some(approval.at);
            }
        }
    }
    (chain.get(next).copied(), completed)
}

/// Checks that `role` may give its opinion on `matter` now.
pub fn check_approval(
    case: &Case,
    progress: &Progress,
    approvals: &[Approval],
    matter: ApprovalMatter,
    role: ApprovalRole,
) -> Result<(), StageRefused> {
    const DALIAN_28: &str = "大连 第二十八条";
    if progress.concluded {
        return Err(refuse(FENGTAI_4, "the case is concluded; nothing more is approved".into()));
    }
    if matter == ApprovalMatter::Start && !case.act_kind.general_stages().contains(&Stage::Filing) {
        return Err(refuse("大连 第六条", format!("a {} case has no filing (立案) to approve", case.act_kind.label_zh())));
    }
    if matter == ApprovalMatter::Decision && progress.general != Some(Stage::ReviewDecision) {
        return Err(refuse(
            FENGTAI_4,
            format!(
                "the decision is approved while the case is in 审查决定; it is in {}",
                progress.general.map_or("no stage yet", Stage::label_zh)
            ),
        ));
    }
    match chain_next(case, matter, approvals) {
        None => Err(refuse(DALIAN_28, "this approval chain is complete already".into())),
        Some(next) if next != role => Err(refuse(
            DALIAN_28,
            format!(
                "the {} gives an opinion after the {}; next is the {}",
                role.label_zh(),
                previous_of(case, matter, role),
                next.label_zh()
            ),
        )),
        Some(_) => Ok(()),
    }
}

fn previous_of(case: &Case, matter: ApprovalMatter, role: ApprovalRole) -> &'static str {
    let chain = approval_chain(case, matter);
    match chain.iter().position(|candidate| *candidate == role) {
        Some(position) if position > 0 => chain[position - 1].label_zh(),
        Some(_) => "start",
        None => "chain (this role has no part in it)",
    }
}

/// The approvals a stage needs: filing (立案) in general procedure needs the
/// start approved (大连 第六条) unless started as an emergency; serving
/// (送达) a decision needs the decision chain complete (大连 第二十八条).
pub fn check_gates(case: &Case, stage: Stage, approvals: &[Approval], emergency: bool) -> Result<(), StageRefused> {
    if stage == Stage::Filing && case.procedure == Procedure::General && !emergency {
        if let Some(next) = chain_next(case, ApprovalMatter::Start, approvals) {
            return Err(refuse(
                "大连 第六条",
                format!("filing (立案) needs the start approved by handler, reviewer and leader; next is the {} (or start it as an emergency and approve within 24 h)", next.label_zh()),
            ));
        }
    }
    if emergency && stage != Stage::Filing {
        return Err(refuse("大连 第六条", "only filing (立案) can be started as an emergency".into()));
    }
    if stage == Stage::Service && case.act_kind.general_stages().contains(&Stage::ReviewDecision) {
        if let Some(next) = chain_next(case, ApprovalMatter::Decision, approvals) {
            return Err(refuse(
                "大连 第二十八条",
                format!("the decision cannot be served before it is approved; next in the chain is the {}", next.label_zh()),
            ));
        }
    }
    Ok(())
}

/// When the approval of an emergency start falls due (24 h after the start,
/// 大连 第六条), if the case was started so and the start is not yet approved.
pub fn emergency_approval_due(case: &Case, steps: &[StageStep], approvals: &[Approval]) -> Option<Timestamp> {
    let started = steps.iter().find(|step| step.emergency)?;
    chain_next(case, ApprovalMatter::Start, approvals)?;
    started.at.checked_add(jiff::SignedDuration::from_hours(24)).ok()
}
