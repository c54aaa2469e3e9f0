//! Checksums of revisions: over the canonical list of their ops.

use crate::ops::Op;
use crate::render::Statement;

/// FNV-1a, 64 bits.
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The checksum of a revision's ops: each op's description and the SQL it
/// renders to, so any change to what the revision does changes it.
pub(crate) fn of(ops: &[Op], statements: &[Vec<Statement>]) -> String {
    let mut text = String::new();
    for (op, rendered) in ops.iter().zip(statements) {
        text.push_str(&op.describe());
        text.push('\n');
        for s in rendered {
            text.push_str(&s.sql);
            text.push('\n');
        }
    }
    format!("{:016x}", fnv64(text.as_bytes()))
}
