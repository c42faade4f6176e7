//! Names of units and officers, read once per answer, for views that show
//! people and units by name rather than by id.

use liuhen_core::entity::{Officer, Unit};
use liuhen_core::id::{OfficerId, UnitId};

use crate::error::ApiError;
use crate::AppState;

pub(super) struct Names {
    units: Vec<Unit>,
    officers: Vec<Officer>,
}

impl Names {
    pub(super) async fn read(app: &AppState) -> Result<Names, ApiError> {
        Ok(Names { units: app.store.units().await?, officers: app.store.officers().await? })
    }

    /// `张伟（35020011）`.
    pub(super) fn officer(&self, id: OfficerId) -> Option<String> {
        self.officers.iter().find(|officer| officer.id == id).map(|officer| format!("{}（{}）", officer.name, officer.badge_no))
    }

    pub(super) fn unit(&self, id: UnitId) -> Option<String> {
        self.units.iter().find(|unit| unit.id == id).map(|unit| unit.name.clone())
    }
}
