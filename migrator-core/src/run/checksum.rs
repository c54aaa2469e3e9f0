//! Checksums of revisions: SHA-256 over a canonical, versioned encoding of
//! their ops.
//!
//! A revision's checksum covers every field of every op it records, in
//! order — so any change to what the revision does changes it — and nothing
//! else: not the SQL a dialect renders (which depends on the schema the op
//! meets and on the renderer's version), not the names or order of the
//! fields in migrator's Rust structs, not the compiler. The same revision has
//! one checksum on every engine and across upgrades of migrator.
//!
//! # The text
//!
//! `v2:` followed by the 64 lowercase hex digits of the SHA-256 of the
//! *message* below. The version tag says which encoding made it; a change to
//! the encoding that moves any existing checksum is a new version, with the
//! old one kept for reading old rows.
//!
//! Checksums recorded before v2 are 16 hex digits without a prefix
//! ([`legacy_fnv`]): FNV-1a over the ops' `Debug` text. They are still
//! verified, with that algorithm, and the runner rewrites those that match
//! to v2 (see `tables::record_v2`).
//!
//! # The message
//!
//! ```text
//! message = str("migrator ops v2") u64(number of ops) record...
//! record  = str(kind) field... str("")    one record per op, and per nested value
//! field   = str(name) value               a flag is its name alone
//! value   = str | u32 | i64 | f64 | record | list
//! list    = u64(count) (str | record)...
//! str     = u64(byte length) UTF-8 bytes
//! ```
//!
//! Integers are big-endian (`u32` 4 bytes, `u64`/`i64` 8 bytes); an `f64` is
//! the 8 big-endian bytes of its IEEE 754 bits (so `-0.0` and `0.0` differ,
//! as they do for [`Literal`]'s equality). A record ends with the empty
//! string, which no field name is. Each part says where it ends and each
//! field name fixes the shape of its value, so the message decodes to one op
//! list only: two different op lists never share a message.
//!
//! A field at its empty value is left out: a flag that is false, an absent
//! optional value, an empty list. Every other field is always written, in
//! the order listed below. So a future field whose empty value means what
//! migrator did before it existed leaves every checksum as it was.
//!
//! # Records, by kind (fields in order; `?` optional, `[]` a list)
//!
//! Ops:
//!
//! | kind | fields |
//! | --- | --- |
//! | `create_schema` | `name` str, `if_not_exists` flag |
//! | `drop_schema` | `name` str |
//! | `create_table` | `table` table, `if_not_exists` flag |
//! | `drop_table` | `name` qname |
//! | `rename_table` | `name` qname, `to` str |
//! | `set_table_comment` | `table` qname, `comment` str? |
//! | `add_column` | `table` qname, `column` column |
//! | `drop_column` | `table` qname, `column` str |
//! | `rename_column` | `table` qname, `from` str, `to` str |
//! | `alter_column` | `table` qname, `column` str, `type` type_change?, `nullable` bool?, `default` change(default)?, `comment` change(str)?, `identity` identity_change?, `identity_options` sequence_change? (left out when not set), `collation` change(str)?, `drop_expression` flag |
//! | `create_index` | `index` index, `concurrently` flag, `if_not_exists` flag |
//! | `drop_index` | `name` qname, `concurrently` flag |
//! | `add_constraint` | `table` qname, `constraint` constraint |
//! | `drop_constraint` | `table` qname, `name` str |
//! | `add_key_using_index` | `table` qname, `index` str, `kind` str (`primary_key`, `unique`), `name` str? |
//! | `validate_constraint` | `table` qname, `name` str |
//! | `create_enum` | `name` qname, `values` str[] |
//! | `add_enum_value` | `name` qname, `value` str, `position` position?, `if_not_exists` flag |
//! | `rename_enum_value` | `name` qname, `from` str, `to` str |
//! | `drop_enum` | `name` qname |
//! | `execute` | `sql` str, `reverse` str?, `transactional` flag, `declares` op[] |
//! | `run_rust` | `name` str, `reversible` flag, `offline` str?, `offline_reverse` str? (an [`Op::DataStep`]; a function cannot be hashed: its name stands for it) |
//! | `bulk_insert` | `table` qname, `columns` str[], `rows` (a count, then each row: a count and its literals) |
//! | `create_extension` | `name` str, `schema` str?, `version` str?, `if_not_exists` flag |
//! | `drop_extension` | `name` str |
//! | `create_function` | `function` function, `or_replace` flag |
//! | `drop_function` | `name` qname |
//! | `create_trigger` | `trigger` trigger |
//! | `drop_trigger` | `table` qname, `name` str |
//! | `create_view` | `view` view, `or_replace` flag, `with_no_data` flag |
//! | `drop_view` | `name` qname, `materialized` flag |
//! | `rename_view` | `name` qname, `to` str, `materialized` flag |
//! | `refresh_materialized_view` | `name` qname, `concurrently` flag |
//! | `create_sequence` | `name` qname, `as_type` type?, `sequence_options` sequence_options?, `owned_by` sequence_owner? (left out when none) |
//! | `alter_sequence` | `name` qname, `as_type` type?, `increment` i64?, `start` i64?, `min_value` i64?, `max_value` i64?, `cycle` bool?, `cache` i64?, `restart` i64?, `owned_by` change(sequence_owner)? (`drop`: `OWNED BY NONE`) |
//! | `drop_sequence` | `name` qname |
//! | `rename_sequence` | `name` qname, `to` str |
//! | `on_engine` | `engine` str (`postgres`, `sqlite`), `ops` op[] (the block's ops, whatever the engine that runs: one checksum per revision) |
//!
//! Values:
//!
//! | value | records |
//! | --- | --- |
//! | qname | `qualified_name`: `schema` str?, `name` str |
//! | table | `table`: `name` qname, `columns` column[], `constraints` constraint[], `comment` str? |
//! | column | `column`: `name` str, `type` type, `nullable` flag, `default` default?, `identity` identity?, `comment` str?, `generated` str? (`GENERATED ALWAYS AS (…) STORED`), `sequence_options` sequence_options? (of its identity), `collation` str? |
//! | type | `smallint`, `integer`, `bigint`, `smallserial`, `serial`, `bigserial`, `boolean`, `text`, `varchar` (`length` u32?), `char` (`length` u32), `numeric` (`precision` u32?, `scale` u32?: both or neither), `real`, `double`, `date`, `time`, `timestamp`, `timestamptz`, `interval`, `uuid`, `json`, `jsonb`, `bytea`, `inet`, `array` (`element` type), `enum` (`name` qname), `custom` (`sql` str) |
//! | type_change | `type_change`: `type` type, `using` str? (`USING` SQL), `using_cast_column` flag ([`Using::CastColumn`](crate::ops::Using)) |
//! | default | `literal` (`value` literal), `expr` (`sql` str) |
//! | literal | `string` (`value` str), `int` (`value` i64), `float` (`value` f64), `true`, `false` |
//! | bool | `true`, `false` |
//! | change(T) | `set` (`value` T), `drop` |
//! | identity | `always`, `by_default` |
//! | index | `index`: `name` str, `table` qname, `columns` str[] (when every key is a bare column with no option) or `keys` key[] (otherwise), `unique` flag, `method` method, `where` str?, `include` str[], `nulls_not_distinct` flag, `with` param[] |
//! | key | `key`: `column` str or `expr` str, `collation` str?, `opclass` str?, `desc` flag, `nulls` str? (`first`, `last`) |
//! | param | `param`: `name` str, `value` str (a storage parameter) |
//! | view | `view`: `name` qname, `sql` str, `materialized` flag |
//! | identity_change | `add` (`kind` identity, `sequence_options` sequence_options?), `set_generated` (`kind` identity), `drop` |
//! | sequence_owner | `sequence_owner`: `table` qname, `column` str |
//! | sequence_change | `sequence_change`: `increment` i64?, `start` i64?, `min_value` i64?, `max_value` i64?, `cycle` bool?, `cache` i64?, `restart` (`start`, or `with` (`value` i64))? |
//! | sequence_options | `sequence_options`: `start` i64?, `increment` i64?, `min_value` i64?, `max_value` i64?, `cycle` flag, `cache` i64? (left out when all are empty) |
//! | index | `index`: `name` str, `table` qname, `columns` str[], `unique` flag, `method` method, `where` str?, `include` str[] |
//! | method | `btree`, `hash`, `gin`, `gist`, `spgist`, `brin` |
//! | constraint | `primary_key` (`name` str, `columns` str[], `deferrable` str?), `unique` (`name` str, `columns` str[], `deferrable` str?), `check` (`name` str, `expr` str, `not_valid` flag), `foreign_key` (`name` str, `columns` str[], `ref_table` qname, `ref_columns` str[], `on_delete` action, `on_update` action, `not_valid` flag, `deferrable` str? (`immediate`, `deferred`)), `exclusion` (`name` str, `method` method, `elements` element[], `include` str[], `with` param[], `where` str?, `deferrable` str?) |
//! | element | `element`: `key` key, `operator` str (of an exclusion constraint) |
//! | function | `function`: `name` qname, `args` arg[] (`arg`: `name` str?, `type` str), `returns` str, `language` str, `body` str, `volatility` str? (`stable`, `immutable`), `strict` flag, `security_definer` flag |
//! | trigger | `trigger`: `name` str, `table` qname, `timing` str (`before`, `after`, `instead_of`), `events` (a count, then `insert`, `update` (`columns` str[]), `delete`, `truncate`), `for_each_row` flag, `when` str?, `action` (`function` (`name` qname, `args` str[]) or `statements` (`sql` str)) |
//! | action | `no_action`, `restrict`, `cascade`, `set_null`, `set_default` |
//! | position | `before` (`value` str), `after` (`value` str) |
//!
//! The encoder destructures every struct it writes, so a field added to an
//! op does not compile until it is encoded here (and this table says how).

