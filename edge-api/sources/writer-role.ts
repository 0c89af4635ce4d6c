// The writer-role check: what the connection's login could change on its source if a query got past the SQL guard
// and the read-only transaction (a SECURITY DEFINER function calling dblink_exec writes through a second connection
// that no transaction mode reaches). Reef runs it when a connection is tested or saved and refuses a login that can
// write, naming each privilege and the statement that removes it. An admin may mark a connection trusted instead.
//
// PostgreSQL, what counts as writing:
// - the SUPERUSER, CREATEROLE (can grant itself any non-superuser role) and REPLICATION (creates and drops
//   replication slots) attributes; pg_import_system_collations and the slot functions check these themselves;
// - membership in pg_write_server_files, pg_execute_server_program, pg_read_server_files (COPY to and from server
//   files and programs) and pg_signal_backend (pg_terminate_backend on other sessions);
// - INSERT, UPDATE, DELETE or TRUNCATE on a table, view or foreign table, INSERT or UPDATE on some of its columns,
//   USAGE or UPDATE on a sequence (nextval, setval), or owning one (an owner may ALTER or DROP it whatever its
//   grants), outside the pg_* schemas and information_schema;
// - EXECUTE on a function PostgreSQL or an extension installs for administrators only: those whose initial
//   privileges exclude PUBLIC (pg_init_privs), e.g. pg_read_file, pg_ls_dir, lo_import, lo_export, pg_stat_reset,
//   pg_reload_conf, pg_switch_wal, pg_promote, pg_replication_origin_create, adminpack's pg_file_write. A plain
//   role executes none of them; whoever may was granted it;
// - EXECUTE on any function of the dblink extension (dblink and dblink_exec run SQL on a connection of their own).
//
// MySQL / MariaDB: every grant but SELECT, SHOW VIEW and USAGE (no privilege) counts, FILE and SUPER included, and
// WITH GRANT OPTION; roles granted to the user are read as well.
import type postgres from 'postgres';
import type mysql from 'mysql2/promise';

export type WriterPrivilege = {
  /** e.g. 'INSERT', 'SUPERUSER', 'EXECUTE', 'OWNER', 'FILE'. */
  privilege: string;
  /** What it applies to: 'public.t', 'role reef_reader', 'function pg_catalog.pg_read_file(text)', '*.*'. */
  object: string;
  /** The statement an administrator runs to remove it. */
  revoke: string;
};

/** What the check needs of a PostgreSQL session: raw queries (a read-only transaction in practice). */
type Tx = Pick<postgres.Sql, 'unsafe'>;

// The grantee through which the current user holds a privilege in an ACL: itself first, then PUBLIC, then a role it
// inherits from. Quoted, ready for a REVOKE.
const GRANTEE = (acl: string, priv: string) => `
  (select case e.grantee when 0 then 'PUBLIC' else quote_ident(pg_get_userbyid(e.grantee)) end
   from aclexplode(${acl}) e
   where e.privilege_type = ${priv} and (e.grantee = 0 or pg_has_role(e.grantee, 'USAGE'))
   order by e.grantee = (select oid from pg_roles where rolname = current_user) desc, e.grantee = 0 desc
   limit 1)`;

const USER_RELATIONS = `
  select c.oid, c.relkind, c.relowner, format('%I.%I', n.nspname, c.relname) as name,
    case c.relkind when 'S' then 'SEQUENCE' when 'v' then 'VIEW' when 'm' then 'MATERIALIZED VIEW'
      when 'f' then 'FOREIGN TABLE' else 'TABLE' end as kind,
    coalesce(c.relacl, acldefault(case c.relkind when 'S' then 's'::"char" else 'r'::"char" end, c.relowner)) as acl
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'`;

