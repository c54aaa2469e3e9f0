//! Checksums of revisions: over the canonical list of their ops.

use crate::ops::Op;

/// FNV-1a, 64 bits.
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The checksum of a revision's ops: every field of every op, in order, so
/// any change to what the revision does changes it — and nothing else: not
/// the SQL a dialect renders (which depends on the schema the op meets, and
/// on the version of the renderer), so the same revision has one checksum on
/// every engine and across upgrades of migrator.
pub(crate) fn of(ops: &[Op]) -> String {
    let mut text = String::new();
    for op in ops {
        text.push_str(&format!("{op:?}"));
        text.push('\n');
    }
    format!("{:016x}", fnv64(text.as_bytes()))
}
