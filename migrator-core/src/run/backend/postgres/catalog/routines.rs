//! Functions and triggers read from `pg_proc` and `pg_trigger` into ops.
//!
//! A function the model cannot hold is noted instead: a procedure or an
//! aggregate, one written in C or `internal`, one with `OUT`/`INOUT`/
//! `VARIADIC` arguments or argument defaults, a second overload of a name.
//! A trigger is noted when it is a constraint trigger, uses transition
//! tables (`REFERENCING`), is disabled, or is on a relation not read.

use std::collections::{BTreeMap, BTreeSet};

use tokio_postgres::Client;

use super::{USER_SCHEMAS, failed, not_extension, qualified};
use crate::ops::{
    CreateFunction, CreateTrigger, FunctionArg, FunctionDef, Op, TableDef, TriggerAction,
    TriggerDef, TriggerEvent, TriggerTiming, Volatility,
};
use crate::run::error::RunError;

/// `pg_trigger.tgtype` bits.
const ROW: i16 = 1;
const BEFORE: i16 = 2;
const INSERT: i16 = 4;
const DELETE: i16 = 8;
const UPDATE: i16 = 16;
const TRUNCATE: i16 = 32;
const INSTEAD: i16 = 64;

/// The functions of the user's schemas, as ops; and what is noted.
pub(super) async fn functions(
    client: &Client,
    unmodelled: &mut Vec<String>,
) -> Result<Vec<Op>, RunError> {
    let err = failed("reading the functions");
    let rows = client
        .query(
            &format!(
                "SELECT n.nspname::text, p.proname::text, p.oid::regprocedure::text,
                        coalesce(p.proargnames, '{{}}')::text[],
                        ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, i) ORDER BY i),
                        p.prokind::text, p.proargmodes IS NOT NULL OR p.pronargdefaults > 0,
                        pg_get_function_result(p.oid), l.lanname::text, p.prosrc, p.provolatile::text,
                        p.proisstrict, p.prosecdef
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 JOIN pg_language l ON l.oid = p.prolang
                 WHERE {USER_SCHEMAS} AND {}
                 ORDER BY 1, 2, 3",
                not_extension("p.oid", "pg_proc")
            ),
            &[],
        )
        .await
        .map_err(&err)?;
    let mut seen = BTreeSet::new();
    let mut ops = Vec::new();
    for row in &rows {
        let (schema, name, signature): (String, String, String) =
            (row.get(0), row.get(1), row.get(2));
        let kind: String = row.get(5);
        let language: String = row.get(8);
        let why = if kind != "f" {
            Some("a procedure, aggregate or window function")
        } else if row.get::<_, bool>(6) {
            Some("it has OUT, INOUT or VARIADIC arguments or argument defaults")
        } else if language == "c" || language == "internal" {
            Some("written in C or internal")
        } else if !seen.insert((schema.clone(), name.clone())) {
            Some("an overload of a name the model holds once")
        } else {
            None
        };
        if let Some(why) = why {
            unmodelled.push(format!("function {signature} ({why})"));
            continue;
        }
        let names: Vec<String> = row.get(3);
        let types: Vec<String> = row.get(4);
        let args = types
            .into_iter()
            .enumerate()
            .map(|(i, ty)| FunctionArg {
                name: names.get(i).filter(|n| !n.is_empty()).cloned(),
                ty,
            })
            .collect();
        let mut function = FunctionDef::new(
            qualified(&schema, &name),
            row.get::<_, String>(7),
            row.get::<_, String>(9),
        );
        function.args = args;
        function.language = language;
        function.volatility = match row.get::<_, String>(10).as_str() {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        };
        function.strict = row.get(11);
        function.security_definer = row.get(12);
        ops.push(Op::CreateFunction(CreateFunction {
            function,
            or_replace: false,
        }));
    }
    Ok(ops)
}