const POSTGRES_CHECK = `
with me as (select rolname, rolsuper, rolcreaterole, rolreplication from pg_roles where rolname = current_user),
rels as (${USER_RELATIONS}),
attributes as (
  select a.attr as privilege, 'role ' || quote_ident(me.rolname) as object,
    format('ALTER ROLE %I NO%s', me.rolname, a.attr) as revoke, 0 as rank
  from me cross join lateral (values ('SUPERUSER', me.rolsuper), ('CREATEROLE', me.rolcreaterole), ('REPLICATION', me.rolreplication)) a(attr, has)
  where a.has
),
memberships as (
  select 'MEMBER' as privilege, 'role ' || b.name as object,
    format('REVOKE %I FROM %I', b.name, coalesce((select pg_get_userbyid(m.member) from pg_auth_members m
      where m.roleid = r.oid and pg_has_role(m.member, 'USAGE')
      order by m.member = (select oid from pg_roles where rolname = current_user) desc limit 1), current_user)) as revoke,
    1 as rank
  from unnest(array['pg_write_server_files', 'pg_execute_server_program', 'pg_read_server_files', 'pg_signal_backend']) b(name)
  join pg_roles r on r.rolname = b.name
  where pg_has_role(r.oid, 'USAGE')
),
owned as (
  select 'OWNER' as privilege, r.name as object,
    format('ALTER %s %s OWNER TO <a role Reef does not log in as>', r.kind, r.name) as revoke, 2 as rank
  from rels r where pg_has_role(r.relowner, 'USAGE')
),
table_privileges as (
  select p.priv as privilege, r.name as object,
    format('REVOKE %s ON %s %s FROM %s', p.priv, r.kind, r.name, ${GRANTEE('r.acl', 'p.priv')}) as revoke, 3 as rank
  from rels r
  cross join lateral unnest(case r.relkind when 'S' then array['USAGE', 'UPDATE'] else array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] end) p(priv)
  where not pg_has_role(r.relowner, 'USAGE')
    and case r.relkind when 'S' then has_sequence_privilege(r.oid, p.priv) else has_table_privilege(r.oid, p.priv) end
),
column_privileges as (
  select c.privilege, c.name || ' (' || string_agg(c.col, ', ' order by c.num) || ')' as object,
    format('REVOKE %s (%s) ON %s %s FROM %s', c.privilege, string_agg(c.col, ', ' order by c.num), c.kind, c.name, c.grantee) as revoke,
    4 as rank
  from (
    select p.priv as privilege, r.name, r.kind, quote_ident(a.attname) as col, a.attnum as num, ${GRANTEE('a.attacl', 'p.priv')} as grantee
    from rels r
    join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped and a.attacl is not null
    cross join unnest(array['INSERT', 'UPDATE']) p(priv)
    where r.relkind <> 'S' and not pg_has_role(r.relowner, 'USAGE')
      and not has_table_privilege(r.oid, p.priv) and has_column_privilege(r.oid, a.attnum, p.priv)
  ) c
  group by c.privilege, c.name, c.kind, c.grantee
),
functions as (
  select 'EXECUTE' as privilege, 'function ' || f.name as object,
    format('REVOKE EXECUTE ON FUNCTION %s FROM %s', f.name, ${GRANTEE('f.acl', "'EXECUTE'")}) as revoke, 5 as rank
  from (
    select p.oid, format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) as name,
      coalesce(p.proacl, acldefault('f', p.proowner)) as acl
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where (exists (select 1 from pg_init_privs i where i.classoid = 'pg_proc'::regclass and i.objoid = p.oid)
        or exists (select 1 from pg_depend d join pg_extension x on x.oid = d.refobjid
                   where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.refclassid = 'pg_extension'::regclass
                     and d.deptype = 'e' and x.extname = 'dblink'))
      and has_function_privilege(p.oid, 'EXECUTE')
  ) f
)
select privilege, object, revoke from (
  select * from attributes
  union all select * from memberships
  union all select * from owned
  union all select * from table_privileges
  union all select * from column_privileges
  union all select * from functions
) found
order by rank, object, privilege`;

/** Every privilege that lets the current PostgreSQL login write (see the top of this file). A superuser: only that. */
export async function postgresWriterPrivileges(tx: Tx): Promise<WriterPrivilege[]> {
  const rows = await tx.unsafe<WriterPrivilege[]>(POSTGRES_CHECK);
  const found = rows.map(({ privilege, object, revoke }) => ({ privilege, object, revoke }));
  // A superuser may do everything; taking that away is the one change that matters.
  const superuser = found.find((p) => p.privilege === 'SUPERUSER');
  return superuser ? [superuser] : mergeFunctionRevokes(found);
}

// dblink alone has some forty functions: one REVOKE per grantee lists them all (REVOKE takes a list of functions).
function mergeFunctionRevokes(found: WriterPrivilege[]): WriterPrivilege[] {
  const byGrantee = new Map<string, string[]>();
  const others: WriterPrivilege[] = [];
  for (const p of found) {
    const match = /^REVOKE EXECUTE ON FUNCTION (.+) FROM (\S+)$/.exec(p.revoke);
    if (p.privilege !== 'EXECUTE' || !match) {
      others.push(p);
      continue;
    }
    const list = byGrantee.get(match[2]!) ?? [];
    list.push(match[1]!);
    byGrantee.set(match[2]!, list);
  }
  const functions = [...byGrantee].flatMap(([grantee, names]) =>
    names.map((name) => ({ privilege: 'EXECUTE', object: `function ${name}`, revoke: `REVOKE EXECUTE ON FUNCTION ${names.join(', ')} FROM ${grantee}` })));
  return [...others, ...functions];
}

// Grants that only read: SELECT, SHOW VIEW (a view's definition) and USAGE (MySQL's name for "no privileges").
const READ_ONLY_GRANTS = new Set(['SELECT', 'SHOW VIEW', 'USAGE']);

