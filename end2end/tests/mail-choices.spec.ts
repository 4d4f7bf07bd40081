// Choosing which notices also come by mail, on the profile page, and the chat summary's own
// link that stops it.
import { test, expect } from './fixtures';
import { ADMIN, DESIGNER, MENTEE, PASSWORD, hydrated, signIn } from './helpers';
import { firstMailTo } from './mail';

test('a person turns check-in mail off and the choice stays', async ({ page }) => {
  await signIn(page, MENTEE);
  await page.goto('/profile');
  await hydrated(page);
  const panel = page.locator('section[aria-labelledby="mail-h"]');
  const checkins = panel.getByLabel('Check-ins and their reminders');
  await expect(checkins).toBeChecked();
  await expect(panel.getByLabel('Matches and mentor requests')).toBeChecked();
  await checkins.uncheck();
  await panel.getByRole('button', { name: 'Save mail choices' }).click();
  await expect(panel.locator('.form-status')).toContainText('Saved.');
  await page.reload();
  await hydrated(page);
  await expect(panel.getByLabel('Check-ins and their reminders')).not.toBeChecked();
  await expect(panel.getByLabel('Matches and mentor requests')).toBeChecked();
  // Back as it was: other tests mail Victor about check-ins.
  await panel.getByLabel('Check-ins and their reminders').check();
  await panel.getByRole('button', { name: 'Save mail choices' }).click();
  await expect(panel.locator('.form-status')).toContainText('Saved.');
});

test('unread chat is summed up by mail, and the summary stops from its own link', async ({ browser }) => {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  const admin = await browser.newPage();
  expect((await admin.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  // The admin reads: no one chats with them elsewhere in these tests, so no earlier summary
  // holds this one back (one per person every twelve hours).
  const reader = { email: ADMIN };
  const created = await admin.request.post('/api/programmes/create', {
    data: { input: { name: 'Digest pilot', objectives: '', tags: [], kind: 'reverse', starts_on: day(1), ends_on: day(100),
      enrol_opens: day(-1), enrol_closes: day(10), mentor_capacity: '1', self_match: false } },
  });
  const pair = await admin.request.post('/api/pairs/create', { form: { programme_id: String(await created.json()), mentor_email: DESIGNER, mentee_email: reader.email } });
  expect(pair.ok(), await pair.text()).toBeTruthy();
  const pairId = await pair.json();
  await admin.close();

  const mia = await (await browser.newContext()).newPage();
  await signIn(mia, DESIGNER);
  await mia.goto(`/pairs/${pairId}`);
  await hydrated(mia);
  await expect(mia.locator('[data-connected="true"]')).toHaveCount(1);
  await mia.getByLabel('Message', { exact: true }).fill('Are you free on Tuesday?');
  await mia.getByLabel('Message', { exact: true }).press('Enter');
  await expect(mia.locator('.messages li:not(.pending)', { hasText: 'Are you free on Tuesday?' })).toHaveCount(1);

  const digest = await firstMailTo(reader.email, '1 unread message in Upmentor');
  expect(digest.text).toContain('Mia');
  const unsubscribe = digest.text?.match(/http:\/\/\S+\/unsubscribe\/[A-Za-z0-9_-]+/)?.[0];
  expect(unsubscribe).toBeTruthy();
  const page = await (await browser.newContext()).newPage();
  await page.goto(unsubscribe!);
  await hydrated(page);
  await page.getByRole('button', { name: 'Stop chat summaries' }).click();
  await expect(page.locator('.form-status')).toContainText('no more chat summaries');
});
