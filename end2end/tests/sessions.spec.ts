// Lunch & learn in the browser: a junior hosts a session, the admin approves it, three people
// take the seats, a fourth waits and is promoted when one of them gives up their seat.
import ICAL from 'ical.js';
import { test, expect, Page, Browser } from './fixtures';
import { ADMIN, DESIGNER, MENTEE, MENTOR, PASSWORD, hydrated, signIn } from './helpers';
import { firstMailTo } from './mail';

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Someone new, invited by the admin and signed in on `page` with the demo password. */
async function newcomer(admin: Page, page: Page, name: string): Promise<string> {
  const email = `lunch.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.test`;
  const invited = await admin.request.post('/api/admin/invite', {
    data: { person: { name, email, job_title: 'Analyst', level: '2', department: 'Data', manager_email: '', location: 'London', timezone: 'Europe/London' } },
  });
  expect(invited.ok(), await invited.text()).toBeTruthy();
  const token = (await invited.json()).path.split('/invite/')[1];
  const accepted = await page.request.post('/api/accept_invite', { form: { token, password: PASSWORD, confirm: PASSWORD } });
  expect(accepted.ok(), await accepted.text()).toBeTruthy();
  return email;
}

async function signedInPage(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email);
  return page;
}

test('a junior hosts a session: three take the seats, a fourth waits and is promoted when one withdraws', async ({ browser }) => {
  const admin = await signedInPage(browser, ADMIN);
  const created = await admin.request.post('/api/programmes/create', {
    data: { input: { name: `Lunch club ${Date.now()}`, objectives: '', tags: [], kind: 'group', starts_on: day(1), ends_on: day(100),
      enrol_opens: day(-1), enrol_closes: day(10), mentor_capacity: '8', self_match: false } },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const programme = String(await created.json());
  const late = await (await browser.newContext()).newPage();
  const lateEmail = await newcomer(admin, late, 'Lena Late');
  for (const [mentor, mentee] of [[MENTOR, MENTEE], [DESIGNER, ADMIN], [DESIGNER, lateEmail]]) {
    const pair = await admin.request.post('/api/pairs/create', { form: { programme_id: programme, mentor_email: mentor, mentee_email: mentee } });
    expect(pair.ok(), await pair.text()).toBeTruthy();
  }

  // Mia, a junior designer, proposes a session for three people.
  const mia = await signedInPage(browser, DESIGNER);
  await mia.goto(`/programmes/${programme}/sessions`);
  await hydrated(mia);
  const form = mia.locator('section[aria-labelledby="propose-h"]');
  await form.getByLabel('Topic').fill('Phone photography for presentations');
  await form.getByLabel('Date').fill(day(3));
  await form.getByLabel(/^Time \(/).fill('12:30');
  await form.getByLabel('Where').selectOption({ label: 'Online' });
  await form.getByLabel("Room, or the meeting's link (https://…)").fill('meet.example.test/photo');
  await form.getByLabel('Seats').fill('3');
  await form.getByRole('button', { name: 'Propose the session' }).click();
  await expect(form.locator('#f-place-err')).toContainText('https://');
  await expect(form.getByLabel('Topic')).toHaveValue('Phone photography for presentations');
  await form.getByLabel("Room, or the meeting's link (https://…)").fill('https://meet.example.test/photo');
  await form.getByRole('button', { name: 'Propose the session' }).click();
  await expect(mia).toHaveURL(/\/sessions\/\d+$/);
  const session = mia.url();
  await hydrated(mia);
  await expect(mia.getByRole('heading', { level: 1 })).toHaveText('Phone photography for presentations');
  await expect(mia.locator('.seats')).toContainText('Waiting for approval');

  // The admin approves it.
  await admin.goto(session);
  await hydrated(admin);
  await admin.getByRole('button', { name: 'Approve' }).click();
  await expect(admin.locator('.seats')).not.toContainText('Waiting for approval');
  await expect(admin.locator('.seats')).toContainText('0 of 3 seats taken');

  // Three take the seats: Dana, Victor and the admin.
  const dana = await signedInPage(browser, MENTOR);
  const victor = await signedInPage(browser, MENTEE);
  for (const page of [dana, victor, admin]) {
    await page.goto(session);
    await hydrated(page);
    await page.getByRole('button', { name: 'Take a seat' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'You have a seat.' })).toBeVisible();
  }
  await expect(admin.locator('.seats')).toContainText('3 of 3 seats taken');

  // The fourth waits.
  await late.goto(session);
  await hydrated(late);
  await late.getByRole('button', { name: 'Join the waiting list' }).click();
  await expect(late.getByRole('status').filter({ hasText: 'You are number 1 on the waiting list' })).toBeVisible();

  // Dana withdraws; the first in line takes her seat and is told.
  await dana.reload();
  await hydrated(dana);
  await dana.getByRole('button', { name: 'Give up my seat' }).click();
  // Her seat went to the first in line at once: the session is full again.
  await expect(dana.getByRole('button', { name: 'Join the waiting list' })).toBeVisible();
  await late.reload();
  await hydrated(late);
  await expect(late.getByRole('status').filter({ hasText: 'You have a seat.' })).toBeVisible();
  await expect(late.locator('.seats')).toContainText('3 of 3 seats taken');
  await late.goto('/inbox');
  await hydrated(late);
  await expect(late.getByText('You have a seat: Phone photography for presentations')).toBeVisible();
  // And by mail, with the session as a calendar invitation an independent parser reads.
  const mail = await firstMailTo(lateEmail, 'You have a seat: Phone photography for presentations');
  const ics = mail.attachments.find(a => a.contentType === 'text/calendar')!.content.toString();
  const calendar = new ICAL.Component(ICAL.parse(ics));
  expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
  const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!);
  expect(event.uid).toMatch(new RegExp(`^session-${session.split('/').pop()}@`));
  expect(event.summary).toBe('Lunch & learn: Phone photography for presentations');
  expect(event.duration.toSeconds()).toBe(45 * 60);

  // The shared page: a post in the discussion, seen by everyone in the session.
  await victor.reload();
  await hydrated(victor);
  await victor.getByLabel('Your post').fill('Should I bring my own phone?');
  await victor.getByRole('button', { name: 'Post' }).click();
  await expect(victor.locator('.posts')).toContainText('Should I bring my own phone?');
  await mia.reload();
  await hydrated(mia);
  await expect(mia.locator('.posts')).toContainText('Victor Lindqvist');
});
