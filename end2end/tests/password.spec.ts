// Forgetting a password: the request on the forgotten-password page, the mail that arrives (read
// from the test SMTP server), the link that sets a new password once.
import { test, expect } from './fixtures';
import { DESIGNER, PASSWORD, hydrated } from './helpers';
import { firstMailTo } from './mail';

test('a forgotten password is reset through the mailed link, once', async ({ page }) => {
  await page.goto('/signin');
  await hydrated(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page).toHaveURL(/\/forgot$/);
  await hydrated(page);
  const email = page.getByLabel('Work email');
  await email.fill('not an address');
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.locator('#f-email-err')).toContainText(/email/i);
  await expect(email).toHaveValue('not an address');
  await email.fill(DESIGNER);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.locator('.form-status')).toContainText('a reset link is on its way');

  const mail = await firstMailTo(DESIGNER, 'Reset your Upmentor password');
  expect(mail.subject).toBe('Reset your Upmentor password');
  expect(mail.from?.value[0].address).toBe('mentoring@demo.upmentor.test');
  expect(mail.messageId).toMatch(/@demo\.upmentor\.test>$/);
  expect(mail.date).toBeInstanceOf(Date);
  const link = mail.text?.match(/http:\/\/\S+\/reset\/[A-Za-z0-9_-]+/)?.[0];
  expect(link).toBeTruthy();
  expect(mail.html).toContain(`href="${link}"`);

  await page.goto(link!);
  await hydrated(page);
  await expect(page.getByText('A new password for')).toContainText('mia.designer@demo.upmentor.test');
  // The demo password again, so every other test still signs in as Mia.
  await page.getByLabel('New password (at least 10 characters)').fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await page.goto(link!);
  await expect(page.getByRole('alert')).toContainText('This link is not valid');
});