use sha2::{Digest, Sha256};

use crate::ident::QualifiedName;
use crate::ops::{
    AddColumn, AddConstraint, AddEnumValue, AlterColumn, BulkInsert, Check, ColumnDef, Constraint,
    CreateEnum, CreateExtension, CreateIndex, CreateSchema, CreateTable, CreateView, DataStep,
    Deferral, DropColumn, DropConstraint, DropEnum, DropExtension, DropIndex, DropSchema,
    DropTable, DropView, EnumPosition, ExcludeElement, Exclusion, Execute, ForeignKey,
    IdentityChange, IndexDef, IndexKey, IndexMethod, KeyExpr, Nulls, OnEngine, Op, PrimaryKey,
    RefAction, RefreshMaterializedView, RenameColumn, RenameEnumValue, RenameTable, RenameView,
    SequenceChange, SequenceOptions, SequenceOwner, SetTableComment, TableDef, TypeChange, Unique,
    Using, ValidateConstraint, ViewDef,
};
use crate::ops::{AddKeyUsingIndex, KeyKind};
use crate::ops::{AlterSequence, CreateSequence, DropSequence, RenameSequence};
use crate::ops::{
    CreateFunction, CreateTrigger, DropFunction, DropTrigger, FunctionArg, FunctionDef,
    TriggerAction, TriggerDef, TriggerEvent, TriggerTiming, Volatility,
};
use crate::types::{ColumnType, DefaultValue, Identity, Literal};

/// The prefix of every v2 checksum.
const V2: &str = "v2:";

