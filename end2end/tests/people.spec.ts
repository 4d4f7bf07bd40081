import { test, expect, allowConsoleErrors } from './fixtures';
import { ADMIN, hydrated, signIn } from './helpers';

/** Windows-1252 bytes of `text` (its characters are all in Latin-1, where the two agree). */
function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

test('an admin previews an HR file, maps a column and a grade, applies it and sees people changed', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/admin');
  await hydrated(page);
  const sync = page.locator('section[aria-labelledby="sync-h"]');
  const stamp = Date.now();
  const renee = `rene.${stamp}@demo.upmentor.test`;
  const ola = `ola.${stamp}@demo.upmentor.test`;
  const file = `Full Name;Work Email;Grade;Dept;Badge\r\nRenée Müller;${renee};Senior;Data;Leeds\r\nOla Nordmann ${stamp};${ola};Senior;Data;Oslo\r\n`;
  await sync.getByLabel('People file').setInputFiles({ name: 'hr-export.csv', mimeType: 'text/csv', buffer: latin1(file) });
  await sync.getByRole('button', { name: 'Preview changes' }).click();
  const preview = sync.locator('.import-preview');
  await expect(preview.getByText('Read as windows-1252, separated by semicolons.')).toBeVisible();
  await expect(preview.getByText('The file is not UTF-8')).toBeVisible();
  await expect(preview.getByText('Name: — → Renée Müller')).toBeVisible();
  // The grade has no level yet, so the new people cannot be imported.
  await expect(preview.getByText('The grade “Senior” has no level yet').first()).toBeVisible();
  await expect(preview.getByText('0 new, 0 updated')).toBeVisible();
  await preview.getByLabel('Senior (2 rows)').selectOption('7');
  await expect(preview.getByText('2 new, 0 updated')).toBeVisible();
  // The unknown column is listed; mapped to Location, it is imported.
  await expect(preview.locator('tr.unused', { hasText: 'Badge' })).toBeVisible();
  await preview.getByLabel('Badge').selectOption({ label: 'Location' });
  await expect(preview.locator('tr', { hasText: ola }).getByText('Location: ')).toContainText('→ Oslo');
  await preview.getByRole('button', { name: 'Apply 2 changes' }).click();
  await expect(sync.getByText('Applied: 2 created, 0 updated, 0 deactivated.')).toBeVisible();
  await expect(sync.getByLabel('One-time link to copy')).toHaveCount(2);

  // The next file with the same columns needs no choices (the mapping and the grade are
  // remembered) and shows what changes, old → new.
  await page.goto('/admin');
  await hydrated(page);
  const next = `Full Name,Work Email,Grade,Dept,Badge\nRenée Müller,${renee},Senior,Data,Leeds\nOla Nordmann ${stamp},${ola},Senior,Sales Ops ${stamp},Oslo\n`;
  await sync.getByLabel('People file').setInputFiles({ name: 'again.csv', mimeType: 'text/csv', buffer: Buffer.from(next, 'utf8') });
  await sync.getByRole('button', { name: 'Preview changes' }).click();
  await expect(sync.getByText('0 new, 1 updated, 1 unchanged')).toBeVisible();
  await expect(sync.locator('tr', { hasText: ola }).getByText('Department: ')).toHaveText(`Department: Data → Sales Ops ${stamp}`);
  await sync.getByText('Columns', { exact: true }).click();
  await expect(sync.getByText('as chosen before')).toBeVisible();
  await expect(sync.getByLabel('Badge')).toHaveValue('location');
  await sync.getByRole('button', { name: 'Apply 1 change' }).click();
  await expect(sync.getByText('Applied: 0 created, 1 updated, 0 deactivated.')).toBeVisible();

  // The directory shows the change.
  await page.goto(`/people?q=Nordmann`);
  await hydrated(page);
  await expect(page.locator('.meta', { hasText: `Sales Ops ${stamp}` })).toBeVisible();
});

test('a person who leaves, signed in elsewhere, lands on the sign-in page at their next click', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await page.goto('/admin');
  await hydrated(page);
  const sync = page.locator('section[aria-labelledby="sync-h"]');
  const email = `lea.${Date.now()}@demo.upmentor.test`;
  await sync.getByLabel('…or paste it').fill(`name,email,level\nLea Leaver,${email},3\n`);
  await sync.getByRole('button', { name: 'Preview changes' }).click();
  await sync.getByRole('button', { name: 'Apply 1 change' }).click();
  const link = await sync.getByLabel('One-time link to copy').inputValue();

  const context = await browser.newContext();
  const lea = await context.newPage();
  await lea.goto(link);
  await hydrated(lea);
  await lea.getByLabel('New password (at least 10 characters)').fill('a-fresh-password');
  await lea.getByLabel('Repeat the password').fill('a-fresh-password');
  await lea.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(lea).toHaveURL(/\/profile$/);
  await hydrated(lea);

  await sync.getByLabel('…or paste it').fill(`name,email,status\nLea Leaver,${email},Terminated\n`);
  await sync.getByRole('button', { name: 'Preview changes' }).click();
  await expect(sync.getByText('1 leaving')).toBeVisible();
  await sync.getByRole('button', { name: 'Apply 1 change' }).click();
  await expect(sync.getByText('Applied: 0 created, 0 updated, 1 deactivated.')).toBeVisible();

  // Her page's next request finds no session.
  allowConsoleErrors(/status of 401/);
  await lea.getByRole('link', { name: 'People' }).first().click();
  await expect(lea).toHaveURL(/\/signin/);
  await hydrated(lea);
  await lea.getByLabel('Work email').fill(email);
  await lea.getByLabel('Password').fill('a-fresh-password');
  await lea.getByRole('button', { name: 'Sign in' }).click();
  await expect(lea.getByText('That email and password do not match.')).toBeVisible();
  await context.close();
});
