//! The pre-check on its own: honest queries pass, each bypass family is refused with its rule.

use super::config::Engine;
use super::precheck::check;

fn refusal(engine: Engine, sql: &str) -> String {
    match check(engine, sql) {
        Ok(()) => panic!("{engine}: `{sql}` was accepted"),
        Err(e) => {
            assert!(e.is_refused(), "{e}");
            e.to_string()
        }
    }
}

#[test]
fn honest_queries_pass() {
    for (engine, sql) in [
        (Engine::Postgres, "SELECT 1"),
        (
            Engine::Postgres,
            "WITH x AS (SELECT 1 AS a) SELECT a FROM x;",
        ),
        (Engine::Postgres, "VALUES (1), (2)"),
        (Engine::Postgres, "EXPLAIN SELECT * FROM t"),
        (Engine::Postgres, "SELECT * FROM generate_series(1, 3)"),
        (Engine::Mysql, "SELECT `a` FROM t WHERE b = 'x' LIMIT 3"),
        (
            Engine::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table'",
        ),
        (Engine::Sqlite, "select 1 -- trailing comment"),
    ] {
        assert_eq!(check(engine, sql), Ok(()), "{sql}");
    }
}

#[test]
fn honest_postgres_analytics_pass() {
    for sql in [
        "SELECT date_trunc('month', at) AS m, count(*), sum(price)::numeric(12, 2), avg(ratio), \
         string_agg(DISTINCT name, ', ' ORDER BY name) FROM t GROUP BY 1 ORDER BY 1",
        "SELECT id, rank() OVER (PARTITION BY ok ORDER BY price DESC), \
         lag(price) OVER w FROM t WINDOW w AS (ORDER BY id)",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY price) FROM t",
        "SELECT count(*) FILTER (WHERE ok) FROM t",
        "SELECT coalesce(nullif(trim(name), ''), 'x'), upper(left(name, 3)), \
         regexp_replace(name, '[aeiou]', '', 'g'), split_part(name, '-', 1) FROM t",
        "SELECT extract(year FROM at), to_char(at, 'YYYY-MM'), age(now(), at), \
         at AT TIME ZONE 'UTC', CURRENT_DATE - interval '7 days' FROM t",
        "SELECT doc->>'a', jsonb_array_length(doc->'a'), jsonb_build_object('k', id), \
         to_jsonb(t) FROM t",
        "SELECT * FROM jsonb_each('{\"a\": 1}'::jsonb) AS e(k, v)",
        "SELECT CAST(id AS text), id::varchar(10), 'x'::character varying(3), \
         now()::timestamp(0) WITH TIME ZONE FROM t",
        "SELECT id FROM t WHERE id IN (SELECT id FROM u) AND EXISTS (SELECT 1) \
         AND name LIKE ANY (ARRAY['a%', 'b%'])",
        "SELECT $$it's$$, E'a\\'b', 'a''b' AS \"quoted \"\" name\"",
        "SELECT round(price, 2), greatest(1, 2), abs(-1), pg_catalog.lower('X')",
        "SELECT substring(name FROM 1 FOR 3), position('a' IN name), overlay(name PLACING 'x' FROM 1) FROM t",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
        "SELECT to_tsvector('english', name) @@ plainto_tsquery('apple') FROM t",
        "SELECT * FROM t TABLESAMPLE bernoulli (10)",
        "SELECT table_name FROM information_schema.tables /* a comment */ -- and another",
        "SELECT 1 /* nested /* comment */ still comment */",
    ] {
        assert_eq!(check(Engine::Postgres, sql), Ok(()), "{sql}");
    }
}

