//! Catalog snapshots.
