//! `liuhen unit|officer|device|user …`: the agency's directory.
//!
//! The checks and the ledger entries are `liuhen_server::directory`'s, the
//! service the administrators' API uses too; this module reads the flags
//! and prints. Every addition is a ledger entry recorded with the change.

use std::process::ExitCode;

use anyhow::{bail, Context};
use jiff::Timestamp;
use liuhen_core::digest::sha256;
use liuhen_core::entity::{Agency, ApiToken, Device, DeviceKind, Officer, OfficerRole, Qualification, Role, Unit, User};
use liuhen_core::entry::EntryDraft;
use liuhen_core::id::TokenId;
use liuhen_core::mutation::{action, Mutation};
use liuhen_server::directory;

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
            let unit = directory::add_unit(&instance.ledger, directory::NewUnit { name, code, parent }, &console_actor()).await?;
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
    Ok(directory::record_unit(&instance.ledger, &console_actor(), unit).await?)
}

pub async fn officer(instance: &Instance, command: OfficerCommand) -> anyhow::Result<ExitCode> {
    match command {
        OfficerCommand::Add { name, badge, certificate, unit, role, assistant } => {
            if !assistant && certificate.is_none() {
                bail!("a full officer needs an enforcement certificate number (--certificate); add --assistant for an assistant (协助执法人员)");
            }
            let new = directory::NewOfficer {
                name,
                badge,
                certificate,
                unit,
                role: match role {
                    OfficerRoleArg::FrontLine => OfficerRole::FrontLine,
                    OfficerRoleArg::Leader => OfficerRole::Leader,
                    OfficerRoleArg::LegalReviewer => OfficerRole::LegalReviewer,
                    OfficerRoleArg::Inspector => OfficerRole::Inspector,
                    OfficerRoleArg::Staff => OfficerRole::Staff,
                },
                qualification: if assistant { Qualification::Assistant } else { Qualification::Officer },
            };
            let officer = directory::add_officer(&instance.ledger, new, &console_actor()).await?;
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
    Ok(directory::record_officer(&instance.ledger, &console_actor(), officer).await?)
}

pub async fn device(instance: &Instance, command: DeviceCommand) -> anyhow::Result<ExitCode> {
    match command {
        DeviceCommand::Add { serial, kind, model, officer, unit } => {
            let new = directory::NewDevice {
                serial,
                kind: match kind {
                    DeviceKindArg::BodyCamera => DeviceKind::BodyCamera,
                    DeviceKindArg::Workstation => DeviceKind::Workstation,
                    DeviceKindArg::Other => DeviceKind::Other,
                },
                model,
                officer,
                unit,
            };
            let device = directory::add_device(&instance.ledger, new, &console_actor()).await?;
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
        register => return super::devices::run(instance, register).await,
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn record_device(instance: &Instance, device: &Device) -> anyhow::Result<()> {
    Ok(directory::record_device(&instance.ledger, &console_actor(), device).await?)
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
            let (password, generated) = super::secret_from(password_file.as_deref(), "LIUHEN_USER_PASSWORD")?;
            let new = directory::NewUser { login, display_name: name, password: password.clone(), roles, officer };
            let user = directory::add_user(&instance.ledger, new, &console_actor()).await?;
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
    Ok(directory::record_user(&instance.ledger, &console_actor(), user).await?)
}