#[test]
fn honest_mysql_analytics_pass() {
    for sql in [
        "SELECT DATE_FORMAT(at, '%Y-%m') AS m, COUNT(*), SUM(price), GROUP_CONCAT(name SEPARATOR ', ') \
         FROM t GROUP BY m ORDER BY m",
        "SELECT id, ROW_NUMBER() OVER (PARTITION BY ok ORDER BY price DESC) FROM t",
        "SELECT IF(ok, 'y', 'n'), IFNULL(note, ''), CONCAT_WS('-', name, id), \
         SUBSTRING_INDEX(name, '.', 1), LPAD(id, 5, '0') FROM t",
        "SELECT DATEDIFF(NOW(), at), DATE_SUB(CURDATE(), INTERVAL 7 DAY), YEAR(at) FROM t",
        "SELECT JSON_EXTRACT(doc, '$.a'), JSON_UNQUOTE(JSON_EXTRACT(doc, '$.a[0]')) FROM t",
        "SELECT CAST(id AS CHAR(10)), CONVERT(name USING utf8mb4), CAST(price AS DECIMAL(10, 2)) FROM t",
        "SELECT 'it\\'s', \"double \\\" quoted\", `odd``name` FROM t -- comment",
        "SELECT 1 # hash comment",
        "SELECT id FROM t WHERE id IN (1, 2) AND EXISTS (SELECT 1)",
        "SELECT 1 - -1, 2 - 1",
    ] {
        assert_eq!(check(Engine::Mysql, sql), Ok(()), "{sql}");
    }
}

#[test]
fn honest_sqlite_queries_pass() {
    for sql in [
        "SELECT strftime('%Y', at), count(*), total(price), group_concat(name, ',') FROM t GROUP BY 1",
        "SELECT json_extract(doc, '$.a'), ifnull(x, 0), iif(a > 1, 'y', 'n'), typeof(a) FROM t",
        "SELECT * FROM pragma_table_info('t')",
        "SELECT [odd name], `other` FROM t",
    ] {
        assert_eq!(check(Engine::Sqlite, sql), Ok(()), "{sql}");
    }
}

#[test]
fn mysql_dash_comment_with_unicode_whitespace_is_refused() {
    for ws in ['\u{a0}', '\u{3000}', '\u{85}'] {
        let sql = format!(
            "SELECT a --{ws}, LOAD_FILE('/etc/passwd') AS leak FROM (SELECT 1 AS a, 2 AS {ws}) q"
        );
        let msg = refusal(Engine::Mysql, &sql);
        assert!(msg.contains("`--` not followed by a space"), "{msg}");
    }
}

#[test]
fn non_ascii_outside_quotes_is_refused_on_every_engine() {
    for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
        let msg = refusal(engine, "SELECT 1\u{a0}AS a");
        assert!(
            msg.contains("non-ASCII character U+00A0 at byte 8"),
            "{msg}"
        );
    }
    // Inside strings, quoted identifiers and comments it is data.
    assert_eq!(
        check(
            Engine::Postgres,
            "SELECT 'caf\u{e9}' AS \"n\u{a0}m\" -- \u{3000}"
        ),
        Ok(())
    );
    assert_eq!(
        check(
            Engine::Mysql,
            "SELECT 'caf\u{e9}' AS `n\u{a0}m` -- \u{3000}"
        ),
        Ok(())
    );
}

#[test]
fn control_characters_outside_quotes_are_refused() {
    let msg = refusal(Engine::Mysql, "SELECT 1 --\u{1}, SLEEP(5)");
    assert!(msg.contains("`--`"), "{msg}");
    let msg = refusal(Engine::Postgres, "SELECT 1\u{b}+ 1");
    assert!(msg.contains("control character U+000B"), "{msg}");
}

#[test]
fn postgres_comment_ends_at_carriage_return() {
    // Postgres ends `--` comments at `\r` as well as `\n`: the call is code, and is seen.
    let msg = refusal(Engine::Postgres, "SELECT 1 -- x\rAS a, pg_sleep(5)");
    assert!(msg.contains("sleep"), "{msg}");
}

#[test]
fn executable_comments_are_refused() {
    for sql in [
        "SELECT 1 /*M!, SLEEP(3) */",
        "SELECT 1 /*!50000 , SLEEP(3) */",
        "SELECT /*+ MAX_EXECUTION_TIME(0) */ 1",
        "SELECT 1 /*m!, SLEEP(3) */",
    ] {
        let msg = refusal(Engine::Mysql, sql);
        assert!(msg.contains("executable comment"), "{sql}: {msg}");
    }
}

