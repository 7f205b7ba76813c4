//! Which functions a query may call: an allow-list of known-safe built-ins per engine.
//!
//! An allow-list, not a deny-list: Postgres alone has thousands of functions and extensions add
//! more, so no deny-list can be shown complete (`ts_stat` ran SQL given as text past the old one).
//! A name is allowed when it is on the list for its engine; every other call is refused, and the
//! refusal names the function and, when it is a known danger, the rule it breaks.
//!
//! The lists hold aggregates, window functions, string, date, math, JSON and array functions,
//! casts and type names (`varchar(3)`, `numeric(12, 4)`), and the keywords that come before a
//! parenthesis without being calls (`IN (`, `OVER (`). None of them runs SQL given as text, reads
//! or writes server files, sleeps, takes locks that outlive the transaction, signals backends or
//! changes settings or sequences.

use super::config::Engine;
use super::error::QueryError;

/// Keywords followed by `(` that are syntax, not calls.
const KEYWORDS: &[&str] = &[
    "all and any array as asc between bernoulli by case columns cross cube current desc",
    "distinct else end except exists filter following for from full group groups having in",
    "index inner intersect is join key lateral like ilike limit materialized natural not",
    "nulls offset on only or order outer over partition path preceding range recursive rollup",
    "row rows select sets similar some system tablesample then union unbounded using values",
    "when where window with within zone escape nested ordinality against match distinctrow",
    "straight_join use force ignore fetch next first last ties exclude others at time to",
];

/// Type names that take a parenthesised size or precision in casts.
const TYPES: &[&str] = &[
    "bigint binary bit bool boolean bpchar bytea char character date datetime dec decimal",
    "double float float4 float8 int int2 int4 int8 integer interval json jsonb nchar numeric",
    "real signed smallint text time timestamp timestamptz timetz unsigned uuid varbinary",
    "varbit varchar varying precision",
];

/// Functions every engine here implements the same harmless way.
const COMMON: &[&str] = &[
    // Aggregates and window functions.
    "avg count max min sum row_number rank dense_rank percent_rank cume_dist ntile lag lead",
    "first_value last_value nth_value",
    // Conditionals and casts.
    "cast coalesce nullif greatest least",
    // Strings.
    "lower upper length char_length character_length octet_length trim ltrim rtrim substr",
    "substring replace concat concat_ws instr hex format reverse repeat left right lpad rpad",
    "position ascii",
    // Math.
    "abs ceil ceiling floor round sign sqrt power pow exp ln log log10 log2 mod pi degrees",
    "radians sin cos tan asin acos atan atan2 cot trunc random",
    // Dates (also the argument-less SQL forms, which sqlparser reads as calls).
    "current_date current_time current_timestamp localtime localtimestamp now extract date",
    "time",
    // Session facts, read-only.
    "current_user session_user user current_role current_catalog current_schema version",
    // JSON construction and reading.
    "json_object json_array json_extract json_valid json_type",
    // Row and array constructors (`ARRAY(SELECT …)` is a call to sqlparser), grouping.
    "row array grouping",
];

