// Check-ins in people's calendars: the private feed made on the profile page and a check-in's
// own file, both read by an independent iCalendar parser (Mozilla's ical.js, as Thunderbird
// uses), the way Outlook or Google Calendar would read them.
import { request as playwrightRequest } from '@playwright/test';
import ICAL from 'ical.js';
import { test, expect, Page } from './fixtures';
import { ADMIN, MENTEE, MENTOR, PASSWORD, hydrated, signIn } from './helpers';
import { mailTo } from './mail';

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** A programme with Dana mentoring Victor and one check-in Dana scheduled; returns its id. */
async function pairWithCheckIn(page: Page, name: string): Promise<number> {
  const api = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await api.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const created = await api.post('/api/programmes/create', {
    data: { input: { name, objectives: '', tags: [], kind: 'reverse', starts_on: day(1), ends_on: day(100),
      enrol_opens: day(-1), enrol_closes: day(10), mentor_capacity: '1', self_match: false } },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const pair = await api.post('/api/pairs/create', { form: { programme_id: String(await created.json()), mentor_email: MENTOR, mentee_email: MENTEE } });
  expect(pair.ok(), await pair.text()).toBeTruthy();
  const dana = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await dana.post('/api/sign_in', { form: { email: MENTOR, password: PASSWORD } })).ok()).toBeTruthy();
  const checkin = await dana.post('/api/pairs/checkin_add', {
    data: { pair_id: await pair.json(), input: { date: day(5), time: '10:00', minutes: '45', format: 'remote', agenda: 'Goals; next steps, “quoted”\nLinkedIn' } },
  });
  expect(checkin.ok(), await checkin.text()).toBeTruthy();
  return (await checkin.json()) as number;
}

/** The events of an iCalendar text, parsed by ical.js. */
function events(text: string): ICAL.Event[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map(v => new ICAL.Event(v));
}

/** Fetches `url` as a calendar app does: no cookie, no session. */
async function fetchAsCalendarApp(url: string): Promise<{ status: number; text: string; type: string }> {
  const app = await playwrightRequest.newContext();
  const res = await app.get(url);
  return { status: res.status(), text: await res.text(), type: res.headers()['content-type'] ?? '' };
}

test('a person subscribes to their check-ins, sees a missed one cancelled, and can replace the address', async ({ page }) => {
  const checkinId = await pairWithCheckIn(page, 'Calendar pilot');
  await signIn(page, MENTEE);
  await page.goto('/profile');
  await hydrated(page);
  const panel = page.locator('section[aria-labelledby="calendar-feed-h"]');
  await panel.getByRole('button', { name: 'Make a feed address' }).click();
  const address = panel.getByLabel('Your calendar feed address');
  await expect(address).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+\/calendar\/feed\/[A-Za-z0-9_-]{43}\.ics$/);
  const url = await address.inputValue();

  const feed = await fetchAsCalendarApp(url);
  expect(feed.status).toBe(200);
  expect(feed.type).toMatch(/^text\/calendar/);
  const mine = events(feed.text).filter(e => e.uid.startsWith(`checkin-${checkinId}@`));
  expect(mine).toHaveLength(1);
  expect(mine[0].summary).toBe('Check-in with Dana Okafor');
  expect(mine[0].description).toContain('Goals; next steps, “quoted”\n- LinkedIn');
  expect(mine[0].duration.toSeconds()).toBe(45 * 60);
  expect(mine[0].component.getFirstPropertyValue('status')).toBe('CONFIRMED');
  expect(mine[0].sequence).toBe(0);

  // Victor's mail about it carries the same event as an invitation.
  await expect.poll(async () => (await mailTo(MENTEE)).filter(m => m.attachments.some(a => a.content.toString().includes(mine[0].uid))).length).toBe(1);
  const mailed = (await mailTo(MENTEE)).find(m => m.attachments.some(a => a.content.toString().includes(mine[0].uid)))!;
  expect(mailed.subject).toBe('Dana Okafor scheduled a check-in');
  const invitation = mailed.attachments.find(a => a.contentType === 'text/calendar')!;
  const invitationCalendar = new ICAL.Component(ICAL.parse(invitation.content.toString()));
  expect(invitationCalendar.getFirstPropertyValue('method')).toBe('REQUEST');
  expect(events(invitation.content.toString())[0].uid).toBe(mine[0].uid);

  // Dana marks it missed: the feed keeps the event (same UID) but cancelled, one SEQUENCE on.
  const dana = await playwrightRequest.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await dana.post('/api/sign_in', { form: { email: MENTOR, password: PASSWORD } })).ok()).toBeTruthy();
  expect((await dana.post('/api/pairs/checkin_status', { form: { checkin_id: String(checkinId), status: 'missed' } })).ok()).toBeTruthy();
  const after = events((await fetchAsCalendarApp(url)).text).filter(e => e.uid.startsWith(`checkin-${checkinId}@`));
  expect(after).toHaveLength(1);
  expect(after[0].component.getFirstPropertyValue('status')).toBe('CANCELLED');
  expect(after[0].sequence).toBe(1);

  // The check-in's own file says the same, as a cancellation.
  const file = await dana.get(`/calendar/checkins/${checkinId}`);
  expect(file.status()).toBe(200);
  const fileText = await file.text();
  expect(new ICAL.Component(ICAL.parse(fileText)).getFirstPropertyValue('method')).toBe('CANCEL');
  expect(events(fileText)[0].uid).toBe(after[0].uid);

  // A new address; the old one stops working.
  await panel.getByRole('button', { name: 'Make a new address' }).click();
  await expect(panel.locator('.form-status')).toContainText('the old one no longer works');
  await expect(address).not.toHaveValue(url);
  expect((await fetchAsCalendarApp(url)).status).toBe(404);
  expect((await fetchAsCalendarApp(await address.inputValue())).status).toBe(200);
});