#[test]
fn functions_that_run_sql_text_are_refused() {
    for sql in [
        "SELECT string_agg(word, ' ') FROM ts_stat('SELECT to_tsvector(''simple'', pg_read_file(''/etc/passwd''))')",
        "SELECT * FROM ts_stat('SELECT to_tsvector(pg_advisory_lock(4242)::text)')",
        "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')",
        "SELECT query_to_xml('delete from t', true, true, '')",
        "SELECT * FROM crosstab('SELECT 1, 2, 3')",
        "SELECT pg_catalog.ts_stat('SELECT 1')",
        "SELECT \"ts_stat\"('SELECT 1')",
        "SELECT ts_stat /* hidden */ ('SELECT 1')",
        // Found by the fuzz target: after `)`, a name with `(` can be an alias's column list.
        "SELECT FROM t, count(*)ts_stat('SELECT 1')",
    ] {
        let msg = refusal(Engine::Postgres, sql);
        assert!(
            msg.contains("functions that run SQL given as text are not allowed"),
            "{sql}: {msg}"
        );
    }
}

#[test]
fn locks_files_sleeps_and_settings_are_refused_by_rule() {
    for (engine, sql, rule) in [
        (Engine::Mysql, "SELECT GET_LOCK('x', 0)", "locks"),
        (Engine::Mysql, "SELECT `get_lock`('x', 0)", "locks"),
        (Engine::Mysql, "SELECT sleep/**/(5)", "sleep"),
        (
            Engine::Mysql,
            "SELECT LOAD_FILE('/etc/passwd')",
            "server files",
        ),
        (Engine::Postgres, "SELECT PG_ADVISORY_LOCK(1)", "locks"),
        (
            Engine::Postgres,
            "SELECT \"lo_import\"('/etc/passwd')",
            "server files",
        ),
        (
            Engine::Postgres,
            "SELECT * FROM pg_read_file('/etc/passwd')",
            "server files",
        ),
        (
            Engine::Postgres,
            "SELECT pg_catalog.set_config('a', 'b', false)",
            "settings",
        ),
        (Engine::Postgres, "SELECT pg_terminate_backend(1)", "signal"),
        (Engine::Sqlite, "SELECT load_extension('x')", "administer"),
    ] {
        let msg = refusal(engine, sql);
        assert!(msg.contains(rule), "{sql}: {msg}");
    }
}

#[test]
fn unknown_and_qualified_functions_are_refused() {
    let msg = refusal(Engine::Postgres, "SELECT my_extension_fn(1)");
    assert!(
        msg.contains(
            "allow-list of known-safe postgres functions are not allowed: my_extension_fn"
        ),
        "{msg}"
    );
    let msg = refusal(Engine::Mysql, "SELECT mydb.lower('x')");
    assert!(msg.contains("schema-qualified"), "{msg}");
    // A user function named like a keyword is still judged by the parser-level walk.
    let msg = refusal(Engine::Postgres, "SELECT path('x')");
    assert!(msg.contains("allow-list"), "{msg}");
}

#[test]
fn writes_and_structure_tricks_are_refused() {
    for (engine, sql) in [
        (Engine::Postgres, "INSERT INTO t VALUES (1)"),
        (Engine::Postgres, "SELECT 1; SELECT 2"),
        (Engine::Postgres, "COMMIT; INSERT INTO t VALUES (1)"),
        (
            Engine::Postgres,
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
        ),
        (Engine::Postgres, "SELECT * INTO t2 FROM t"),
        (Engine::Postgres, "SELECT * FROM t FOR UPDATE"),
        (Engine::Postgres, "SELECT * FROM t FOR SHARE SKIP LOCKED"),
        (Engine::Postgres, "EXPLAIN ANALYZE SELECT 1"),
        (Engine::Postgres, "EXPLAIN (ANALYZE) SELECT 1"),
        (Engine::Postgres, "EXPLAIN DELETE FROM t"),
        (Engine::Postgres, "SET statement_timeout = 0"),
        (Engine::Postgres, "COPY t TO PROGRAM 'id'"),
        (
            Engine::Postgres,
            r#"SELECT U&"pg\005fread_file"('/etc/passwd')"#,
        ),
        (Engine::Postgres, r"SELECT U&'\0041'"),
        (Engine::Postgres, "SELECT $x"),
        (Engine::Postgres, "SELECT 'unterminated"),
        (Engine::Postgres, "SELECT 1 /* unterminated"),
        (Engine::Mysql, "SELECT @a := 1"),
        (Engine::Mysql, "SELECT * FROM t INTO OUTFILE '/tmp/x'"),
        (Engine::Mysql, "SELECT * FROM t LOCK IN SHARE MODE"),
        (Engine::Mysql, "DO SLEEP(5)"),
        (Engine::Mysql, "SELECT 1--1"),
        (Engine::Mysql, r"SELECT \N"),
        (Engine::Sqlite, "VACUUM INTO '/tmp/x.db'"),
        (Engine::Sqlite, "ATTACH 'x.db' AS x"),
        (Engine::Sqlite, "PRAGMA query_only = 0"),
        (Engine::Sqlite, ""),
        (Engine::Sqlite, "  ;  "),
    ] {
        let _ = refusal(engine, sql);
    }
}