const POSTGRES: &[&str] = &[
    // Aggregates.
    "array_agg string_agg json_agg jsonb_agg json_object_agg jsonb_object_agg json_agg_strict",
    "jsonb_agg_strict json_objectagg json_arrayagg bool_and bool_or every bit_and bit_or",
    "bit_xor stddev stddev_pop stddev_samp variance var_pop var_samp corr covar_pop",
    "covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx",
    "regr_sxy regr_syy percentile_cont percentile_disc mode range_agg range_intersect_agg",
    "any_value xmlagg",
    // Strings.
    "bit_length btrim initcap strpos translate split_part string_to_array string_to_table",
    "array_to_string regexp_replace regexp_match regexp_matches regexp_split_to_array",
    "regexp_split_to_table regexp_like regexp_count regexp_instr regexp_substr quote_ident",
    "quote_literal quote_nullable md5 sha224 sha256 sha384 sha512 encode decode to_hex chr",
    "starts_with overlay normalize convert_from convert_to to_ascii unistr casefold get_byte",
    "get_bit set_byte set_bit bit_count crc32 crc32c",
    // Math.
    "cbrt div width_bucket gcd lcm factorial scale min_scale trim_scale sinh cosh tanh asinh",
    "acosh atanh sind cosd tand asind acosd atand atan2d cotd erf erfc random_normal",
    "isfinite",
    // Dates.
    "date_trunc date_part date_bin date_add date_subtract age make_date make_time",
    "make_timestamp make_timestamptz make_interval to_char to_date to_timestamp to_number",
    "justify_days justify_hours justify_interval clock_timestamp statement_timestamp",
    "transaction_timestamp timeofday timezone",
    // Arrays, ranges and set-returning helpers.
    "array_length cardinality unnest array_append array_prepend array_cat array_position",
    "array_positions array_remove array_replace array_lower array_upper array_dims",
    "array_ndims array_fill trim_array array_sample array_shuffle array_reverse array_sort",
    "generate_series generate_subscripts lower_inc upper_inc lower_inf upper_inf isempty",
    "range_merge int4range int8range numrange tsrange tstzrange daterange",
    // JSON.
    "to_json to_jsonb row_to_json array_to_json json_build_object jsonb_build_object",
    "json_build_array jsonb_build_array jsonb_object json_array_elements jsonb_array_elements",
    "json_array_elements_text jsonb_array_elements_text json_array_length jsonb_array_length",
    "json_each jsonb_each json_each_text jsonb_each_text json_extract_path jsonb_extract_path",
    "json_extract_path_text jsonb_extract_path_text json_object_keys jsonb_object_keys",
    "json_populate_record jsonb_populate_record json_populate_recordset",
    "jsonb_populate_recordset json_to_record jsonb_to_record json_to_recordset",
    "jsonb_to_recordset json_strip_nulls jsonb_strip_nulls jsonb_set jsonb_set_lax",
    "jsonb_insert jsonb_pretty json_typeof jsonb_typeof jsonb_path_exists jsonb_path_match",
    "jsonb_path_query jsonb_path_query_array jsonb_path_query_first json_scalar",
    "json_serialize json_exists json_query json_value json_table",
    // Text search, without `ts_stat` and `ts_rewrite`, which run SQL given as text.
    "to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery ts_rank",
    "ts_rank_cd ts_headline setweight strip tsvector_to_array array_to_tsvector numnode",
    "querytree ts_delete ts_filter tsquery_phrase",
    // XML built from values (never from a query).
    "xmlelement xmlforest xmlconcat xmlattributes xmlcomment xmltext",
    // Identifiers, types and hashing of values.
    "gen_random_uuid uuidv4 uuidv7 pg_typeof num_nulls num_nonnulls hashtext to_regclass",
    "to_regtype format_type pg_column_size obj_description col_description pg_get_viewdef",
    "pg_get_indexdef pg_get_constraintdef pg_table_is_visible pg_relation_size",
    "pg_total_relation_size pg_size_pretty has_table_privilege has_column_privilege",
    "has_schema_privilege current_database current_schemas pg_backend_pid current_setting",
];

const MYSQL: &[&str] = &[
    // Aggregates.
    "group_concat json_arrayagg json_objectagg bit_and bit_or bit_xor std stddev stddev_pop",
    "stddev_samp variance var_pop var_samp percentile_cont percentile_disc median",
    // Strings.
    "bin bit_length char elt field find_in_set from_base64 to_base64 unhex lcase ucase locate",
    "make_set mid oct ord quote regexp_instr regexp_like regexp_replace regexp_substr soundex",
    "space strcmp substring_index md5 sha sha1 sha2 crc32 convert collation charset",
    "coercibility export_set insert lengthb natural_sort_key sformat chr",
    // Math.
    "conv rand truncate crc32c",
    // Dates.
    "adddate addtime convert_tz curdate curtime date_add date_format date_sub datediff day",
    "dayname dayofmonth dayofweek dayofyear from_days from_unixtime get_format hour last_day",
    "makedate maketime microsecond minute month monthname period_add period_diff quarter",
    "sec_to_time second str_to_date subdate subtime sysdate time_format time_to_sec timediff",
    "timestamp timestampadd timestampdiff to_days to_seconds unix_timestamp utc_date utc_time",
    "utc_timestamp week weekday weekofyear year yearweek add_months to_char",
    // Conditionals.
    "if ifnull isnull interval nvl nvl2 decode_oracle",
    // JSON.
    "json_unquote json_contains json_contains_path json_keys json_length json_value",
    "json_search json_depth json_pretty json_quote json_merge json_merge_patch",
    "json_merge_preserve json_set json_insert json_replace json_remove json_array_append",
    "json_array_insert json_table json_overlaps json_exists json_query json_compact",
    "json_detailed json_loose json_normalize json_equals json_array_intersect",
    "json_object_filter_keys json_object_to_array json_key_value json_schema_valid member",
    // Identifiers and session facts, read-only.
    "uuid uuid_short database schema connection_id system_user inet_aton inet_ntoa inet6_aton",
    "inet6_ntoa is_ipv4 is_ipv6",
];

