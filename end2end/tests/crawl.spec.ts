// The crawl: on a 500-person demo with a published programme whose pairs have goals,
// check-ins, messages, feedback, a survey and a roadblock, an admin, a mentor and a mentee each
// visit every route of the route table (read from src/app.rs, so a new page is crawled too),
// open every collapsed panel on it, and (hydrated) press the studio's first "Explain". The
// fixtures fail the visit on any page error, console error, CSP violation, 5xx or panic. Runs
// hydrated and with JavaScript off (the projects crawl-hydrate and crawl-ssr).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, Page } from './fixtures';
import { ADMIN, MENTEE, MENTOR, PASSWORD, hydrated } from './helpers';

const routes = [...readFileSync(join(__dirname, '..', '..', 'src', 'app.rs'), 'utf8').matchAll(/path!\("([^"]+)"\)/g)].map(m => m[1]);

type Ids = { programme: number; pair: number; person: number; token: string; guide: number; session: number };

async function signInByApi(page: Page, email: string) {
  const res = await page.request.post('/api/sign_in', { form: { email, password: PASSWORD } });
  expect(res.ok(), `${email} signs in`).toBeTruthy();
}

/** The demo programme, the mentor's pair in it, a colleague, and a fresh invitation link. */
async function demoIds(page: Page): Promise<Ids> {
  await signInByApi(page, ADMIN);
  const programmes = await (await page.request.post('/api/programmes', { form: {} })).json();
  const programme = programmes.find((p: any) => p.name === 'Reverse mentoring 2026');
  expect(programme, 'the demo programme exists').toBeTruthy();
  const invited = await page.request.post('/api/admin/invite', {
    data: { person: { name: 'Crawl Newcomer', email: `crawl.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.test`, job_title: 'Analyst',
      level: '2', department: 'Data', manager_email: '', location: 'London', timezone: 'Europe/London' } },
  });
  expect(invited.ok(), 'the admin can invite someone').toBeTruthy();
  const token = (await invited.json()).path.split('/invite/')[1];
  const guides = await (await page.request.post('/api/training/list', { form: { programme_id: String(programme.id) } })).json();
  const guide = guides.guides.find((g: any) => g.audience === 'mentor');
  expect(guide, 'the demo programme has a guide for mentors').toBeTruthy();
  const sessions = await (await page.request.post('/api/sessions/list', { form: { programme_id: String(programme.id) } })).json();
  const session = sessions.upcoming.find((s: any) => s.topic === 'Short video for leaders');
  expect(session, 'the demo programme has a lunch & learn session').toBeTruthy();
  const people = await (await page.request.post('/api/directory', { data: { query: { q: '', department: 'Sales', skill: '', level: 0, page: 0 } } })).json();
  await signInByApi(page, MENTOR);
  const matches = await (await page.request.post('/api/me/matches', { form: {} })).json();
  const pair = matches.find((m: any) => m.programme_id === programme.id);
  expect(pair, 'the demo mentor has a pair').toBeTruthy();
  await page.request.post('/api/sign_out', { form: {} });
  return { programme: programme.id, pair: pair.pair_id, person: people.people[0].id, token, guide: guide.id, session: session.id };
}

function fill(route: string, ids: Ids): string {
  const path = route
    .replace(/^\/programmes\/:id/, `/programmes/${ids.programme}`)
    .replace(/^\/pairs\/:id/, `/pairs/${ids.pair}`)
    .replace(/^\/guides\/:id/, `/guides/${ids.guide}`)
    .replace(/^\/sessions\/:id/, `/sessions/${ids.session}`)
    .replace(/^\/people\/:id/, `/people/${ids.person}`)
    .replace(/^\/invite\/:token/, `/invite/${ids.token}`)
    // A reset link that was never mailed: the page explains it is not valid (404).
    .replace(/^\/reset\/:token/, '/reset/no-such-reset-link')
    .replace(/^\/unsubscribe\/:token/, '/unsubscribe/no-such-link');
  expect(path, `the crawl knows how to fill ${route}`).not.toContain(':');
  return path;
}

async function visitAll(page: Page, email: string, name: string, hydrate: boolean) {
  const ids = await demoIds(page);
  await signInByApi(page, email);
  expect(routes.length, 'routes were read from the route table').toBeGreaterThan(10);
  for (const route of [...routes, '/no-such-page']) {
    const path = fill(route, ids);
    await test.step(`${email} visits ${path}`, async () => {
      const res = await page.goto(path);
      expect(res!.status(), `${path} answers`).toBeLessThan(500);
      await expect(page.locator('main#main')).toBeVisible();
      // Still signed in as themselves, on every page.
      await expect(page.locator('header .who')).toHaveText(name);
      if (!hydrate) return;
      await hydrated(page);
      // Every collapsed panel, opened (one at a time: opening one can reveal others).
      const closed = page.locator('details:not([open]) > summary');
      // A page may hold dozens (the insights page's at-risk pairs): each attempt opens them all.
      await expect(async () => {
        for (let opened = 0; opened < 500 && (await closed.count()) > 0; opened++) await closed.first().click();
        expect(await closed.count()).toBe(0);
      }).toPass({ timeout: 30_000 });
      const explain = page.getByRole('button', { name: /^Explain/ }).first();
      if (await explain.count()) {
        await explain.click();
        await expect(page.locator('.explain h3')).toBeVisible();
      }
    });
  }
}

for (const [who, email, name] of [['an admin', ADMIN, 'Alex Morgan'], ['a mentor', MENTOR, 'Dana Okafor'], ['a mentee', MENTEE, 'Victor Lindqvist']] as const) {
  test(`${who} visits every route of the route table`, async ({ page }, info) => {
    test.setTimeout(240_000);
    await visitAll(page, email, name, info.project.name === 'crawl-hydrate');
  });
}