#[test]
fn mysql_backslash_escaped_quote_does_not_end_the_string() {
    // MySQL reads `\'` as a quote inside the string, so the call is data, not code.
    assert_eq!(check(Engine::Mysql, r"SELECT 'a\', SLEEP(5) -- '"), Ok(()));
    // Postgres (standard strings) ends the string at `\'`, so the call is code.
    let msg = refusal(Engine::Postgres, r"SELECT 'a\', pg_sleep(5) -- '");
    assert!(msg.contains("sleep"), "{msg}");
}

#[test]
fn honest_syntax_around_parentheses_passes() {
    for (engine, sql) in [
        (Engine::Postgres, "SELECT ARRAY(SELECT 1)"),
        (
            Engine::Postgres,
            "SELECT a, count(*) FROM t GROUP BY ROLLUP (a)",
        ),
        (
            Engine::Postgres,
            "SELECT a, count(*) FROM t GROUP BY CUBE (a)",
        ),
        (
            Engine::Postgres,
            "SELECT a, b FROM t GROUP BY GROUPING SETS ((a), (b))",
        ),
        (
            Engine::Postgres,
            "SELECT * FROM t WHERE a = ANY (ARRAY[1, 2])",
        ),
        (
            Engine::Postgres,
            "SELECT DISTINCT ON (a) a, b FROM t ORDER BY a, b DESC NULLS LAST",
        ),
        (
            Engine::Postgres,
            "SELECT sum(a) OVER (ORDER BY b ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t",
        ),
        (Engine::Postgres, "SELECT * FROM t FETCH FIRST 3 ROWS ONLY"),
        (
            Engine::Postgres,
            "SELECT * FROM t, LATERAL (SELECT 1) x JOIN u USING (id)",
        ),
        (
            Engine::Postgres,
            "SELECT * FROM generate_series(1, 3) WITH ORDINALITY AS g(n, i)",
        ),
        (Engine::Postgres, "SELECT * FROM generate_series(1, 3) g(n)"),
        (
            Engine::Postgres,
            "SELECT 't'::regclass, date '2020-01-01', now() - interval '1 day'",
        ),
        (
            Engine::Postgres,
            "SELECT array_agg(a) FILTER (WHERE a > 1), jsonb_path_query_array(doc, '$.a') FROM t",
        ),
        (
            Engine::Postgres,
            "SELECT (a, b) OVERLAPS (c, d), a IS DISTINCT FROM b, name COLLATE \"C\" FROM t",
        ),
        (
            Engine::Postgres,
            "SELECT trim(LEADING 'x' FROM name), row(1, 2) FROM t",
        ),
        (
            Engine::Mysql,
            "SELECT * FROM t WHERE MATCH (a) AGAINST ('x')",
        ),
        (Engine::Mysql, "SELECT * FROM t USE INDEX (i) WHERE a = 1"),
        (
            Engine::Mysql,
            "SELECT * FROM JSON_TABLE('[1]', '$[*]' COLUMNS (x INT PATH '$')) AS j",
        ),
        (
            Engine::Mysql,
            "SELECT CAST(a AS SIGNED), CONVERT(a, CHAR), TIMESTAMPDIFF(DAY, a, b) FROM t",
        ),
        (
            Engine::Mysql,
            "SELECT DATE_ADD(d, INTERVAL 1 DAY), EXTRACT(YEAR FROM d), POSITION('a' IN b) FROM t",
        ),
        (
            Engine::Mysql,
            "SELECT GROUP_CONCAT(DISTINCT a ORDER BY a SEPARATOR '|') FROM t",
        ),
        (
            Engine::Mysql,
            "SELECT a, SUM(b) FROM t GROUP BY a WITH ROLLUP",
        ),
        (
            Engine::Sqlite,
            "SELECT * FROM t JOIN u USING (id) WHERE a IN (SELECT 1)",
        ),
    ] {
        assert_eq!(check(engine, sql), Ok(()), "{engine}: {sql}");
    }
}
