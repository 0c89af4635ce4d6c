// needs: postgresql mariadb (vitest.config.ts skips this file when one is unreachable)
// The writer-role check against the machine's PostgreSQL and MariaDB: throwaway roles with one privilege each.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlSource } from './mysql.ts';
import { createMysqlTestDb, type MysqlTestDb } from './mysql-test-db.ts';
import { createPgTestDb, type PgTestDb } from './pg-test-db.ts';
import { PostgresSource } from './postgres.ts';
import { parseMysqlGrant } from './writer-role.ts';

const tag = randomBytes(3).toString('hex');

describe('PostgreSQL writer-role check', () => {
  let db: PgTestDb;
  const roles: string[] = [];
  const role = async (name: string, setup: string) => {
    const full = `reef_wr_${name}_${tag}`;
    roles.push(full);
    await db.admin.unsafe(`CREATE ROLE ${full} LOGIN; GRANT USAGE ON SCHEMA public TO ${full}; ${setup.replaceAll('$role', full)}`);
    return { full, check: () => new PostgresSource({ ...db.config, username: full }).testConnection({ writerCheck: true }) };
  };

  beforeAll(async () => {
    db = await createPgTestDb('writer');
    await db.admin.unsafe(`
      CREATE TABLE t (id int, body text);
      CREATE TABLE "Odd Name" (id int);
      CREATE SEQUENCE s;
      CREATE ROLE reef_wr_group_${tag} NOLOGIN;
      GRANT DELETE ON t TO reef_wr_group_${tag};
    `);
    roles.push(`reef_wr_group_${tag}`);
  });
  afterAll(async () => {
    const server = postgres({ ...db.config, database: 'postgres', max: 1, onnotice: () => {} });
    await db.drop();
    for (const r of roles.reverse()) await server.unsafe(`DROP ROLE IF EXISTS ${r}`);
    await server.end();
  });

  it('passes a SELECT-only role, and the test helpers\' reader', async () => {
    const reader = await role('reader', 'GRANT SELECT ON t, "Odd Name", s TO $role');
    expect((await reader.check()).writerPrivileges).toEqual([]);
    expect((await new PostgresSource(db.reader).testConnection({ writerCheck: true })).writerPrivileges).toEqual([]);
    // What the README recommends.
    const readAll = await role('readall', 'GRANT pg_read_all_data TO $role');
    expect((await readAll.check()).writerPrivileges).toEqual([]);
  });

  it('refuses a role with INSERT, naming the table and the REVOKE', async () => {
    const inserter = await role('insert', 'GRANT SELECT, INSERT ON t TO $role; GRANT UPDATE ON "Odd Name" TO $role');
    const { writerPrivileges } = await inserter.check();
    expect(writerPrivileges).toEqual([
      { privilege: 'UPDATE', object: 'public."Odd Name"', revoke: `REVOKE UPDATE ON TABLE public."Odd Name" FROM ${inserter.full}` },
      { privilege: 'INSERT', object: 'public.t', revoke: `REVOKE INSERT ON TABLE public.t FROM ${inserter.full}` },
    ]);
  });

  it('finds a superuser, column grants, sequences, ownership, role memberships, PUBLIC grants and admin functions', async () => {
    const superuser = await role('super', 'ALTER ROLE $role SUPERUSER');
    expect((await superuser.check()).writerPrivileges).toEqual([
      { privilege: 'SUPERUSER', object: `role ${superuser.full}`, revoke: `ALTER ROLE ${superuser.full} NOSUPERUSER` },
    ]);

    const columns = await role('cols', 'GRANT UPDATE (body, id) ON t TO $role; GRANT USAGE ON SEQUENCE s TO $role');
    expect((await columns.check()).writerPrivileges).toEqual([
      { privilege: 'USAGE', object: 'public.s', revoke: `REVOKE USAGE ON SEQUENCE public.s FROM ${columns.full}` },
      { privilege: 'UPDATE', object: 'public.t (id, body)', revoke: `REVOKE UPDATE (id, body) ON TABLE public.t FROM ${columns.full}` },
    ]);

    const owner = await role('owner', 'CREATE TABLE mine (id int); ALTER TABLE mine OWNER TO $role');
    expect((await owner.check()).writerPrivileges).toEqual([
      { privilege: 'OWNER', object: 'public.mine', revoke: 'ALTER TABLE public.mine OWNER TO <a role Reef does not log in as>' },
    ]);
    await db.admin.unsafe('DROP TABLE mine');

    const member = await role('member', `GRANT reef_wr_group_${tag} TO $role; GRANT pg_write_server_files TO $role`);
    expect((await member.check()).writerPrivileges).toEqual([
      { privilege: 'MEMBER', object: 'role pg_write_server_files', revoke: `REVOKE pg_write_server_files FROM ${member.full}` },
      { privilege: 'DELETE', object: 'public.t', revoke: `REVOKE DELETE ON TABLE public.t FROM reef_wr_group_${tag}` },
    ]);

    const functions = await role('fn', 'GRANT EXECUTE ON FUNCTION pg_read_file(text), pg_stat_reset() TO $role; ALTER ROLE $role REPLICATION');
    expect((await functions.check()).writerPrivileges).toEqual([
      { privilege: 'REPLICATION', object: `role ${functions.full}`, revoke: `ALTER ROLE ${functions.full} NOREPLICATION` },
      { privilege: 'EXECUTE', object: 'function pg_catalog.pg_read_file(text)', revoke: `REVOKE EXECUTE ON FUNCTION pg_catalog.pg_read_file(text), pg_catalog.pg_stat_reset() FROM ${functions.full}` },
      { privilege: 'EXECUTE', object: 'function pg_catalog.pg_stat_reset()', revoke: `REVOKE EXECUTE ON FUNCTION pg_catalog.pg_read_file(text), pg_catalog.pg_stat_reset() FROM ${functions.full}` },
    ]);

    // A grant to PUBLIC reaches every role: the REVOKE names PUBLIC, since revoking from the login would change nothing.
    await db.admin.unsafe('GRANT TRUNCATE ON t TO PUBLIC');
    const reader = await role('public', 'GRANT SELECT ON t TO $role');
    expect((await reader.check()).writerPrivileges).toEqual([
      { privilege: 'TRUNCATE', object: 'public.t', revoke: 'REVOKE TRUNCATE ON TABLE public.t FROM PUBLIC' },
    ]);
    await db.admin.unsafe('REVOKE TRUNCATE ON t FROM PUBLIC');
    expect((await reader.check()).writerPrivileges).toEqual([]);
  });

  it('refuses any role in a database with dblink until EXECUTE on its functions is revoked from PUBLIC', async () => {
    const other = await createPgTestDb('dblink');
    try {
      await other.admin.unsafe('CREATE EXTENSION dblink; CREATE TABLE t (id int)');
      const reader = new PostgresSource(other.reader);
      const found = (await reader.testConnection({ writerCheck: true })).writerPrivileges!;
      expect(found.map((p) => p.object)).toEqual(expect.arrayContaining(['function public.dblink_exec(text, text)', 'function public.dblink(text, text)']));
      // One statement revokes them all; running it makes the reader pass.
      const revoke = found[0]!.revoke;
      expect(revoke).toMatch(/^REVOKE EXECUTE ON FUNCTION public\.dblink.*public\.dblink_exec\(text\).* FROM PUBLIC$/);
      expect(new Set(found.map((p) => p.revoke)).size).toBe(1);
      await other.admin.unsafe(revoke);
      expect((await reader.testConnection({ writerCheck: true })).writerPrivileges).toEqual([]);
    } finally {
      await other.drop();
    }
  });
});

