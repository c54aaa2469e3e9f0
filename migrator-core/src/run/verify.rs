//! What the checksums of the applied revisions say: which changed since
//! they ran, which were only stamped, and how many were compared at all.

use super::backend::{Session, on_engine};
use super::{Database, RunError, Runner, tables};

/// What comparing the applied revisions' checksums found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// The revisions the version table says are applied.
    pub applied: usize,
    /// Those compared with the checksum recorded when they were applied or
    /// stamped.
    pub compared: usize,
    /// The compared revisions whose ops changed since.
    pub changed: Vec<Changed>,
    /// The applied revisions recorded only by a stamp: migrator never ran
    /// their ops here; their checksum is the one they had when stamped.
    pub stamped: Vec<String>,
    /// The applied revisions with no checksum recorded at all (stamped by
    /// migrator before stamps recorded checksums, say).
    pub unrecorded: Vec<String>,
}

/// An applied revision whose ops changed since it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The revision.
    pub revision: String,
    /// Its checksum when it was applied (or stamped).
    pub applied: String,
    /// Its checksum now.
    pub now: String,
}

impl Runner<'_> {
    /// Compares the checksum of every applied revision with the one
    /// recorded when it was applied or stamped. A version table without its
    /// history table is an error: nothing could be compared.
    pub async fn verify(&self, db: &Database) -> Result<Verification, RunError> {
        on_engine!(db.engine(), S => {
            self.verify_in(&mut S::open(db, &self.config).await?).await
        })
    }

    /// The applied revisions whose ops changed since they ran
    /// ([`verify`](Self::verify)'s `changed`).
    pub async fn changed(&self, db: &Database) -> Result<Vec<Changed>, RunError> {
        Ok(self.verify(db).await?.changed)
    }

    async fn verify_in<S: Session>(&self, session: &mut S) -> Result<Verification, RunError> {
        let rows = tables::current(session, &self.config).await?;
        if rows.is_empty() {
            return Ok(Verification::default());
        }
        if !tables::history_exists(session, &self.config).await? {
            return Err(RunError::NoHistory {
                table: self.config.history_table.to_string(),
                at: rows,
            });
        }
        let stored = tables::checksums(session, &self.config).await?;
        let applied = self.migrations.graph().applied(&rows)?;
        let (_, sums) = self.migrations.replay(&applied)?;
        let mut out = Verification {
            applied: applied.len(),
            ..Verification::default()
        };
        for (id, now) in sums {
            let Some(recorded) = stored.get(&id) else {
                out.unrecorded.push(id);
                continue;
            };
            out.compared += 1;
            if recorded.by_stamp_only {
                out.stamped.push(id.clone());
            }
            if !now.matches(&recorded.checksum) {
                out.changed.push(Changed {
                    revision: id,
                    applied: recorded.checksum.clone(),
                    now: now.text,
                });
            }
        }
        Ok(out)
    }
}
