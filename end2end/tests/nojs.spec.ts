// Runs with JavaScript disabled: the server-rendered pages must make sense on their own.
import { test, expect } from './fixtures';
import { ADMIN, DESIGNER, MENTEE, MENTOR, PASSWORD } from './helpers';
import { firstMailTo } from './mail';

test('the sign-in page is complete before any script runs', async ({ page }) => {
  await page.goto('/signin');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Work email')).toBeVisible();
  await expect(page.getByLabel('Password')).toBeVisible();
});

test('directory and profile pages show their content without JavaScript', async ({ page }) => {
  const res = await page.request.post('/api/sign_in', { form: { email: MENTEE, password: PASSWORD } });
  expect(res.ok()).toBeTruthy();
  await page.goto('/people?q=Dana');
  await expect(page.getByRole('link', { name: 'Dana Okafor' })).toBeVisible();
  await page.getByRole('link', { name: 'Dana Okafor' }).click();
  await expect(page.getByRole('heading', { name: 'Dana Okafor' })).toBeVisible();
  await expect(page.getByText('Can teach')).toBeVisible();
  await page.goto('/people?department=Sales');
  await expect(page.locator('.person').first()).toContainText('Sales');
});

test('programmes and matches read without JavaScript', async ({ page }) => {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const created = await page.request.post('/api/programmes/create', {
    data: { input: { name: 'Server-rendered programme', objectives: 'Readable anywhere', tags: ['retention'], kind: 'reverse',
      starts_on: day(30), ends_on: day(120), enrol_opens: day(0), enrol_closes: day(20), mentor_capacity: '1', self_match: false } },
  });
  expect(created.ok()).toBeTruthy();
  await page.goto('/programmes');
  const card = page.locator('article.programme', { hasText: 'Server-rendered programme' });
  await expect(card).toContainText('Readable anywhere');
  await expect(card.getByRole('link', { name: 'Matching studio' })).toBeVisible();
  await page.goto('/matches');
  await expect(page.getByRole('heading', { name: 'My matches' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Mentor requests' })).toBeVisible();
});

test('a calendar feed address is made and shown without JavaScript', async ({ page }) => {
  expect((await page.request.post('/api/sign_in', { form: { email: MENTOR, password: PASSWORD } })).ok()).toBeTruthy();
  await page.goto('/profile');
  const panel = page.locator('section[aria-labelledby="calendar-feed-h"]');
  await expect(panel).toContainText('You have no feed address yet.');
  await panel.getByRole('button', { name: /Make a (feed|new) address/ }).click();
  await expect(page).toHaveURL(/\/profile\??$/);
  const address = panel.getByLabel('Your calendar feed address');
  await expect(address).toHaveValue(/\/calendar\/feed\/[A-Za-z0-9_-]{43}\.ics$/);
  const feed = await page.request.get(await address.inputValue());
  expect(feed.status()).toBe(200);
  expect(await feed.text()).toContain('METHOD:PUBLISH');
});

test('a forgotten password is reset without JavaScript', async ({ page }) => {
  await page.goto('/forgot');
  await page.getByLabel('Work email').fill(ADMIN);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page).toHaveURL(/\/forgot\?sent=1$/);
  await expect(page.locator('.form-status')).toContainText('a reset link is on its way');
  const mail = await firstMailTo(ADMIN, 'Reset your Upmentor password');
  const link = mail.text?.match(/http:\/\/\S+\/reset\/[A-Za-z0-9_-]+/)?.[0];
  expect(link).toBeTruthy();
  await page.goto(link!);
  await page.getByLabel('New password (at least 10 characters)').fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('mail choices are saved without JavaScript', async ({ page }) => {
  expect((await page.request.post('/api/sign_in', { form: { email: MENTOR, password: PASSWORD } })).ok()).toBeTruthy();
  await page.goto('/profile');
  const panel = page.locator('section[aria-labelledby="mail-h"]');
  await panel.getByLabel('Matches and mentor requests').uncheck();
  await panel.getByRole('button', { name: 'Save mail choices' }).click();
  await expect(page).toHaveURL(/\/profile\??$/);
  await expect(panel.getByLabel('Matches and mentor requests')).not.toBeChecked();
  await expect(panel.getByLabel('Check-ins and their reminders')).toBeChecked();
});

test('a guide is read and marked done without JavaScript', async ({ page }) => {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const created = await page.request.post('/api/programmes/create', {
    data: { input: { name: `Plain guides ${Date.now()}`, objectives: '', tags: [], kind: 'reverse', starts_on: day(1), ends_on: day(100),
      enrol_opens: day(-1), enrol_closes: day(10), mentor_capacity: '1', self_match: false } },
  });
  const programme = await created.json();
  const pair = await page.request.post('/api/pairs/create', { form: { programme_id: String(programme), mentor_email: DESIGNER, mentee_email: ADMIN } });
  expect(pair.ok(), await pair.text()).toBeTruthy();
  await page.request.post('/api/sign_out', { form: {} });
  expect((await page.request.post('/api/sign_in', { form: { email: DESIGNER, password: PASSWORD } })).ok()).toBeTruthy();
  await page.goto(`/programmes/${programme}/guides`);
  await page.getByRole('link', { name: 'Your first meeting' }).click();
  await expect(page.getByRole('heading', { name: 'An agenda that works' })).toBeVisible();
  await page.getByRole('button', { name: 'Mark as done' }).click();
  await expect(page).toHaveURL(/\/guides\/\d+\?done=1$/);
  await expect(page.locator('.form-status.ok')).toContainText('Marked as done');
  await page.goto(`/programmes/${programme}/guides`);
  await expect(page.getByRole('listitem').filter({ hasText: 'Your first meeting' })).toContainText('Done');
});

test('a seat in a lunch & learn session is taken and given back without JavaScript', async ({ page }) => {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const created = await page.request.post('/api/programmes/create', {
    data: { input: { name: `Plain lunch ${Date.now()}`, objectives: '', tags: [], kind: 'group', starts_on: day(1), ends_on: day(100),
      enrol_opens: day(-1), enrol_closes: day(10), mentor_capacity: '1', self_match: false } },
  });
  const programme = String(await created.json());
  expect((await page.request.post('/api/pairs/create', { form: { programme_id: programme, mentor_email: DESIGNER, mentee_email: ADMIN } })).ok()).toBeTruthy();
  const proposed = await page.request.post('/api/sessions/propose', { form: { programme_id: programme, topic: 'Plain lunch talk', description: '',
    date: day(4), time: '12:00', minutes: '30', format: 'room', place: 'Room 1', capacity: '5' } });
  expect(proposed.ok(), await proposed.text()).toBeTruthy();
  await page.request.post('/api/sign_out', { form: {} });
  expect((await page.request.post('/api/sign_in', { form: { email: DESIGNER, password: PASSWORD } })).ok()).toBeTruthy();
  await page.goto(`/programmes/${programme}/sessions`);
  await page.getByRole('link', { name: 'Plain lunch talk' }).click();
  await expect(page).toHaveURL(/\/sessions\/\d+$/);
  await page.getByRole('button', { name: 'Take a seat' }).click();
  await expect(page).toHaveURL(/\/sessions\/\d+$/);
  await expect(page.getByRole('status').filter({ hasText: 'You have a seat.' })).toBeVisible();
  await page.getByRole('button', { name: 'Give up my seat' }).click();
  await expect(page.getByRole('button', { name: 'Take a seat' })).toBeVisible();
});