describe('MySQL / MariaDB writer-role check', () => {
  let db: MysqlTestDb;
  const users: string[] = [];
  const user = async (name: string, grants: string) => {
    const full = `reef_wr_${name}_${tag}`;
    users.push(full);
    await db.admin.query(`CREATE USER '${full}'@'%'; ${grants.replaceAll('$user', `'${full}'@'%'`)}`);
    return { full, check: () => new MysqlSource({ ...db.config, username: full }).testConnection({ writerCheck: true }) };
  };

  beforeAll(async () => {
    db = await createMysqlTestDb('writer');
    await db.admin.query('CREATE TABLE t (id INT, body TEXT)');
  });
  afterAll(async () => {
    for (const u of users) await db.admin.query(`DROP USER IF EXISTS '${u}'@'%'`);
    await db.admin.query(`DROP ROLE IF EXISTS reef_wr_role_${tag}`);
    await db.drop();
  });

  it('passes a SELECT-only user, and the test helpers\' reader', async () => {
    const reader = await user('reader', `GRANT SELECT ON ${db.config.database}.* TO $user; GRANT SHOW VIEW ON ${db.config.database}.t TO $user`);
    expect((await reader.check()).writerPrivileges).toEqual([]);
    expect((await new MysqlSource(db.reader).testConnection({ writerCheck: true })).writerPrivileges).toEqual([]);
  });

  it('refuses FILE, SUPER, INSERT on a column, GRANT OPTION and root, each with its REVOKE', async () => {
    const d = db.config.database;
    const file = await user('file', `GRANT FILE ON *.* TO $user; GRANT SELECT ON ${d}.* TO $user`);
    expect((await file.check()).writerPrivileges).toEqual([
      { privilege: 'FILE', object: '*.*', revoke: `REVOKE FILE ON *.* FROM \`${file.full}\`@\`%\`` },
    ]);
    const mixed = await user('mixed', `GRANT SUPER ON *.* TO $user; GRANT SELECT, INSERT (body) ON ${d}.t TO $user WITH GRANT OPTION`);
    expect((await mixed.check()).writerPrivileges).toEqual([
      { privilege: 'SUPER', object: '*.*', revoke: `REVOKE SUPER ON *.* FROM \`${mixed.full}\`@\`%\`` },
      { privilege: 'INSERT', object: `\`${d}\`.\`t\``, revoke: `REVOKE INSERT (\`body\`) ON \`${d}\`.\`t\` FROM \`${mixed.full}\`@\`%\`` },
      { privilege: 'GRANT OPTION', object: `\`${d}\`.\`t\``, revoke: `REVOKE GRANT OPTION ON \`${d}\`.\`t\` FROM \`${mixed.full}\`@\`%\`` },
    ]);
    const root = await new MysqlSource(db.config).testConnection({ writerCheck: true });
    expect(root.writerPrivileges!.map((p) => p.privilege)).toEqual(expect.arrayContaining(['ALL PRIVILEGES', 'GRANT OPTION']));
  });

  it('reads the grants of a role granted to the user', async () => {
    const d = db.config.database;
    await db.admin.query(`CREATE ROLE reef_wr_role_${tag}; GRANT DELETE ON ${d}.* TO reef_wr_role_${tag}`);
    const member = await user('member', `GRANT SELECT ON ${d}.* TO $user; GRANT reef_wr_role_${tag} TO $user`);
    expect((await member.check()).writerPrivileges).toEqual([
      { privilege: 'DELETE', object: `\`${d}\`.*`, revoke: `REVOKE DELETE ON \`${d}\`.* FROM \`reef_wr_role_${tag}\`` },
    ]);
  });

  it('parses SHOW GRANTS lines of MySQL and MariaDB', () => {
    expect(parseMysqlGrant("GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*ABC'")).toEqual({ privileges: ['USAGE'], on: '*.*', to: '`u`@`%`', grantOption: false });
    expect(parseMysqlGrant('GRANT SELECT (`a`, `b`), UPDATE (`a`) ON `db`.`t` TO `u`@`localhost`')).toEqual({
      privileges: ['SELECT (`a`, `b`)', 'UPDATE (`a`)'], on: '`db`.`t`', to: '`u`@`localhost`', grantOption: false,
    });
    expect(parseMysqlGrant("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION")).toEqual({ privileges: ['PROXY'], on: "''@'%'", to: "'root'@'localhost'", grantOption: true });
    expect(parseMysqlGrant('GRANT `r1`@`%`,`r2`@`%` TO `u`@`%`')).toEqual({ roles: ['`r1`@`%`', '`r2`@`%`'] });
    expect(parseMysqlGrant('GRANT EXECUTE ON PROCEDURE `db`.`p` TO `u`@`%`')).toMatchObject({ privileges: ['EXECUTE'], on: 'PROCEDURE `db`.`p`' });
  });
});
