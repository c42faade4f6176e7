//! `liuhen unit|officer|device|user …`: the agency's directory.
//!
//! Every addition is a ledger entry recorded with the change itself.

use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::Timestamp;
use liuhen_core::digest::sha256;
use liuhen_core::entity::{Agency, ApiToken, Device, DeviceKind, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::{DeviceId, OfficerId, TokenId, UnitId, UserId};
use liuhen_core::mutation::{action, Mutation};

use crate::cli::{DeviceCommand, DeviceKindArg, OfficerCommand, OfficerRoleArg, UnitCommand, UserCommand};
use crate::instance::{console_actor, Instance};

pub(crate) async fn the_agency(instance: &Instance) -> anyhow::Result<Agency> {
    instance.store.agencies().await?.into_iter().next().context("this instance has no agency; was `liuhen init` completed?")
}

pub(crate) async fn unit_by_code(instance: &Instance, code: &str) -> anyhow::Result<Unit> {
    instance
        .store
        .units()
        .await?
        .into_iter()
        .find(|unit| unit.code == code)
        .with_context(|| format!("there is no unit with code {code}; `liuhen unit list` shows the units"))
}

pub(crate) async fn officer_by_badge(instance: &Instance, badge: &str) -> anyhow::Result<Officer> {
    instance
        .store
        .officers()
        .await?
        .into_iter()
        .find(|officer| officer.badge_no == badge)
        .with_context(|| format!("there is no officer with badge number {badge}; `liuhen officer list` shows the officers"))
}

pub async fn unit(instance: &Instance, command: UnitCommand) -> anyhow::Result<ExitCode> {
    match command {
        UnitCommand::Add { name, code, parent } => {
            let agency = the_agency(instance).await?;
            let parent_id = match parent {
                Some(code) => Some(unit_by_code(instance, &code).await?.id),
                None => None,
            };
            let unit = Unit { id: UnitId::new(), agency_id: agency.id, parent_id, name, code };
            record_unit(instance, &unit).await?;
            println!("已添加单位 added unit {} ({}) {}", unit.name, unit.code, unit.id);
        }
        UnitCommand::List => {
            for unit in instance.store.units().await? {
                println!("{}\t{}\t{}", unit.code, unit.name, unit.id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn record_unit(instance: &Instance, unit: &Unit) -> anyhow::Result<()> {
    instance
        .ledger
        .record(
            EntryDraft::new(console_actor(), action::UNIT_CREATED)
                .subject(unit.id.subject())
                .payload(serde_json::json!({"name": unit.name, "code": unit.code, "parent": unit.parent_id})),
            vec![Mutation::CreateUnit(unit.clone())],
        )
        .await?;
    Ok(())
}

pub async fn officer(instance: &Instance, command: OfficerCommand) -> anyhow::Result<ExitCode> {
    match command {
        OfficerCommand::Add { name, badge, certificate, unit, role, assistant } => {
            let agency = the_agency(instance).await?;
            let unit = unit_by_code(instance, &unit).await?;
            if !assistant && certificate.is_none() {
                bail!("a full officer needs an enforcement certificate number (--certificate); add --assistant for an assistant (协助执法人员)");
            }
            let officer = Officer {
                id: OfficerId::new(),
                agency_id: agency.id,
                unit_id: unit.id,
                name,
                certificate_no: certificate,
                badge_no: badge,
                role: match role {
                    OfficerRoleArg::FrontLine => OfficerRole::FrontLine,
                    OfficerRoleArg::Leader => OfficerRole::Leader,
                    OfficerRoleArg::LegalReviewer => OfficerRole::LegalReviewer,
                    OfficerRoleArg::Inspector => OfficerRole::Inspector,
                    OfficerRoleArg::Staff => OfficerRole::Staff,
                },
                qualification: if assistant { Qualification::Assistant } else { Qualification::Officer },
            };
            record_officer(instance, &officer).await?;
            println!("已添加人员 added officer {} (badge {}) {}", officer.name, officer.badge_no, officer.id);
        }
        OfficerCommand::List => {
            for officer in instance.store.officers().await? {
                println!(
                    "{}\t{}\t{}\t{:?}\t{}",
                    officer.badge_no,
                    officer.name,
                    officer.certificate_no.as_deref().unwrap_or("-"),
                    officer.qualification,
                    officer.id
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn record_officer(instance: &Instance, officer: &Officer) -> anyhow::Result<()> {
    instance
        .ledger
        .record(
            EntryDraft::new(console_actor(), action::OFFICER_CREATED).subject(officer.id.subject()).payload(serde_json::json!({
                "name": officer.name, "badge_no": officer.badge_no, "certificate_no": officer.certificate_no,
                "unit": officer.unit_id, "role": officer.role, "qualification": officer.qualification,
            })),
            vec![Mutation::CreateOfficer(officer.clone())],
        )
        .await?;
    Ok(())
}

pub async fn device(instance: &Instance, command: DeviceCommand) -> anyhow::Result<ExitCode> {
    match command {
        DeviceCommand::Add { serial, kind, model, officer, unit } => {
            let agency = the_agency(instance).await?;
            let assigned_officer = match officer {
                Some(badge) => Some(officer_by_badge(instance, &badge).await?.id),
                None => None,
            };
            let unit_id = match unit {
                Some(code) => Some(unit_by_code(instance, &code).await?.id),
                None => None,
            };
            let device = Device {
                id: DeviceId::new(),
                agency_id: agency.id,
                serial,
                kind: match kind {
                    DeviceKindArg::BodyCamera => DeviceKind::BodyCamera,
                    DeviceKindArg::Workstation => DeviceKind::Workstation,
                    DeviceKindArg::Other => DeviceKind::Other,
                },
                model,
                assigned_officer,
                unit_id,
            };
            record_device(instance, &device).await?;
            println!("已登记设备 registered device {} {}", device.serial, device.id);
        }
        DeviceCommand::Token { serial } => {
            let device =
                instance.store.device_by_serial(&serial).await?.with_context(|| format!("no device with serial {serial} is registered"))?;
            let secret = new_token_secret();
            let token = ApiToken {
                id: TokenId::new(),
                device_id: device.id,
                secret_sha256: sha256(secret.as_bytes()),
                created_at: Timestamp::now(),
                revoked: false,
            };
            instance
                .ledger
                .record(
                    EntryDraft::new(console_actor(), action::TOKEN_ISSUED)
                        .subject(token.id.subject())
                        .subject(device.id.subject())
                        .payload(serde_json::json!({"device_serial": device.serial})),
                    vec![Mutation::CreateApiToken(token)],
                )
                .await?;
            println!("{secret}");
            eprintln!("the token above is shown once; give it to the device as `Authorization: Bearer <token>`");
        }
        DeviceCommand::RevokeTokens { serial } => {
            let device =
                instance.store.device_by_serial(&serial).await?.with_context(|| format!("no device with serial {serial} is registered"))?;
            let live: Vec<_> = instance.store.api_tokens_of_device(device.id).await?.into_iter().filter(|token| !token.revoked).collect();
            for token in &live {
                instance
                    .ledger
                    .record(
                        EntryDraft::new(console_actor(), action::TOKEN_REVOKED)
                            .subject(token.id.subject())
                            .subject(device.id.subject())
                            .payload(serde_json::json!({"device_serial": device.serial})),
                        vec![Mutation::RevokeApiToken(token.id)],
                    )
                    .await?;
            }
            println!("已吊销 revoked {} token(s) of {}", live.len(), device.serial);
        }
        DeviceCommand::List => {
            for device in instance.store.devices().await? {
                println!("{}\t{:?}\t{}\t{}", device.serial, device.kind, device.model.as_deref().unwrap_or("-"), device.id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn record_device(instance: &Instance, device: &Device) -> anyhow::Result<()> {
    instance
        .ledger
        .record(
            EntryDraft::new(console_actor(), action::DEVICE_CREATED).subject(device.id.subject()).payload(serde_json::json!({
                "serial": device.serial, "kind": device.kind, "model": device.model,
                "assigned_officer": device.assigned_officer, "unit": device.unit_id,
            })),
            vec![Mutation::CreateDevice(device.clone())],
        )
        .await?;
    Ok(())
}

fn new_token_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

pub async fn user(instance: &Instance, command: UserCommand) -> anyhow::Result<ExitCode> {
    match command {
        UserCommand::Add { login, name, roles, officer, password_file } => {
            let roles = roles.iter().map(|role| role.parse::<Role>()).collect::<Result<Vec<_>, _>>()?;
            let officer_id = match officer {
                Some(badge) => Some(officer_by_badge(instance, &badge).await?.id),
                None => None,
            };
            let (password, generated) = super::secret_from(password_file.as_deref(), "LIUHEN_USER_PASSWORD")?;
            let user = User {
                id: UserId::new(),
                login,
                display_name: name,
                password_hash: liuhen_server::auth::hash_password(&password),
                roles,
                officer_id,
                disabled: false,
            };
            record_user(instance, &user).await?;
            println!("已添加账号 added account {} {}", user.login, user.id);
            if generated {
                println!("password (shown once): {password}");
            }
        }
        UserCommand::List => {
            for user in instance.store.users().await? {
                let roles: Vec<_> = user.roles.iter().map(|role| role.as_str()).collect();
                println!("{}\t{}\t{}\t{}", user.login, user.display_name, roles.join(","), user.id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn record_user(instance: &Instance, user: &User) -> anyhow::Result<()> {
    let roles: Vec<_> = user.roles.iter().map(|role| role.as_str()).collect();
    instance
        .ledger
        .record(
            EntryDraft::new(console_actor(), action::USER_CREATED).subject(user.id.subject()).payload(
                serde_json::json!({"login": user.login, "display_name": user.display_name, "roles": roles, "officer": user.officer_id}),
            ),
            vec![Mutation::CreateUser(user.clone())],
        )
        .await?;
    Ok(())
}
