import { test, expect, allowConsoleErrors } from './fixtures';
import { ADMIN, MENTEE, hydrated, signIn } from './helpers';

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
  const newcomer = `rene.${stamp}@demo.upmentor.test`;
  const file = `Full Name;Work Email;Grade;Dept;Badge\r\nRenée Müller;${newcomer};Senior;Data;Leeds\r\nVictor Sales;${MENTEE};Senior;Sales Ops ${stamp};Oslo\r\n`;
  await sync.getByLabel('People file').setInputFiles({ name: 'hr-export.csv', mimeType: 'text/csv', buffer: latin1(file) });
  await sync.getByRole('button', { name: 'Preview changes' }).click();
  const preview = sync.locator('.import-preview');
  await expect(preview.getByText('read as windows-1252')).toBeVisible();
  await expect(preview.getByText('separated by semicolons').first()).toBeVisible();
  await expect(preview.getByText('Renée Müller')).toBeVisible();
  // The grade has no level yet, so the new person cannot be imported.
  await expect(preview.getByText('The grade “Senior” has no level yet').first()).toBeVisible();
  await preview.getByLabel('Senior (2 rows)').selectOption('7');
  await expect(preview.getByText('1 new, 1 updated')).toBeVisible();
  // The unknown column is listed; mapped to Location, it is imported.
  await expect(preview.locator('tr.unused', { hasText: 'Badge' })).toBeVisible();
  await preview.getByLabel('Badge').selectOption({ label: 'Location' });
  const victor = preview.locator('tr', { hasText: MENTEE });
  await expect(victor.getByText(`Department: `)).toContainText(`→ Sales Ops ${stamp}`);
  await expect(victor.getByText('Location: ')).toContainText('→ Oslo');
  await preview.getByRole('button', { name: /Apply 2 changes/ }).click();
  await expect(sync.getByText('Applied: 1 created, 1 updated, 0 deactivated.')).toBeVisible();
  await expect(sync.getByLabel('One-time link to copy')).toHaveCount(1);

  // The directory shows the change.
  await page.goto(`/people?q=Victor`);
  await hydrated(page);
  await expect(page.getByText(`Sales Ops ${stamp}`).first()).toBeVisible();

  // The next file with the same columns needs no choices: the mapping and the grade are remembered.
  await page.goto('/admin');
  await hydrated(page);
  const again = `Full Name;Work Email;Grade;Dept;Badge\r\nRenée Müller;${newcomer};Senior;Data;Leeds\r\n`;
  await sync.getByLabel('People file').setInputFiles({ name: 'again.csv', mimeType: 'text/csv', buffer: latin1(again) });
  await sync.getByRole('button', { name: 'Preview changes' }).click();
  await expect(sync.getByText('0 new, 0 updated, 1 unchanged')).toBeVisible();
  await expect(sync.getByText('as chosen before')).toBeVisible();
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