const SQLITE: &[&str] = &[
    "char glob ifnull iif if like likelihood likely unlikely printf quote randomblob soundex",
    "sqlite_version total typeof unhex unicode zeroblob group_concat string_agg datetime",
    "julianday unixepoch strftime timediff median percentile percentile_cont percentile_disc",
    "json jsonb json_array_length json_error_position json_insert json_replace json_set",
    "json_remove json_patch json_quote json_group_array json_group_object json_each json_tree",
    "json_pretty jsonb_array jsonb_object jsonb_extract jsonb_insert jsonb_replace jsonb_set",
    "jsonb_remove jsonb_patch jsonb_group_array jsonb_group_object generate_series",
    "pragma_table_info pragma_table_xinfo pragma_table_list pragma_index_list",
    "pragma_index_info pragma_index_xinfo pragma_foreign_key_list pragma_collation_list sign",
    "octet_length concat concat_ws",
];

/// Known dangers, for a refusal that names the rule. The allow-list decides; this only explains.
const DANGERS: &[(&str, &[&str])] = &[
    (
        "functions that run SQL given as text are not allowed",
        &[
            "ts_stat",
            "ts_rewrite",
            "query_to_xml",
            "query_to_xmlschema",
            "query_to_xml_and_xmlschema",
            "cursor_to_xml",
            "cursor_to_xmlschema",
            "table_to_xml",
            "table_to_xmlschema",
            "table_to_xml_and_xmlschema",
            "schema_to_xml*",
            "database_to_xml*",
            "dblink*",
            "crosstab*",
            "connectby",
            "pg_background*",
            "run_command_on_*",
            "xpath_table",
        ],
    ),
    (
        "functions that read or write server files are not allowed",
        &[
            "pg_read_*",
            "pg_ls_*",
            "pg_stat_file",
            "pg_file_*",
            "pg_logdir_ls",
            "pg_current_logfile",
            "lo_*",
            "load_file",
            "readfile",
            "writefile",
            "edit",
            "fsdir",
            "zipfile",
        ],
    ),
    (
        "functions that sleep or burn CPU on purpose are not allowed",
        &["pg_sleep*", "sleep", "benchmark"],
    ),
    (
        "functions that take or release locks are not allowed",
        &[
            "pg_advisory_*",
            "pg_try_advisory_*",
            "get_lock",
            "release_lock",
            "release_all_locks",
            "is_free_lock",
            "is_used_lock",
            "master_pos_wait",
            "source_pos_wait",
            "master_gtid_wait",
            "wait_for_executed_gtid_set",
            "wait_until_sql_thread_after_gtids",
        ],
    ),
    (
        "functions that signal or administer the server are not allowed",
        &[
            "pg_terminate_backend",
            "pg_cancel_backend",
            "pg_reload_conf",
            "pg_rotate_logfile",
            "pg_switch_wal",
            "pg_promote",
            "pg_log_backend_memory_contexts",
            "pg_import_system_collations",
            "pg_backup_*",
            "pg_start_backup",
            "pg_stop_backup",
            "pg_wal_replay_*",
            "pg_create_*",
            "pg_drop_*",
            "pg_replication_origin_*",
            "pg_stat_reset*",
            "pg_notify",
            "pg_logical_emit_message",
            "sys_exec",
            "sys_eval",
            "load_extension",
            "fts3_tokenizer",
            "binlog_gtid_pos",
        ],
    ),
    (
        "functions that change settings, variables or sequences are not allowed",
        &[
            "set_config",
            "nextval",
            "setval",
            "lastval",
            "last_insert_id",
            "name_const",
        ],
    ),
    (
        "functions that reach other servers are not allowed",
        &["http", "http_*", "postgres_fdw_*"],
    ),
];

