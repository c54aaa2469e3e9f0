//! Checksums of revisions: over the canonical list of their ops.

use crate::ops::Op;

/// FNV-1a, 64 bits.
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    let mut hash = Fnv::new();
    hash.eat(bytes);
    hash.0
}

/// The checksum of a revision's ops: every field of every op, in order, so
/// any change to what the revision does changes it — and nothing else: not
/// the SQL a dialect renders (which depends on the schema the op meets, and
/// on the version of the renderer), so the same revision has one checksum on
/// every engine and across upgrades of migrator.
pub(crate) fn of(ops: &[Op]) -> String {
    use std::fmt::Write;
    let mut hash = Fnv::new();
    for op in ops {
        // Hashed as it is formatted: no text is built.
        let _ = writeln!(hash, "{op:?}");
    }
    format!("{:016x}", hash.0)
}

/// FNV-1a over what is written to it.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn eat(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.eat(s.as_bytes());
        Ok(())
    }
}
