// Bring your own data without touching the API: a new concept with its classes from the home page, a PostgreSQL
// connection (a read-only role) made and tested from the Create Index dialog, an index previewed and saved on it,
// and a files connection from an uploaded CSV. Typed key by key, clicked by visible names.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import type { Page } from 'playwright-core';
import { createSourceDatabase, dropSourceDatabase, SOURCE_DB } from './fixtures.ts';
import { openStudio, typeInEditor, type ReefServer, type Studio } from './harness.ts';

const artifacts = fileURLToPath(new URL('../.test-artifacts/bring-your-own-data/', import.meta.url));
const READER = 'reef_e2e_reader';
const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let studio: Studio;
let server: ReefServer;
let page: Page;

const type = (text: string) => page.keyboard.type(text, { delay: 20 });

async function sourceSql(sql: string) {
  const db = postgres(adminUrl.replace(/\/[^/]*$/, `/${SOURCE_DB}`), { max: 1, onnotice: () => undefined });
  try { await db.unsafe(sql); } finally { await db.end(); }
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  await createSourceDatabase(300);
  // What the connection form asks for: a role that can only read the table.
  await sourceSql(`DROP ROLE IF EXISTS ${READER}; CREATE ROLE ${READER} LOGIN; GRANT SELECT ON comments TO ${READER}`);
  studio = await openStudio();
  ({ server, page } = studio);
});

after(async () => {
  await studio?.close();
  await dropSourceDatabase();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`DROP ROLE IF EXISTS ${READER}`).catch(() => undefined);
  await admin.end();
});

test('a new concept, a tested PostgreSQL connection, an index on it, and an uploaded CSV, all from the studio', { timeout: 300_000 }, async (t) => {
  t.after(async () => { if (!page.isClosed()) await page.screenshot({ path: `${artifacts}last-screen.png` }); });
  await page.goto(`${server.url}/?token=${server.token}`);
  // One concept (the demo) opens directly; the Reef link goes back to the list.
  await page.getByRole('link', { name: 'Reef' }).click();
  await page.getByRole('heading', { name: 'New concept' }).waitFor();
  await page.getByLabel('Concept name').click();
  await type('support-tickets');
  await page.getByLabel('Classes').click();
  await type('OTHER, BUG');
  await page.getByText('0 = OTHER, 1 = BUG.').waitFor();
  await page.screenshot({ path: `${artifacts}01-new-concept.png` });
  await page.getByRole('button', { name: 'Create concept' }).click();
  await page.getByRole('heading', { name: 'support-tickets' }).waitFor();

  await page.getByRole('button', { name: '+ Create Index' }).click();
  const assetDialog = page.getByRole('dialog', { name: 'Create Index' });
  await assetDialog.getByRole('button', { name: '+ New connection' }).click();
  const form = page.getByRole('dialog', { name: 'New connection' });
  await form.getByLabel('Connection name').click();
  await type('tickets-db');
  await form.getByLabel('Type').selectOption({ label: 'PostgreSQL' });
  await form.getByLabel('Database').click();
  await type(SOURCE_DB);
  await form.getByLabel('User').click();
  await type(`${READER}x`);
  await form.getByRole('button', { name: 'Save and test' }).click();
  // A wrong login is said so, and the connection can be fixed in place.
  await form.getByRole('status').filter({ hasText: '✗ Cannot connect' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${artifacts}02-connection-refused.png` });
  await form.getByLabel('User').click();
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await form.getByRole('button', { name: 'Save and test again' }).click();
  await form.getByRole('status').filter({ hasText: '✓ Connected' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${artifacts}03-connection-tested.png` });
  await form.getByRole('button', { name: 'Use this connection' }).click();
  await form.waitFor({ state: 'detached' });

  assert.equal(await assetDialog.getByLabel('Connection').locator('option:checked').innerText(), 'tickets-db (postgresql)');
  await assetDialog.getByLabel('Name').click();
  await type('tickets');
  // The SQL editor completes the connection's tables (GET /api/connections/{id}/schema) as you type.
  await typeInEditor(assetDialog, 'SQL query', 'SELECT id, text FROM comm');
  await page.locator('.suggest-widget .monaco-list-row').filter({ hasText: 'comments' }).first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: `${artifacts}04a-sql-completion.png` });
  await typeInEditor(assetDialog, 'SQL query', 'SELECT id, text FROM comments');
  await assetDialog.getByRole('button', { name: 'Preview' }).click();
  await assetDialog.locator('.preview table tbody tr').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${artifacts}04-index-preview.png` });
  await assetDialog.getByRole('button', { name: 'Save' }).click();
  await assetDialog.waitFor({ state: 'detached' });
  await page.getByTestId('catalog-index-tickets').waitFor();

  const csvDir = mkdtempSync(join(tmpdir(), 'reef-e2e-csv-'));
  const csv = join(csvDir, 'labels.csv');
  writeFileSync(csv, 'id,label\n1,BUG\n2,OTHER\n3,BUG\n');
  await page.getByRole('button', { name: '+ Create Rule' }).click();
  const ruleDialog = page.getByRole('dialog', { name: 'Create Rule' });
  await ruleDialog.getByRole('button', { name: '+ New connection' }).click();
  await form.getByLabel('Connection name').click();
  await type('uploads');
  await form.getByLabel('Type').selectOption({ label: 'Files (CSV, Parquet)' });
  await form.getByLabel('File (CSV or Parquet)').setInputFiles(csv);
  await form.getByRole('button', { name: 'Save and test' }).click();
  await form.getByRole('status').filter({ hasText: '✓ Connected' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${artifacts}05-files-connection.png` });
  await form.getByRole('button', { name: 'Use this connection' }).click();
  assert.equal(await ruleDialog.getByLabel('Connection').locator('option:checked').innerText(), 'uploads (files)');
  await typeInEditor(ruleDialog, 'SQL query', 'SELECT id, label FROM labels');
  await ruleDialog.getByRole('button', { name: 'Preview' }).click();
  await ruleDialog.locator('.preview table tbody tr').nth(2).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: `${artifacts}06-rule-preview.png` });
});