fn allow_list(engine: Engine) -> &'static [&'static str] {
    match engine {
        Engine::Postgres => POSTGRES,
        Engine::Mysql => MYSQL,
        Engine::Sqlite => SQLITE,
    }
}

/// True when `name` (any case) is a known-safe function or type name on `engine`.
pub(super) fn is_allowed(engine: Engine, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    names([TYPES, COMMON, allow_list(engine)]).any(|n| n == lower)
}

/// True when the unquoted word `word` before `(` is syntax, not a call (`IN (`, `OVER (`).
///
/// Only the lexer-level check asks this; the parser-level check judges every call it finds
/// without it, so a user function named like a keyword (`path(…)`) is still refused there.
pub(super) fn is_keyword(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    names([KEYWORDS]).any(|n| n == lower)
}

/// Every name in `lists` (each entry is a line of space-separated names).
fn names<const N: usize>(
    lists: [&'static [&'static str]; N],
) -> impl Iterator<Item = &'static str> {
    lists
        .into_iter()
        .flatten()
        .flat_map(|line| line.split_ascii_whitespace())
}

/// The verdict on a call of `qualifier.name(…)`, with a refusal naming the rule and the function.
pub(super) fn judge(engine: Engine, qualifier: Option<&str>, name: &str) -> Result<(), QueryError> {
    refuse_known_danger(name)?;
    let shown: String = name.chars().take(64).collect();
    if let Some(schema) = qualifier {
        let builtin = engine == Engine::Postgres && schema.eq_ignore_ascii_case("pg_catalog");
        if !builtin {
            let schema: String = schema.chars().take(64).collect();
            return Err(QueryError::refused(format!(
                "schema-qualified function calls are not allowed: {schema}.{shown} \
                 (call built-in functions by their plain name)"
            )));
        }
    }
    if is_allowed(engine, name) {
        return Ok(());
    }
    Err(QueryError::refused(format!(
        "functions outside the allow-list of known-safe {engine} functions are not allowed: \
         {shown} (use built-in aggregate, string, date, math, JSON or window functions)"
    )))
}

/// Refuses a known-dangerous name before `(` wherever it stands, even where the lexer-level check
/// would take it for an alias with a column list: it costs an honest query nothing.
pub(super) fn refuse_known_danger(name: &str) -> Result<(), QueryError> {
    match danger(name) {
        Some(rule) => Err(QueryError::refused(format!(
            "{rule}: {}",
            name.chars().take(64).collect::<String>()
        ))),
        None => Ok(()),
    }
}

/// The rule a known-dangerous name breaks (`*` in a pattern matches any suffix).
fn danger(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    DANGERS.iter().find_map(|(rule, patterns)| {
        patterns
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => lower.starts_with(prefix),
                None => lower == *p,
            })
            .then_some(*rule)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_known_danger_is_on_an_allow_list() {
        for engine in [Engine::Postgres, Engine::Mysql, Engine::Sqlite] {
            for name in names([KEYWORDS, TYPES, COMMON, allow_list(engine)]) {
                assert_eq!(
                    danger(name),
                    None,
                    "{engine}: {name} is allowed and dangerous"
                );
            }
        }
    }

    #[test]
    fn refusals_name_the_rule_and_the_function() {
        let err = judge(Engine::Postgres, None, "ts_stat").unwrap_err();
        assert_eq!(
            err.to_string(),
            "query refused: functions that run SQL given as text are not allowed: ts_stat"
        );
        let err = judge(Engine::Mysql, None, "GET_LOCK").unwrap_err();
        assert!(err.to_string().contains("take or release locks"), "{err}");
        let err = judge(Engine::Postgres, None, "my_udf").unwrap_err();
        assert!(err.to_string().contains("allow-list"), "{err}");
        let err = judge(Engine::Postgres, Some("evil"), "lower").unwrap_err();
        assert!(err.to_string().contains("schema-qualified"), "{err}");
        assert_eq!(judge(Engine::Postgres, Some("pg_catalog"), "lower"), Ok(()));
    }
}
