import { test, expect } from './fixtures';
import { ADMIN, hydrated, signIn } from './helpers';

test('an admin invites someone who sets a password and signs in', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Admin' }).first().click();
  await hydrated(page);
  const form = page.locator('section[aria-labelledby="invite-h"]');
  const email = `new.hire.${Date.now()}@demo.upmentor.test`;
  await form.getByLabel('Name').fill('Noor New');
  await form.getByLabel('Work email').fill(email);
  await form.getByLabel('Job title').fill('Graduate analyst');
  await form.getByLabel('Level').selectOption('1');
  await form.getByLabel('Department').fill('Data');
  await form.getByLabel('Timezone').fill('Europe/Berlin');
  await form.getByRole('button', { name: 'Create invitation' }).click();
  await expect(form.getByText('Noor New is invited.')).toBeVisible();
  const link = await form.getByLabel('One-time link to copy').inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);

  const context = await browser.newContext();
  const invitee = await context.newPage();
  await invitee.goto(link);
  await hydrated(invitee);
  await expect(invitee.getByText(email)).toBeVisible();
  await invitee.getByLabel('New password (at least 10 characters)').fill('a-fresh-password');
  await invitee.getByLabel('Repeat the password').fill('a-fresh-password');
  await invitee.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(invitee).toHaveURL(/\/profile$/);
  await expect(invitee.getByText('Noor New', { exact: true }).first()).toBeVisible();

  // The link works once; the password works from now on.
  const again = await context.newPage();
  await again.goto(link);
  await expect(again.getByText('This invitation link is not valid')).toBeVisible();
  await context.close();
  const fresh = await browser.newContext();
  const p = await fresh.newPage();
  await signIn(p, email, 'a-fresh-password');
  await fresh.close();
});

test('an admin sees a bad invite field at the field', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/admin');
  await hydrated(page);
  const form = page.locator('section[aria-labelledby="invite-h"]');
  await form.getByLabel('Name').fill('Someone');
  await form.getByLabel('Work email').fill('someone-at-nowhere');
  await form.getByRole('button', { name: 'Create invitation' }).click();
  await expect(form.locator('#f-email-err')).toContainText('Enter an email address');
  await expect(form.getByLabel('Name')).toHaveValue('Someone');
});