/// The triggers on the tables read (`tables`, by oid), as ops; and what
/// is noted.
pub(super) async fn triggers(
    client: &Client,
    tables: &BTreeMap<u32, TableDef>,
    unmodelled: &mut Vec<String>,
) -> Result<Vec<Op>, RunError> {
    let err = failed("reading the triggers");
    let rows = client
        .query(
            &format!(
                "SELECT t.tgrelid, t.tgname::text, t.tgtype,
                        ARRAY(SELECT a.attname::text FROM unnest(t.tgattr::int2[]) WITH ORDINALITY k(n, i)
                              JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = k.n ORDER BY k.i),
                        fn.nspname::text, p.proname::text, t.tgargs, pg_get_triggerdef(t.oid),
                        t.tgconstraint <> 0 OR t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL,
                        t.tgenabled::text, n.nspname::text || '.' || c.relname::text
                 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                 JOIN pg_namespace fn ON fn.oid = p.pronamespace
                 JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE NOT t.tgisinternal AND {USER_SCHEMAS}
                 ORDER BY t.tgrelid, t.tgname"
            ),
            &[],
        )
        .await
        .map_err(&err)?;
    let mut ops = Vec::new();
    for row in &rows {
        let name: String = row.get(1);
        let def: String = row.get(7);
        let relation: String = row.get(10);
        let Some(table) = tables.get(&row.get::<_, u32>(0)) else {
            // The runner's own tables are not read, nor their triggers.
            if !relation.ends_with(".migrator_version") && !relation.ends_with(".migrator_history")
            {
                unmodelled.push(format!("trigger {name} on {relation}: {def}"));
            }
            continue;
        };
        if row.get::<_, bool>(8) {
            unmodelled.push(format!(
                "trigger {name} on {} (a constraint trigger or one with transition tables): {def}",
                table.name
            ));
            continue;
        }
        if row.get::<_, String>(9) != "O" {
            unmodelled.push(format!(
                "trigger {name} on {} is disabled or set to fire only on replicas: {def}",
                table.name
            ));
            continue;
        }
        let bits: i16 = row.get(2);
        let timing = if bits & INSTEAD != 0 {
            TriggerTiming::InsteadOf
        } else if bits & BEFORE != 0 {
            TriggerTiming::Before
        } else {
            TriggerTiming::After
        };
        let mut events = Vec::new();
        if bits & INSERT != 0 {
            events.push(TriggerEvent::Insert);
        }
        if bits & UPDATE != 0 {
            events.push(TriggerEvent::Update(row.get(3)));
        }
        if bits & DELETE != 0 {
            events.push(TriggerEvent::Delete);
        }
        if bits & TRUNCATE != 0 {
            events.push(TriggerEvent::Truncate);
        }
        let raw: Vec<u8> = row.get(6);
        let mut args: Vec<String> = raw
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        // Each argument ends in a NUL: the last piece is empty.
        args.pop();
        let mut trigger = TriggerDef::new(
            table.name.clone(),
            name,
            timing,
            events,
            TriggerAction::Function {
                name: qualified(&row.get::<_, String>(4), &row.get::<_, String>(5)),
                args,
            },
        );
        trigger.for_each_row = bits & ROW != 0;
        trigger.when = when(&def);
        ops.push(Op::CreateTrigger(CreateTrigger { trigger }));
    }
    Ok(ops)
}

/// The `WHEN` condition of a trigger definition as `pg_get_triggerdef`
/// prints it (`… FOR EACH ROW WHEN ((cond)) EXECUTE FUNCTION …`), without
/// its parentheses.
fn when(def: &str) -> Option<String> {
    let after = ["FOR EACH ROW ", "FOR EACH STATEMENT "]
        .iter()
        .find_map(|w| def.find(w).map(|at| at + w.len()))?;
    if !def[after..].starts_with("WHEN (") {
        return None;
    }
    let (items, _) = crate::schema::expr::list_items(def, after + "WHEN ".len())?;
    Some(crate::schema::expr::strip_parens(items.first()?).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_when_condition() {
        assert_eq!(
            when("CREATE TRIGGER t BEFORE UPDATE ON public.u FOR EACH ROW WHEN ((old.* IS DISTINCT FROM new.*)) EXECUTE FUNCTION f()")
                .as_deref(),
            Some("old.* IS DISTINCT FROM new.*")
        );
        assert_eq!(
            when(
                "CREATE TRIGGER t AFTER INSERT ON public.u FOR EACH STATEMENT EXECUTE FUNCTION f('WHEN (')"
            ),
            None
        );
    }
}