test('a check-in moved in the workspace moves in the partner’s calendar, same event', async ({ page }) => {
  const checkinId = await pairWithCheckIn(page, 'Move pilot');
  await signIn(page, MENTEE);
  await page.goto('/matches');
  await hydrated(page);
  await page.locator('article.match', { hasText: 'Move pilot' }).getByRole('link', { name: 'Open the workspace' }).click();
  await expect(page).toHaveURL(/\/pairs\/\d+$/);
  await hydrated(page);
  const item = page.locator(`.checkin[data-checkin="${checkinId}"]`);
  await item.locator('details.move summary').click();
  // Filled with the check-in as it stands, in Victor's own timezone.
  await expect(item.getByLabel('New date')).toHaveValue(day(5));
  await expect(item.getByLabel('New length (minutes)')).toHaveValue('45');
  // A wrong time is refused at its field, the typing kept.
  await item.getByLabel('New date').fill(day(6));
  await item.getByLabel('New time (your timezone)').fill('');
  await item.getByRole('button', { name: 'Move check-in' }).click();
  await expect(page.locator(`#move-${checkinId}-time-err`)).toContainText('HH:MM');
  await expect(item.getByLabel('New date')).toHaveValue(day(6));
  await item.getByLabel('New time (your timezone)').fill('09:30');
  await item.getByRole('button', { name: 'Move check-in' }).click();
  await expect(page.locator(`.checkin[data-checkin="${checkinId}"]`)).toContainText('09:30');

  // Dana's mail carries the same event (same UID), one SEQUENCE on, still an invitation.
  const moved = async () => (await mailTo(MENTOR)).filter(m => m.subject === 'Victor Lindqvist moved a check-in');
  await expect.poll(async () => (await moved()).length).toBe(1);
  const ics = (await moved())[0].attachments.find(a => a.contentType === 'text/calendar')!.content.toString();
  expect(new ICAL.Component(ICAL.parse(ics)).getFirstPropertyValue('method')).toBe('REQUEST');
  const [event] = events(ics);
  expect(event.uid.startsWith(`checkin-${checkinId}@`)).toBeTruthy();
  expect(event.sequence).toBe(1);
  expect(event.component.getFirstPropertyValue('status')).toBe('CONFIRMED');
  expect(event.duration.toSeconds()).toBe(45 * 60);
  expect(event.startDate.toJSDate().toISOString().slice(0, 10)).toBe(day(6));
});