/**
 * Every grant that lets the current MySQL/MariaDB user do more than read, from SHOW GRANTS FOR CURRENT_USER() and
 * the SHOW GRANTS of each role granted to it (MariaDB and MySQL 8 roles), each with its REVOKE.
 */
export async function mysqlWriterPrivileges(conn: mysql.Connection): Promise<WriterPrivilege[]> {
  const found: WriterPrivilege[] = [];
  const seen = new Set<string>();
  const queue: string[] = ['CURRENT_USER()'];
  while (queue.length > 0 && seen.size < 20) {
    const who = queue.shift()!;
    if (seen.has(who)) continue;
    seen.add(who);
    const lines = await showGrants(conn, who);
    if (!lines) {
      // A role whose grants this user may not read: it cannot be shown read-only, so it counts.
      found.push({ privilege: 'ROLE', object: who, revoke: `REVOKE ${who} FROM CURRENT_USER()` });
      continue;
    }
    for (const line of lines) {
      const grant = parseMysqlGrant(line);
      if (!grant) continue;
      if (grant.roles) {
        queue.push(...grant.roles);
        continue;
      }
      for (const privilege of grant.privileges) {
        const name = privilege.replace(/\s*\(.*$/s, '').toUpperCase();
        if (READ_ONLY_GRANTS.has(name)) continue;
        found.push({ privilege: name, object: grant.on, revoke: `REVOKE ${privilege} ON ${grant.on} FROM ${grant.to}` });
      }
      if (grant.grantOption) found.push({ privilege: 'GRANT OPTION', object: grant.on, revoke: `REVOKE GRANT OPTION ON ${grant.on} FROM ${grant.to}` });
    }
  }
  return found;
}

// MariaDB shows a role's grants to a user holding it only while the role is active: set it for the one query (the
// session is discarded after the check).
async function showGrants(conn: mysql.Connection, who: string): Promise<string[] | undefined> {
  const show = async () => ((await conn.query({ sql: `SHOW GRANTS FOR ${who}`, rowsAsArray: true }))[0] as [string][]).map(([line]) => line);
  try {
    return await show();
  } catch (error) {
    if (who === 'CURRENT_USER()' || !/ACCESS_DENIED/.test(String((error as { code?: unknown }).code))) throw error;
  }
  try {
    await conn.query(`SET ROLE ${who}`);
    return await show();
  } catch {
    return undefined;
  } finally {
    await conn.query('SET ROLE NONE').catch(() => {});
  }
}

export type MysqlGrant =
  | { privileges: string[]; on: string; to: string; grantOption: boolean; roles?: undefined }
  | { roles: string[] };

/**
 * One line of SHOW GRANTS: `GRANT SELECT, INSERT (a, b) ON db.* TO user@host [IDENTIFIED …] [WITH GRANT OPTION]`,
 * `GRANT PROXY ON ''@'%' TO …`, or a role grant `GRANT role1, role2 TO user@host`. Undefined for anything else.
 */
export function parseMysqlGrant(line: string): MysqlGrant | undefined {
  const text = line.trim();
  const withOn = /^GRANT\s+(.+?)\s+ON\s+(.+?)\s+TO\s+((?:`[^`]*`|'[^']*'|[^\s@]+)(?:@(?:`[^`]*`|'[^']*'|\S+))?)(.*)$/is.exec(text);
  if (withOn && splitTopLevel(withOn[1]!).every((p) => /^[A-Z][A-Z ]*(\s*\(.*\))?$/is.test(p))) {
    return {
      privileges: splitTopLevel(withOn[1]!),
      on: withOn[2]!,
      to: withOn[3]!,
      grantOption: /WITH\s+(?:.*\s)?GRANT\s+OPTION/i.test(withOn[4]!),
    };
  }
  const roleGrant = /^GRANT\s+(.+?)\s+TO\s+\S+/is.exec(text);
  if (roleGrant) return { roles: splitTopLevel(roleGrant[1]!) };
  return undefined;
}

/** Splits "SELECT (a, b), INSERT" at the commas outside parentheses and quotes. */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let current = '';
  for (const ch of list) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '`' || ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** The error message: every privilege, what removes it, and the way out an admin has. */
export function writerRoleMessage(login: string, found: WriterPrivilege[]): string {
  const statements = [...new Set(found.map((p) => p.revoke))];
  const shown = statements.slice(0, 10);
  const more = statements.length > shown.length ? ` (and ${statements.length - shown.length} more, listed in details)` : '';
  const what = found.slice(0, 5).map((p) => `${p.privilege} on ${p.object}`).join(', ');
  return `The login "${login}" can change the source (${what}${found.length > 5 ? ', …' : ''}); Reef reads sources only and `
    + `needs a login that can only read. Have an administrator run: ${shown.join('; ')}${more}. `
    + 'Or use a login with SELECT only; or, if the login must keep these rights, an admin may mark the connection trusted_writer_role.';
}