/// The checksum of a revision's ops, as it is recorded now: `v2:<64 hex>`.
pub(crate) fn of(ops: &[Op]) -> String {
    let digest = Sha256::digest(encode(ops));
    let mut out = String::with_capacity(V2.len() + 64);
    out.push_str(V2);
    for byte in digest.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A revision's checksum now, with what the algorithm before v2 gives for
/// the same ops, to read rows recorded by older versions of migrator.
#[derive(Debug, Clone)]
pub(crate) struct Sum {
    /// The v2 checksum: what is recorded from now on, and reported.
    pub(crate) text: String,
    /// [`legacy_fnv`] of the same ops.
    legacy: String,
}

impl Sum {
    /// The checksums of `ops`.
    pub(crate) fn of(ops: &[Op]) -> Sum {
        Sum {
            text: of(ops),
            legacy: legacy_fnv(ops),
        }
    }

    /// Whether `recorded` (from the history table) says these ops: compared
    /// with the algorithm its format names.
    pub(crate) fn matches(&self, recorded: &str) -> bool {
        if is_legacy(recorded) {
            recorded == self.legacy
        } else {
            recorded == self.text
        }
    }

    /// Whether `recorded` is the pre-v2 checksum of these ops, to be
    /// rewritten as [`text`](Self::text).
    pub(crate) fn is_legacy_match(&self, recorded: &str) -> bool {
        is_legacy(recorded) && recorded == self.legacy
    }
}

/// Whether a recorded checksum has the format before v2: exactly 16
/// lowercase hex digits, no prefix.
pub(crate) fn is_legacy(recorded: &str) -> bool {
    recorded.len() == 16
        && recorded
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The checksum before v2: FNV-1a (64 bits) over each op's `Debug` text and
/// a newline, as 16 hex digits. Only for reading the rows older versions of
/// migrator recorded: `Debug` output is no stable format (a renamed field or
/// a new compiler changes it), so nothing new is recorded with it.
#[doc(hidden)]
pub fn legacy_fnv(ops: &[Op]) -> String {
    use std::fmt::Write;
    let mut hash = Fnv::new();
    for op in ops {
        // Hashed as it is formatted: no text is built.
        let _ = writeln!(hash, "{op:?}");
    }
    format!("{:016x}", hash.0)
}

/// FNV-1a, 64 bits: the advisory lock key of a run
/// ([`RunConfig::lock_key`](super::RunConfig::lock_key)), which must never
/// change (two versions of migrator must exclude each other).
pub(crate) fn fnv64(bytes: &[u8]) -> u64 {
    let mut hash = Fnv::new();
    hash.eat(bytes);
    hash.0
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

/// The v2 message of `ops` (see the module's documentation).
pub(crate) fn encode(ops: &[Op]) -> Vec<u8> {
    let mut e = Encoder { out: Vec::new() };
    e.str("migrator ops v2");
    e.count(ops.len());
    for op in ops {
        e.op(op);
    }
    e.out
}

/// Writes the message; one method per kind of value.
struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    // The primitives.

    fn count(&mut self, n: usize) {
        self.out.extend_from_slice(&(n as u64).to_be_bytes());
    }

    fn str(&mut self, s: &str) {
        self.count(s.len());
        self.out.extend_from_slice(s.as_bytes());
    }

    /// A record of `kind` whose fields `fields` writes.
    fn record(&mut self, kind: &str, fields: impl FnOnce(&mut Self)) {
        self.str(kind);
        fields(self);
        self.str("");
    }

    /// A record without fields.
    fn unit(&mut self, kind: &str) {
        self.record(kind, |_| {});
    }

    // Fields.

    fn text(&mut self, name: &str, value: &str) {
        self.str(name);
        self.str(value);
    }

    fn opt_text(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.text(name, value);
        }
    }

    fn flag(&mut self, name: &str, value: bool) {
        if value {
            self.str(name);
        }
    }

    fn u32(&mut self, name: &str, value: u32) {
        self.str(name);
        self.out.extend_from_slice(&value.to_be_bytes());
    }

    fn texts(&mut self, name: &str, values: &[String]) {
        if !values.is_empty() {
            self.str(name);
            self.count(values.len());
            for v in values {
                self.str(v);
            }
        }
    }

    fn qname(&mut self, name: &str, value: &QualifiedName) {
        let QualifiedName {
            schema,
            name: local,
        } = value;
        self.str(name);
        self.record("qualified_name", |e| {
            e.opt_text("schema", schema.as_deref());
            e.text("name", local);
        });
    }

    /// A field whose value is a record `write` writes.
    fn nested(&mut self, name: &str, write: impl FnOnce(&mut Self)) {
        self.str(name);
        write(self);
    }

    // Ops.

    fn op(&mut self, op: &Op) {
        match op {
            Op::CreateSchema(CreateSchema {
                name,
                if_not_exists,
            }) => self.record("create_schema", |e| {
                e.text("name", name);
                e.flag("if_not_exists", *if_not_exists);
            }),
            Op::DropSchema(DropSchema { name }) => {
                self.record("drop_schema", |e| e.text("name", name));
            }
            Op::CreateTable(CreateTable {
                table,
                if_not_exists,
            }) => self.record("create_table", |e| {
                e.nested("table", |e| e.table(table));
                e.flag("if_not_exists", *if_not_exists);
            }),
            Op::DropTable(DropTable { name }) => {
                self.record("drop_table", |e| e.qname("name", name));
            }
            Op::RenameTable(RenameTable { name, to }) => self.record("rename_table", |e| {
                e.qname("name", name);
                e.text("to", to);
            }),
            Op::SetTableComment(SetTableComment { table, comment }) => {
                self.record("set_table_comment", |e| {
                    e.qname("table", table);
                    e.opt_text("comment", comment.as_deref());
                });
            }
            Op::AddColumn(AddColumn { table, column }) => self.record("add_column", |e| {
                e.qname("table", table);
                e.nested("column", |e| e.column(column));
            }),
            Op::DropColumn(DropColumn { table, column }) => self.record("drop_column", |e| {
                e.qname("table", table);
                e.text("column", column);
            }),
            Op::RenameColumn(RenameColumn { table, from, to }) => {
                self.record("rename_column", |e| {
                    e.qname("table", table);
                    e.text("from", from);
                    e.text("to", to);
                });
            }
            Op::AlterColumn(o) => self.alter_column(o),
            Op::CreateIndex(CreateIndex {
                index,
                concurrently,
                if_not_exists,
            }) => self.record("create_index", |e| {
                e.nested("index", |e| e.index(index));
                e.flag("concurrently", *concurrently);
                e.flag("if_not_exists", *if_not_exists);
            }),
            Op::DropIndex(DropIndex { name, concurrently }) => self.record("drop_index", |e| {
                e.qname("name", name);
                e.flag("concurrently", *concurrently);
            }),
            Op::AddConstraint(AddConstraint { table, constraint }) => {
                self.record("add_constraint", |e| {
                    e.qname("table", table);
                    e.nested("constraint", |e| e.constraint(constraint));
                });
            }
            Op::DropConstraint(DropConstraint { table, name }) => {
                self.record("drop_constraint", |e| {
                    e.qname("table", table);
                    e.text("name", name);
                });
            }
            Op::ValidateConstraint(ValidateConstraint { table, name }) => {
                self.record("validate_constraint", |e| {
                    e.qname("table", table);
                    e.text("name", name);
                });
            }
            Op::CreateEnum(CreateEnum { name, values }) => self.record("create_enum", |e| {
                e.qname("name", name);
                e.texts("values", values);
            }),
            Op::AddEnumValue(AddEnumValue {
                name,
                value,
                position,
                if_not_exists,
            }) => self.record("add_enum_value", |e| {
                e.qname("name", name);
                e.text("value", value);
                if let Some(position) = position {
                    e.nested("position", |e| match position {
                        EnumPosition::Before(v) => e.record("before", |e| e.text("value", v)),
                        EnumPosition::After(v) => e.record("after", |e| e.text("value", v)),
                    });
                }
                e.flag("if_not_exists", *if_not_exists);
            }),
            Op::RenameEnumValue(RenameEnumValue { name, from, to }) => {
                self.record("rename_enum_value", |e| {
                    e.qname("name", name);
                    e.text("from", from);
                    e.text("to", to);
                });
            }
            Op::DropEnum(DropEnum { name }) => {
                self.record("drop_enum", |e| e.qname("name", name));
            }
            Op::Execute(Execute {
                sql,
                reverse,
                transactional,
                declares,
            }) => self.record("execute", |e| {
                e.text("sql", sql);
                e.opt_text("reverse", reverse.as_deref());
                e.flag("transactional", *transactional);
                if !declares.is_empty() {
                    e.str("declares");
                    e.count(declares.len());
                    for op in declares {
                        e.op(op);
                    }
                }
            }),
            Op::DataStep(DataStep {
                name,
                up: _,
                down,
                offline,
                offline_reverse,
            }) => self.record("run_rust", |e| {
                e.text("name", name);
                e.flag("reversible", down.is_some());
                e.opt_text("offline", offline.as_deref());
                e.opt_text("offline_reverse", offline_reverse.as_deref());
            }),
            Op::CreateExtension(CreateExtension {
                name,
                schema,
                version,
                if_not_exists,
            }) => self.record("create_extension", |e| {
                e.text("name", name);
                e.opt_text("schema", schema.as_deref());
                e.opt_text("version", version.as_deref());
                e.flag("if_not_exists", *if_not_exists);
            }),
            Op::BulkInsert(BulkInsert {
                table,
                columns,
                rows,
            }) => self.record("bulk_insert", |e| {
                e.qname("table", table);
                e.texts("columns", columns);
                e.str("rows");
                e.count(rows.len());
                for row in rows {
                    e.count(row.len());
                    for value in row {
                        e.literal(value);
                    }
                }
            }),
            Op::DropExtension(DropExtension { name }) => {
                self.record("drop_extension", |e| e.text("name", name));
            }
            Op::CreateView(CreateView {
                view:
                    ViewDef {
                        name,
                        sql,
                        materialized,
                    },
                or_replace,
                with_no_data,
            }) => self.record("create_view", |e| {
                e.nested("view", |e| {
                    e.record("view", |e| {
                        e.qname("name", name);
                        e.text("sql", sql);
                        e.flag("materialized", *materialized);
                    });
                });
                e.flag("or_replace", *or_replace);
                e.flag("with_no_data", *with_no_data);
            }),
            Op::DropView(DropView { name, materialized }) => self.record("drop_view", |e| {
                e.qname("name", name);
                e.flag("materialized", *materialized);
            }),
            Op::RenameView(RenameView {
                name,
                to,
                materialized,
            }) => self.record("rename_view", |e| {
                e.qname("name", name);
                e.text("to", to);
                e.flag("materialized", *materialized);
            }),
            Op::RefreshMaterializedView(RefreshMaterializedView { name, concurrently }) => self
                .record("refresh_materialized_view", |e| {
                    e.qname("name", name);
                    e.flag("concurrently", *concurrently);
                }),
            Op::CreateSequence(CreateSequence {
                name,
                as_type,
                options,
                owned_by,
            }) => self.record("create_sequence", |e| {
                e.qname("name", name);
                if let Some(ty) = as_type {
                    e.nested("as_type", |e| e.column_type(ty));
                }
                e.sequence_options(options);
                if let Some(owner) = owned_by {
                    e.nested("owned_by", |e| e.sequence_owner(owner));
                }
            }),
            Op::AlterSequence(AlterSequence {
                name,
                as_type,
                increment,
                start,
                min_value,
                max_value,
                cycle,
                cache,
                restart,
                owned_by,
            }) => self.record("alter_sequence", |e| {
                e.qname("name", name);
                if let Some(ty) = as_type {
                    e.nested("as_type", |e| e.column_type(ty));
                }
                e.opt_i64("increment", *increment);
                e.opt_i64("start", *start);
                e.opt_i64("min_value", *min_value);
                e.opt_i64("max_value", *max_value);
                if let Some(cycle) = cycle {
                    e.nested("cycle", |e| e.unit(if *cycle { "true" } else { "false" }));
                }
                e.opt_i64("cache", *cache);
                e.opt_i64("restart", *restart);
                if let Some(change) = owned_by {
                    e.nested("owned_by", |e| match change {
                        Some(owner) => {
                            e.record("set", |e| e.nested("value", |e| e.sequence_owner(owner)))
                        }
                        None => e.unit("drop"),
                    });
                }
            }),
            Op::DropSequence(DropSequence { name }) => {
                self.record("drop_sequence", |e| e.qname("name", name));
            }
            Op::RenameSequence(RenameSequence { name, to }) => {
                self.record("rename_sequence", |e| {
                    e.qname("name", name);
                    e.text("to", to);
                })
            }
            Op::AddKeyUsingIndex(AddKeyUsingIndex {
                table,
                index,
                kind,
                name,
            }) => self.record("add_key_using_index", |e| {
                e.qname("table", table);
                e.text("index", index);
                e.text(
                    "kind",
                    match kind {
                        KeyKind::PrimaryKey => "primary_key",
                        KeyKind::Unique => "unique",
                    },
                );
                e.opt_text("name", name.as_deref());
            }),
            Op::OnEngine(OnEngine { engine, ops }) => self.record("on_engine", |e| {
                e.text("engine", engine.feature());
                e.str("ops");
                e.count(ops.len());
                for op in ops {
                    e.op(op);
                }
            }),
            Op::CreateFunction(CreateFunction {
                function,
                or_replace,
            }) => self.record("create_function", |e| {
                e.nested("function", |e| e.function(function));
                e.flag("or_replace", *or_replace);
            }),
            Op::DropFunction(DropFunction { name }) => {
                self.record("drop_function", |e| e.qname("name", name));
            }
            Op::CreateTrigger(CreateTrigger { trigger }) => self.record("create_trigger", |e| {
                e.nested("trigger", |e| e.trigger(trigger));
            }),
            Op::DropTrigger(DropTrigger { table, name }) => self.record("drop_trigger", |e| {
                e.qname("table", table);
                e.text("name", name);
            }),
        }
    }

    fn function(&mut self, function: &FunctionDef) {
        let FunctionDef {
            name,
            args,
            returns,
            language,
            body,
            volatility,
            strict,
            security_definer,
        } = function;
        self.record("function", |e| {
            e.qname("name", name);
            if !args.is_empty() {
                e.str("args");
                e.count(args.len());
                for FunctionArg { name, ty } in args {
                    e.record("arg", |e| {
                        e.opt_text("name", name.as_deref());
                        e.text("type", ty);
                    });
                }
            }
            e.text("returns", returns);
            e.text("language", language);
            e.text("body", body);
            e.opt_text(
                "volatility",
                match volatility {
                    Volatility::Volatile => None,
                    Volatility::Stable => Some("stable"),
                    Volatility::Immutable => Some("immutable"),
                },
            );
            e.flag("strict", *strict);
            e.flag("security_definer", *security_definer);
        });
    }

    fn trigger(&mut self, trigger: &TriggerDef) {
        let TriggerDef {
            name,
            table,
            timing,
            events,
            for_each_row,
            when,
            action,
        } = trigger;
        self.record("trigger", |e| {
            e.text("name", name);
            e.qname("table", table);
            e.text(
                "timing",
                match timing {
                    TriggerTiming::Before => "before",
                    TriggerTiming::After => "after",
                    TriggerTiming::InsteadOf => "instead_of",
                },
            );
            e.str("events");
            e.count(events.len());
            for event in events {
                match event {
                    TriggerEvent::Insert => e.unit("insert"),
                    TriggerEvent::Update(columns) => {
                        e.record("update", |e| e.texts("columns", columns));
                    }
                    TriggerEvent::Delete => e.unit("delete"),
                    TriggerEvent::Truncate => e.unit("truncate"),
                }
            }
            e.flag("for_each_row", *for_each_row);
            e.opt_text("when", when.as_deref());
            match action {
                TriggerAction::Function { name, args } => {
                    e.nested("action", |e| {
                        e.record("function", |e| {
                            e.qname("name", name);
                            e.texts("args", args);
                        });
                    });
                }
                TriggerAction::Statements(body) => {
                    e.nested("action", |e| {
                        e.record("statements", |e| e.text("sql", body))
                    });
                }
            }
        });
    }

    fn alter_column(&mut self, o: &AlterColumn) {
        let AlterColumn {
            table,
            column,
            ty,
            nullable,
            default,
            comment,
            identity,
            identity_options,
            collation,
            drop_expression,
        } = o;
        self.record("alter_column", |e| {
            e.qname("table", table);
            e.text("column", column);
            if let Some(TypeChange { ty, using }) = ty {
                e.nested("type", |e| {
                    e.record("type_change", |e| {
                        e.nested("type", |e| e.column_type(ty));
                        match using {
                            Some(Using::Sql(sql)) => e.text("using", sql),
                            Some(Using::CastColumn) => e.flag("using_cast_column", true),
                            None => {}
                        }
                    });
                });
            }
            if let Some(nullable) = nullable {
                e.nested("nullable", |e| {
                    e.unit(if *nullable { "true" } else { "false" })
                });
            }
            if let Some(change) = default {
                e.nested("default", |e| match change {
                    Some(value) => {
                        e.record("set", |e| e.nested("value", |e| e.default_value(value)))
                    }
                    None => e.unit("drop"),
                });
            }
            if let Some(change) = comment {
                e.nested("comment", |e| match change {
                    Some(text) => e.record("set", |e| e.text("value", text)),
                    None => e.unit("drop"),
                });
            }
            if let Some(change) = identity {
                e.nested("identity", |e| match change {
                    IdentityChange::Add(kind, options) => e.record("add", |e| {
                        e.nested("kind", |e| e.identity(*kind));
                        e.sequence_options(options);
                    }),
                    IdentityChange::SetGenerated(kind) => {
                        e.record("set_generated", |e| e.nested("kind", |e| e.identity(*kind)))
                    }
                    IdentityChange::Drop => e.unit("drop"),
                });
            }
            if let Some(change) = identity_options {
                e.nested("identity_options", |e| e.sequence_change(change));
            }
            if let Some(change) = collation {
                e.nested("collation", |e| match change {
                    Some(name) => e.record("set", |e| e.text("value", name)),
                    None => e.unit("drop"),
                });
            }
            e.flag("drop_expression", *drop_expression);
        });
    }

    // Values.

    fn table(&mut self, table: &TableDef) {
        let TableDef {
            name,
            columns,
            constraints,
            comment,
        } = table;
        self.record("table", |e| {
            e.qname("name", name);
            if !columns.is_empty() {
                e.str("columns");
                e.count(columns.len());
                for c in columns {
                    e.column(c);
                }
            }
            if !constraints.is_empty() {
                e.str("constraints");
                e.count(constraints.len());
                for c in constraints {
                    e.constraint(c);
                }
            }
            e.opt_text("comment", comment.as_deref());
        });
    }

    fn column(&mut self, column: &ColumnDef) {
        let ColumnDef {
            name,
            ty,
            nullable,
            default,
            identity,
            identity_options,
            comment,
            generated,
            collation,
        } = column;
        self.record("column", |e| {
            e.text("name", name);
            e.nested("type", |e| e.column_type(ty));
            e.flag("nullable", *nullable);
            if let Some(default) = default {
                e.nested("default", |e| e.default_value(default));
            }
            if let Some(identity) = identity {
                e.nested("identity", |e| e.identity(*identity));
            }
            e.opt_text("comment", comment.as_deref());
            e.opt_text("generated", generated.as_deref());
            e.sequence_options(identity_options);
            e.opt_text("collation", collation.as_deref());
        });
    }

    fn identity(&mut self, identity: Identity) {
        self.unit(match identity {
            Identity::Always => "always",
            Identity::ByDefault => "by_default",
        });
    }

    fn opt_i64(&mut self, name: &str, value: Option<i64>) {
        if let Some(n) = value {
            self.str(name);
            self.out.extend_from_slice(&n.to_be_bytes());
        }
    }

    /// A [`SequenceOwner`]: its table and column.
    fn sequence_owner(&mut self, owner: &SequenceOwner) {
        let SequenceOwner { table, column } = owner;
        self.record("sequence_owner", |e| {
            e.qname("table", table);
            e.text("column", column);
        });
    }

    /// A [`SequenceChange`]: the options it sets, and its restart.
    fn sequence_change(&mut self, change: &SequenceChange) {
        let SequenceChange {
            increment,
            start,
            min_value,
            max_value,
            cycle,
            cache,
            restart,
        } = change;
        self.record("sequence_change", |e| {
            e.opt_i64("increment", *increment);
            e.opt_i64("start", *start);
            e.opt_i64("min_value", *min_value);
            e.opt_i64("max_value", *max_value);
            if let Some(cycle) = cycle {
                e.nested("cycle", |e| e.unit(if *cycle { "true" } else { "false" }));
            }
            e.opt_i64("cache", *cache);
            match restart {
                Some(Some(n)) => e.nested("restart", |e| {
                    e.record("with", |e| e.opt_i64("value", Some(*n)))
                }),
                Some(None) => e.nested("restart", |e| e.unit("start")),
                None => {}
            }
        });
    }

    /// The field `sequence_options`, left out when every option is the default.
    fn sequence_options(&mut self, options: &SequenceOptions) {
        let SequenceOptions {
            start,
            increment,
            min_value,
            max_value,
            cycle,
            cache,
        } = options;
        if options.is_empty() {
            return;
        }
        self.nested("sequence_options", |e| {
            e.record("sequence_options", |e| {
                e.opt_i64("start", *start);
                e.opt_i64("increment", *increment);
                e.opt_i64("min_value", *min_value);
                e.opt_i64("max_value", *max_value);
                e.flag("cycle", *cycle);
                e.opt_i64("cache", *cache);
            });
        });
    }

    fn column_type(&mut self, ty: &ColumnType) {
        let kind = match ty {
            ColumnType::SmallInt => "smallint",
            ColumnType::Integer => "integer",
            ColumnType::BigInt => "bigint",
            ColumnType::SmallSerial => "smallserial",
            ColumnType::Serial => "serial",
            ColumnType::BigSerial => "bigserial",
            ColumnType::Boolean => "boolean",
            ColumnType::Text => "text",
            ColumnType::Real => "real",
            ColumnType::Double => "double",
            ColumnType::Date => "date",
            ColumnType::Time => "time",
            ColumnType::Timestamp => "timestamp",
            ColumnType::TimestampTz => "timestamptz",
            ColumnType::Interval => "interval",
            ColumnType::Uuid => "uuid",
            ColumnType::Json => "json",
            ColumnType::Jsonb => "jsonb",
            ColumnType::Bytea => "bytea",
            ColumnType::Inet => "inet",
            ColumnType::Varchar(length) => {
                return self.record("varchar", |e| {
                    if let Some(n) = length {
                        e.u32("length", *n);
                    }
                });
            }
            ColumnType::Char(n) => return self.record("char", |e| e.u32("length", *n)),
            ColumnType::Numeric(precision) => {
                return self.record("numeric", |e| {
                    if let Some((p, s)) = precision {
                        e.u32("precision", *p);
                        e.u32("scale", *s);
                    }
                });
            }
            ColumnType::Array(element) => {
                return self.record("array", |e| e.nested("element", |e| e.column_type(element)));
            }
            ColumnType::Enum(name) => return self.record("enum", |e| e.qname("name", name)),
            ColumnType::Custom(sql) => return self.record("custom", |e| e.text("sql", sql)),
        };
        self.unit(kind);
    }

    fn default_value(&mut self, value: &DefaultValue) {
        match value {
            DefaultValue::Literal(literal) => {
                self.record("literal", |e| e.nested("value", |e| e.literal(literal)));
            }
            DefaultValue::Expr(sql) => self.record("expr", |e| e.text("sql", sql)),
        }
    }

    fn literal(&mut self, literal: &Literal) {
        match literal {
            Literal::Str(s) => self.record("string", |e| e.text("value", s)),
            Literal::Int(n) => self.record("int", |e| {
                e.str("value");
                e.out.extend_from_slice(&n.to_be_bytes());
            }),
            Literal::Float(x) => self.record("float", |e| {
                e.str("value");
                e.out.extend_from_slice(&x.to_bits().to_be_bytes());
            }),
            Literal::Bool(b) => self.unit(if *b { "true" } else { "false" }),
            Literal::Null => self.unit("null"),
        }
    }

    fn index(&mut self, index: &IndexDef) {
        let IndexDef {
            name,
            table,
            keys,
            unique,
            method,
            predicate,
            include,
            nulls_not_distinct,
            with,
        } = index;
        self.record("index", |e| {
            e.text("name", name);
            e.qname("table", table);
            if index.plain_keys() {
                let columns: Vec<String> = index.key_columns().map(str::to_owned).collect();
                e.texts("columns", &columns);
            } else {
                e.str("keys");
                e.count(keys.len());
                for key in keys {
                    e.index_key(key);
                }
            }
            e.flag("unique", *unique);
            e.method(*method);
            e.opt_text("where", predicate.as_deref());
            e.texts("include", include);
            e.flag("nulls_not_distinct", *nulls_not_distinct);
            e.params(with);
        });
    }

    /// The `method` field.
    fn method(&mut self, method: IndexMethod) {
        self.nested("method", |e| {
            e.unit(match method {
                IndexMethod::BTree => "btree",
                IndexMethod::Hash => "hash",
                IndexMethod::Gin => "gin",
                IndexMethod::Gist => "gist",
                IndexMethod::SpGist => "spgist",
                IndexMethod::Brin => "brin",
            });
        });
    }

    /// The `with` field (storage parameters), left out when empty.
    fn params(&mut self, with: &[(String, String)]) {
        if !with.is_empty() {
            self.str("with");
            self.count(with.len());
            for (name, value) in with {
                self.record("param", |e| {
                    e.text("name", name);
                    e.text("value", value);
                });
            }
        }
    }

    fn index_key(&mut self, key: &IndexKey) {
        let IndexKey {
            expr,
            collation,
            opclass,
            descending,
            nulls,
        } = key;
        self.record("key", |e| {
            match expr {
                KeyExpr::Column(c) => e.text("column", c),
                KeyExpr::Expression(sql) => e.text("expr", sql),
            }
            e.opt_text("collation", collation.as_deref());
            e.opt_text("opclass", opclass.as_deref());
            e.flag("desc", *descending);
            e.opt_text(
                "nulls",
                nulls.map(|n| match n {
                    Nulls::First => "first",
                    Nulls::Last => "last",
                }),
            );
        });
    }

    fn constraint(&mut self, constraint: &Constraint) {
        match constraint {
            Constraint::PrimaryKey(PrimaryKey {
                name,
                columns,
                deferrable,
            }) => {
                self.record("primary_key", |e| {
                    e.text("name", name);
                    e.texts("columns", columns);
                    e.deferral(*deferrable);
                });
            }
            Constraint::Unique(Unique {
                name,
                columns,
                deferrable,
            }) => self.record("unique", |e| {
                e.text("name", name);
                e.texts("columns", columns);
                e.deferral(*deferrable);
            }),
            Constraint::Check(Check {
                name,
                expr,
                not_valid,
            }) => self.record("check", |e| {
                e.text("name", name);
                e.text("expr", expr);
                e.flag("not_valid", *not_valid);
            }),
            Constraint::ForeignKey(ForeignKey {
                name,
                columns,
                ref_table,
                ref_columns,
                on_delete,
                on_update,
                not_valid,
                deferrable,
            }) => self.record("foreign_key", |e| {
                e.text("name", name);
                e.texts("columns", columns);
                e.qname("ref_table", ref_table);
                e.texts("ref_columns", ref_columns);
                e.nested("on_delete", |e| e.action(*on_delete));
                e.nested("on_update", |e| e.action(*on_update));
                e.flag("not_valid", *not_valid);
                e.deferral(*deferrable);
            }),
            // `..`: how its default name came about is not part of it.
            Constraint::Exclusion(Exclusion {
                name,
                method,
                elements,
                include,
                with,
                predicate,
                deferrable,
                ..
            }) => self.record("exclusion", |e| {
                e.text("name", name);
                e.method(*method);
                e.str("elements");
                e.count(elements.len());
                for ExcludeElement { key, operator } in elements {
                    e.record("element", |e| {
                        e.nested("key", |e| e.index_key(key));
                        e.text("operator", operator);
                    });
                }
                e.texts("include", include);
                e.params(with);
                e.opt_text("where", predicate.as_deref());
                e.deferral(*deferrable);
            }),
        }
    }

    /// The `deferrable` field, left out when the constraint is not.
    fn deferral(&mut self, deferrable: Option<Deferral>) {
        if let Some(deferral) = deferrable {
            self.text(
                "deferrable",
                match deferral {
                    Deferral::Immediate => "immediate",
                    Deferral::Deferred => "deferred",
                },
            );
        }
    }

    fn action(&mut self, action: RefAction) {
        self.unit(match action {
            RefAction::NoAction => "no_action",
            RefAction::Restrict => "restrict",
            RefAction::Cascade => "cascade",
            RefAction::SetNull => "set_null",
            RefAction::SetDefault => "set_default",
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::Op;
    use crate::prelude::*;

    /// A revision using every kind of op and most of their options.
    fn golden() -> Vec<Op> {
        let mut op = Ops::new();
        op.create_schema("billing").if_not_exists();
        op.create_enum(("billing", "status"), ["open", "paid"]);
        op.create_table("users", |t| {
            t.column::<i64>("id").identity().primary_key();
            t.column::<String>("email").unique();
            t.column::<Option<String>>("bio").comment("about them");
            t.column_as("score", ColumnType::numeric(10, 2)).default(0);
            t.column_as("code", ColumnType::varchar(8))
                .default_sql("'x'");
            t.check("users_score_check", "score >= 0");
            t.comment("people");
        });
        op.create_table(("billing", "fees"), |t| {
            t.column::<i64>("id").identity_always().primary_key();
            t.column::<i64>("user_id");
            t.column_as("status", ColumnType::Enum(("billing", "status").into()))
                .default("open");
            t.column_as("tags", ColumnType::Array(Box::new(ColumnType::Text)))
                .nullable();
            t.column::<f64>("rate").default(1.5);
            t.column::<bool>("late").default(false);
            t.column_as("created_at", ColumnType::TimestampTz)
                .default_sql("now()");
            t.column_as("blob", ColumnType::Custom("bytea".into()));
            t.foreign_key(["user_id"], "users", ["id"])
                .on_delete(RefAction::Cascade)
                .on_update(RefAction::Restrict);
        })
        .if_not_exists();
        op.add_column::<Option<i32>>("users", "age");
        op.alter_column("users", "age")
            .set_type_using(ColumnType::BigInt, "age::bigint")
            .set_nullable(false)
            .set_default(18)
            .drop_comment();
        op.alter_column("users", "code")
            .drop_default()
            .set_comment("a code");
        op.rename_column("users", "bio", "about");
        op.create_index("users", ["email", "age"])
            .unique()
            .using(IndexMethod::Gin)
            .where_sql("age > 0")
            .include(["about"])
            .if_not_exists();
        op.create_index(("billing", "fees"), ["user_id"])
            .named("fees_by_user")
            .concurrently();
        op.add_enum_value(("billing", "status"), "void")
            .after("paid")
            .if_not_exists();
        op.rename_enum_value(("billing", "status"), "void", "cancelled");
        op.add_check("users", "users_age_check", "age < 200")
            .not_valid();
        op.validate_constraint("users", "users_age_check");
        op.add_unique("users", ["about"]).named("users_about_key");
        op.add_primary_key(("billing", "fees"), ["id", "user_id"]);
        op.add_foreign_key(("billing", "fees"), ["user_id"], "users", ["id"])
            .not_valid();
        op.set_table_comment("users", "people of the school");
        op.drop_table_comment(("billing", "fees"));
        op.execute("UPDATE users SET age = 18")
            .reverse("UPDATE users SET age = NULL");
        op.execute("VACUUM").no_transaction();
        op.data_step("backfill fees", |_| Box::pin(async { Ok(()) }))
            .reverse(|_| Box::pin(async { Ok(()) }));
        op.data_step("one way", |_| Box::pin(async { Ok(()) }));
        op.drop_constraint("users", "users_about_key");
        op.drop_index("fees_by_user").concurrently();
        op.drop_column("users", "about");
        op.rename_table("users", "people");
        op.drop_table(("billing", "fees"));
        op.drop_enum(("billing", "status"));
        op.drop_schema("billing");
        op.into_ops()
    }

    /// The first index the golden revision creates.
    fn index_of(ops: &mut [Op]) -> &mut IndexDef {
        ops.iter_mut()
            .find_map(|o| match o {
                Op::CreateIndex(c) => Some(&mut c.index),
                _ => None,
            })
            .expect("an index")
    }

    /// The golden revision's checksum with one edit.
    fn edited(edit: impl FnOnce(&mut Vec<Op>)) -> String {
        let mut ops = golden();
        edit(&mut ops);
        of(&ops)
    }

    #[test]
    fn the_golden_revision_has_a_pinned_checksum() {
        let ops = golden();
        // Every kind of op is in it.
        let kinds: std::collections::BTreeSet<String> = ops
            .iter()
            .map(|o| {
                o.describe()
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        assert_eq!(kinds.len(), 21, "{kinds:?}");
        // Pinned: if this changes, every recorded v2 checksum would read as
        // changed. Change the encoding only as a new version (v3).
        assert_eq!(
            of(&ops),
            "v2:02a9d9ce1189c468968a6d9d0fef5381af2a992d21f4dcb0a1c5b3acb499375f"
        );
    }

    /// The view ops have a checksum of their own, and each of their fields
    /// counts (the golden revision holds none, so its pin is unchanged).
    #[test]
    fn view_fields_change_the_checksum() {
        let sum = |build: fn(&mut Ops)| {
            let mut op = Ops::new();
            build(&mut op);
            of(op.ops())
        };
        let sums = [
            sum(|op| {
                op.create_view("v", "SELECT 1");
            }),
            sum(|op| {
                op.create_view("v", "SELECT 2");
            }),
            sum(|op| {
                op.create_view(("s", "v"), "SELECT 1");
            }),
            sum(|op| {
                op.create_view("v", "SELECT 1").or_replace();
            }),
            sum(|op| {
                op.create_materialized_view("v", "SELECT 1");
            }),
            sum(|op| {
                op.create_materialized_view("v", "SELECT 1").with_no_data();
            }),
            sum(|op| {
                op.drop_view("v");
            }),
            sum(|op| {
                op.drop_materialized_view("v");
            }),
            sum(|op| {
                op.rename_view("v", "w");
            }),
            sum(|op| {
                op.rename_materialized_view("v", "w");
            }),
            sum(|op| {
                op.refresh_materialized_view("v");
            }),
            sum(|op| {
                op.refresh_materialized_view("v").concurrently();
            }),
        ];
        let distinct: std::collections::BTreeSet<&String> = sums.iter().collect();
        assert_eq!(distinct.len(), sums.len(), "{sums:#?}");
    }

    #[test]
    fn the_message_is_as_documented() {
        let mut op = Ops::new();
        op.drop_table(("s", "t"));
        op.create_schema("s").if_not_exists();
        let mut want = Vec::new();
        let str = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u64).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        str(&mut want, "migrator ops v2");
        want.extend_from_slice(&2u64.to_be_bytes());
        for s in ["drop_table", "name", "qualified_name", "schema", "s"] {
            str(&mut want, s);
        }
        for s in ["name", "t", "", ""] {
            str(&mut want, s);
        }
        for s in ["create_schema", "name", "s", "if_not_exists", ""] {
            str(&mut want, s);
        }
        assert_eq!(encode(op.ops()), want);
        let text = of(op.ops());
        assert!(text.starts_with("v2:") && text.len() == 67, "{text}");
        assert!(text[3..].bytes().all(|b| HEX.contains(&b)), "{text}");
    }

    #[test]
    fn changing_any_single_field_changes_the_checksum() {
        let base = of(&golden());
        let table = |ops: &mut Vec<Op>| -> TableDef {
            match &ops[2] {
                Op::CreateTable(o) => o.table.clone(),
                other => panic!("{other:?}"),
            }
        };
        let set_table = |ops: &mut Vec<Op>, t: TableDef| {
            if let Op::CreateTable(o) = &mut ops[2] {
                o.table = t;
            }
        };
        let edits: Vec<(&str, String)> = vec![
            (
                "a column type",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[3].ty = ColumnType::numeric(10, 3);
                    set_table(ops, t);
                }),
            ),
            (
                "a default",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[3].default = Some(DefaultValue::Literal(Literal::Int(1)));
                    set_table(ops, t);
                }),
            ),
            (
                "a default's kind (literal '0' for 0)",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[3].default = Some(DefaultValue::Literal(Literal::Str("0".into())));
                    set_table(ops, t);
                }),
            ),
            (
                "nullability",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[1].nullable = true;
                    set_table(ops, t);
                }),
            ),
            (
                "a column comment",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[2].comment = None;
                    set_table(ops, t);
                }),
            ),
            (
                "a generated column's expression",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[3].generated = Some("1".into());
                    t.columns[3].default = None;
                    set_table(ops, t);
                }),
            ),
            (
                "an identity's sequence options",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[0].identity_options.start = Some(1000);
                    set_table(ops, t);
                }),
            ),
            (
                "a column's collation",
                edited(|ops| {
                    let mut t = table(ops);
                    t.columns[1].collation = Some("C".into());
                    set_table(ops, t);
                }),
            ),
            (
                "an alter's drop_expression",
                edited(|ops| {
                    if let Some(Op::AlterColumn(o)) = ops
                        .iter_mut()
                        .find(|o| matches!(o, Op::AlterColumn(a) if a.column == "code"))
                    {
                        o.drop_expression = true;
                    }
                }),
            ),
            (
                "an alter's collation",
                edited(|ops| {
                    if let Some(Op::AlterColumn(o)) = ops
                        .iter_mut()
                        .find(|o| matches!(o, Op::AlterColumn(a) if a.column == "code"))
                    {
                        o.collation = Some(Some("C".into()));
                    }
                }),
            ),
            (
                "an alter's identity change",
                edited(|ops| {
                    if let Some(Op::AlterColumn(o)) = ops
                        .iter_mut()
                        .find(|o| matches!(o, Op::AlterColumn(a) if a.column == "code"))
                    {
                        o.identity = Some(IdentityChange::Drop);
                    }
                }),
            ),
            (
                "an alter's identity options",
                edited(|ops| {
                    if let Some(Op::AlterColumn(o)) = ops
                        .iter_mut()
                        .find(|o| matches!(o, Op::AlterColumn(a) if a.column == "code"))
                    {
                        o.identity_options = Some(SequenceChange::new().restart());
                    }
                }),
            ),
            (
                "an index's where",
                edited(|ops| {
                    let Some(Op::CreateIndex(o)) = ops
                        .iter_mut()
                        .find(|o| matches!(o, Op::CreateIndex(i) if i.index.predicate.is_some()))
                    else {
                        panic!("no partial index")
                    };
                    o.index.predicate = Some("age >= 0".into());
                }),
            ),
            (
                "a primary key made deferrable",
                edited(|ops| {
                    let mut t = table(ops);
                    for c in &mut t.constraints {
                        if let Constraint::PrimaryKey(k) = c {
                            k.deferrable = Some(Deferral::Deferred);
                        }
                    }
                    set_table(ops, t);
                }),
            ),
            (
                "a unique constraint made deferrable",
                edited(|ops| {
                    let mut t = table(ops);
                    for c in &mut t.constraints {
                        if let Constraint::Unique(u) = c {
                            u.deferrable = Some(Deferral::Immediate);
                        }
                    }
                    set_table(ops, t);
                }),
            ),
            (
                "an index key's direction",
                edited(|ops| index_of(ops).keys[0].descending = true),
            ),
            (
                "an index key's NULLS",
                edited(|ops| index_of(ops).keys[0].nulls = Some(crate::ops::Nulls::First)),
            ),
            (
                "an index key's collation",
                edited(|ops| index_of(ops).keys[0].collation = Some("C".into())),
            ),
            (
                "an index key's operator class",
                edited(|ops| index_of(ops).keys[0].opclass = Some("text_pattern_ops".into())),
            ),
            (
                "an index key made an expression",
                edited(|ops| index_of(ops).keys[0].expr = KeyExpr::Expression("email".into())),
            ),
            (
                "an index's NULLS NOT DISTINCT",
                edited(|ops| index_of(ops).nulls_not_distinct = true),
            ),
            (
                "an index's storage parameter",
                edited(|ops| index_of(ops).with.push(("fillfactor".into(), "70".into()))),
            ),
            (
                "an index's method",
                edited(|ops| {
                    if let Some(Op::CreateIndex(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::CreateIndex(_)))
                    {
                        o.index.method = IndexMethod::BTree;
                    }
                }),
            ),
            (
                "a constraint name",
                edited(|ops| {
                    let Some(Op::AddConstraint(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::AddConstraint(_)))
                    else {
                        panic!("no constraint")
                    };
                    if let Constraint::Check(c) = &mut o.constraint {
                        c.name = "users_age_check2".into();
                    }
                }),
            ),
            (
                "a foreign key's action",
                edited(|ops| {
                    let mut t = table(ops);
                    for c in &mut t.constraints {
                        if let Constraint::ForeignKey(k) = c {
                            k.on_delete = RefAction::SetNull;
                        }
                    }
                    set_table(ops, t);
                    // The fees table holds the key.
                    if let Op::CreateTable(o) = &mut ops[3] {
                        for c in &mut o.table.constraints {
                            if let Constraint::ForeignKey(k) = c {
                                k.on_delete = RefAction::SetNull;
                            }
                        }
                    }
                }),
            ),
            (
                "raw SQL text",
                edited(|ops| {
                    let Some(Op::Execute(o)) = ops.iter_mut().find(|o| matches!(o, Op::Execute(_)))
                    else {
                        panic!("no execute")
                    };
                    o.sql = "UPDATE users SET age = 19".into();
                }),
            ),
            (
                "raw SQL's reverse",
                edited(|ops| {
                    if let Some(Op::Execute(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::Execute(_)))
                    {
                        o.reverse = None;
                    }
                }),
            ),
            (
                "what raw SQL declares",
                edited(|ops| {
                    if let Some(Op::Execute(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::Execute(_)))
                    {
                        o.declares(|op| {
                            op.drop_table("users");
                        });
                    }
                }),
            ),
            (
                "a data step's name",
                edited(|ops| {
                    let Some(Op::DataStep(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::DataStep(_)))
                    else {
                        panic!("no data step")
                    };
                    o.name = "backfill fee".into();
                }),
            ),
            (
                "whether a data step has a reverse",
                edited(|ops| {
                    if let Some(Op::DataStep(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::DataStep(_)))
                    {
                        o.down = None;
                    }
                }),
            ),
            (
                "a schema of a name",
                edited(|ops| {
                    if let Some(Op::DropEnum(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::DropEnum(_)))
                    {
                        o.name = "status".into();
                    }
                }),
            ),
            (
                "an alter's default: dropped rather than left alone",
                edited(|ops| {
                    if let Some(Op::AlterColumn(o)) = ops
                        .iter_mut()
                        .find(|o| matches!(o, Op::AlterColumn(a) if a.column == "code"))
                    {
                        o.default = None;
                    }
                }),
            ),
            (
                "an enum value's position",
                edited(|ops| {
                    if let Some(Op::AddEnumValue(o)) =
                        ops.iter_mut().find(|o| matches!(o, Op::AddEnumValue(_)))
                    {
                        o.position = Some(EnumPosition::Before("paid".into()));
                    }
                }),
            ),
            ("the order of two ops", edited(|ops| ops.swap(0, 1))),
            ("one op fewer", edited(|ops| drop(ops.pop()))),
        ];
        let mut seen = std::collections::HashSet::new();
        for (what, sum) in &edits {
            assert_ne!(*sum, base, "changing {what} left the checksum as it was");
            assert!(seen.insert(sum.clone()), "{what}: the same as another edit");
        }
    }

    #[test]
    fn every_field_of_functions_and_triggers_is_in_the_checksum() {
        use crate::ops::{TriggerAction, TriggerEvent, TriggerTiming, Volatility};
        let base = || {
            let mut op = Ops::new();
            op.create_function("f", "trigger", "BEGIN RETURN NEW; END;")
                .arg("a", "integer");
            op.create_trigger(
                "t",
                "tr",
                TriggerTiming::Before,
                [TriggerEvent::UPDATE],
                "f",
            )
            .for_each_row()
            .when_sql("NEW.a > 0")
            .args(["x"]);
            op.into_ops()
        };
        fn function(ops: &mut [Op]) -> &mut crate::ops::CreateFunction {
            match &mut ops[0] {
                Op::CreateFunction(c) => c,
                _ => unreachable!(),
            }
        }
        fn trigger(ops: &mut [Op]) -> &mut crate::ops::TriggerDef {
            match &mut ops[1] {
                Op::CreateTrigger(c) => &mut c.trigger,
                _ => unreachable!(),
            }
        }
        type Edit = Box<dyn Fn(&mut Vec<Op>)>;
        let edits: Vec<(&str, Edit)> = vec![
            ("or replace", Box::new(|o| function(o).or_replace = true)),
            (
                "an argument's type",
                Box::new(|o| function(o).function.args[0].ty = "bigint".into()),
            ),
            (
                "an argument's name",
                Box::new(|o| function(o).function.args[0].name = None),
            ),
            (
                "the result",
                Box::new(|o| function(o).function.returns = "void".into()),
            ),
            (
                "the language",
                Box::new(|o| function(o).function.language = "sql".into()),
            ),
            (
                "the body",
                Box::new(|o| function(o).function.body = "BEGIN END;".into()),
            ),
            (
                "volatility",
                Box::new(|o| function(o).function.volatility = Volatility::Stable),
            ),
            ("strict", Box::new(|o| function(o).function.strict = true)),
            (
                "security definer",
                Box::new(|o| function(o).function.security_definer = true),
            ),
            ("trigger name", Box::new(|o| trigger(o).name = "tr2".into())),
            ("trigger table", Box::new(|o| trigger(o).table = "u".into())),
            (
                "timing",
                Box::new(|o| trigger(o).timing = TriggerTiming::After),
            ),
            (
                "events",
                Box::new(|o| trigger(o).events.push(TriggerEvent::Insert)),
            ),
            (
                "update of",
                Box::new(|o| trigger(o).events[0] = TriggerEvent::update_of(["a"])),
            ),
            (
                "for each row",
                Box::new(|o| trigger(o).for_each_row = false),
            ),
            ("when", Box::new(|o| trigger(o).when = None)),
            (
                "function args",
                Box::new(|o| {
                    trigger(o).action = TriggerAction::Function {
                        name: "f".into(),
                        args: vec![],
                    }
                }),
            ),
            (
                "statements",
                Box::new(|o| trigger(o).action = TriggerAction::Statements("SELECT 1;".into())),
            ),
        ];
        let mut seen = std::collections::BTreeSet::from([of(&base())]);
        for (what, edit) in edits {
            let mut ops = base();
            edit(&mut ops);
            assert!(seen.insert(of(&ops)), "{what} did not change the checksum");
        }
    }

    #[test]
    fn each_field_of_the_sequence_ops_counts() {
        use crate::ops::SequenceBuilder;
        let sum = |edit: fn(&mut Ops)| {
            let mut op = Ops::new();
            op.create_sequence("s").start(5).cycle();
            op.alter_sequence("s").increment(2).no_cycle().restart(9);
            op.rename_sequence("s", "t");
            op.drop_sequence("t");
            edit(&mut op);
            of(op.ops())
        };
        let base = sum(|_| {});
        type Edit = fn(&mut Ops);
        let edits: Vec<(&str, Edit)> = vec![
            ("a create's type", |op| {
                op.create_sequence("u").as_type(ColumnType::Integer);
            }),
            ("a create's option", |op| {
                op.create_sequence("u").cache(3);
            }),
            ("an alter's restart", |op| {
                op.alter_sequence("t").restart(10);
            }),
            ("an alter's cycle", |op| {
                op.alter_sequence("t").cycle();
            }),
            ("an alter's minimum", |op| {
                op.alter_sequence("t").min_value(-3);
            }),
            ("a rename", |op| {
                op.rename_sequence("t", "u");
            }),
            ("a drop", |op| {
                op.drop_sequence("u");
            }),
        ];
        let mut seen = std::collections::HashSet::from([base.clone()]);
        for (what, edit) in edits {
            assert!(seen.insert(sum(edit)), "{what}: the same as another");
        }
        // Each field of one op, on its own.
        let one = |f: fn(&mut crate::ops::AlterSequence)| {
            let mut op = Ops::new();
            f(op.alter_sequence("s"));
            of(op.ops())
        };
        let fields: Vec<fn(&mut crate::ops::AlterSequence)> = vec![
            |a| {
                a.increment(1);
            },
            |a| {
                a.start(1);
            },
            |a| {
                a.min_value(1);
            },
            |a| {
                a.max_value(1);
            },
            |a| {
                a.cache(1);
            },
            |a| {
                a.restart(1);
            },
            |a| {
                a.cycle();
            },
            |a| {
                a.no_cycle();
            },
            |a| {
                a.as_type(ColumnType::Integer);
            },
        ];
        let sums: std::collections::HashSet<String> = fields.into_iter().map(one).collect();
        assert_eq!(sums.len(), 9);
    }

    #[test]
    fn a_sequence_owner_counts_and_none_is_left_out() {
        use crate::ops::SequenceBuilder;
        let sum = |f: fn(&mut Ops)| {
            let mut op = Ops::new();
            f(&mut op);
            of(op.ops())
        };
        let sums: std::collections::HashSet<String> = [
            sum(|op| {
                op.create_sequence("s");
            }),
            sum(|op| {
                op.create_sequence("s").owned_by("t", "a");
            }),
            sum(|op| {
                op.create_sequence("s").owned_by("t", "b");
            }),
            sum(|op| {
                op.create_sequence("s").owned_by(("x", "t"), "a");
            }),
            sum(|op| {
                op.alter_sequence("s").owned_by("t", "a");
            }),
            sum(|op| {
                op.alter_sequence("s").owned_by_none();
            }),
            sum(|op| {
                op.alter_sequence("s");
            }),
        ]
        .into_iter()
        .collect();
        assert_eq!(sums.len(), 7);
        // No owner: the bytes a sequence had before owners existed.
        let mut e = Encoder { out: Vec::new() };
        e.op(&Op::CreateSequence(crate::ops::CreateSequence {
            name: "s".into(),
            as_type: None,
            options: SequenceOptions::default(),
            owned_by: None,
        }));
        let mut plain = Encoder { out: Vec::new() };
        plain.record("create_sequence", |e| e.qname("name", &"s".into()));
        assert_eq!(e.out, plain.out);
    }

    #[test]
    fn each_field_of_an_identity_options_change_counts() {
        let one = |change: SequenceChange| {
            let mut op = Ops::new();
            op.alter_column("t", "id").set_identity_options(change);
            of(op.ops())
        };
        let changes = [
            SequenceChange::new(),
            SequenceChange::new().increment(1),
            SequenceChange::new().start(1),
            SequenceChange::new().min_value(1),
            SequenceChange::new().max_value(1),
            SequenceChange::new().cache(1),
            SequenceChange::new().cycle(),
            SequenceChange::new().no_cycle(),
            SequenceChange::new().restart(),
            SequenceChange::new().restart_with(1),
        ];
        let sums: std::collections::HashSet<String> = changes.into_iter().map(one).collect();
        assert_eq!(sums.len(), 10);
    }

    #[test]
    fn every_field_of_a_key_using_an_index_is_in_the_checksum() {
        let of_one = |edit: fn(&mut crate::ops::AddKeyUsingIndex)| {
            let mut op = Ops::new();
            edit(op.add_unique_using_index("t", "ix"));
            of(op.ops())
        };
        let sums: std::collections::BTreeSet<String> = [
            of_one(|_| {}),
            of_one(|k| k.kind = KeyKind::PrimaryKey),
            of_one(|k| {
                k.named("t_key");
            }),
            of_one(|k| k.index = "ix2".into()),
            of_one(|k| k.table = "u".into()),
        ]
        .into_iter()
        .collect();
        assert_eq!(sums.len(), 5);
    }

    #[test]
    fn every_field_of_an_exclusion_constraint_is_in_the_checksum() {
        let of_one = |edit: fn(&mut Exclusion)| {
            let mut op = Ops::new();
            edit(op.add_exclusion("t", [("a", "="), ("b", "&&")]));
            of(op.ops())
        };
        let sums: std::collections::BTreeSet<String> = [
            of_one(|_| {}),
            of_one(|x| {
                x.named("t_x");
            }),
            of_one(|x| {
                x.using(IndexMethod::SpGist);
            }),
            of_one(|x| x.elements[1].operator = "-|-".into()),
            of_one(|x| x.elements[0].key = IndexKey::expr("a")),
            of_one(|x| x.elements[0].key = IndexKey::column("a").opclass("int4_ops")),
            of_one(|x| x.elements.truncate(1)),
            of_one(|x| {
                x.include(["c"]).named("t_a_b_excl");
            }),
            of_one(|x| {
                x.with("fillfactor", "70");
            }),
            of_one(|x| {
                x.where_sql("a > 0");
            }),
            of_one(|x| {
                x.deferrable();
            }),
            of_one(|x| {
                x.initially_deferred();
            }),
        ]
        .into_iter()
        .collect();
        assert_eq!(sums.len(), 12);
        // A default name is no part of it: the same constraint named
        // explicitly as its default sums the same.
        let mut op = Ops::new();
        op.add_exclusion("t", [("a", "=")]).named("t_a_excl");
        let mut default = Ops::new();
        default.add_exclusion("t", [("a", "=")]);
        assert_eq!(of(op.ops()), of(default.ops()));
    }

    #[test]
    fn strings_are_delimited_so_no_two_op_lists_share_a_message() {
        let sum = |build: fn(&mut Ops)| {
            let mut op = Ops::new();
            build(&mut op);
            of(op.ops())
        };
        // Naive concatenation would make each pair the same.
        assert_ne!(
            sum(|op| {
                op.execute("a").reverse("b");
            }),
            sum(|op| {
                op.execute("ab");
            })
        );
        assert_ne!(
            sum(|op| {
                op.create_enum("e", ["a", "b"]);
            }),
            sum(|op| {
                op.create_enum("e", ["ab"]);
            })
        );
        assert_ne!(
            sum(|op| {
                op.drop_table(("a", "b"));
            }),
            sum(|op| {
                op.drop_table("a.b");
            })
        );
        assert_ne!(
            sum(|op| {
                op.rename_column("t", "a", "bc");
            }),
            sum(|op| {
                op.rename_column("t", "ab", "c");
            })
        );
        assert_ne!(
            sum(|op| {
                op.create_schema("s");
                op.create_schema("t");
            }),
            sum(|op| {
                op.create_schema("s");
            })
        );
        assert_ne!(
            sum(|_| {}),
            sum(|op| {
                op.execute("");
            })
        );
        // A block for one engine: its engine and its ops count, and it is
        // not the same as its ops outside it.
        use crate::engine::Engine;
        let on_postgres = sum(|op| {
            op.on(Engine::Postgres, |op| {
                op.create_schema("s");
            });
        });
        let on_sqlite = sum(|op| {
            op.on(Engine::Sqlite, |op| {
                op.create_schema("s");
            });
        });
        assert_ne!(on_postgres, on_sqlite);
        assert_ne!(
            on_postgres,
            sum(|op| {
                op.create_schema("s");
            })
        );
        assert_ne!(
            on_postgres,
            sum(|op| {
                op.on(Engine::Postgres, |op| {
                    op.create_schema("s");
                    op.create_schema("t");
                });
            })
        );
    }

    #[test]
    fn old_checksums_are_recognised_and_verified_with_the_old_algorithm() {
        let ops = golden();
        let sum = Sum::of(&ops);
        let old = legacy_fnv(&ops);
        assert!(is_legacy(&old), "{old}");
        assert!(!is_legacy(&sum.text));
        assert!(sum.matches(&old) && sum.is_legacy_match(&old));
        assert!(sum.matches(&sum.text) && !sum.is_legacy_match(&sum.text));
        // An old checksum of other ops is a change, as is anything else.
        let other = legacy_fnv(&ops[1..]);
        assert!(is_legacy(&other));
        assert!(!sum.matches(&other) && !sum.is_legacy_match(&other));
        for junk in ["tampered", "", "0123456789ABCDEF", "v2:", "0123456789abcde"] {
            assert!(!is_legacy(junk), "{junk}");
            assert!(!sum.matches(junk), "{junk}");
        }
        // The old algorithm is the one older versions recorded with: FNV-1a
        // over `DropTable(DropTable { name: QualifiedName { schema: None,
        // name: "users" } })` and a newline (worked out apart from this code).
        let mut op = Ops::new();
        op.drop_table("users");
        assert_eq!(legacy_fnv(op.ops()), "691bd15debb7de10");
    }

    #[test]
    fn the_advisory_lock_key_is_unchanged() {
        // FNV-1a of "migrator:public.migrator_version", as every earlier
        // version computed it (worked out apart from this code).
        assert_eq!(RunConfig::default().lock_key(), 7_496_031_207_400_440_441);
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
    }

    use super::super::RunConfig;
}
